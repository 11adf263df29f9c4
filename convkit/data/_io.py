"""File access shared by the dataset loaders: one error type, gzip-aware reads, file lookup."""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

from ..errors import UserError


class DatasetError(UserError, RuntimeError):
    """A dataset file is missing, truncated or corrupt; the message names the file and the fault."""


def read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed when the name ends in ``.gz``."""
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as e:
        raise DatasetError(
            f"{path.name}: truncated or corrupt gzip file ({e}) in {path.parent}"
        ) from None
    except OSError as e:
        raise DatasetError(f"{path}: cannot read the file ({e})") from None


def find_file(root: str | os.PathLike, names: list[str], subdirs: tuple[str, ...] = ()) -> Path:
    """The first of ``names`` found in ``root`` or in one of ``root/subdir``.

    convkit never downloads data, so a missing file is reported with every place looked at.
    """
    root = Path(root).expanduser()
    folders = [root] + [root / s for s in subdirs]
    for folder in folders:
        for name in names:
            candidate = folder / name
            if candidate.is_file():
                return candidate
    looked = ", ".join(str(f) for f in folders)
    raise DatasetError(
        f"{' or '.join(names)} not found (looked in {looked}); convkit never "
        f"downloads datasets: put the file in one of these folders"
    )
