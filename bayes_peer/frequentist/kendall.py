"""Kendall's rank correlation tau-b with its test and a Fieller-Hartley-Pearson interval.

The p-value is that of R's ``cor.test(method = "kendall")`` (JASP's frequentist table): the
exact null distribution of S when there are no ties and n < 50, otherwise the normal
approximation with the tie-corrected variance (``scipy.stats.kendalltau`` computes both). The
confidence interval is tanh(atanh(tau) ± z sqrt(0.437 / (n - 4))) (Fieller, Hartley & Pearson
1957), which is two-sided whatever the alternative, as Pearson's Fisher-z interval.

References
----------
Kendall, M. G. (1945). The treatment of ties in ranking problems. *Biometrika*, 33(3), 239-251.
Fieller, E. C., Hartley, H. O., & Pearson, E. S. (1957). Tests for rank correlation
coefficients. I. *Biometrika*, 44(3/4), 470-481.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from bayes_peer.exact.kendall import tstar

#: Below this many pairs without ties the p-value is exact (as R's ``cor.test``).
EXACT_BELOW = 50


@dataclass(frozen=True)
class KendallResult:
    """Kendall's tau-b with its test and two-sided confidence interval."""

    n: int
    tau_b: float
    t_star: float
    p_value: float
    p_method: str
    ties: bool
    ci_low: float
    ci_high: float
    ci_prob: float
    alternative: str


def fieller_interval(tau: float, n: int, ci_prob: float = 0.95) -> tuple[float, float]:
    """tanh(atanh(tau) ± z_{(1+ci_prob)/2} sqrt(0.437 / (n - 4))) (Fieller et al. 1957)."""
    if abs(tau) >= 1 or n <= 4:
        return (float(tau), float(tau)) if abs(tau) >= 1 else (-1.0, 1.0)
    half = float(ndtri(0.5 + ci_prob / 2.0)) * math.sqrt(0.437 / (n - 4))
    z = math.atanh(tau)
    return math.tanh(z - half), math.tanh(z + half)


def kendall_from_tau(
    tau: float, n: int, alternative: str = "two-sided", ci_prob: float = 0.95
) -> KendallResult:
    """Test and interval for a reported tau (no ties assumed): p from the normal approximation
    of T* (the data are not there for the exact distribution)."""
    t = tstar(tau, n)
    p = _normal_p(t, alternative)
    lo, hi = fieller_interval(tau, n, ci_prob)
    return KendallResult(
        n=int(n),
        tau_b=float(tau),
        t_star=float(t),
        p_value=p,
        p_method="normal",
        ties=False,
        ci_low=lo,
        ci_high=hi,
        ci_prob=float(ci_prob),
        alternative=alternative,
    )


def kendall_tau_b(
    x: np.ndarray, y: np.ndarray, alternative: str = "two-sided", ci_prob: float = 0.95
) -> KendallResult:
    """Kendall's tau-b of complete pairs (x, y) with R's ``cor.test`` p-value."""
    from scipy.stats import kendalltau

    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = x.size
    ties = np.unique(x).size < n or np.unique(y).size < n
    method = "exact" if not ties and n < EXACT_BELOW else "asymptotic"
    res = kendalltau(x, y, variant="b", method=method, alternative=alternative)
    tau = float(res.statistic)
    lo, hi = fieller_interval(tau, n, ci_prob)
    return KendallResult(
        n=int(n),
        tau_b=tau,
        t_star=float(tstar(tau, n)),
        p_value=float(res.pvalue),
        p_method="exact" if method == "exact" else "normal",
        ties=bool(ties),
        ci_low=lo,
        ci_high=hi,
        ci_prob=float(ci_prob),
        alternative=alternative,
    )


def _normal_p(t: float, alternative: str) -> float:
    if alternative == "two-sided":
        return float(2.0 * ndtr(-abs(t)))
    return float(ndtr(-t) if alternative == "greater" else ndtr(t))


def _pair_signs(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For i > j: concordance sign(x_i - x_j) sign(y_i - y_j) and untied-in-x / -y indicators
    (lower triangles, zero elsewhere)."""
    dx, dy = np.sign(x[:, None] - x[None, :]), np.sign(y[:, None] - y[None, :])
    lower = np.tril(np.ones(dx.shape, dtype=bool), k=-1)
    return (dx * dy) * lower, (dx != 0) & lower, (dy != 0) & lower


def running_tau_b(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """tau-b of the first k pairs, k = 1..n (nan where a column is constant), in O(n^2)."""
    s, ux, uy = _pair_signs(np.asarray(x, float), np.asarray(y, float))
    cs, cx, cy = (np.cumsum(m.sum(axis=1)) for m in (s, ux, uy))
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = cs / np.sqrt(cx * cy)
    tau[(cx == 0) | (cy == 0)] = np.nan
    return tau


def leave_one_out_tau_b(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """tau-b with each pair left out in turn (nan where a column becomes constant)."""
    s, ux, uy = _pair_signs(np.asarray(x, float), np.asarray(y, float))
    sym = [m + m.T for m in (s, ux.astype(float), uy.astype(float))]
    totals = [m.sum() / 2.0 for m in sym]
    left = [t - m.sum(axis=1) for t, m in zip(totals, sym, strict=True)]
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = left[0] / np.sqrt(left[1] * left[2])
    tau[(left[1] == 0) | (left[2] == 0)] = np.nan
    return tau
