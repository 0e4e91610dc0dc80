"""Frequentist baseline: what the paper reported (Pearson r and p, hierarchical OLS by blocks).

Only ``scipy.special`` distribution functions are used, so the command line stays fast; the
tests check every number against ``scipy.stats`` and ``statsmodels``.

References
----------
Fisher, R. A. (1921). On the "probable error" of a coefficient of correlation deduced from a
small sample. *Metron*, 1, 3-32.
Cohen, J., Cohen, P., West, S. G., & Aiken, L. S. (2003). *Applied Multiple
Regression/Correlation Analysis for the Behavioral Sciences* (3rd ed.), ch. 5 (hierarchical
regression, F-change) and ch. 3 (standardized coefficients from a correlation matrix).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import fdtrc, ndtr, ndtri, stdtr, stdtrit

from bayes_peer.errors import InputError


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


def pearson_r(x: np.ndarray, y: np.ndarray) -> float:
    """Sample Pearson correlation of two complete vectors."""
    xc, yc = x - x.mean(), y - y.mean()
    return float(np.dot(xc, yc) / math.sqrt(np.dot(xc, xc) * np.dot(yc, yc)))


@dataclass(frozen=True)
class BlockStep:
    """One step of a hierarchical regression (model with blocks 1..k entered)."""

    block: int
    n: int
    p: int
    r2: float
    adj_r2: float
    delta_r2: float
    f_change: float
    df1: int
    df2: int
    p_change: float


def block_steps(n: int, r2s: list[float], ps: list[int]) -> list[BlockStep]:
    """R², adjusted R², ΔR² and the F-change test of each block against the previous one.

    F = (ΔR² / df1) / ((1 - R²_k) / df2), df1 = p_k - p_{k-1}, df2 = N - p_k - 1; block 1 is
    tested against the intercept-only model.
    """
    steps = []
    prev_r2, prev_p = 0.0, 0
    for k, (r2, p) in enumerate(zip(r2s, ps, strict=True), start=1):
        df1, df2 = p - prev_p, n - p - 1
        delta = r2 - prev_r2
        f = (delta / df1) / ((1.0 - r2) / df2)
        steps.append(
            BlockStep(
                block=k,
                n=int(n),
                p=int(p),
                r2=float(r2),
                adj_r2=float(1.0 - (1.0 - r2) * (n - 1) / df2),
                delta_r2=float(delta),
                f_change=float(f),
                df1=int(df1),
                df2=int(df2),
                p_change=float(fdtrc(df1, df2, max(f, 0.0))),
            )
        )
        prev_r2, prev_p = r2, p
    return steps


def check_block_inputs(n: int, r2s: list[float], ps: list[int]) -> None:
    """Validate R² values and predictor counts of nested models (InputError naming the value)."""
    if len(r2s) != len(ps) or not r2s:
        raise InputError(
            f"--r2 and --p need the same number of values (one per block), got {len(r2s)} and "
            f"{len(ps)}"
        )
    for k, r2 in enumerate(r2s, start=1):
        if not math.isfinite(r2) or not 0 <= r2 < 1:
            raise InputError(f"R² of block {k} must lie in [0, 1), got {r2:g}")
    for k in range(1, len(r2s)):
        if r2s[k] < r2s[k - 1]:
            raise InputError(
                f"R² must not decrease across nested blocks: block {k + 1} has {r2s[k]:g} < "
                f"block {k} {r2s[k - 1]:g}"
            )
    for k, p in enumerate(ps, start=1):
        if p < 1:
            raise InputError(f"the number of predictors of block {k} must be >= 1, got {p}")
    for k in range(1, len(ps)):
        if ps[k] <= ps[k - 1]:
            raise InputError(
                f"predictor counts must increase across blocks: block {k + 1} has {ps[k]} <= "
                f"block {k} {ps[k - 1]}"
            )
    if n <= ps[-1] + 1:
        raise InputError(f"N must exceed the number of predictors + 1 = {ps[-1] + 1}, got {n}")


@dataclass(frozen=True)
class Coefficient:
    """A coefficient of one block's model; ``b`` and ``se`` are None without raw scales."""

    block: int
    term: str
    b: float | None
    se: float | None
    t: float
    p_value: float
    beta_std: float
    beta_std_ci_low: float
    beta_std_ci_high: float


def _coefficients(
    block: int,
    terms: list[str],
    beta_std: np.ndarray,
    se_std: np.ndarray,
    df: int,
    ci_prob: float,
    scale: np.ndarray | None,
) -> list[Coefficient]:
    """Coefficients from standardized estimates; ``scale`` = sd_y / sd_x turns them raw."""
    t = beta_std / se_std
    p = 2.0 * stdtr(df, -np.abs(t))
    crit = stdtrit(df, 0.5 + ci_prob / 2.0)
    out = []
    for j, term in enumerate(terms):
        out.append(
            Coefficient(
                block=block,
                term=term,
                b=None if scale is None else float(beta_std[j] * scale[j]),
                se=None if scale is None else float(se_std[j] * scale[j]),
                t=float(t[j]),
                p_value=float(p[j]),
                beta_std=float(beta_std[j]),
                beta_std_ci_low=float(beta_std[j] - crit * se_std[j]),
                beta_std_ci_high=float(beta_std[j] + crit * se_std[j]),
            )
        )
    return out


@dataclass(frozen=True)
class HierarchicalOLS:
    """Block steps and every block model's coefficients (intercepts kept apart)."""

    steps: list[BlockStep]
    coefficients: list[Coefficient]
    intercepts: list[float | None]


def hierarchical_ols(
    y: np.ndarray, x: np.ndarray, terms: list[str], block_sizes: list[int], ci_prob: float = 0.95
) -> HierarchicalOLS:
    """Hierarchical OLS on complete data: blocks of columns of ``x`` entered in order.

    Parameters
    ----------
    y : numpy.ndarray, shape (n,)
    x : numpy.ndarray, shape (n, p)
        Predictors, columns ordered block by block.
    terms : list of str
        Names of the columns of ``x``.
    block_sizes : list of int
        Number of columns each block adds.
    ci_prob : float
        Level of the coefficient confidence intervals.

    Raises
    ------
    InputError
        If a block's design matrix is rank deficient (collinear predictors).
    """
    n = y.size
    sd_y = y.std(ddof=1)
    sd_x = x.std(axis=0, ddof=1)
    tss = float(np.sum((y - y.mean()) ** 2))
    r2s, ps, coefficients, intercepts = [], [], [], []
    p = 0
    for k, size in enumerate(block_sizes, start=1):
        p += size
        design = np.column_stack([np.ones(n), x[:, :p]])
        if np.linalg.matrix_rank(design) < p + 1:
            raise InputError(
                f"the predictors of block {k} ({', '.join(terms[:p])}) are collinear: the "
                "design matrix is rank deficient"
            )
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        resid = y - design @ coef
        rss = float(resid @ resid)
        df = n - p - 1
        sigma2 = rss / df
        xtx_inv = np.linalg.inv(design.T @ design)
        se = np.sqrt(np.diag(xtx_inv) * sigma2)
        r2s.append(1.0 - rss / tss)
        ps.append(p)
        scale = sd_y / sd_x[:p]
        coefficients += _coefficients(
            k, terms[:p], coef[1:] / scale, se[1:] / scale, df, ci_prob, scale
        )
        intercepts.append(float(coef[0]))
    return HierarchicalOLS(block_steps(n, r2s, ps), coefficients, intercepts)


def hierarchical_from_correlations(
    corr: np.ndarray,
    n: int,
    terms: list[str],
    block_sizes: list[int],
    sds: np.ndarray | None = None,
    means: np.ndarray | None = None,
    ci_prob: float = 0.95,
) -> HierarchicalOLS:
    """Hierarchical regression from a correlation matrix (outcome first, then the terms).

    Standardized slopes are R_xx^-1 r_xy, R² = r_yx R_xx^-1 r_xy, and
    SE(beta_j) = sqrt((1 - R²) / (n - p - 1) [R_xx^-1]_jj) (Cohen et al. 2003, ch. 3), which
    gives the same t and p as OLS on the raw data. With ``sds`` (outcome first) the raw slopes
    and SEs follow; with ``means`` too, the intercepts.
    """
    r_xy_all = corr[1:, 0]
    r2s, ps, coefficients, intercepts = [], [], [], []
    p = 0
    for k, size in enumerate(block_sizes, start=1):
        p += size
        r_xx = corr[1 : p + 1, 1 : p + 1]
        r_xy = r_xy_all[:p]
        if np.linalg.matrix_rank(r_xx) < p:
            raise InputError(
                f"the predictors of block {k} ({', '.join(terms[:p])}) are collinear: their "
                "correlation matrix is singular"
            )
        inv = np.linalg.inv(r_xx)
        beta = inv @ r_xy
        r2 = float(r_xy @ beta)
        df = n - p - 1
        se = np.sqrt(np.clip((1.0 - r2) / df * np.diag(inv), 0.0, None))
        scale = None if sds is None else sds[0] / sds[1 : p + 1]
        r2s.append(r2)
        ps.append(p)
        coefficients += _coefficients(k, terms[:p], beta, se, df, ci_prob, scale)
        if sds is not None and means is not None:
            intercepts.append(float(means[0] - np.dot(beta * scale, means[1 : p + 1])))
        else:
            intercepts.append(None)
    return HierarchicalOLS(block_steps(n, r2s, ps), coefficients, intercepts)


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
