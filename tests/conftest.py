"""Suite-wide settings: the ``parity`` marker for the comparisons against torch in tests/parity.

``pytest -m "not parity"`` leaves them out for a quick inner loop.
"""

from pathlib import Path

import pytest

_PARITY = Path(__file__).parent / "parity"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _PARITY in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.parity)
