"""Hierarchical (blocked) OLS: R², ΔR², the F-change test and coefficients, from rows or from a
correlation matrix.

References
----------
Cohen, J., Cohen, P., West, S. G., & Aiken, L. S. (2003). *Applied Multiple
Regression/Correlation Analysis for the Behavioral Sciences* (3rd ed.), ch. 5 (hierarchical
regression, F-change) and ch. 3 (standardized coefficients from a correlation matrix).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import fdtrc, stdtr, stdtrit

from bayes_peer.errors import InputError


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
