"""convkit.data's DataLoader (convkit.utils.data's) over the image datasets, against torch's.

The DataLoader itself is tested in tests/utils/data; here it meets the datasets convkit ships.
"""

import numpy as np
import torch
import torch.utils.data as tud

import convkit as ck
from convkit.data import DataLoader, Digits, ImageArrayDataset, Subset, TensorDataset
from convkit.utils import data as cud


class _TorchView:
    """The same samples as a convkit dataset, as torch tensors, for torch's DataLoader."""

    def __init__(self, ds):
        self.ds = ds

    def __len__(self):
        return len(self.ds)

    def __getitem__(self, i):
        image, label = self.ds[i]
        return torch.from_numpy(image.numpy().copy()), label


def test_convkit_data_reexports_utils_data():
    assert DataLoader is cud.DataLoader and TensorDataset is cud.TensorDataset
    assert Subset is cud.Subset and issubclass(ImageArrayDataset, cud.Dataset)


def test_shuffled_digits_batches_match_torch():
    digits = Digits()
    ck.manual_seed(0)
    torch.manual_seed(0)
    ours = DataLoader(digits, batch_size=64, shuffle=True, drop_last=True)
    theirs = tud.DataLoader(_TorchView(digits), batch_size=64, shuffle=True, drop_last=True)
    for _ in range(2):
        for (x, y), (tx, ty) in zip(ours, theirs, strict=True):
            assert x.dtype == np.float32 and x.shape == (64, 1, 8, 8)
            np.testing.assert_array_equal(x.numpy(), tx.numpy())
            np.testing.assert_array_equal(y.numpy(), ty.numpy())


def test_random_split_of_digits_matches_torch():
    digits = Digits()
    ck.manual_seed(3)
    torch.manual_seed(3)
    ours = cud.random_split(digits, [0.8, 0.2])
    theirs = tud.random_split(_TorchView(digits), [0.8, 0.2])
    assert [list(s.indices) for s in ours] == [list(s.indices) for s in theirs]
    assert ours[1][0][1] == theirs[1][0][1]


def test_two_workers_load_digits_like_one_process():
    digits = Digits()
    ck.manual_seed(1)
    serial = [(x.numpy(), y.numpy()) for x, y in DataLoader(digits, batch_size=100, shuffle=True)]
    ck.manual_seed(1)
    parallel = DataLoader(digits, batch_size=100, shuffle=True, num_workers=2)
    for (x, y), (sx, sy) in zip(parallel, serial, strict=True):
        np.testing.assert_array_equal(x.numpy(), sx)
        np.testing.assert_array_equal(y.numpy(), sy)
