"""The ``kernel_path`` fixture: a test that takes it runs once on the NumPy kernels and once on
convkit[fast]'s numba kernels (kernels/fast.py), which must give the same results."""

from __future__ import annotations

import os

import pytest

from convkit.kernels import fast


@pytest.fixture(params=["numpy", "fast"])
def kernel_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "fast" and not fast.is_available():
        if os.environ.get("CONVKIT_REQUIRE_FAST"):
            pytest.fail("CONVKIT_REQUIRE_FAST is set but numba is not installed")
        pytest.skip('numba is not installed (pip install "convkit[fast]")')
    monkeypatch.setattr(fast, "_enabled", request.param == "fast")
    return str(request.param)
