"""Devices on a CPU-only library: convkit.device, convkit.cuda, convkit.backends,
convkit.accelerator, ``device=`` on factories, ``Tensor.to``/``cuda``/``cpu`` and
``Module.to``/``cuda``/``cpu``, each compared with torch 2.13's CPU build, which is what the
oracle installed for the tests is."""

import pickle

import numpy as np
import pytest
import torch

import convkit as ck
from tests.helpers import assert_same_outcome

DEVICE_CALLS = {
    "cpu": lambda L: repr(L.device("cpu")),
    "cuda_index": lambda L: repr(L.device("cuda", 0)),
    "cuda_string": lambda L: repr(L.device("cuda:1")),
    "cpu_index": lambda L: repr(L.device("cpu:0")),
    "keywords": lambda L: repr(L.device(type="cuda", index=1)),
    "copy": lambda L: repr(L.device(L.device("cpu"))),
    "fields": lambda L: (L.device("cuda:2").type, L.device("cuda:2").index, L.device("cpu").index),
    "str": lambda L: (str(L.device("cuda", 1)), str(L.device("cpu")), f"{L.device('cuda', 0)}"),
    "eq": lambda L: (
        L.device("cuda") == L.device("cuda:0"),
        L.device("cpu") == L.device("cpu", None),
        L.device("cpu") == "cpu",
        hash(L.device("cuda:1")) == hash(L.device("cuda", 1)),
    ),
    "negative": lambda L: L.device("cuda", -1),
    "unknown": lambda L: L.device("gpu"),
    "upper": lambda L: L.device("CUDA"),
    "bad_index": lambda L: L.device("cuda:x"),
    "leading_zero": lambda L: L.device("cuda:01"),
    "index_twice": lambda L: L.device("cuda:1", 0),
    "index_type": lambda L: L.device("cuda", "x"),
    "bare_int": lambda L: L.device(0),
    "tensor_device": lambda L: (repr(L.zeros(2).device), L.zeros(2).device.type),
    "is_cuda": lambda L: (L.zeros(2).is_cuda, L.zeros(2).get_device(), L.zeros(2).is_pinned()),
}


@pytest.mark.parametrize("name", list(DEVICE_CALLS))
def test_device_objects_like_torch(name):
    assert_same_outcome(DEVICE_CALLS[name], message=True)


def test_device_pickles_and_hashes():
    d = ck.device("cuda", 1)
    assert pickle.loads(pickle.dumps(d)) == d
    assert {ck.device("cpu"): 1}[ck.device("cpu")] == 1


CUDA_CALLS = [
    "is_available",
    "device_count",
    "is_initialized",
    "is_bf16_supported",
    "empty_cache",
    "synchronize",
    "current_device",
    "get_device_name",
    "get_device_capability",
    "get_device_properties",
    "init",
    "initial_seed",
    "get_rng_state",
    "get_rng_state_all",
    "seed",
    "seed_all",
    "memory_allocated",
    "max_memory_allocated",
    "memory_reserved",
    "max_memory_reserved",
    "ipc_collect",
    "current_stream",
    "default_stream",
    "mem_get_info",
    "get_arch_list",
    "Stream",
    "Event",
]


@pytest.mark.parametrize("name", CUDA_CALLS)
def test_cuda_module_like_torch_without_cuda(name):
    assert_same_outcome(lambda L: getattr(L.cuda, name)(), message=True)


def test_cuda_seeding_and_device_contexts_like_torch():
    assert_same_outcome(lambda L: (L.cuda.manual_seed(0), L.cuda.manual_seed_all(1)))
    assert_same_outcome(lambda L: L.cuda.manual_seed("a"))
    assert_same_outcome(lambda L: L.cuda.set_per_process_memory_fraction(0.5), message=True)
    assert_same_outcome(lambda L: L.cuda.device(0).__enter__(), message=True)
    assert_same_outcome(lambda L: L.cuda.device_of(L.zeros(1)).__enter__())


def test_backends_like_torch_without_cuda():
    def flags(L):
        c = L.backends.cudnn
        return (
            c.enabled,
            c.benchmark,
            c.deterministic,
            c.allow_tf32,
            c.is_available(),
            c.version(),
            L.backends.mps.is_available(),
            L.backends.mps.is_built(),
            L.backends.cuda.is_built(),
            L.backends.cuda.matmul.allow_tf32,
        )

    assert_same_outcome(flags)
    for lib in (torch, ck):
        lib.backends.cudnn.benchmark = True
        with lib.backends.cudnn.flags(enabled=False, deterministic=True):
            assert lib.backends.cudnn.deterministic and not lib.backends.cudnn.enabled
        assert lib.backends.cudnn.enabled and not lib.backends.cudnn.deterministic
        lib.backends.cudnn.benchmark = False


ACCELERATOR_CALLS = {
    "is_available": lambda L: L.accelerator.is_available(),
    "current_accelerator": lambda L: L.accelerator.current_accelerator(),
    "checked": lambda L: L.accelerator.current_accelerator(check_available=True),
    "device_count": lambda L: L.accelerator.device_count(),
    "current_device_index": lambda L: L.accelerator.current_device_index(),
    "set_device_index": lambda L: L.accelerator.set_device_index(0),
    "synchronize": lambda L: L.accelerator.synchronize(),
    "empty_cache": lambda L: L.accelerator.empty_cache(),
    "memory_allocated": lambda L: L.accelerator.memory_allocated(),
    "device_index_none": lambda L: L.accelerator.device_index(None).__enter__(),
    "device_index": lambda L: L.accelerator.device_index(0).__enter__(),
}


@pytest.mark.parametrize("name", list(ACCELERATOR_CALLS))
def test_accelerator_like_torch_without_one(name):
    assert_same_outcome(ACCELERATOR_CALLS[name], message=True)


FACTORIES = {
    "zeros": lambda L, d: L.zeros(2, device=d),
    "ones": lambda L, d: L.ones(2, device=d),
    "full": lambda L, d: L.full((2,), 3.0, device=d),
    "empty": lambda L, d: L.empty(2, device=d).shape,
    "rand": lambda L, d: L.rand(2, device=d).shape,
    "randn": lambda L, d: L.randn(2, device=d).shape,
    "randint": lambda L, d: L.randint(0, 5, (2,), device=d).shape,
    "randperm": lambda L, d: L.randperm(3, device=d).shape,
    "arange": lambda L, d: L.arange(3, device=d),
    "tensor": lambda L, d: L.tensor([1.0], device=d),
    "as_tensor": lambda L, d: L.as_tensor([1.0], device=d),
    "eye": lambda L, d: L.eye(2, device=d),
    "linspace": lambda L, d: L.linspace(0, 1, 3, device=d),
    "zeros_like": lambda L, d: L.zeros_like(L.ones(2), device=d),
    "ones_like": lambda L, d: L.ones_like(L.ones(2), device=d),
    "full_like": lambda L, d: L.full_like(L.ones(2), 4.0, device=d),
    "empty_like": lambda L, d: L.empty_like(L.ones(2), device=d).shape,
    "rand_like": lambda L, d: L.rand_like(L.ones(2), device=d).shape,
    "randn_like": lambda L, d: L.randn_like(L.ones(2), device=d).shape,
    "new_zeros": lambda L, d: L.ones(2).new_zeros(3, device=d),
    "Tensor": lambda L, d: L.Tensor(2, device=d).shape,
}


@pytest.mark.parametrize("where", ["cpu", "cpu:1", "cuda", "cuda:1", "device_cuda", "mps", 0])
@pytest.mark.parametrize("name", list(FACTORIES))
def test_device_keyword_on_factories_like_torch(name, where):
    def run(L):
        d = L.device("cuda", 1) if where == "device_cuda" else where
        return FACTORIES[name](L, d)

    # torch's dispatcher lists its every backend for mps; convkit names the backend only.
    kind, result = assert_same_outcome(run, message=where != "mps" or name == "Tensor")
    if where in ("cpu", "cpu:1"):
        assert kind == "ok"
    if where == "mps":
        assert any(s in result for s in ("'MPS' backend", "mps devices", "type: mps"))


TO_CALLS = {
    "dtype": lambda L, x: x.to(L.float64),
    "device": lambda L, x: x.to("cpu"),
    "device_obj": lambda L, x: x.to(L.device("cpu")),
    "device_dtype": lambda L, x: x.to("cpu", L.float64),
    "keywords": lambda L, x: x.to(device="cpu", dtype=L.int64),
    "tensor": lambda L, x: x.to(L.zeros(1, dtype=L.int64)),
    "flags": lambda L, x: x.to(L.float64, non_blocking=True, copy=True),
    "device_flag": lambda L, x: x.to("cpu", non_blocking=True),
    "none": lambda L, x: x.to(None),
    "nothing": lambda L, x: x.to(),
    "dtype_none": lambda L, x: x.to(dtype=None),
    "cuda": lambda L, x: x.to("cuda"),
    "cuda_index": lambda L, x: x.to("cuda:1"),
    "index": lambda L, x: x.to(3),
    "mps": lambda L, x: x.to("mps"),
    "xpu": lambda L, x: x.to("xpu"),
    "bad": lambda L, x: x.to("xyz"),
    "channels_last_rank": lambda L, x: x.to(memory_format=L.channels_last),
    "dtype_then_device": lambda L, x: x.to(L.float32, "cpu"),
    "cpu": lambda L, x: x.cpu(),
    "cuda()": lambda L, x: x.cuda(),
    "cuda(0)": lambda L, x: x.cuda(0),
    "cuda(str)": lambda L, x: x.cuda("cuda:1"),
    "cuda(cpu)": lambda L, x: x.cuda(L.device("cpu")),
    "cuda(kw)": lambda L, x: x.cuda(device=0, non_blocking=True),
    "pin_memory": lambda L, x: x.pin_memory(),
}


@pytest.mark.parametrize("name", list(TO_CALLS))
def test_tensor_to_like_torch(name):
    def run(L):
        return TO_CALLS[name](L, L.tensor([1.5, -2.0]))

    # The TypeError for a dtype before the device lists the accepted forms in torch's words.
    assert_same_outcome(run, message=name != "dtype_then_device")


def test_to_returns_self_or_copy_like_torch():
    for lib in (torch, ck):
        x = lib.ones(2)
        assert x.to("cpu") is x and x.to(lib.float32) is x and x.cpu() is x
        y = x.to(lib.float32, copy=True)
        assert y is not x and not np.shares_memory(np.asarray(y), np.asarray(x))
        z = lib.ones(1, 2, 3, 4).to(memory_format=lib.channels_last)
        assert tuple(z.shape) == (1, 2, 3, 4)


MODULE_CALLS = {
    "to_cpu": lambda L, m: m.to("cpu").weight.dtype,
    "to_dtype": lambda L, m: m.to(L.float64).weight.dtype,
    "to_device_dtype": lambda L, m: m.to(L.device("cpu"), L.float64).weight.dtype,
    "to_tensor": lambda L, m: m.to(L.zeros(1, dtype=L.float64)).weight.dtype,
    "to_keyword": lambda L, m: m.to(dtype=L.float64, non_blocking=True).weight.dtype,
    "to_int": lambda L, m: m.to("cpu", L.int32),
    "to_cuda": lambda L, m: m.to("cuda"),
    "to_cuda_dtype": lambda L, m: m.to("cuda", L.float64),
    "to_index": lambda L, m: m.to(0),
    "to_mps": lambda L, m: m.to("mps"),
    "cuda": lambda L, m: m.cuda(),
    "cuda_index": lambda L, m: m.cuda(0),
    "cpu": lambda L, m: m.cpu().weight.dtype,
    "empty_cuda": lambda L, m: type(L.nn.ReLU().cuda()).__name__,
    "empty_to_cuda": lambda L, m: type(L.nn.ReLU().to("cuda")).__name__,
}


@pytest.mark.parametrize("name", list(MODULE_CALLS))
def test_module_devices_like_torch(name):
    def run(L):
        result = MODULE_CALLS[name](L, L.nn.Linear(2, 2))
        return str(result).replace("torch.", "") if not isinstance(result, str) else result

    assert_same_outcome(run, message=True)


def test_module_to_changes_dtype_in_place_and_keeps_integer_buffers():
    bn = ck.nn.BatchNorm2d(3)
    weight = bn.weight
    assert bn.to("cpu", ck.float64) is bn and bn.weight is weight
    assert bn.weight.dtype == np.float64 and bn.running_mean.dtype == np.float64
    assert bn.num_batches_tracked.dtype == np.int64


def test_default_device_like_torch():
    def run(L):
        with L.device("cpu"):
            a = L.zeros(1).device.type
        with L.device("cuda"):
            L.zeros(1)
        return a

    def getter(L):
        L.set_default_device("cuda")
        try:
            return L.get_default_device()
        finally:
            L.set_default_device(None)

    assert_same_outcome(run, message=True)
    assert_same_outcome(getter, message=True)
    assert repr(ck.get_default_device()) == "device(type='cpu')"
    assert ck.zeros(1).device == ck.device("cpu")
