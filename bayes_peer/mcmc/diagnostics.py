"""Posterior summaries of one scalar quantity, with the convergence numbers beside them.

Thresholds follow Vehtari et al. (2021): r_hat <= 1.01, bulk and tail ESS >= 400 (100 per
chain for 4 chains), no divergent transitions after warm-up. A summary whose draws fail any of
them carries a flag and ``diagnostics_ok = False``; callers never print such numbers as if
they were fine.

References
----------
Vehtari, A., Gelman, A., Simpson, D., Carpenter, B., & Bürkner, P.-C. (2021). Rank-normalization,
folding, and localization: an improved R-hat for assessing convergence of MCMC. *Bayesian
Analysis*, 16(2), 667-718.
Kruschke, J. K. (2018). Rejecting or accepting parameter values in Bayesian estimation.
*AMPPS*, 1(2), 270-280. (ROPE.)
"""

from __future__ import annotations

import numpy as np

RHAT_MAX = 1.01
ESS_MIN = 400


def convergence_flags(
    r_hat: float, ess_bulk: float, ess_tail: float, divergences: int
) -> list[str]:
    """Readable flags for failed convergence checks (empty when all pass)."""
    flags = []
    if not np.isfinite(r_hat) or r_hat > RHAT_MAX:
        flags.append(f"r_hat {r_hat:.3f} > {RHAT_MAX}")
    if not np.isfinite(ess_bulk) or ess_bulk < ESS_MIN:
        flags.append(f"ess_bulk {ess_bulk:.0f} < {ESS_MIN}")
    if not np.isfinite(ess_tail) or ess_tail < ESS_MIN:
        flags.append(f"ess_tail {ess_tail:.0f} < {ESS_MIN}")
    if divergences > 0:
        flags.append(f"{divergences} divergent transitions")
    return flags


def summarize_draws(
    draws: np.ndarray,
    *,
    ci_prob: float = 0.95,
    rope: float = 0.1,
    divergences: int = 0,
    prefix: str = "mcmc_",
) -> dict[str, float | bool | list[str]]:
    """Median, mean, sd, MCSE, intervals, direction and ROPE share of (chain, draw) draws.

    Parameters
    ----------
    draws : numpy.ndarray, shape (chain, draw)
    ci_prob : float
        Probability of the equal-tailed interval and of the HDI.
    rope : float
        Half-width of the region of practical equivalence around 0.
    divergences : int
        Divergent transitions of the fit the draws come from (flagged when > 0).
    prefix : str
        Prefix of the location/interval keys (``mcmc_median``, ...).

    Returns
    -------
    dict
        ``{prefix}median, {prefix}mean, {prefix}sd, {prefix}mcse_median, {prefix}mcse_mean,
        {prefix}ci_low,
        {prefix}ci_high, {prefix}hdi_low, {prefix}hdi_high, p_positive, rope_share, r_hat,
        ess_bulk, ess_tail, diagnostics_ok, flags``.
    """
    import arviz as az
    import xarray as xr

    draws = np.asarray(draws, dtype=float)
    if draws.ndim != 2:
        raise ValueError(f"draws must have shape (chain, draw), got {draws.shape}")
    da = xr.DataArray(draws, dims=("chain", "draw"))
    flat = draws.ravel()
    tail = (1.0 - ci_prob) / 2.0
    hdi = az.hdi(da, prob=ci_prob).values
    r_hat = float(az.rhat(da))
    ess_bulk = float(az.ess(da, method="bulk"))
    ess_tail = float(az.ess(da, method="tail"))
    flags = convergence_flags(r_hat, ess_bulk, ess_tail, divergences)
    return {
        f"{prefix}median": float(np.median(flat)),
        f"{prefix}mean": float(flat.mean()),
        f"{prefix}sd": float(flat.std(ddof=1)),
        f"{prefix}mcse_median": float(az.mcse(da, method="median")),
        f"{prefix}mcse_mean": float(az.mcse(da, method="mean")),
        f"{prefix}ci_low": float(np.quantile(flat, tail)),
        f"{prefix}ci_high": float(np.quantile(flat, 1.0 - tail)),
        f"{prefix}hdi_low": float(hdi[0]),
        f"{prefix}hdi_high": float(hdi[1]),
        "p_positive": float(np.mean(flat > 0)),
        "rope_share": float(np.mean(np.abs(flat) < rope)),
        "r_hat": r_hat,
        "ess_bulk": ess_bulk,
        "ess_tail": ess_tail,
        "diagnostics_ok": not flags,
        "flags": flags,
    }
