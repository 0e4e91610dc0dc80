"""Blocked regression by MCMC: per-block posteriors, Bayesian R², ΔR² per draw, PSIS-LOO and
LOO-R², beside the OLS numbers and the exact JZS block Bayes factors of the foundation."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bayes_peer.analyses.regress import check_blocks, regress_data
from bayes_peer.data.participants import ParticipantData
from bayes_peer.mcmc.diagnostics import elpd_diff_se, pareto_k_threshold, summarize_draws
from bayes_peer.mcmc.models.regression import (
    R2D2_CONS,
    R2D2_MEAN,
    R2D2_PREC,
    build_regression_model,
    delta_r2_draws,
    fitted_values,
    loo_r2,
    normal_prior_text,
    padded_columns,
    r2_draws,
    r2d2_prior_text,
)
from bayes_peer.mcmc.predictive import add_posterior_draws, regression_groups
from bayes_peer.mcmc.sampler import Fit, SamplerSettings, get_structure, sampler_record

PRIORS = ("normal", "r2d2")


@dataclass
class McmcRegression:
    """Records of the JSON contract plus the fits behind them (block 0 = intercept only)."""

    result: dict
    fits: dict[int, Fit] = field(default_factory=dict)


#: The pm.Data values the one-wave model's prior depends on.
HYPERPARAMETERS = ("active", "prior_scale", "mean_R2", "prec_R2", "cons_D2")


def regression_structure(
    columns: int, prior: str = "normal", likelihood: str = "normal", impute: int = 0
):
    """The process-wide compiled regression structure (``impute`` = number of latent slots)."""
    tag = f", impute={impute}" if impute else ""
    return get_structure(
        f"regression(P={columns}, {prior}, {likelihood}{tag})",
        lambda: build_regression_model(columns, prior, likelihood, impute),
    )


def _zscore(v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mean, sd = v.mean(axis=0), v.std(axis=0, ddof=1)
    return (v - mean) / sd, mean, sd


def psis_loo(idata) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """PSIS-LOO of the ``obs`` variable: elpd, pointwise elpd, Pareto k, log weights (S, n).

    References
    ----------
    Vehtari, A., Simpson, D., Gelman, A., Yao, Y., & Gabry, J. (2024). Pareto smoothed
    importance sampling. *JMLR*, 25(72), 1-58.
    """
    import arviz as az

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # high Pareto k is reported as a flag
        result = az.loo(idata, pointwise=True, var_name="obs")
    elpd_i = np.asarray(result.elpd_i).ravel()
    pareto_k = np.asarray(result.pareto_k).ravel()
    obs_dim = result.elpd_i.dims[0]
    log_weights = result.log_weights.transpose("chain", "draw", obs_dim).values
    return float(result.elpd), elpd_i, pareto_k, log_weights.reshape(-1, elpd_i.size)


def _interval(draws: np.ndarray, ci_prob: float) -> tuple[float, float, float]:
    tail = (1.0 - ci_prob) / 2.0
    lo, med, hi = np.quantile(draws.ravel(), [tail, 0.5, 1.0 - tail])
    return float(med), float(lo), float(hi)


def coefficient_posterior(
    draws: np.ndarray, scale: float, ci_prob: float, rope: float, divergences: int
) -> dict:
    """Posterior keys of one standardized coefficient (``scale`` = sd_y / sd_x to raw)."""
    s = summarize_draws(draws, ci_prob=ci_prob, rope=rope, divergences=divergences, prefix="")
    return {
        "posterior_mean": s["mean"],
        "posterior_sd": s["sd"],
        "posterior_median": s["median"],
        "mcse_mean": s["mcse_mean"],
        "mcse_median": s["mcse_median"],
        "ci_low": s["ci_low"],
        "ci_high": s["ci_high"],
        "p_direction": max(s["p_positive"], 1.0 - s["p_positive"]),
        "p_positive": s["p_positive"],
        "rope_share": s["rope_share"],
        "r_hat": s["r_hat"],
        "ess_bulk": s["ess_bulk"],
        "ess_tail": s["ess_tail"],
        "raw_posterior_median": s["median"] * scale,
        "raw_ci_low": s["ci_low"] * scale,
        "raw_ci_high": s["ci_high"] * scale,
        "diagnostics_ok": s["diagnostics_ok"],
        "flags": s["flags"],
    }


def block_verdict(block: dict, flags: list[str], sigma: np.ndarray, divergences: int) -> None:
    """Set a block's ``diagnostics_ok`` and ``flags`` (a high Pareto k warns, never fails)."""
    sigma_summary = summarize_draws(sigma, divergences=divergences, prefix="")
    flags = flags + [f"sigma: {f}" for f in sigma_summary["flags"]]
    block["diagnostics_ok"] = not flags
    block["flags"] = sorted(set(flags))
    k_max = pareto_k_threshold(np.asarray(sigma).size)
    if block["pareto_k_max"] > k_max:
        block["flags"].append(
            f"Pareto k {block['pareto_k_max']:.2f} > {k_max:.2f}: LOO unreliable for some rows"
        )


def regress_mcmc(
    data: ParticipantData,
    outcome: str,
    blocks: list[list[str]],
    rscale: float,
    settings: SamplerSettings,
    *,
    prior: str = "normal",
    prior_scale: float = 1.0,
    ci_prob: float = 0.95,
    rope: float = 0.1,
    likelihood: str = "normal",
    r2d2: tuple[float, float, float] = (R2D2_MEAN, R2D2_PREC, R2D2_CONS),
    impute: bool = False,
) -> McmcRegression:
    """Fit the intercept-only model and each block's model on the same standardized rows.

    ``prior`` is "normal" (slopes ~ Normal(0, prior_scale)) or "r2d2" (``r2d2`` = mean_R2,
    prec_R2, cons_D2); ``likelihood`` "normal" or "student". By default the rows are those
    complete on the outcome and every term (listwise, as the OLS layer); with ``impute`` every
    row with an observed outcome is used and missing predictor values are imputed in the model
    (multivariate normal, MAR), while the OLS/JZS keys stay on the complete rows.
    """
    terms = check_blocks(outcome, blocks)
    result = regress_data(data, outcome, blocks, rscale, ci_prob)  # OLS + JZS, complete rows
    values = data.matrix([outcome, *terms])
    rows = ~np.isnan(values[:, 0]) if impute else ~np.isnan(values).any(axis=1)
    used = values[rows]
    y, _, sd_y = _zscore(used[:, 0])
    xmask = ~np.isnan(used[:, 1:])
    mean_x, sd_x = np.nanmean(used[:, 1:], axis=0), np.nanstd(used[:, 1:], axis=0, ddof=1)
    x = np.where(xmask, (used[:, 1:] - mean_x) / sd_x, 0.0)
    n, p = x.shape
    columns = padded_columns(p)
    n_missing = int((~xmask).sum())
    slots = 8 * max(1, -(-n_missing // 8)) if impute else 0  # latent values, multiple of 8
    structure = regression_structure(columns, prior, likelihood, slots)

    sizes = np.cumsum([0, *[len(b) for b in blocks]])
    fits: dict[int, Fit] = {}
    loos = {}
    for k, width in enumerate(sizes):
        design = np.zeros((n, columns))
        design[:, :width] = x[:, :width]
        active = (np.arange(columns) < width).astype(float)
        values = {"X": design, "y": y, "active": active, "prior_scale": prior_scale,
                  "mean_R2": r2d2[0], "prec_R2": r2d2[1], "cons_D2": r2d2[2]}  # fmt: skip
        if impute:
            cells = np.zeros((n, columns), dtype=bool)
            cells[:, :width] = ~xmask[:, :width]
            values.update(miss_idx=np.flatnonzero(cells.ravel()).astype("int64"),
                          active_x=active)  # fmt: skip
        fit = structure.fit(values, settings)
        hyper = {key: values[key] for key in HYPERPARAMETERS}
        regression_groups(fit, int(width), terms, hyper, settings.seed, likelihood == "student")
        fits[k] = fit
        loos[k] = psis_loo(fit.idata)

    coefficients = {(c["block"], c["term"]): c for c in result["coefficients"]}
    for k in range(1, len(sizes)):
        fit = fits[k]
        post = fit.idata["posterior"]
        beta = post["beta"].values[..., : sizes[k]]  # (chain, draw, p_k)
        intercept, sigma = post["intercept"].values, post["sigma"].values
        nu = post["nu"].values if likelihood == "student" else None
        if impute:  # per-draw design: observed values and this draw's imputations
            cells = np.zeros((n, columns), dtype=bool)
            cells[:, : sizes[k]] = ~xmask[:, : sizes[k]]
            idx = np.flatnonzero(cells.ravel())
            latent = post["x_latent"].values[..., : idx.size]
            full = np.broadcast_to(np.pad(x, ((0, 0), (0, columns - p))).ravel(),
                                   (*latent.shape[:-1], n * columns)).copy()  # fmt: skip
            full[..., idx] = latent
            x_k = full.reshape(*latent.shape[:-1], n, columns)[..., : sizes[k]]
        else:
            x_k = x[:, : sizes[k]]
        mu = fitted_values(intercept, beta, x_k)
        r2 = r2_draws(mu, sigma, nu)
        delta = delta_r2_draws(mu, sigma, x_k[..., : sizes[k - 1]], nu)
        elpd, elpd_i, pareto_k, log_w = loos[k]
        elpd_prev, elpd_i_prev, _, _ = loos[k - 1]
        diff_i = elpd_i - elpd_i_prev
        block = result["blocks"][k - 1]
        med, lo, hi = _interval(r2, ci_prob)
        block.update(bayes_r2_median=med, bayes_r2_ci_low=lo, bayes_r2_ci_high=hi)
        block["loo_r2"] = loo_r2(y, mu.reshape(-1, n), log_w)
        med, lo, hi = _interval(delta, ci_prob)
        block.update(delta_r2_median=med, delta_r2_ci_low=lo, delta_r2_ci_high=hi)
        block["elpd_loo"] = elpd
        block["elpd_diff"] = float(elpd - elpd_prev)
        block["elpd_diff_se"] = elpd_diff_se(diff_i)
        block["pareto_k_max"] = float(pareto_k.max())
        block["divergences"] = fit.divergences
        flags = []
        for j, term in enumerate(terms[: sizes[k]]):
            summary = coefficient_posterior(
                beta[..., j], sd_y / sd_x[j], ci_prob, rope, fit.divergences
            )
            coefficients[(k, term)].update(summary)
            flags += summary["flags"]
        block_verdict(block, flags, sigma, fit.divergences)
        add_posterior_draws(fit.idata, {"r2": ((), r2), "delta_r2": ((), delta)}, {})
    result.update(
        {
            "prior": (
                normal_prior_text(prior_scale) if prior == "normal" else r2d2_prior_text(*r2d2)
            )
            + (
                "; Student-t residuals, nu = 2 + Gamma(2, 0.1), Bayesian R² with sigma² nu/(nu - 2)"
                if likelihood == "student"
                else ""
            )
            + "; the block BFs (bf_block) rest on their own JZS prior, not on this one",
            "likelihood": likelihood,
            "missing_predictors": "imputed in the model (multivariate normal of the active "
            "predictors, MAR)"
            if impute
            else "listwise: rows complete on the outcome and every term",
            "n_mcmc": int(n),
            "n_imputed": n_missing if impute else 0,
            **fit_keys(result["blocks"], fits, settings, structure, prior, prior_scale, r2d2, rope),
        }
    )
    return McmcRegression(result=result, fits=fits)


def fit_keys(
    blocks: list[dict],
    fits: dict[int, Fit],
    settings: SamplerSettings,
    structure,
    prior: str,
    prior_scale: float,
    r2d2: tuple[float, float, float],
    rope: float,
) -> dict:
    """The JSON keys every blocked-regression MCMC result shares (rows or a table)."""
    return {
        "r2d2": {"mean_R2": r2d2[0], "prec_R2": r2d2[1], "cons_D2": r2d2[2]}
        if prior == "r2d2"
        else None,
        "prior_name": prior,
        "prior_scale": prior_scale,
        **sampler_record(settings, {f"block{k}": f for k, f in fits.items()}),
        "compile_seconds": structure.compile_seconds,
        "rope": rope,
        "delta_r2_definition": "per draw within the block's model: var((I - P_prev) mu_s) / "
        "(var(mu_s) + sigma_s^2), P_prev = projection on the intercept and earlier blocks",
        "diagnostics_ok": all(b.get("diagnostics_ok", True) for b in blocks),
    }


def write_regression_posteriors(folder: Path, outcome: str, fitted: McmcRegression) -> list[str]:
    """One NetCDF per block model (block 0 = intercept only) and CSV tables; return file names."""
    from bayes_peer.runs.outputs import write_csv

    names = []
    for k, fit in fitted.fits.items():
        name = f"posterior_{outcome}_block{k}.nc"
        fit.idata.to_netcdf(folder / name, engine="h5netcdf")
        names.append(name)
    write_csv(folder / "blocks_mcmc.csv", fitted.result["blocks"])
    write_csv(folder / "coefficients_mcmc.csv", fitted.result["coefficients"])
    return [*names, "blocks_mcmc.csv", "coefficients_mcmc.csv"]
