"""Exception classes shared across convkit."""


class DimensionError(IndexError, ValueError):
    """An index or dimension out of range.

    torch raises IndexError here; convkit's contract is that bad arguments raise ValueError (never a
    bare IndexError). Being both, it is caught by ``except IndexError`` written for torch and by
    ``except ValueError`` written for convkit.
    """
