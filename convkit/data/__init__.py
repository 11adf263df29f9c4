"""Datasets and batching: Dataset, TensorDataset, DataLoader and the image datasets.

Every loader reads local files only (convkit never downloads) and raises ``DatasetError`` naming
the file and the fault when a file is missing, truncated or corrupt. The 8x8 digits dataset is
shipped inside the package (``Digits``, ``load_digits``).
"""

from ._io import DatasetError
from .cifar import CIFAR10, SafeUnpickler, read_cifar_batch
from .dataloader import DataLoader, default_collate
from .dataset import Dataset, ImageArrayDataset, Subset, TensorDataset
from .digits import Digits, load_digits, stratified_split
from .folder import IMG_EXTENSIONS, ImageFolder, load_image
from .mnist import MNIST, FashionMNIST, read_idx
from .registry import load_dataset

__all__ = [
    "DatasetError",
    "Dataset",
    "TensorDataset",
    "Subset",
    "ImageArrayDataset",
    "DataLoader",
    "default_collate",
    "Digits",
    "load_digits",
    "stratified_split",
    "MNIST",
    "FashionMNIST",
    "read_idx",
    "CIFAR10",
    "read_cifar_batch",
    "SafeUnpickler",
    "ImageFolder",
    "load_image",
    "IMG_EXTENSIONS",
    "load_dataset",
]
