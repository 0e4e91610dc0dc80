"""Blocked regression by MCMC: per-block posteriors, Bayesian R², ΔR² per draw, PSIS-LOO and
LOO-R², beside the OLS numbers and the exact JZS block Bayes factors of the foundation."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from bayes_peer.analyses.blocks import check_blocks, regress_blocks
from bayes_peer.analyses.correlate_mcmc import NOT_AVAILABLE, SOURCE_TEXT
from bayes_peer.analyses.terms import model_columns
from bayes_peer.errors import InputError
from bayes_peer.mcmc.diagnostics import elpd_diff_se, pareto_k_threshold, summarize_draws
from bayes_peer.mcmc.models.regression import (
    R2D2_CONS,
    R2D2_MEAN,
    R2D2_PREC,
    build_regression_model,
    delta_r2_draws,
    fitted_values,
    informed_prior_text,
    loo_r2,
    normal_prior_text,
    padded_columns,
    r2_draws,
    r2d2_prior_text,
)
from bayes_peer.mcmc.models.sufficient import build_regression_summary_model, regression_statistics
from bayes_peer.mcmc.predictive import add_posterior_draws, regression_groups
from bayes_peer.mcmc.sampler import Fit, SamplerSettings, get_structure, sampler_record
from bayes_peer.mcmc.savage_dickey import slope_at_zero

PRIORS = ("normal", "r2d2")


@dataclass
class McmcRegression:
    """Records of the JSON contract plus the fits behind them (block 0 = intercept only)."""

    result: dict
    fits: dict[int, Fit] = field(default_factory=dict)


#: The pm.Data values the one-wave model's prior depends on.
HYPERPARAMETERS = (
    "active",
    "prior_scale",
    "mean_R2",
    "prec_R2",
    "cons_D2",
    "prior_loc",
    "prior_sds",
)


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
    if block.get("pareto_k_max") is not None and block["pareto_k_max"] > k_max:
        block["flags"].append(
            f"Pareto k {block['pareto_k_max']:.2f} > {k_max:.2f}: LOO unreliable for some rows"
        )


def regress_mcmc(
    source,
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
    coefficient_priors: dict[str, tuple[float, float]] | None = None,
) -> McmcRegression:
    """Fit the intercept-only model and each block's model on the same standardized rows.

    ``prior`` is "normal" (slopes ~ Normal(0, prior_scale)) or "r2d2" (``r2d2`` = mean_R2,
    prec_R2, cons_D2); ``likelihood`` "normal" or "student". By default the rows are those
    complete on the outcome and every term (listwise, as the OLS layer); with ``impute`` every
    row with an observed outcome is used and missing predictor values are imputed in the model
    (multivariate normal, MAR), while the OLS/JZS keys stay on the complete rows.

    From a published table (a source without rows) the likelihood is written on the sufficient
    statistics of the standardized variables, and Bayesian R² and ΔR² per draw use them: with
    standardized predictors var(mu_s) = beta_s' R beta_s, and the part of the fitted values
    beyond the earlier blocks has variance beta_new' (R_nn - R_np R_pp^-1 R_pn) beta_new, the
    same quantities the rows give. PSIS-LOO needs the rows and is then null.

    ``coefficient_priors`` (term -> (mean, sd)) gives named standardized slopes an informed
    Normal(mean, sd) prior, the others keeping Normal(0, prior_scale). Under a normal prior with
    normal residuals every coefficient row also gets the Savage-Dickey BF10 of its slope = 0
    (``mcmc_bf10_savage_dickey``, Rao-Blackwellized: :func:`~bayes_peer.mcmc.savage_dickey.
    slope_at_zero`) under the prior it was fitted with.
    """
    if not source.has_rows and (likelihood != "normal" or impute):
        option = "likelihood" if likelihood != "normal" else "impute"
        reason = NOT_AVAILABLE["robust"] if option == "likelihood" else "imputation needs rows"
        raise InputError(f"`{option}` needs participant data: {reason}")
    terms = check_blocks(outcome, blocks)
    result = regress_blocks(source, outcome, blocks, rscale, ci_prob)  # OLS + JZS
    column_blocks = model_columns(source, blocks)  # a factor: its indicator columns
    columns = [c for block in column_blocks for c in block]
    if impute:
        _check_imputable(source, terms)
    sizes = [int(k) for k in np.cumsum([0, *[len(b) for b in column_blocks]])]
    informed = _check_coefficient_priors(coefficient_priors, prior, columns, source)
    fitting = _RowsFit if source.has_rows else _TableFit
    model = fitting(
        source, outcome, columns, "normal-informed" if informed else prior, likelihood, impute
    )
    hyper = {"prior_scale": prior_scale, "mean_R2": r2d2[0], "prec_R2": r2d2[1], "cons_D2": r2d2[2]}
    loc, sds = np.zeros(model.columns), np.full(model.columns, float(prior_scale))
    for term, (mu, sd) in informed.items():
        loc[columns.index(term)], sds[columns.index(term)] = mu, sd
    if informed:
        hyper.update(prior_loc=loc, prior_sds=sds)
    savage_dickey = likelihood == "normal" and not impute and prior == "normal"
    fits = {k: model.fit(k, width, hyper, settings) for k, width in enumerate(sizes)}
    coefficients: dict[int, list[dict]] = {}  # block -> its rows, in column order
    for c in result["coefficients"]:
        coefficients.setdefault(c["block"], []).append(c)
    for k in range(1, len(sizes)):
        fit = fits[k]
        beta = fit.idata["posterior"]["beta"].values[..., : sizes[k]]  # (chain, draw, p_k)
        sigma = fit.idata["posterior"]["sigma"].values
        r2, delta, extra = model.block_quantities(k, sizes, fits)
        block = result["blocks"][k - 1]
        med, lo, hi = _interval(r2, ci_prob)
        block.update(bayes_r2_median=med, bayes_r2_ci_low=lo, bayes_r2_ci_high=hi)
        block["loo_r2"] = extra.pop("loo_r2")
        med, lo, hi = _interval(delta, ci_prob)
        block.update(delta_r2_median=med, delta_r2_ci_low=lo, delta_r2_ci_high=hi)
        block.update(extra, divergences=fit.divergences)
        flags = []
        post = fit.idata["posterior"]
        for j, row in enumerate(coefficients[k][: sizes[k]]):
            summary = coefficient_posterior(
                beta[..., j], model.raw_scale(j), ci_prob, rope, fit.divergences
            )
            row.update(summary)
            if savage_dickey:
                row.update(slope_prior_mean=float(loc[j]), slope_prior_sd=float(sds[j]))
                row.update(
                    slope_at_zero(
                        post["intercept"].values,
                        beta,
                        sigma,
                        model.statistics(sizes[k]),
                        j,
                        loc[j],
                        sds[j],
                    ).keys()
                )
            flags += summary["flags"]
        block_verdict(block, flags, sigma, fit.divergences)
        add_posterior_draws(fit.idata, {"r2": ((), r2), "delta_r2": ((), delta)}, {})
    student = (
        "; Student-t residuals, nu = 2 + Gamma(2, 0.1), Bayesian R² with sigma² nu/(nu - 2)"
        if likelihood == "student"
        else ""
    )
    result.update(
        {
            "prior": (
                (
                    informed_prior_text(prior_scale, informed)
                    if informed
                    else normal_prior_text(prior_scale)
                )
                if prior == "normal"
                else r2d2_prior_text(*r2d2)
            )
            + student
            + "; the block BFs (bf_block) rest on their own JZS prior, not on this one",
            "likelihood": likelihood,
            "missing_predictors": model.missing_text,
            "n_mcmc": model.n,
            "n_imputed": model.n_imputed,
            "coefficient_priors": {t: {"mean": m, "sd": d} for t, (m, d) in informed.items()}
            or None,
            "savage_dickey": SAVAGE_DICKEY_TEXT if savage_dickey else SAVAGE_DICKEY_NONE,
            **fit_keys(
                result["blocks"], fits, settings, model.structure, prior, prior_scale, r2d2, rope
            ),
        }
    )
    if not source.has_rows:
        sds = source.sds is not None
        scale = (
            "standardized and raw (SDs given)"
            if sds
            else ("standardized only (no SDs published): raw_* keys are null")
        )
        result.update(likelihood_source=SOURCE_TEXT, scale=scale, not_available=NOT_AVAILABLE)
    return McmcRegression(result=result, fits=fits)


#: What the coefficient rows' Savage-Dickey keys are, or why there are none.
SAVAGE_DICKEY_TEXT = (
    "mcmc_bf10_savage_dickey: BF10 of slope = 0 against the slope's fitted prior "
    "(slope_prior_mean, slope_prior_sd), the prior density at 0 over the Rao-Blackwellized "
    "posterior density (average of the normal full conditional's density at 0 over the draws); "
    "log_mcmc_bf10_savage_dickey_mcse is its Monte Carlo error on the log scale"
)
SAVAGE_DICKEY_NONE = (
    "no Savage-Dickey BFs: they use the normal full conditional of a slope, which needs the "
    "normal prior with normal residuals and no imputation"
)


def _check_coefficient_priors(
    priors: dict | None, prior: str, columns: list[str], source
) -> dict[str, tuple[float, float]]:
    """Informed slope priors: term -> (mean, sd), numeric terms of the model, sd > 0."""
    if not priors:
        return {}
    if prior != "normal":
        raise InputError("`prior_coefficient` goes with method='normal'")
    out = {}
    for term, value in priors.items():
        if term in getattr(source, "factors", {}):
            raise InputError(
                f"`prior_coefficient`: '{term}' is a factor; an informed prior "
                "goes on one numeric term's standardized slope"
            )
        if term not in columns:
            raise InputError(
                f"`prior_coefficient`: '{term}' is not a term of the blocks ({', '.join(columns)})"
            )
        mu, sd = value
        out[term] = (float(mu), float(sd))
    return out


def _check_imputable(source, terms: list[str]) -> None:
    """In-model imputation draws missing predictors from a multivariate normal: numeric
    predictors only, so a factor with missing values is refused."""
    for term in terms:
        factor = getattr(source, "factors", {}).get(term)
        if factor is not None and factor.n_missing:
            raise InputError(
                f"{source.path}: `impute` draws missing values of numeric predictors; factor "
                f"'{term}' is missing in {factor.n_missing} row(s): those rows are left out "
                "without `impute`"
            )


class _RowsFit:
    """The regression structure fitted on participant rows (listwise, or imputing missing
    predictor values in the model)."""

    def __init__(
        self, data, outcome: str, terms: list[str], prior: str, likelihood: str, impute: bool
    ):
        values = data.matrix([outcome, *terms])
        rows = ~np.isnan(values[:, 0]) if impute else ~np.isnan(values).any(axis=1)
        used = values[rows]
        self.y, _, self.sd_y = _zscore(used[:, 0])
        self.xmask = ~np.isnan(used[:, 1:])
        mean_x = np.nanmean(used[:, 1:], axis=0)
        self.sd_x = np.nanstd(used[:, 1:], axis=0, ddof=1)
        self.x = np.where(self.xmask, (used[:, 1:] - mean_x) / self.sd_x, 0.0)
        self.n, p = self.x.shape
        self.columns = padded_columns(p)
        missing = int((~self.xmask).sum())
        self.n_imputed = missing if impute else 0
        slots = 8 * max(1, -(-missing // 8)) if impute else 0  # latent values, multiple of 8
        self.structure = regression_structure(self.columns, prior, likelihood, slots)
        self.impute, self.student, self.terms = impute, likelihood == "student", terms
        self.missing_text = (
            "imputed in the model (multivariate normal of the active predictors, MAR)"
            if impute
            else "listwise: rows complete on the outcome and every term"
        )
        self.loos: dict[int, tuple] = {}

    def raw_scale(self, j: int) -> float:
        return self.sd_y / self.sd_x[j]

    def statistics(self, width: int) -> dict:
        """X'X, X'y and the column sums of the first ``width`` standardized columns."""
        x = self.x[:, :width]
        return {"XtX": x.T @ x, "Xty": x.T @ self.y, "sum_x": x.sum(axis=0)}

    def _missing_cells(self, width: int) -> np.ndarray:
        cells = np.zeros((self.n, self.columns), dtype=bool)
        cells[:, :width] = ~self.xmask[:, :width]
        return cells

    def fit(self, k: int, width: int, hyper: dict, settings: SamplerSettings) -> Fit:
        design = np.zeros((self.n, self.columns))
        design[:, :width] = self.x[:, :width]
        active = (np.arange(self.columns) < width).astype(float)
        values = {"X": design, "y": self.y, "active": active, **hyper}
        if self.impute:
            idx = np.flatnonzero(self._missing_cells(width).ravel()).astype("int64")
            values.update(miss_idx=idx, active_x=active)
        fit = self.structure.fit(values, settings)
        hyperparameters = {key: values[key] for key in HYPERPARAMETERS if key in values}
        regression_groups(fit, width, self.terms, hyperparameters, settings.seed, self.student)
        self.loos[k] = psis_loo(fit.idata)
        return fit

    def block_quantities(self, k: int, sizes: list[int], fits: dict) -> tuple:
        post = fits[k].idata["posterior"]
        beta = post["beta"].values[..., : sizes[k]]
        intercept, sigma = post["intercept"].values, post["sigma"].values
        nu = post["nu"].values if self.student else None
        if self.impute:  # per-draw design: observed values and this draw's imputations
            idx = np.flatnonzero(self._missing_cells(sizes[k]).ravel())
            latent = post["x_latent"].values[..., : idx.size]
            p = self.x.shape[1]
            full = np.broadcast_to(
                np.pad(self.x, ((0, 0), (0, self.columns - p))).ravel(),
                (*latent.shape[:-1], self.n * self.columns),
            ).copy()
            full[..., idx] = latent
            x_k = full.reshape(*latent.shape[:-1], self.n, self.columns)[..., : sizes[k]]
        else:
            x_k = self.x[:, : sizes[k]]
        mu = fitted_values(intercept, beta, x_k)
        r2 = r2_draws(mu, sigma, nu)
        delta = delta_r2_draws(mu, sigma, x_k[..., : sizes[k - 1]], nu)
        elpd, elpd_i, pareto_k, log_w = self.loos[k]
        elpd_prev, elpd_i_prev, _, _ = self.loos[k - 1]
        extra = {
            "loo_r2": loo_r2(self.y, mu.reshape(-1, self.n), log_w),
            "elpd_loo": elpd,
            "elpd_diff": float(elpd - elpd_prev),
            "elpd_diff_se": elpd_diff_se(elpd_i - elpd_i_prev),
            "pareto_k_max": float(pareto_k.max()),
        }
        return r2, delta, extra


class _TableFit:
    """The regression structure fitted to a published table's sufficient statistics."""

    def __init__(
        self, summary, outcome: str, terms: list[str], prior: str, likelihood: str, impute: bool
    ):
        idx = [summary.index(name) for name in [outcome, *terms]]
        self.corr = summary.correlations[np.ix_(idx, idx)]
        self.sds = summary.sds[idx] if summary.sds is not None else None
        self.n, self.n_imputed = summary.n, 0
        self.p = len(terms)
        self.columns = padded_columns(self.p)
        name = f"regression-summary(P={self.columns}, {prior})"
        columns = self.columns
        self.structure = get_structure(name, lambda: build_regression_summary_model(columns, prior))
        self.missing_text = NOT_AVAILABLE["missing_data"]

    def raw_scale(self, j: int) -> float:
        return self.sds[0] / self.sds[1 + j] if self.sds is not None else float("nan")

    def statistics(self, width: int) -> dict:
        """X'X, X'y and the column sums of the first ``width`` standardized columns."""
        stats = regression_statistics(
            self.corr, self.n, 0, list(range(1, self.p + 1)), self.columns, width
        )
        return {
            "XtX": stats["XtX"][:width, :width],
            "Xty": stats["Xty"][:width],
            "sum_x": stats["sum_x"][:width],
        }

    def fit(self, k: int, width: int, hyper: dict, settings: SamplerSettings) -> Fit:
        stats = regression_statistics(
            self.corr, self.n, 0, list(range(1, self.p + 1)), self.columns, width
        )
        values = {**stats, "active": (np.arange(self.columns) < width).astype(float), **hyper}
        return self.structure.fit(values, settings, log_likelihood=False)

    def block_quantities(self, k: int, sizes: list[int], fits: dict) -> tuple:
        post = fits[k].idata["posterior"]
        beta = post["beta"].values[..., : sizes[k]]
        sigma = post["sigma"].values
        r_x = self.corr[1:, 1:]
        cur = list(range(sizes[k]))
        var_mu = np.einsum("...i,ij,...j->...", beta, r_x[np.ix_(cur, cur)], beta)
        new = list(range(sizes[k - 1], sizes[k]))
        schur = _schur(r_x, new, list(range(sizes[k - 1])))
        beta_new = beta[..., sizes[k - 1] : sizes[k]]
        part = np.einsum("...i,ij,...j->...", beta_new, schur, beta_new)
        extra = {
            "loo_r2": None,
            "elpd_loo": None,
            "elpd_diff": None,
            "elpd_diff_se": None,
            "pareto_k_max": None,
        }
        return var_mu / (var_mu + sigma**2), part / (var_mu + sigma**2), extra


def _schur(corr: np.ndarray, new: list[int], previous: list[int]) -> np.ndarray:
    """Covariance of the new columns after projecting out the previous ones (standardized)."""
    c_nn = corr[np.ix_(new, new)]
    if not previous:
        return c_nn
    c_np = corr[np.ix_(new, previous)]
    return c_nn - c_np @ np.linalg.solve(corr[np.ix_(previous, previous)], c_np.T)


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
