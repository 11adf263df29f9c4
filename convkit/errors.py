"""Exception classes shared across convkit."""


class DimensionError(IndexError, ValueError):
    """An index or dimension out of range.

    torch raises IndexError here; convkit's contract is that bad arguments raise ValueError (never a
    bare IndexError). Being both, it is caught by ``except IndexError`` written for torch and by
    ``except ValueError`` written for convkit.
    """


class ZeroCountError(ZeroDivisionError, RuntimeError):
    """A count that torch divides by is zero (``group_norm``'s ``num_groups=0``).

    torch raises Python's ZeroDivisionError from its own size arithmetic there; convkit's
    contract is that bad arguments raise ValueError/TypeError/RuntimeError. Being both, it is
    caught by ``except ZeroDivisionError`` written for torch and by ``except RuntimeError``.
    """


class UserError(Exception):
    """Marks an error whose cause is the user's input (a file, a folder, an option), not convkit.

    Concrete classes combine it with a builtin class (``class DatasetError(UserError,
    RuntimeError)``), so Python callers catch them as usual. The ``convkit`` command reports one
    as a one-line message with exit code ``exit_code`` instead of a traceback.
    """

    exit_code = 1


class FileFormatError(UserError, RuntimeError):
    """A file that cannot be read as what it should be: missing records, wrong types, a failed
    checksum, a foreign or unsafe format. The message names the file and the fault."""
