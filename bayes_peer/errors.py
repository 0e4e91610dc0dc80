"""Exceptions that separate bad input (exit 2) from internal failures (exit 1)."""


class InputError(ValueError):
    """A problem with what the user supplied: a file, a column, a row, an argument value.

    The message is shown to the user as a single ``error:`` line, so it must name what is
    wrong and where (file, column, row or value) and fit on one line: whatever it is given,
    the message is kept to one line (runs of white space, newlines included, become one
    space). Show values with :func:`shown_value`.
    """

    def __init__(self, message: str = "") -> None:
        super().__init__(" ".join(str(message).split()))


def shown_value(value) -> str:
    """A value as a one-line message shows it: a short repr, or the type (and shape) of
    anything large (an array, a data frame), never a multi-line repr."""
    if getattr(value, "shape", None) == () and hasattr(value, "item"):
        value = value.item()  # a numpy scalar, shown by its value
    if value is None or isinstance(value, bool | int | float | str):
        text = ascii(value) if isinstance(value, str) else repr(value)
        return text if len(text) <= 60 else text[:57] + "..."
    if isinstance(value, list | tuple | dict) and len(value) <= 8:
        text = repr(value)
        if len(text) <= 60 and "\n" not in text:
            return text
    shape = getattr(value, "shape", None)
    what = type(value).__name__
    what = ("an " if what[:1].lower() in "aeiou" else "a ") + what
    if shape is not None:
        return f"{what} of shape {tuple(shape)}"
    try:
        return f"{what} of length {len(value)}"
    except TypeError:
        return what
