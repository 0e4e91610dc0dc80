"""Every number becomes a string here (and only here): the text tables, the report and the
figures format numbers with these functions; everything else keeps numbers numeric.

Rules: a missing or non-finite number is an em dash (tables) or NA (sentences); no ``-0.000``
(a negative number that rounds to zero is shown as 0); APA style drops the leading zero of
bounded statistics (r, p) and writes p < .001; Bayes factors switch to scientific notation
outside [0.01, 10 000) and to exp(log BF) when they overflow; raw-scale coefficients keep
three significant digits when they are tiny.
"""

from __future__ import annotations

import math


def term_text(row: dict) -> str:
    """A coefficient's term as shown: ``site[south]`` for a factor's level, else the term."""
    level = row.get("level")
    return f"{row['term']}[{level}]" if level not in (None, "") else str(row["term"])


def fmt_num(value: float | None, digits: int = 3) -> str:
    """A number with ``digits`` decimals, or an em dash for missing; never ``-0.000``."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    text = f"{value:.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]  # a negative number that rounds to zero is shown as 0
    return text


def level(ci_prob: float) -> str:
    """The label of an interval's probability: 0.95 -> '95%'."""
    return f"{100 * ci_prob:g}%"


#: The Bayes factor's name under each alternative (what the ``bf10`` key holds).
BF_NAMES = {"two-sided": "BF10", "greater": "BF+0", "less": "BF-0"}


def bf_name(alternative: str) -> str:
    """BF10, BF+0 or BF-0."""
    return BF_NAMES.get(alternative, "BF10")


def fmt_coef(value: float | None, digits: int = 3) -> str:
    """A raw-scale coefficient: ``digits`` decimals, or 3 significant digits when that would
    show a non-zero value as 0.000 (a coefficient per dollar of budget, say); an exact 0 (the
    point mass of a model-averaged coefficient) is "0"; 3 significant digits also from 1e6 up
    (a predictor measured in tiny units)."""
    if value == 0 and value is not None:
        return "0"
    big_or_small = value is not None and (abs(value) < 10**-digits or abs(value) >= 1e6)
    if value is not None and math.isfinite(value) and big_or_small:
        return f"{value:.3g}"
    return fmt_num(value, digits)


def fmt_interval(low: float | None, high: float | None, digits: int = 3) -> str:
    """An interval as "[low, high]"."""
    return f"[{fmt_num(low, digits)}, {fmt_num(high, digits)}]"


def fmt_p(p: float | None) -> str:
    """A p-value the APA way (no leading zero; < .001)."""
    if p is None:
        return "—"
    if p < 0.001:
        return "<.001"
    return f"{p:.3f}".lstrip("0")


def fmt_bf(bf: float | None, log_bf: float | None = None) -> str:
    """A Bayes factor: fixed notation in [0.01, 10000), scientific outside, exp(...) on overflow."""
    if bf is None:
        return "—" if log_bf is None else f"exp({log_bf:.1f})"
    if bf == 0:
        return "0" if log_bf is None else f"exp({log_bf:.1f})"
    if 0.01 <= bf < 10_000:
        return f"{bf:.3g}" if bf < 100 else f"{bf:.0f}"
    return f"{bf:.3g}"


def fmt_stat(value: float | None, digits: int = 2, leading_zero: bool = True) -> str:
    """A number for text; APA style drops the leading zero of bounded statistics (r, p)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "NA"
    text = f"{value:.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]  # no -0.00
    if not leading_zero:
        text = text.replace("0.", ".", 1)
    return text


def fmt_p_apa(p: float | None) -> str:
    """``p = .034`` / ``p < .001`` (APA 7)."""
    if p is None or not math.isfinite(p):
        return "p = NA"
    if p < 0.001:
        return "p < .001"
    return f"p = {fmt_stat(p, 3, leading_zero=False)}"


def fmt_bf_text(bf: float | None) -> str:
    """A Bayes factor with sensible digits (1.9, 12.4, 3.2e+04, 0.041)."""
    if bf is None or not math.isfinite(bf):
        return "NA"
    if bf >= 1e4 or bf < 1e-3:
        return f"{bf:.2e}"
    if bf >= 100:
        return f"{bf:.0f}"
    if bf >= 1:
        return f"{bf:.2f}" if bf < 10 else f"{bf:.1f}"
    return f"{bf:.3f}"


def cell_num(value, digits: int = 2, leading_zero: bool = True) -> str:
    """A number for a report table cell (APA: no leading zero for bounded statistics)."""
    return fmt_stat(value, digits, leading_zero)


def cell_interval(low, high, digits: int = 2, leading_zero: bool = True) -> str:
    """``[.12, .61]``."""
    return f"[{cell_num(low, digits, leading_zero)}, {cell_num(high, digits, leading_zero)}]"


def cell_estimate(centre, low, high, digits: int = 2, leading_zero: bool = True) -> str:
    """``.40 [.12, .61]``: an estimate with its interval."""
    centre_text = cell_num(centre, digits, leading_zero)
    return f"{centre_text} {cell_interval(low, high, digits, leading_zero)}"


def cell_p(p) -> str:
    """A p-value for a table cell: ``.034``, ``< .001``."""
    return fmt_p_apa(p).removeprefix("p = ").removeprefix("p ")


def cell_prob(p, digits: int = 3) -> str:
    """A probability for a cell: ``.842``, ``> .999`` and ``< .001`` at the ends (never a
    rounded 1.000 or .000 that reads as certainty)."""
    if p is None or not math.isfinite(p):
        return "—"
    bound = 10.0**-digits
    if p > 1 - bound / 2:
        return f"> {1 - bound:.{digits}f}".replace("0.", ".", 1)
    if p < bound / 2:
        return f"< {bound:.{digits}f}".replace("0.", ".", 1)
    return fmt_stat(p, digits, leading_zero=False)
