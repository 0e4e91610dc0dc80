"""What analyses ask of a data source, whatever it is: a pair's correlation and n, or the
moments (n, correlations, SDs, means) of the rows complete on a set of variables."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bayes_peer.errors import InputError


def pearson_r(x: np.ndarray, y: np.ndarray) -> float:
    """Sample Pearson correlation of two complete vectors.

    Values so large (1e300) or small (1e-300) that a mean or a sum of squares overflows or
    underflows are rescaled by their largest magnitude first (the correlation does not depend
    on the scale); nan only when a vector is constant.
    """
    with np.errstate(all="ignore"):
        xc, yc = x - x.mean(), y - y.mean()
        sxx, syy, sxy = np.dot(xc, xc), np.dot(yc, yc), np.dot(xc, yc)
    tiny = np.finfo(float).tiny
    constant = bool(np.all(x == x[0])) or bool(np.all(y == y[0]))
    if constant:
        return math.nan
    if np.isfinite([sxx, syy, sxy]).all() and sxx > tiny and syy > tiny and sxx * syy > tiny:
        return float(sxy / math.sqrt(sxx * syy))
    sx, sy = float(np.max(np.abs(x))), float(np.max(np.abs(y)))
    if not (math.isfinite(sx) and math.isfinite(sy)):
        return math.nan
    if sx == 1.0 and sy == 1.0:  # already rescaled: the sums still fail (cannot happen)
        return math.nan
    return pearson_r(x / sx, y / sy)


#: Fewest pairwise-complete rows for which a correlation is reported.
MIN_PAIRS = 4


@dataclass(frozen=True)
class Moments:
    """What a blocked regression needs of its data: n, the correlation matrix (outcome first),
    SDs and means (None when a table gives none), the rows in the data and those left out."""

    n: int
    n_rows: int
    corr: np.ndarray
    sds: np.ndarray | None
    means: np.ndarray | None
    dropped: list[dict]


def check_correlation(source: str, a: str, b: str, r: float) -> None:
    """InputError for an undefined or perfect correlation (an infinite Bayes factor)."""
    if not math.isfinite(r):
        raise InputError(
            f"{source}: the correlation of '{a}' and '{b}' is undefined (one of them does not "
            "vary over the complete pairs)"
        )
    if abs(r) >= 1.0 - 1e-12:
        raise InputError(
            f"{source}: columns '{a}' and '{b}' are perfectly correlated (r = {r:+.0f}); "
            "remove one of them"
        )
