"""Random number generation as torch's CPU generator does it: ``Generator``, the global seed
functions and every draw (uniform, normal, integers, permutations, Bernoulli, exponential,
multinomial) in torch's order, bit for bit.

torch's CPU generator is MT19937, seeded like ``std::mt19937`` with the low 32 bits of the seed
(NumPy's legacy ``RandomState(seed)`` seeding, so NumPy's MT19937 makes the raw words). Every
torch kernel consumes those words in a fixed way, reproduced here:

- ``random()`` is one 32-bit word, ``random64()`` two words, the first one the high half.
- float32 uniforms use the low 24 bits of one word, float64 uniforms the low 53 bits of
  ``random64()``: ``x = bits * 2**-digits`` then ``fma(x, to - from, from)`` in the dtype
  (a result that rounds up to ``to`` becomes ``from``).
- normals of fewer than 16 elements (or into a non-contiguous tensor) come one at a time from
  Box-Muller on two float64 uniforms, ``r = sqrt(-2 log1p(-u2))``, ``theta = 2 pi u1``: the cosine
  is returned and the sine is kept in the generator for the next normal, in any later call.
  From 16 elements on, all uniforms are drawn first and transformed in blocks of 16 (lane j and
  j + 8 share a radius and an angle); a last partial block is redrawn over the last 16 elements.
  float32 uses the vectorised float32 ``log``/``sincos`` of avx_mathfun.h (see kernels/rng.py).
- integers in [from, to): ``(word % range) + from``, with ``random64()`` from a range of 2**28 on.
- ``randperm(n)``: n - 1 swaps ``r[i] <-> r[i + random() % (n - i)]``.
- Bernoulli with a scalar p: ``uniform_double < p``; with a tensor p, the uniform is float32
  (one word) for float32 probabilities and float64 (two words) for float64 ones.

That is what torch 2.13 does on x86 CPUs with AVX2 and on non-Intel CPUs. Two things are not
covered: torch's MKL build on an Intel CPU draws scalar-p Bernoulli masks (``bernoulli_(p)``,
dropout) from MKL's own stream, and CPUs without AVX2 use a scalar float32 normal path.

``get_state()`` returns torch's own 5056-byte layout (a uint8 Tensor), so a state taken from
torch (``torch.get_rng_state().numpy()``) can be set here and the other way round.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Iterator, Sequence

import numpy as np
from numpy.typing import NDArray

from .autograd import tensor_type
from .devices import device as device_type
from .kernels import rng as K

__all__ = [
    "Generator",
    "default_generator",
    "manual_seed",
    "seed",
    "initial_seed",
    "get_rng_state",
    "set_rng_state",
    "fork_rng",
]

_DEFAULT_SEED = 67280421310721  # torch's default_rng_seed_val: what torch.Generator() starts from
_MT_N = 624  # words in the MT19937 state
# torch's CPUGeneratorImplState, little-endian, as torch.get_rng_state() lays it out.
_STATE_DTYPE = np.dtype(
    [
        ("the_initial_seed", "<u8"),
        ("left", "<i4"),
        ("seeded", "<i4"),
        ("next", "<u8"),
        ("state", "<u8", (_MT_N,)),
        ("normal_x", "<f8"),
        ("normal_y", "<f8"),
        ("normal_rho", "<f8"),
        ("normal_is_valid", "<i4"),
        ("pad0", "<i4"),
        ("next_float_normal_sample", "<f4"),
        ("is_next_float_normal_sample_valid", "u1"),
        ("pad1", "u1", (3,)),
    ]
)
_STATE_BYTES = _STATE_DTYPE.itemsize  # 5056
# Words are drawn and transformed in chunks of this many elements, so that temporaries stay in
# cache and memory stays a small multiple of the output. The float32 Box-Muller makes about a
# hundred NumPy passes over its chunk: 2**14 elements (8192 lanes) measured fastest there.
_CHUNK = 1 << 16
_NORMAL_CHUNK = 1 << 14
_U32 = NDArray[np.uint32]
_U64 = NDArray[np.uint64]


def _seed_value(seed: Any, where: str) -> int:
    """A seed as torch stores it: an int in [-2**63, 2**64), negatives taken modulo 2**64."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise RuntimeError(f"{where} expected a long, but got {type(seed).__name__}")
    value = int(seed)
    if not -(2**63) <= value < 2**64:
        raise ValueError(
            f"{where}: the seed {value} is out of range: it must be in [-2**63, 2**64) "
            "(Overflow when unpacking long long)"
        )
    return value % 2**64


class Generator:
    """torch.Generator for the CPU: an MT19937 stream with torch's seeding and state layout.

    ``Generator().manual_seed(s)`` gives the same numbers as ``torch.Generator().manual_seed(s)``
    in every convkit random function that takes ``generator=``. A new Generator starts from
    torch's default seed 67280421310721.
    """

    def __init__(self, device: Any = "cpu") -> None:
        kind = device_type(device).type
        if kind == "cuda":
            raise RuntimeError(
                "Cannot get CUDA generator without ATen_cuda library: convkit runs on the CPU only"
            )
        if kind != "cpu":
            raise RuntimeError(f"{kind.upper()} device type not an accelerator.")
        self._engine = np.random.MT19937()
        self._draw = np.random.Generator(self._engine)
        self._next_double_normal: float | None = None
        self._next_float_normal: float | None = None
        self._seed = 0
        self._fresh = True
        self._reseed(_DEFAULT_SEED)

    @property
    def device(self) -> Any:
        return device_type("cpu")

    # ----- seeding and state ------------------------------------------------------------------
    def _reseed(self, seed: int) -> None:
        self._engine._legacy_seeding(seed & 0xFFFFFFFF)  # torch keeps the low 32 bits
        self._seed = seed
        self._fresh = True  # torch's engine marks a just-seeded state (next = 0) in get_state
        self._next_double_normal = None
        self._next_float_normal = None

    def manual_seed(self, seed: int) -> Generator:
        """Seed the generator (as ``torch.Generator.manual_seed``); returns the generator."""
        self._reseed(_seed_value(seed, "manual_seed"))
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy and return that seed (64 bits)."""
        value = int.from_bytes(os.urandom(8), "little")
        self._reseed(value)
        return value

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with (an int in [0, 2**64))."""
        return self._seed

    def get_state(self) -> Any:
        """The state as a uint8 Tensor of 5056 bytes in torch's CPUGeneratorImplState layout."""
        return tensor_type()._wrap(np.frombuffer(self._state_bytes(), dtype=np.uint8).copy())

    def set_state(self, new_state: Any) -> Generator:
        """Restore a state from ``get_state`` (convkit's or torch's bytes); returns self."""
        self._set_state_bytes(_state_array(new_state, "set_state"))
        return self

    def clone_state(self) -> Generator:
        """A new Generator in this one's exact state."""
        other = Generator()
        other._set_state_bytes(np.frombuffer(self._state_bytes(), dtype=np.uint8))
        return other

    def _state_bytes(self) -> bytes:
        mt = self._engine.state["state"]
        pos = int(mt["pos"])
        rec = np.zeros((), dtype=_STATE_DTYPE)
        rec["the_initial_seed"] = self._seed
        # torch's engine counts down `left` to the next twist and up `next` through the block;
        # NumPy's `pos` is `next` except right after seeding, where torch has next = 0.
        rec["left"] = _MT_N + 1 - pos
        rec["seeded"] = 1
        rec["next"] = 0 if self._fresh else pos
        rec["state"] = np.asarray(mt["key"], dtype=np.uint64)
        if self._next_double_normal is not None:
            rec["normal_is_valid"] = 1
            rec["normal_y"] = self._next_double_normal
        if self._next_float_normal is not None:
            rec["is_next_float_normal_sample_valid"] = 1
            rec["next_float_normal_sample"] = self._next_float_normal
        return rec.tobytes()

    def _set_state_bytes(self, raw: NDArray[np.uint8]) -> None:
        rec = np.frombuffer(raw.tobytes(), dtype=_STATE_DTYPE)[0]
        left, nxt = int(rec["left"]), int(rec["next"])
        if int(rec["seeded"]) != 1 or not 0 < left <= _MT_N or nxt > _MT_N:
            raise RuntimeError(
                f"Invalid mt19937 state: seeded={int(rec['seeded'])}, left={left}, next={nxt} "
                f"(a valid state has seeded=1, 0 < left <= {_MT_N}, next <= {_MT_N})"
            )
        key = rec["state"].astype(np.uint32)
        pos = _MT_N if left == 1 else _MT_N + 1 - left
        self._engine.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
        self._seed = int(rec["the_initial_seed"])
        self._fresh = left == 1 and nxt == 0
        self._next_double_normal = float(rec["normal_y"]) if rec["normal_is_valid"] else None
        self._next_float_normal = (
            float(rec["next_float_normal_sample"])
            if rec["is_next_float_normal_sample_valid"]
            else None
        )

    def _mt19937(self) -> tuple[_U32, int, float | None]:
        """The raw MT19937 words, the position in them (NumPy's layout) and the cached normal."""
        mt = self._engine.state["state"]
        return np.asarray(mt["key"], np.uint32), int(mt["pos"]), self._next_double_normal

    def _set_mt19937(self, key: _U32, pos: int, cached_normal: float | None = None) -> None:
        """Set what ``_mt19937`` returns (a checkpoint's record of the stream)."""
        self._engine.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
        self._fresh = False
        self._next_double_normal = cached_normal
        self._next_float_normal = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_generator, (self._state_bytes(),))

    # ----- raw words ----------------------------------------------------------------------------
    def _random(self, n: int) -> _U32:
        """n raw 32-bit words (torch's ``random()``, n times)."""
        self._fresh = False
        return self._draw.integers(0, 2**32, size=n, dtype=np.uint32)

    def _random64(self, n: int) -> _U64:
        """n 64-bit values from pairs of words, the first word high (torch's ``random64()``)."""
        w = self._random(2 * n).astype(np.uint64)
        return (w[0::2] << np.uint64(32)) | w[1::2]


def _rebuild_generator(raw: bytes) -> Generator:
    g = Generator()
    g._set_state_bytes(np.frombuffer(raw, dtype=np.uint8))
    return g


def _state_array(state: Any, where: str) -> NDArray[np.uint8]:
    if isinstance(state, tensor_type()):
        arr = state._array
    elif isinstance(state, np.ndarray):
        arr = state
    else:
        raise TypeError(
            f"{where}: expected a uint8 Tensor (torch.ByteTensor), but got {type(state).__name__}"
        )
    if arr.dtype != np.uint8:
        raise TypeError(
            f"{where}: RNG state must be a uint8 Tensor (torch.ByteTensor), got dtype {arr.dtype}"
        )
    if arr.size != _STATE_BYTES:
        raise RuntimeError(
            f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found the input RNG "
            f"state size to be {arr.size}"
        )
    return np.ascontiguousarray(arr).reshape(-1)


default_generator = Generator()
default_generator.seed()  # torch seeds its default generator from the OS at start-up


def manual_seed(seed: Any) -> Generator:
    """Seed the global generator; as torch, anything ``int()`` accepts is a seed."""
    return default_generator.manual_seed(_seed_value(int(seed), "manual_seed"))


def seed() -> int:
    """Seed the global generator from the OS and return the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the global generator was last seeded with."""
    return default_generator.initial_seed()


def get_rng_state() -> Any:
    """The global generator's state: a uint8 Tensor in torch's layout."""
    return default_generator.get_state()


def set_rng_state(new_state: Any) -> None:
    """Restore the global generator's state (from ``get_rng_state``, convkit's or torch's)."""
    default_generator._set_state_bytes(_state_array(new_state, "set_rng_state"))


@contextlib.contextmanager
def fork_rng(
    devices: Sequence[Any] | None = None,
    enabled: bool = True,
    _caller: str = "fork_rng",
    _devices_kw: str = "devices",
    device_type: str = "cuda",
) -> Iterator[None]:
    """Restore the global generator's state on leaving the block (torch.random.fork_rng).

    convkit has only the CPU generator, so ``devices`` and ``device_type`` change nothing.
    """
    if not enabled:
        yield
        return
    saved = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(saved)


def _resolve(generator: Any) -> Generator:
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a convkit.Generator, got {type(generator).__name__}")
    return generator


def _numel(shape: Sequence[int]) -> int:
    return math.prod(int(s) for s in shape)


_pool_by_pid: dict[int, ThreadPoolExecutor] = {}
_IN_FLIGHT = 4  # chunks drawn ahead of the transforms, bounding the extra memory


def _pool() -> ThreadPoolExecutor:
    """Two worker threads, made once per process (a forked child, e.g. a DataLoader worker,
    gets its own: the parent's threads do not exist there)."""
    pid = os.getpid()
    if pid not in _pool_by_pid:
        _pool_by_pid.clear()
        _pool_by_pid[pid] = ThreadPoolExecutor(2, thread_name_prefix="convkit-random")
    return _pool_by_pid[pid]


def _chunked(
    n: int,
    chunk: int,
    draw: Callable[[int], Any],
    transform: Callable[[Any, int, int], None],
) -> None:
    """``transform(draw(count), start, stop)`` for consecutive chunks covering [0, n).

    The draws run here, in order (the stream is sequential); the transforms, which write
    disjoint slices, run on two threads meanwhile, since NumPy releases the GIL in its loops:
    drawing chunk k + 1 overlaps transforming chunk k.
    """
    if n <= 2 * chunk:
        for start in range(0, n, chunk):
            stop = min(start + chunk, n)
            transform(draw(stop - start), start, stop)
        return
    pool = _pool()
    pending: deque[Future[None]] = deque()
    try:
        for start in range(0, n, chunk):
            stop = min(start + chunk, n)
            pending.append(pool.submit(transform, draw(stop - start), start, stop))
            if len(pending) >= _IN_FLIGHT:
                pending.popleft().result()
    finally:
        for future in pending:
            future.result()


# ----- uniform ----------------------------------------------------------------------------------


def _check_float_dtype(dtype: np.dtype, op: str) -> None:
    if dtype not in (np.float32, np.float64):
        if dtype.kind == "f":
            raise TypeError(f"{op}: convkit draws float32 and float64 only, not {dtype}")
        raise NotImplementedError(f"\"{op}\" not implemented for '{dtype}'")


def uniform(
    shape: Sequence[int], low: float, high: float, dtype: Any, generator: Any = None
) -> NDArray[np.floating]:
    """U[low, high) in ``dtype`` as torch's ``uniform_`` draws it (flat in memory order)."""
    dtype = np.dtype(dtype)
    _check_float_dtype(dtype, "uniform_")
    info = np.finfo(dtype)
    for name, v in (("from", low), ("to", high)):
        if not -float(info.max) <= float(v) <= float(info.max):
            raise RuntimeError(f"{name} is out of bounds for {dtype}")
    if low > high:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={low} > to={high}"
        )
    if float(high) - float(low) > float(info.max):
        raise RuntimeError(
            f"uniform_ expects to-from <= std::numeric_limits<{dtype}>::max(), but found "
            f"to={high} and from={low} which result in to-from to exceed the limit"
        )
    g = _resolve(generator)
    n = _numel(shape)
    if dtype == np.float32:
        out: NDArray[np.floating] = _uniform_f32(g, n, np.float32(low), np.float32(high))
    else:
        out = _uniform_f64(g, n, float(low), float(high))
    return out.reshape(tuple(shape))


def _uniform_f32(g: Generator, n: int, lo: np.float32, hi: np.float32) -> NDArray[np.float32]:
    span = hi - lo  # torch subtracts in float32
    out = np.empty(n, dtype=np.float32)
    # fma(k * 2**-24, span, lo) for 24-bit k: the product k*span is exact in float64, and the
    # sum with lo is exact too when every possible result is an integer multiple of the finer
    # of the two grids below 2**53 of them; then float64 -> float32 is the only rounding.
    exact = span == 0 or (
        (abs(float(span)) + abs(float(lo))) / min(_lsb(float(span)) * 2.0**-24, _lsb(float(lo)))
        <= 2.0**53
    )
    scale = np.float64(span) * 2.0**-24
    lo64 = np.float64(lo)

    def transform(w: _U32, start: int, stop: int) -> None:
        w &= np.uint32(0xFFFFFF)
        if exact:
            s = np.multiply(w, scale, dtype=np.float64)
            np.add(s, lo64, out=out[start:stop], casting="unsafe")
        else:
            x = w.astype(np.float32) * np.float32(2.0**-24)
            out[start:stop] = K.fma_f32(x, span, lo)

    _chunked(n, _CHUNK, g._random, transform)
    # x < 1, but the rounding of x*span + lo can still reach `to`; torch maps it back to `from`.
    top = K.fma_f32(np.array([1 - 2.0**-24], np.float32), span, lo)[0]
    if top >= hi and n:
        out[out >= hi] = lo
    return out


def _lsb(v: float) -> float:
    """The weight of the lowest set bit of a nonzero float (inf for 0: no constraint)."""
    if v == 0:
        return math.inf
    m, e = math.frexp(abs(v))
    mant = int(m * 2**53)
    return 2.0 ** (e - 53 + ((mant & -mant).bit_length() - 1))


def _uniform_f64(g: Generator, n: int, lo: float, hi: float) -> NDArray[np.float64]:
    span = hi - lo
    out = np.empty(n, dtype=np.float64)
    mask = np.uint64((1 << 53) - 1)

    def transform(bits: _U64, start: int, stop: int) -> None:
        x = (bits & mask).astype(np.float64) * 2.0**-53
        out[start:stop] = K.fma_f64(x, span, lo)

    _chunked(n, _CHUNK, g._random64, transform)
    if n:
        out[out >= hi] = lo
    return out


def uniform_double(g: Generator, n: int) -> NDArray[np.float64]:
    """n float64 uniforms in [0, 1), two words each (torch's uniform_real_distribution<double>)."""
    return (g._random64(n) & np.uint64((1 << 53) - 1)).astype(np.float64) * 2.0**-53


def uniform_float(g: Generator, n: int) -> NDArray[np.float32]:
    """n float32 uniforms in [0, 1), one word each (torch's uniform_real_distribution<float>)."""
    return (g._random(n) & np.uint32(0xFFFFFF)).astype(np.float32) * np.float32(2.0**-24)


# ----- normal -----------------------------------------------------------------------------------


def normal(
    shape: Sequence[int],
    mean: float,
    std: float,
    dtype: Any,
    generator: Any = None,
    contiguous: bool = True,
) -> NDArray[np.floating]:
    """N(mean, std**2) in ``dtype`` as torch's ``normal_`` draws it (flat in memory order).

    ``contiguous=False`` is torch's path for a strided destination: one draw at a time.
    """
    dtype = np.dtype(dtype)
    if dtype.kind not in "f":
        raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for '{dtype}'")
    _check_float_dtype(dtype, "normal_")
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_num(std)}")
    g = _resolve(generator)
    n = _numel(shape)
    if n >= 16 and contiguous:
        out = _normal_fill(g, n, mean, std, dtype)
    else:
        out = _normal_serial(g, n, float(mean), float(std)).astype(dtype)
    return out.reshape(tuple(shape))


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _normal_fill(g: Generator, n: int, mean: float, std: float, dtype: np.dtype) -> NDArray[Any]:
    """torch's normal_fill: n uniforms, Box-Muller per block of 16, last partial block redrawn."""
    out = np.empty(n, dtype=dtype)
    whole = n // 16 * 16

    def transform(u: NDArray[Any], start: int, stop: int) -> None:
        out[start:stop] = _box_muller(u, mean, std, dtype).ravel()

    _chunked(whole, _NORMAL_CHUNK, lambda count: _uniforms(g, count, dtype), transform)
    if n % 16:
        _uniforms(g, n - whole, dtype)  # drawn into the tail by torch, then overwritten
        out[n - 16 :] = _box_muller(_uniforms(g, 16, dtype), mean, std, dtype).ravel()
    return out


def _uniforms(g: Generator, n: int, dtype: np.dtype) -> NDArray[Any]:
    return uniform_float(g, n) if dtype == np.float32 else uniform_double(g, n)


def _box_muller(u: NDArray[Any], mean: float, std: float, dtype: np.dtype) -> NDArray[Any]:
    blocks = u.reshape(-1, 16)
    if dtype == np.float32:
        return K.box_muller_f32(blocks, np.float32(mean), np.float32(std))
    return K.box_muller_f64(blocks, float(mean), float(std))


def _normal_serial(g: Generator, n: int, mean: float, std: float) -> NDArray[np.float64]:
    """n float64 normals one at a time, with the cached second value of each Box-Muller pair."""
    parts: list[NDArray[np.float64]] = []
    if n and g._next_double_normal is not None:
        parts.append(np.array([g._next_double_normal]))
        g._next_double_normal = None
        n -= 1
    if n:
        pairs = (n + 1) // 2
        u = uniform_double(g, 2 * pairs).reshape(pairs, 2)
        radius = np.sqrt(-2.0 * K.libm_log1p(-u[:, 1]))
        theta = 2.0 * math.pi * u[:, 0]
        z = np.empty((pairs, 2))
        z[:, 0] = radius * K.libm_cos(theta)
        z[:, 1] = radius * K.libm_sin(theta)
        flat = z.ravel()
        if n % 2:
            g._next_double_normal = float(flat[-1])
        parts.append(flat[:n])
    values = np.concatenate(parts) if parts else np.zeros(0)
    if mean == 0:  # fma(v, std, +-0) is v*std rounded once
        return values * std + mean
    return K.fma_f64(values, std, mean)


# ----- integers ---------------------------------------------------------------------------------

_INT_LIMITS = {
    np.dtype(np.bool_): (0, 1),
    np.dtype(np.uint8): (0, 255),
    np.dtype(np.int8): (-128, 127),
    np.dtype(np.int16): (-(2**15), 2**15 - 1),
    np.dtype(np.int32): (-(2**31), 2**31 - 1),
    np.dtype(np.int64): (-(2**63), 2**63 - 1),
    np.dtype(np.float32): (-(2**24), 2**24),
    np.dtype(np.float64): (-(2**53), 2**53),
}
_TORCH_NAMES = {
    "bool": "bool",
    "uint8": "unsigned char",
    "int8": "signed char",
    "int16": "short",
    "int32": "int",
    "int64": "long",
    "float32": "float",
    "float64": "double",
}


def random_from_to(
    shape: Sequence[int], low: int, high: int, dtype: Any, generator: Any = None
) -> NDArray[Any]:
    """Integers in [low, high) as torch's ``random_(from, to)`` and ``randint`` draw them."""
    dtype = np.dtype(dtype)
    low, high = int(low), int(high)
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    if dtype not in _INT_LIMITS:
        raise TypeError(f"random_: convkit cannot draw integers into {dtype}")
    lo_lim, hi_lim = _INT_LIMITS[dtype]
    name = _TORCH_NAMES.get(dtype.name, dtype.name)
    if dtype.kind == "f":
        if not lo_lim <= low <= hi_lim or not lo_lim <= high - 1 <= hi_lim:
            raise NotImplementedError(
                f"random_/randint into {dtype} with bounds outside [-2**{dtype.itemsize * 6 + 0}"
                f", ...]: convkit matches torch only where {dtype} holds every integer "
                f"(|from|, |to - 1| <= {hi_lim})"
            )
    else:
        if not lo_lim <= low <= hi_lim:
            raise RuntimeError(f"from is out of bounds for {name}")
        if not lo_lim <= high - 1 <= hi_lim:
            raise RuntimeError(f"to - 1 is out of bounds for {name}")
    g = _resolve(generator)
    n = _numel(shape)
    span = high - low
    # torch 2.13 takes 64-bit draws from a range of 2**28 on (fewer modulo-biased values).
    words = g._random64(n) if span >= 1 << 28 else g._random(n).astype(np.uint64)
    values = words % np.uint64(span)
    if low >= 0 and high <= 2**63:
        result = values.astype(np.int64) + np.int64(low)
    else:  # wrap-around int64 arithmetic, as in C++
        result = (values + np.uint64(low % 2**64)).view(np.int64)
    return result.astype(dtype).reshape(tuple(shape))


def random_default(shape: Sequence[int], dtype: Any, generator: Any = None) -> NDArray[Any]:
    """``random_()`` without bounds: [0, 2**mantissa] for floats, [0, max] for integers."""
    dtype = np.dtype(dtype)
    g = _resolve(generator)
    n = _numel(shape)
    if dtype == np.bool_:
        return (g._random(n) & np.uint32(1)).astype(np.bool_).reshape(tuple(shape))
    if dtype == np.float32:
        words = g._random(n).astype(np.uint64) % np.uint64(2**24 + 1)
    elif dtype == np.float64:
        words = g._random64(n) % np.uint64(2**53 + 1)
    elif dtype == np.int64:
        words = g._random64(n) % np.uint64(2**63)
    elif dtype.kind in "iu":
        words = g._random(n).astype(np.uint64) % np.uint64(int(np.iinfo(dtype).max) + 1)
    else:
        raise TypeError(f"random_: convkit cannot draw into {dtype}")
    return words.astype(dtype).reshape(tuple(shape))


def random_to_max(
    shape: Sequence[int], low: int, dtype: Any, generator: Any = None
) -> NDArray[Any]:
    """``random_(from, None)``: [from, max + 1) of the dtype (full 64 bits for int64's min)."""
    dtype = np.dtype(dtype)
    if dtype not in _INT_LIMITS:
        raise TypeError(f"random_: convkit cannot draw integers into {dtype}")
    top = _INT_LIMITS[dtype][1]
    if dtype == np.int64 and int(low) == -(2**63):
        g = _resolve(generator)
        return g._random64(_numel(shape)).view(np.int64).reshape(tuple(shape))
    return random_from_to(shape, low, top + 1, dtype, generator)


_RANDPERM_SWAP_LIMIT = (2**32 - 1) // 20  # torch keeps 32-bit swaps below this n


def randperm(n: int, generator: Any = None) -> NDArray[np.int64]:
    """torch's CPU ``randperm(n)``: swaps ``r[i] <-> r[i + random() % (n - i)]``, and from
    n = 2**32 / 20 on an inside-out shuffle driven by ``random64()``."""
    n = int(n)
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    g = _resolve(generator)
    if n < _RANDPERM_SWAP_LIMIT:
        return _randperm_swaps(n, g)
    return _randperm_inside_out(n, g)


def _randperm_swaps(n: int, g: Generator) -> NDArray[np.int64]:
    if n < 2:
        return np.arange(n, dtype=np.int64)
    offsets = (g._random(n - 1) % np.arange(n, 1, -1, dtype=np.uint32)).tolist()
    perm = list(range(n))
    for i, z in enumerate(offsets):
        j = i + z
        perm[i], perm[j] = perm[j], perm[i]
    return np.array(perm, dtype=np.int64)


def _randperm_inside_out(n: int, g: Generator) -> NDArray[np.int64]:
    """r[i] = r[z]; r[z] = i for z = random64() % (i + 1), i = 0 .. n-1."""
    perm = np.empty(n, dtype=np.int64)
    for start in range(0, n, _CHUNK):
        count = min(_CHUNK, n - start)
        zs = g._random64(count) % np.arange(start + 1, start + count + 1, dtype=np.uint64)
        for i, z in zip(range(start, start + count), zs.tolist(), strict=True):
            perm[i] = perm[z]
            perm[z] = i
    return perm


# ----- Bernoulli, exponential, multinomial ------------------------------------------------------


def bernoulli_scalar(shape: Sequence[int], p: float, generator: Any = None) -> NDArray[np.bool_]:
    """True with probability p: ``uniform_double < p`` per element (``bernoulli_(p)``)."""
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    g = _resolve(generator)
    n = _numel(shape)
    out = np.empty(n, dtype=np.bool_)

    def transform(u: NDArray[np.float64], start: int, stop: int) -> None:
        np.less(u, p, out=out[start:stop])

    _chunked(n, _CHUNK, lambda count: uniform_double(g, count), transform)
    return out.reshape(tuple(shape))


def bernoulli_tensor(p: NDArray[Any], generator: Any = None) -> NDArray[np.bool_]:
    """True where a uniform is below ``p`` (elementwise, flat in memory order of ``p``).

    float64 probabilities are compared with float64 uniforms (two words each), any other
    floating dtype with float32 uniforms (one word each), as torch's bernoulli_tensor_kernel.
    """
    if p.dtype.kind != "f":
        raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for '{p.dtype}'")
    if p.size and not (np.all(p >= 0) and np.all(p <= 1)):
        raise RuntimeError(
            "Expected p_in >= 0 && p_in <= 1 to be true, but got false: every probability of "
            "bernoulli must lie in [0, 1]"
        )
    g = _resolve(generator)
    flat = p.reshape(-1)
    if p.dtype == np.float64:
        u: NDArray[Any] = uniform_double(g, flat.size)
    else:
        u = uniform_float(g, flat.size)
        flat = flat.astype(np.float32)
    return (u < flat).reshape(p.shape)


def exponential(
    shape: Sequence[int], lambd: float, dtype: Any, generator: Any = None
) -> NDArray[np.floating]:
    """Exp(lambd) as torch's CPU ``exponential_``: ``-1/lambd * log1p(-u)``, u float64."""
    dtype = np.dtype(dtype)
    _check_float_dtype(dtype, "exponential_")
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_num(lambd)}")
    g = _resolve(generator)
    u = uniform_double(g, _numel(shape))
    return ((-1.0 / float(lambd)) * K.libm_log1p(-u)).astype(dtype).reshape(tuple(shape))


def multinomial(
    probs: NDArray[np.floating], num_samples: int, replacement: bool, generator: Any = None
) -> NDArray[np.int64]:
    """torch's CPU ``multinomial`` over the last axis of a 1-d or 2-d array of weights.

    Without replacement, or for a single sample, torch takes the ``num_samples`` largest of
    ``p / q`` with q ~ Exp(1) (exponential race); with replacement, each sample is a binary
    search of a float64 uniform in the normalised running sum.
    """
    if probs.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got {probs.ndim}")
    if probs.dtype.kind != "f":
        raise RuntimeError(
            f"multinomial only supports floating-point dtypes for input, got: {probs.dtype}"
        )
    num_samples = int(num_samples)
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples, got {num_samples}")
    n_cat = probs.shape[-1]
    if not replacement and num_samples > n_cat:
        raise RuntimeError(
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
        )
    g = _resolve(generator)
    rows = probs.reshape(-1, n_cat)
    if not replacement or num_samples == 1:
        if not (np.all(rows < np.inf) and np.all(rows >= 0)):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if np.any(rows.sum(axis=1) == 0):
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        q = exponential(rows.shape, 1.0, rows.dtype, g)
        keys = rows / q
        # torch's topk: largest first; equal keys (zero weights) keep the lower index first.
        order = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
        result = order.astype(np.int64)
    else:
        result = np.empty((rows.shape[0], num_samples), dtype=np.int64)
        for i, row in enumerate(rows):
            if np.any(row < 0):
                raise RuntimeError(
                    "invalid multinomial distribution (encountering probability entry < 0)"
                )
            if not np.all(np.isfinite(row)):
                raise RuntimeError(
                    "invalid multinomial distribution (encountering probability entry = "
                    "infinity or NaN)"
                )
            cum = np.cumsum(row, dtype=row.dtype)  # sequential running sum in the input dtype
            total = cum[-1]
            if not total > 0:
                raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
            cum = cum / total
            cum[-1] = 1
            u = uniform_double(g, num_samples)
            result[i] = np.searchsorted(cum.astype(np.float64), u, side="left")
    return result.reshape(probs.shape[:-1] + (num_samples,))


# ----- placing draws into tensors ---------------------------------------------------------------


def in_memory_order(flat: NDArray[Any], like: NDArray[Any]) -> NDArray[Any]:
    """``flat`` arranged in ``like``'s shape so that it fills ``like`` in memory order.

    torch's kernels write draws in the order the destination's elements lie in memory
    (TensorIterator sorts dimensions by stride), which for a transposed view is not the
    row-major order of its shape.
    """
    if like.flags.c_contiguous:
        return flat.reshape(like.shape)
    order = sorted(range(like.ndim), key=lambda d: -abs(like.strides[d]))
    out = np.empty(like.shape, dtype=flat.dtype)
    np.transpose(out, order)[...] = flat.reshape([like.shape[d] for d in order])
    return out


def named_bounds(op: str, low: Any, high: Any, bounds: dict[str, Any]) -> tuple[Any, Any]:
    """torch spells ``uniform_``'s bounds ``from`` and ``to``: accept them as keywords."""
    low = bounds.pop("from", low)
    high = bounds.pop("to", high)
    if bounds:
        raise TypeError(f"{op}() got unexpected keyword arguments {sorted(bounds)}")
    return low, high


# ----- dropout noise ----------------------------------------------------------------------------


def dropout_noise(
    shape: Sequence[int], p: float, dtype: Any, generator: Any = None
) -> NDArray[np.floating]:
    """torch's dropout noise: ``empty(shape).bernoulli_(1 - p).div_(1 - p)`` in ``dtype``.

    Survivors are ``1 / (1 - p)`` rounded in the dtype (a float32 division by float32(1 - p));
    ``p = 1`` draws nothing and is all zeros, ``p = 0`` all ones, as torch returns before
    drawing. ``shape`` is the
    input's for dropout and alpha_dropout, ``(N, C, 1, ...)`` for the feature (channel) variants.
    """
    dtype = np.dtype(dtype)
    if p == 0.0:  # torch returns the input untouched, drawing nothing
        return np.ones(tuple(shape), dtype=dtype)
    if p == 1.0:
        return np.zeros(tuple(shape), dtype=dtype)
    noise = bernoulli_scalar(shape, 1.0 - p, generator).astype(dtype)
    noise /= dtype.type(1.0 - p)
    return noise


_ALPHA = 1.7580993408473766  # SELU's alpha * scale: what a dropped unit is set to, negated


def alpha_dropout_noise(
    shape: Sequence[int], p: float, dtype: Any, generator: Any = None
) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    """torch's alpha_dropout terms ``(a * keep, b)``: the output is ``input * noise + b``.

    keep ~ Bernoulli(1 - p) in the dtype; with ``a = 1 / sqrt((alpha**2 p + 1)(1 - p))``,
    ``b = (keep - 1) * (alpha a) + alpha a p``, each step rounded in the dtype as torch does.
    ``p = 0`` and ``p = 1`` draw nothing (torch returns the input, or zeros, before drawing).
    """
    dtype = np.dtype(dtype)
    if p == 0.0:
        return np.ones(tuple(shape), dtype=dtype), np.zeros(tuple(shape), dtype=dtype)
    if p == 1.0:
        zeros = np.zeros(tuple(shape), dtype=dtype)
        return zeros, zeros.copy()
    keep = bernoulli_scalar(shape, 1.0 - p, generator).astype(dtype)
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    b = keep - dtype.type(1)
    b *= dtype.type(_ALPHA * a)
    b += dtype.type(_ALPHA * a * p)
    keep *= dtype.type(a)
    return keep, b
