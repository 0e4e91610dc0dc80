"""The one diagnostics policy of the toolkit, and posterior summaries with their diagnostics.

Every MCMC command (``correlate --model``, ``regress --prior``, ``run``, ``demo``,
``sensitivity``) and the report's methods text use the thresholds defined here:

* **fail** (the numbers are flagged wherever they appear): r_hat > :data:`RHAT_MAX` (1.01), a
  bulk or tail ESS < :data:`ESS_MIN` (400), any divergent transition after warm-up (Vehtari et
  al. 2021);
* **warn**: E-BFMI < :data:`EBFMI_MIN` (0.3; Betancourt 2017), transitions that hit the maximum
  tree depth, and PSIS-LOO Pareto k above :func:`pareto_k_threshold` = min(1 - 1/log10(S), 0.7)
  for S posterior draws (Vehtari et al. 2024): a warning about LOO, not a failed fit;
* otherwise **pass**.

A summary whose draws fail a check carries a flag and ``diagnostics_ok = False``; callers never
print such numbers as if they were fine.

References
----------
Vehtari, A., Gelman, A., Simpson, D., Carpenter, B., & Bürkner, P.-C. (2021). Rank-normalization,
folding, and localization: an improved R-hat for assessing convergence of MCMC. *Bayesian
Analysis*, 16(2), 667-718.
Vehtari, A., Simpson, D., Gelman, A., Yao, Y., & Gabry, J. (2024). Pareto smoothed importance
sampling. *JMLR*, 25(72), 1-58.
Betancourt, M. (2017). A conceptual introduction to Hamiltonian Monte Carlo. arXiv:1701.02434.
Kruschke, J. K. (2018). Rejecting or accepting parameter values in Bayesian estimation.
*AMPPS*, 1(2), 270-280. (ROPE.)
"""

from __future__ import annotations

import numpy as np

#: Largest r_hat of a fit that passes.
RHAT_MAX = 1.01
#: Smallest bulk and tail ESS of a fit that passes.
ESS_MIN = 400
#: Smallest E-BFMI of a chain before a warning.
EBFMI_MIN = 0.3
#: Largest Pareto k threshold (reached at S >= 2,154 draws).
PARETO_K_MAX = 0.7


def pareto_k_threshold(draws: int) -> float:
    """min(1 - 1/log10(S), 0.7): the Pareto k above which PSIS is unreliable for S draws
    (Vehtari et al. 2024, section 3)."""
    if draws <= 10:
        return 0.0
    return min(1.0 - 1.0 / np.log10(draws), PARETO_K_MAX)


def elpd_diff_se(elpd_i_diff: np.ndarray) -> float:
    """Standard error of an ELPD difference: sqrt(n) times the sample SD (ddof = 1) of the
    pointwise differences, as the loo package computes it (Vehtari, Gelman & Gabry 2017)."""
    diff = np.asarray(elpd_i_diff, dtype=float).ravel()
    if diff.size < 2:
        return float("nan")
    return float(np.sqrt(diff.size) * np.std(diff, ddof=1))


def policy_text(ci_prob: float = 0.95) -> str:
    """The policy in one paragraph, for methods sections."""
    return (
        f"Diagnostics per model: fail if any r_hat > {RHAT_MAX}, a bulk or tail ESS < "
        f"{ESS_MIN}, or any divergent transition; warn for E-BFMI < {EBFMI_MIN}, transitions "
        "at the maximum tree depth, or a PSIS-LOO Pareto k above min(1 - 1/log10(S), "
        f"{PARETO_K_MAX}) for S draws (Vehtari et al. 2021, 2024). Intervals are "
        f"{100 * ci_prob:g}% equal-tailed."
    )


def fit_diagnostics(name: str, idata) -> dict:
    """r_hat, ESS, MCSE, divergences, E-BFMI, tree depth, Pareto k and the verdict of one fit.

    Returns
    -------
    dict
        ``model, verdict, r_hat_max, ess_bulk_min, ess_tail_min, mcse_max, divergences,
        ebfmi_min, max_treedepth_hits, pareto_k_max, pareto_k_threshold, reasons``.
    """
    import warnings

    import arviz as az

    post = idata["posterior"].to_dataset()
    post = post[[name for name, v in post.data_vars.items() if v.size]]  # e.g. no slopes
    stats = idata["sample_stats"].to_dataset()
    draws = int(post.sizes["chain"] * post.sizes["draw"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r_hat = float(np.nanmax([np.nanmax(v.values) for v in az.rhat(post).data_vars.values()]))
        ess_bulk = float(np.nanmin([np.nanmin(v.values) for v in az.ess(post).data_vars.values()]))
        ess_tail = float(
            np.nanmin([np.nanmin(v.values) for v in az.ess(post, method="tail").data_vars.values()])
        )
        mcse = float(np.nanmax([np.nanmax(v.values) for v in az.mcse(post).data_vars.values()]))
        energy = stats["energy"].values
        ebfmi = float(np.min(np.square(np.diff(energy, axis=1)).mean(axis=1) / energy.var(axis=1)))
        pareto = None
        if "log_likelihood" in idata.children:
            var = next(iter(idata["log_likelihood"].data_vars))
            pareto = float(np.max(np.asarray(az.loo(idata, pointwise=True, var_name=var).pareto_k)))
    divergences = int(stats["diverging"].sum())
    depth = int(stats["maxdepth_reached"].sum()) if "maxdepth_reached" in stats else 0
    k_max = pareto_k_threshold(draws)
    fail = convergence_flags(r_hat, ess_bulk, ess_tail, divergences)
    warn = []
    if ebfmi < EBFMI_MIN:
        warn.append(f"E-BFMI {ebfmi:.2f} < {EBFMI_MIN}")
    if depth:
        warn.append(f"{depth} transitions at the maximum tree depth")
    if pareto is not None and pareto > k_max:
        warn.append(f"Pareto k {pareto:.2f} > {k_max:.2f} (LOO unreliable for some rows)")
    verdict = "fail" if fail else "warn" if warn else "pass"
    return {
        "model": name,
        "verdict": verdict,
        "r_hat_max": r_hat,
        "ess_bulk_min": ess_bulk,
        "ess_tail_min": ess_tail,
        "mcse_max": mcse,
        "divergences": divergences,
        "ebfmi_min": ebfmi,
        "max_treedepth_hits": depth,
        "pareto_k_max": pareto,
        "pareto_k_threshold": k_max,
        "reasons": "; ".join(fail + warn),
    }


def convergence_flags(
    r_hat: float, ess_bulk: float, ess_tail: float, divergences: int
) -> list[str]:
    """Readable flags for failed convergence checks (empty when all pass)."""
    flags = []
    if not np.isfinite(r_hat) or r_hat > RHAT_MAX:
        flags.append(f"r_hat {r_hat:.3f} > {RHAT_MAX}")
    if not np.isfinite(ess_bulk) or ess_bulk < ESS_MIN:
        flags.append(f"bulk ESS {ess_bulk:.0f} < {ESS_MIN}")
    if not np.isfinite(ess_tail) or ess_tail < ESS_MIN:
        flags.append(f"tail ESS {ess_tail:.0f} < {ESS_MIN}")
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
