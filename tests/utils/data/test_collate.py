"""default_collate, default_convert and collate with a custom map, against torch's."""

import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tud
from torch.utils.data._utils.collate import collate as t_collate

import convkit as ck
import convkit.utils.data as cud
from convkit.utils.data._utils.collate import collate as c_collate

Point = collections.namedtuple("Point", ["x", "y"])


def _plain(value):
    """Tensors to (dtype name, values); containers kept with their types."""
    if isinstance(value, (ck.Tensor, torch.Tensor)):
        arr = value.numpy()
        return ("tensor", arr.dtype.name, arr.shape, arr.tolist())
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.name, value.tolist())
    if isinstance(value, dict):
        return {"__type__": type(value).__name__, **{k: _plain(v) for k, v in value.items()}}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return (type(value).__name__, *(_plain(v) for v in value))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [_plain(v) for v in value])
    return value


def _samples(lib):
    rng = np.random.default_rng(0)
    images = [rng.random((1, 4, 3), dtype=np.float32) for _ in range(3)]
    return {
        "tensors": [lib.tensor(img) for img in images],
        "float64_tensors": [lib.tensor(img.astype(np.float64)) for img in images],
        "arrays": images,
        "int_arrays": [np.arange(3, dtype=np.int32) + i for i in range(3)],
        "floats": [0.5, 1.25, -3.0],
        "ints": [3, 1, 4],
        "bools": [True, False, True],
        "mixed_numbers": [1, 2.5, 3],
        "numpy_scalars": [np.float32(1.5), np.float32(2.5)],
        "numpy_ints": [np.int16(1), np.int16(7)],
        "numpy_bools": [np.bool_(True), np.bool_(False)],
        "strings": ["a", "bc", "d"],
        "bytes": [b"a", b"b"],
        "pairs": [(img, i % 2) for i, img in enumerate(images)],
        "lists": [[img, float(i)] for i, img in enumerate(images)],
        "dicts": [{"x": img, "y": i, "name": f"s{i}"} for i, img in enumerate(images)],
        "ordered_dicts": [collections.OrderedDict(a=i, b=[i, i + 1]) for i in range(3)],
        "namedtuples": [Point(i, float(i)) for i in range(3)],
        "nested": [{"p": Point(np.ones(2) * i, {"k": [i, (i, "t")]})} for i in range(2)],
    }


@pytest.mark.parametrize("kind", list(_samples(ck)))
def test_default_collate_matches_torch(kind):
    ours = cud.default_collate(_samples(ck)[kind])
    theirs = tud.default_collate(_samples(torch)[kind])
    assert _plain(ours) == _plain(theirs)


@pytest.mark.parametrize("kind", list(_samples(ck)))
def test_default_convert_matches_torch(kind):
    ours, theirs = _samples(ck)[kind][:2], _samples(torch)[kind][:2]
    for a, b in zip(ours, theirs, strict=True):
        assert _plain(cud.default_convert(a)) == _plain(tud.default_convert(b))


def test_collate_errors_like_torch():
    bad = [
        [[1, 2], [3]],
        [np.array(["a", "b"]), np.array(["c", "d"])],
        [object(), object()],
        [None, None],
    ]
    for batch in bad:
        with pytest.raises(Exception) as theirs:
            tud.default_collate(batch)
        with pytest.raises(type(theirs.value)) as ours:
            cud.default_collate(batch)
        if (
            not isinstance(batch[0], object)
            or batch[0] is None
            or isinstance(batch[0], (list, np.ndarray))
        ):
            assert str(ours.value) == str(theirs.value)


def test_custom_collate_map():
    def ints_as_strings(batch, *, collate_fn_map=None):
        return ",".join(str(b) for b in batch)

    batch = [{"a": 1, "b": 2.0}, {"a": 3, "b": 4.0}]
    ours = c_collate(batch, collate_fn_map={int: ints_as_strings, float: ints_as_strings})
    theirs = t_collate(batch, collate_fn_map={int: ints_as_strings, float: ints_as_strings})
    assert ours == theirs == {"a": "1,3", "b": "2.0,4.0"}
