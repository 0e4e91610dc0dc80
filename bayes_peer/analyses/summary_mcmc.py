"""MCMC from published summary statistics: correlations (pairwise, joint) and blocked regressions.

The records carry the same keys as the raw-data commands (:mod:`correlate_mcmc`,
:mod:`regress_mcmc`); keys that need participant rows (PSIS-LOO, LOO-R², Pareto k, the dropped
rows) are ``null`` and ``not_available`` says why. Everything is on the standardized scale
(xbar = 0, scatter = (n - 1) R); with published SDs the coefficients are also given on the raw
scale (b = beta sd_y / sd_x).
"""

from __future__ import annotations

import numpy as np

from bayes_peer.analyses.correlate import correlate_summary, two_sided_comparison
from bayes_peer.analyses.correlate_mcmc import McmcCorrelations
from bayes_peer.analyses.regress import check_blocks, regress_summary
from bayes_peer.analyses.regress_mcmc import McmcRegression, coefficient_posterior, fit_keys
from bayes_peer.data.summary import SummaryStatistics
from bayes_peer.errors import InputError
from bayes_peer.mcmc.diagnostics import summarize_draws
from bayes_peer.mcmc.models.correlation import implied_kappa, joint_prior_text, pairwise_prior_text
from bayes_peer.mcmc.models.regression import (
    R2D2_CONS,
    R2D2_MEAN,
    R2D2_PREC,
    normal_prior_text,
    padded_columns,
    r2d2_prior_text,
)
from bayes_peer.mcmc.models.sufficient import (
    build_joint_summary_model,
    build_pairwise_summary_model,
    build_regression_summary_model,
    regression_statistics,
    standardized_statistics,
)
from bayes_peer.mcmc.predictive import add_posterior_draws
from bayes_peer.mcmc.sampler import Fit, SamplerSettings, get_structure, sampler_record

#: Why some keys are null when the input is a table.
NOT_AVAILABLE = {
    "loo": "PSIS-LOO, LOO-R², elpd and Pareto k need the participants' rows",
    "missing_data": "a published table is taken as the complete-case summary; FIML and "
    "imputation need the rows",
    "robust": "the Student-t likelihood has no sufficient statistics",
}

SOURCE_TEXT = (
    "summary statistics: likelihood on (n, means, scatter matrix) of the standardized "
    "variables, exact for multivariate normal data without missing values"
)


def _structure_fit(name: str, builder, values: dict, settings: SamplerSettings) -> Fit:
    structure = get_structure(name, builder)
    return structure.fit(values, settings, log_likelihood=False)


def correlate_summary_mcmc(
    summary: SummaryStatistics,
    names: list[str],
    model: str,
    settings: SamplerSettings,
    *,
    kappa: float = 1.0,
    eta: float = 1.0,
    alternative: str = "two-sided",
    ci_prob: float = 0.95,
    rope: float = 0.1,
) -> McmcCorrelations:
    """Pairwise or joint correlation posteriors from a correlation matrix and its n."""
    if len(names) < 2:
        raise InputError(f"need at least two variables for a correlation, got {len(names)}")
    exact = {"kappa": kappa, "alternative": alternative, "ci_prob": ci_prob}
    records = {(r["var1"], r["var2"]): r for r in correlate_summary(summary, names, **exact)}
    idx = [summary.index(name) for name in names]
    corr = summary.correlations[np.ix_(idx, idx)]
    fits: dict[str, Fit] = {}
    pairs = []
    if model == "pairwise":
        prior = pairwise_prior_text(kappa)
        for (a, b), record in records.items():
            sub = corr[np.ix_([names.index(a), names.index(b)], [names.index(a), names.index(b)])]
            values = {**standardized_statistics(sub, summary.n), "prior_a": 1.0 / kappa}
            fit = _structure_fit("pairwise-summary", build_pairwise_summary_model, values,
                                 settings)  # fmt: skip
            fits[f"{a}__{b}"] = fit
            draws = fit.idata["posterior"]["rho"].values
            s = summarize_draws(draws, ci_prob=ci_prob, rope=rope, divergences=fit.divergences)
            pairs.append({**record, **two_sided_comparison(record), **s,
                          "mcmc_prior_kappa": kappa})  # fmt: skip
        prior_kappa = kappa
        structure_name = "pairwise-summary"
    elif model == "joint":
        d = len(names)
        values = {**standardized_statistics(corr, summary.n), "eta": eta}
        structure_name = f"joint-summary(d={d})"
        fit = _structure_fit(structure_name, lambda: build_joint_summary_model(d), values,
                             settings)  # fmt: skip
        fits["joint"] = fit
        draws_all = fit.idata["posterior"]["chol_corr"].values
        iu = np.triu_indices(d, 1)
        add_posterior_draws(
            fit.idata, {"rho": (("pair",), draws_all[..., iu[0], iu[1]])},
            {"pair": [f"{names[i]} ~ {names[j]}" for i, j in zip(*iu, strict=True)]},
        )  # fmt: skip
        prior = joint_prior_text(eta, d)
        prior_kappa = implied_kappa(eta, d)
        for (a, b), record in records.items():
            i, j = names.index(a), names.index(b)
            s = summarize_draws(draws_all[..., i, j], ci_prob=ci_prob, rope=rope,
                                divergences=fit.divergences)  # fmt: skip
            pairs.append({**record, **two_sided_comparison(record), **s,
                          "mcmc_prior_kappa": prior_kappa})  # fmt: skip
    else:
        raise InputError(f"--model must be one of joint, pairwise, got {model!r}")
    structure = get_structure(structure_name, lambda: None)
    result = {
        "model": model,
        **sampler_record(settings, fits),
        "n_used": summary.n,
        "missing_policy": "complete cases as published",
        "missing": NOT_AVAILABLE["missing_data"],
        "robust": False,
        "partial_on": None,
        "waves": None,
        "dropped": [],
        "prior": prior,
        "rope": rope,
        "eta": eta if model == "joint" else None,
        "diagnostics_ok": all(p["diagnostics_ok"] for p in pairs),
        "compile_seconds": structure.compile_seconds,
        "pairs": pairs,
        "likelihood_source": SOURCE_TEXT,
        "not_available": NOT_AVAILABLE,
    }
    return McmcCorrelations(result=result, fits=fits)


def _schur(corr: np.ndarray, new: list[int], previous: list[int]) -> np.ndarray:
    """Covariance of the new columns after projecting out the previous ones (standardized)."""
    c_nn = corr[np.ix_(new, new)]
    if not previous:
        return c_nn
    c_np = corr[np.ix_(new, previous)]
    return c_nn - c_np @ np.linalg.solve(corr[np.ix_(previous, previous)], c_np.T)


def _interval(draws: np.ndarray, ci_prob: float) -> tuple[float, float, float]:
    tail = (1.0 - ci_prob) / 2.0
    lo, med, hi = np.quantile(draws.ravel(), [tail, 0.5, 1.0 - tail])
    return float(med), float(lo), float(hi)


def regress_summary_mcmc(
    summary: SummaryStatistics,
    outcome: str,
    blocks: list[list[str]],
    rscale: float,
    settings: SamplerSettings,
    *,
    prior: str = "normal",
    prior_scale: float = 1.0,
    ci_prob: float = 0.95,
    rope: float = 0.1,
    r2d2: tuple[float, float, float] = (R2D2_MEAN, R2D2_PREC, R2D2_CONS),
) -> McmcRegression:
    """Blocked regression posteriors from a correlation matrix (and SDs for the raw scale).

    Bayesian R² and ΔR² per draw use the sufficient statistics: with standardized predictors
    var(mu_s) = beta_s' R beta_s and the part of the fitted values beyond the earlier blocks has
    variance beta_new' (R_nn - R_np R_pp^-1 R_pn) beta_new, the same quantities the raw-data
    command computes from the rows.
    """
    terms = check_blocks(outcome, blocks)
    result = regress_summary(summary, outcome, blocks, rscale, ci_prob)
    names = [outcome, *terms]
    idx = [summary.index(name) for name in names]
    corr = summary.correlations[np.ix_(idx, idx)]
    p = len(terms)
    columns = padded_columns(p)
    structure_name = f"regression-summary(P={columns}, {prior})"
    sizes = np.cumsum([0, *[len(b) for b in blocks]])
    fits: dict[int, Fit] = {}
    for k, width in enumerate(sizes):
        stats = regression_statistics(corr, summary.n, 0, list(range(1, p + 1)), columns,
                                      int(width))  # fmt: skip
        values = {**stats, "active": (np.arange(columns) < width).astype(float),
                  "prior_scale": prior_scale, "mean_R2": r2d2[0], "prec_R2": r2d2[1],
                  "cons_D2": r2d2[2]}  # fmt: skip
        fits[k] = _structure_fit(structure_name,
                                 lambda: build_regression_summary_model(columns, prior), values,
                                 settings)  # fmt: skip
    sds = summary.sds[idx] if summary.sds is not None else None
    coefficients = {(c["block"], c["term"]): c for c in result["coefficients"]}
    r_x = corr[1:, 1:]
    for k in range(1, len(sizes)):
        fit = fits[k]
        post = fit.idata["posterior"]
        beta = post["beta"].values[..., : sizes[k]]
        sigma = post["sigma"].values
        cur = list(range(sizes[k]))
        var_mu = np.einsum("...i,ij,...j->...", beta, r_x[np.ix_(cur, cur)], beta)
        new = list(range(sizes[k - 1], sizes[k]))
        schur = _schur(r_x, new, list(range(sizes[k - 1])))
        beta_new = beta[..., sizes[k - 1] : sizes[k]]
        part = np.einsum("...i,ij,...j->...", beta_new, schur, beta_new)
        r2 = var_mu / (var_mu + sigma**2)
        delta = part / (var_mu + sigma**2)
        add_posterior_draws(fit.idata, {"r2": ((), r2), "delta_r2": ((), delta)}, {})
        block = result["blocks"][k - 1]
        med, lo, hi = _interval(r2, ci_prob)
        block.update(bayes_r2_median=med, bayes_r2_ci_low=lo, bayes_r2_ci_high=hi)
        med, lo, hi = _interval(delta, ci_prob)
        block.update(delta_r2_median=med, delta_r2_ci_low=lo, delta_r2_ci_high=hi)
        block.update(loo_r2=None, elpd_loo=None, elpd_diff=None, elpd_diff_se=None,
                     pareto_k_max=None, divergences=fit.divergences)  # fmt: skip
        flags = []
        for j, term in enumerate(terms[: sizes[k]]):
            scale = sds[0] / sds[1 + j] if sds is not None else float("nan")
            s = coefficient_posterior(beta[..., j], scale, ci_prob, rope, fit.divergences)
            coefficients[(k, term)].update(s)
            flags += s["flags"]
        sigma_summary = summarize_draws(sigma, divergences=fit.divergences, prefix="")
        flags += [f"sigma: {f}" for f in sigma_summary["flags"]]
        block["diagnostics_ok"] = not flags
        block["flags"] = sorted(set(flags))
    structure = get_structure(structure_name, lambda: None)
    result.update(
        {
            "prior": (
                normal_prior_text(prior_scale) if prior == "normal" else r2d2_prior_text(*r2d2)
            )
            + "; the block BFs (bf_block) rest on their own JZS prior, not on this one",
            "likelihood": "normal",
            "missing_predictors": NOT_AVAILABLE["missing_data"],
            "n_mcmc": summary.n,
            "n_imputed": 0,
            **fit_keys(result["blocks"], fits, settings, structure, prior, prior_scale, r2d2, rope),
            "likelihood_source": SOURCE_TEXT,
            "scale": "standardized and raw (SDs given)"
            if sds is not None
            else "standardized only (no SDs published): raw_* keys are null",
            "not_available": NOT_AVAILABLE,
        }
    )
    return McmcRegression(result=result, fits=fits)


def jittered_matrices(
    corr: np.ndarray, decimals: int, count: int, seed: int
) -> tuple[list[np.ndarray], int]:
    """``count`` matrices with every correlation moved uniformly within its rounding interval.

    Each off-diagonal entry gets an independent uniform shift in [-h, h], h = 0.5 * 10^-decimals
    (the values a two-decimal table could have come from); a draw that is not positive definite
    is discarded and drawn again. Returns the matrices and the number of draws tried.

    Raises
    ------
    InputError
        If fewer than ``count`` positive-definite matrices turn up in 50 x ``count`` draws.
    """
    rng = np.random.default_rng(seed)
    half = 0.5 * 10.0 ** (-decimals)
    k = corr.shape[0]
    iu = np.triu_indices(k, 1)
    out: list[np.ndarray] = []
    tries = 0
    while len(out) < count and tries < 50 * count:
        tries += 1
        shift = np.zeros((k, k))
        shift[iu] = rng.uniform(-half, half, size=len(iu[0]))
        candidate = np.clip(corr + shift + shift.T, -1.0, 1.0)
        np.fill_diagonal(candidate, 1.0)
        if np.linalg.eigvalsh(candidate)[0] > 1e-8:
            out.append(candidate)
    if len(out) < count:
        raise InputError(
            f"rounding sensitivity: only {len(out)} of {tries} jittered matrices were positive "
            "definite; the published matrix is too close to singular for this check"
        )
    return out, tries


def rounding_sensitivity(
    summary: SummaryStatistics,
    refit,
    label_of,
    keys: tuple[str, ...],
    *,
    decimals: int = 2,
    count: int = 20,
    seed: int = 1,
) -> dict:
    """How much the results move when the published correlations are perturbed within rounding.

    ``refit(summary) -> list of rows`` reruns the analysis on a table; ``label_of(row)`` names a
    row; for every label and every key of ``keys`` the minimum and maximum over the jittered
    tables are reported, beside the value on the published table. ``conclusion_changes`` is
    true when, over the jittered tables, a 95% interval switches between excluding and
    including 0 or a BF10 crosses 3 or 1/3.
    """
    from dataclasses import replace

    if not (isinstance(decimals, int) and 0 < decimals <= 4):
        raise InputError(f"--decimals must be a whole number from 1 to 4, got {decimals!r}")
    if not (isinstance(count, int) and 2 <= count <= 500):
        raise InputError(f"--rounding-sensitivity must be a whole number from 2 to 500, got "
                         f"{count!r}")  # fmt: skip
    base = {label_of(r): r for r in refit(summary)}
    matrices, tries = jittered_matrices(summary.correlations, decimals, count, seed)
    collected: dict[str, list[dict]] = {label: [] for label in base}
    for matrix in matrices:
        for row in refit(replace(summary, correlations=matrix)):
            collected[label_of(row)].append(row)
    rows = []
    for label, runs in collected.items():
        entry: dict = {"label": label}
        for key in keys:
            values = [r.get(key) for r in runs if r.get(key) is not None]
            entry[key] = base[label].get(key)
            entry[f"{key}_min"] = float(min(values)) if values else None
            entry[f"{key}_max"] = float(max(values)) if values else None
        flips = False
        for low_key, high_key in (("ci_low", "ci_high"), ("mcmc_ci_low", "mcmc_ci_high")):
            signs = {(r[low_key] > 0) - (r[high_key] < 0) for r in [*runs, base[label]]
                     if r.get(low_key) is not None and r.get(high_key) is not None}  # fmt: skip
            flips = flips or len(signs) > 1
        bands = {int(np.digitize(r["bf10"], [1 / 3, 3])) for r in [*runs, base[label]]
                 if r.get("bf10") is not None}  # fmt: skip
        entry["conclusion_changes"] = bool(flips or len(bands) > 1)
        rows.append(entry)
    return {
        "decimals": decimals,
        "half_width": 0.5 * 10.0 ** (-decimals),
        "matrices": count,
        "draws_tried": tries,
        "seed": seed,
        "method": "every published correlation shifted independently and uniformly within "
        "its rounding interval; matrices that are not positive definite are discarded",
        "rows": rows,
    }
