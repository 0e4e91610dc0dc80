"""Exceptions that separate bad input (exit 2) from internal failures (exit 1)."""


class InputError(ValueError):
    """A problem with what the user supplied: a file, a column, a row, an argument value.

    The message is shown to the user as a single ``error:`` line, so it must name what is
    wrong and where (file, column, row or value) and fit on one line.
    """
