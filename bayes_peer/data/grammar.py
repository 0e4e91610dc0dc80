"""The one grammar of a number written as text: CSV cells, command-line values, spec strings.

A number is ASCII only: an optional sign, digits with an optional decimal point (or a point
followed by digits), and an optional exponent::

    number   := [+-] ( digits [ "." [digits] ] | "." digits ) [ ("e"|"E") [+-] digits ]
    digits   := one or more of 0-9

Python's ``float()`` is more lenient (``1_5`` is 15, full-width and Arabic-Indic digits,
``inf``, ``nan``, surrounding Unicode spaces); none of that is accepted here. Surrounding
ASCII spaces and tabs are ignored. In a CSV cell, :data:`MISSING_TOKENS` mean "missing".
"""

from __future__ import annotations

import math
import re

#: Cell contents read as missing (compared after stripping spaces and tabs, case-insensitively).
MISSING_TOKENS = frozenset({"", "na", "nan", ".", "n/a"})

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_BLANKS = " \t"


def parse_decimal(text: str) -> float | None:
    """The value of ``text`` under the grammar above, or None when it does not follow it.

    A value that overflows float64 (``1e400``) gives ``inf``; callers refuse it.
    """
    text = text.strip(_BLANKS)
    if not _NUMBER.fullmatch(text):
        return None
    return float(text)


def parse_whole(text: str) -> int | None:
    """The whole number ``text`` stands for, exactly (``20261126``, ``1e3``, ``2.0e1``), or
    None when it does not follow the grammar or is not a whole number (``1e-400``, ``2.5``).

    Read as a decimal, not a float: ``1e-400`` is not rounded to 0, and a 19-digit seed keeps
    every digit.
    """
    import decimal

    text = text.strip(_BLANKS)
    if not _NUMBER.fullmatch(text):
        return None
    try:
        value = decimal.Decimal(text)
        if abs(value.adjusted()) > 100 or value != value.to_integral_value():
            return None
        return int(value)
    except (decimal.InvalidOperation, ValueError, OverflowError):
        return None


def parse_cell(text: str) -> float | None:
    """A CSV cell: nan for a missing token, the number, or None when it is neither."""
    if text.strip(_BLANKS).lower() in MISSING_TOKENS:
        return math.nan
    return parse_decimal(text)


#: Longest name of a variable, construct or analysis in a table or spec.
MAX_NAME_CHARS = 200


def unusable_name(name: str) -> bool:
    """A name no table or report should carry: an invisible or control character, or more
    than :data:`MAX_NAME_CHARS` characters."""
    return not name.isprintable() or len(name) > MAX_NAME_CHARS


def shown(text: str) -> str:
    """A cell as it should appear in a message: quoted, with invisible characters escaped."""
    if text.isascii() and text.isprintable():
        return f"'{text}'"
    return ascii(text)
