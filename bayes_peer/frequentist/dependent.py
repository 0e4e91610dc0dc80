"""Two dependent correlations of one sample: Steiger's test and Zou's interval.

References
----------
Steiger, J. H. (1980). Tests for comparing elements of a correlation matrix. *Psychological
Bulletin*, 87(2), 245-251.
Zou, G. Y. (2007). Toward using confidence intervals to compare correlations. *Psychological
Methods*, 12(4), 399-413.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from bayes_peer.frequentist.pearson import pearson_from_r


def _psi_nonoverlapping(r_jk, r_hm, r_jh, r_jm, r_kh, r_km) -> float:
    """Pearson-Filon covariance term of two non-overlapping correlations (Steiger 1980, eq. 3)."""
    return 0.5 * (
        (r_jh - r_jk * r_kh) * (r_km - r_kh * r_hm)
        + (r_jm - r_jh * r_hm) * (r_kh - r_jk * r_jh)
        + (r_jh - r_jm * r_hm) * (r_km - r_jk * r_jm)
        + (r_jm - r_jk * r_km) * (r_kh - r_km * r_hm)
    )


@dataclass(frozen=True)
class DependentDifference:
    """Test and interval for r_hm - r_jk, two dependent non-overlapping correlations."""

    n: int
    r_first: float
    r_second: float
    diff: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float


def nonoverlapping_difference(
    corr: np.ndarray, n: int, ci_prob: float = 0.95
) -> DependentDifference:
    """Compare rho_hm (second) with rho_jk (first) in one sample: Steiger's Z and Zou's CI.

    Parameters
    ----------
    corr : numpy.ndarray, shape (4, 4)
        Correlations of (j, k, h, m) on the same n complete rows; e.g. (x at wave a, y at wave
        a, x at wave b, y at wave b), so that the difference is the change from wave a to b.
    n : int
        Complete rows.
    ci_prob : float
        Level of Zou's interval.

    Returns
    -------
    DependentDifference
        ``diff = r_hm - r_jk``; ``z`` is Steiger's (1980) Z with the pooled r in the covariance
        term (two-sided p); the interval is Zou's (2007) for the difference.

    References
    ----------
    Steiger, J. H. (1980). Tests for comparing elements of a correlation matrix. *Psychological
    Bulletin*, 87(2), 245-251.
    Zou, G. Y. (2007). Toward using confidence intervals to compare correlations. *Psychological
    Methods*, 12(4), 399-413.
    """
    r_jk, r_hm = corr[0, 1], corr[2, 3]
    r_jh, r_jm, r_kh, r_km = corr[0, 2], corr[0, 3], corr[1, 2], corr[1, 3]
    pooled = 0.5 * (r_jk + r_hm)
    psi = _psi_nonoverlapping(pooled, pooled, r_jh, r_jm, r_kh, r_km)
    s = psi / (1.0 - pooled**2) ** 2
    z = (math.atanh(r_hm) - math.atanh(r_jk)) * math.sqrt(n - 3) / math.sqrt(2.0 - 2.0 * s)
    p = float(2.0 * ndtr(-abs(z)))
    # Zou (2007): combine the two Fisher intervals with the correlation of the two estimates.
    first = pearson_from_r(r_jk, n, ci_prob=ci_prob)
    second = pearson_from_r(r_hm, n, ci_prob=ci_prob)
    c = _psi_nonoverlapping(r_jk, r_hm, r_jh, r_jm, r_kh, r_km) / ((1 - r_jk**2) * (1 - r_hm**2))
    l1, u1, l2, u2 = second.ci_low, second.ci_high, first.ci_low, first.ci_high
    r1, r2 = r_hm, r_jk
    low = (
        r1 - r2 - math.sqrt(max((r1 - l1) ** 2 + (u2 - r2) ** 2 - 2 * c * (r1 - l1) * (u2 - r2), 0))
    )
    high = (
        r1 - r2 + math.sqrt(max((u1 - r1) ** 2 + (r2 - l2) ** 2 - 2 * c * (u1 - r1) * (r2 - l2), 0))
    )
    return DependentDifference(
        n=int(n),
        r_first=float(r_jk),
        r_second=float(r_hm),
        diff=float(r_hm - r_jk),
        z=float(z),
        p_value=p,
        ci_low=float(low),
        ci_high=float(high),
    )
