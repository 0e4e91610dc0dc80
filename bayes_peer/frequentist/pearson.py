"""Pearson's correlation with its t test and Fisher-z confidence interval.

References
----------
Fisher, R. A. (1921). On the "probable error" of a coefficient of correlation deduced from a
small sample. *Metron*, 1, 3-32.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.special import ndtri, stdtr

from bayes_peer.data.moments import pearson_r  # noqa: F401  (re-exported)


@dataclass(frozen=True)
class PearsonResult:
    """Pearson correlation with its t test and Fisher-z confidence interval."""

    n: int
    r: float
    t: float
    df: int
    p_value: float
    ci_low: float
    ci_high: float
    ci_prob: float
    alternative: str


def pearson_from_r(
    r: float, n: int, alternative: str = "two-sided", ci_prob: float = 0.95
) -> PearsonResult:
    """t test of rho = 0 and the two-sided Fisher-z interval for a correlation r from n pairs.

    The p-value follows ``alternative``; the confidence interval is always two-sided
    (``tanh(atanh(r) ± z_{(1+ci_prob)/2} / sqrt(n - 3))``).
    """
    df = n - 2
    if abs(r) < 1:
        t = r * math.sqrt(df / (1.0 - r * r))
        if alternative == "two-sided":
            p = 2.0 * stdtr(df, -abs(t))
        elif alternative == "greater":
            p = stdtr(df, -t)
        else:
            p = stdtr(df, t)
        half = ndtri(0.5 + ci_prob / 2.0) / math.sqrt(n - 3)
        z = math.atanh(r)
        lo, hi = math.tanh(z - half), math.tanh(z + half)
    else:
        t = math.copysign(math.inf, r)
        p = 0.0 if alternative == "two-sided" or (alternative == "greater") == (r > 0) else 1.0
        lo = hi = float(r)
    return PearsonResult(
        n=int(n),
        r=float(r),
        t=float(t),
        df=int(df),
        p_value=float(p),
        ci_low=float(lo),
        ci_high=float(hi),
        ci_prob=float(ci_prob),
        alternative=alternative,
    )
