"""``convkit.backends.mps``: Apple's Metal backend, absent as on torch's CPU build."""


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False


__all__ = ["is_available", "is_built"]
