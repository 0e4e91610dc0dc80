"""Blocked regression of one outcome at two (or more) waves, with the outcome's baseline.

Columns follow ``<construct>_<wave>``. At wave w the blocks hold the constructs' wave-w columns,
and the baseline score (``<outcome>_<baseline>``) is added to the first block. Without a prior
each wave is analysed by the OLS + JZS layer; with one, a single joint model of the outcome at
two waves (:func:`~bayes_peer.mcmc.models.regression.build_two_wave_model`) gives every wave's
posteriors and the 12-vs-24 contrasts of the last block's terms.

Why a joint model with correlated residuals rather than a multilevel one: with two waves per
participant, a random intercept and a residual correlation are the same model (a 2x2 residual
covariance), the correlated-residual form estimates it directly, keeps each wave's own residual
SD, and lets a participant observed at one wave contribute that wave's density (FIML over the
outcomes, MAR). Rows enter a wave when the outcome and that wave's predictors are observed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bayes_peer.analyses.blocks import check_blocks, complete_rows, regress_blocks
from bayes_peer.analyses.regress_mcmc import block_verdict, coefficient_posterior
from bayes_peer.analyses.terms import label_coefficients, model_columns
from bayes_peer.data.participants import ParticipantData
from bayes_peer.errors import InputError
from bayes_peer.mcmc.diagnostics import elpd_diff_se
from bayes_peer.mcmc.models.regression import (
    R2D2_CONS,
    R2D2_MEAN,
    R2D2_PREC,
    build_two_wave_model,
    delta_r2_draws,
    fitted_values,
    loo_r2,
    normal_prior_text,
    padded_columns,
    r2_draws,
    r2d2_prior_text,
)
from bayes_peer.mcmc.predictive import add_posterior_draws, two_wave_groups
from bayes_peer.mcmc.sampler import Fit, SamplerSettings, get_structure, sampler_record

MISSING_TEXT = (
    "at each wave, rows with the outcome and that wave's predictors observed; a participant "
    "observed at one wave contributes that wave's density (full information over the outcomes, "
    "valid under MAR); the frequentist layer uses the same rows per wave"
)


#: The pm.Data values the two-wave model's prior depends on.
HYPERPARAMETERS = ("active", "prior_scale", "mean_R2", "prec_R2", "cons_D2", "rho_free")


def wave_column(header: list[str] | None, construct: str, wave: str) -> str:
    """The column of ``construct`` at ``wave``: ``<construct>_<wave>``, or the construct's own
    column when it has no wave columns (measured once, e.g. a factor such as gender)."""
    column = f"{construct}_{wave}"
    if header is not None and column not in header and construct in header:
        return construct
    return column


def wave_blocks(
    data_header: list[str],
    outcome: str,
    waves: list[str],
    baseline: str | None,
    blocks: list[list[str]],
) -> dict[str, tuple[str, list[list[str]]]]:
    """Per wave: the outcome column and blocks of wave columns (baseline first); a term
    without wave columns is the same column at every wave (:func:`wave_column`)."""
    if len(waves) < 2:
        raise InputError("--waves needs at least two waves, e.g. m12,m24")
    out = {}
    for w in waves:
        y = f"{outcome}_{w}"
        wave_blocks_ = [[wave_column(data_header, c, w) for c in block] for block in blocks]
        if baseline is not None:
            wave_blocks_[0] = [f"{outcome}_{baseline}", *wave_blocks_[0]]
        for name in [y, *[t for b in wave_blocks_ for t in b]]:
            if name not in data_header:
                raise InputError(
                    f"unknown column '{name}' (columns are <construct>_<wave>, or "
                    "a construct's own column when it is measured once)"
                )
        check_blocks(y, wave_blocks_)
        out[w] = (y, wave_blocks_)
    return out


def regress_waves_exact(
    data: ParticipantData, design: dict, rscale: float, ci_prob: float = 0.95
) -> dict:
    """The foundation's OLS + JZS analysis at each wave, tagged with ``wave``."""
    blocks, coefficients, dropped, n_used = [], [], [], {}
    for w, (y, wave_blocks_) in design.items():
        result = regress_blocks(data, y, wave_blocks_, rscale, ci_prob)
        blocks += [{"wave": w, **b} for b in result["blocks"]]
        coefficients += [{"wave": w, **c} for c in result["coefficients"]]
        dropped += [{"wave": w, **d} for d in result["dropped"]]
        n_used[w] = result["n_used"]
    return {
        "blocks": blocks,
        "coefficients": coefficients,
        "dropped": dropped,
        "n_used": n_used,
        "n_rows": data.n_rows,
    }


@dataclass
class WavesFit:
    """Records plus the joint fits (block 0 = intercept only)."""

    result: dict
    fits: dict[int, Fit] = field(default_factory=dict)


def _pointwise_loo(loglik: np.ndarray, posterior):
    """PSIS-LOO from a (chain, draw, n) log-likelihood array (``posterior`` gives r_eff)."""
    import warnings

    import arviz as az
    import xarray as xr

    tree = xr.DataTree.from_dict(
        {
            "posterior": posterior,
            "log_likelihood": xr.Dataset({"obs": (("chain", "draw", "obs_dim"), loglik)}),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = az.loo(tree, pointwise=True, var_name="obs")
    log_w = res.log_weights.transpose("chain", "draw", "obs_dim").values
    return float(res.elpd), np.asarray(res.elpd_i), np.asarray(res.pareto_k), log_w


def _wave_loglik(y, mu, sigma, nu):
    from scipy import stats

    if nu is None:
        return stats.norm.logpdf(y, mu, sigma[..., None])
    return stats.t.logpdf(y, nu[..., None], mu, sigma[..., None])


@dataclass
class TwoWaveInputs:
    """Standardized data of the joint two-wave model (rows observed at either wave).

    ``y`` (n, 2) and ``x`` (per wave, (n, p)) are z-scores over the rows a wave uses (zero
    where the wave is not used), ``mask`` (n, 2) says which waves a row contributes, ``sds``
    the raw SDs per wave (outcome first), ``ids`` the participants of the rows, ``sizes`` the
    cumulative block widths and ``columns`` the padded slope count of the structure.
    """

    y: np.ndarray
    x: dict
    mask: np.ndarray
    sds: dict
    ids: list
    sizes: np.ndarray
    columns: int
    n_both: int

    @property
    def n(self) -> int:
        return int(self.y.shape[0])

    def model_data(
        self,
        width: int,
        prior_scale: float = 1.0,
        r2d2: tuple[float, float, float] = (R2D2_MEAN, R2D2_PREC, R2D2_CONS),
        rho_free: bool = True,
        rows: np.ndarray | None = None,
    ) -> dict:
        """The ``pm.Data`` values of a fit with the first ``width`` slopes (optionally of
        some ``rows`` only)."""
        take = np.arange(self.n) if rows is None else np.asarray(rows)
        waves = list(self.x)
        mats = {}
        for key, w in (("Xa", waves[0]), ("Xb", waves[1])):
            m = np.zeros((take.size, self.columns))
            m[:, :width] = self.x[w][take, :width]
            mats[key] = m
        return {
            **mats,
            "y": self.y[take],
            "mask": self.mask[take],
            "active": (np.arange(self.columns) < width).astype(float),
            "prior_scale": prior_scale,
            "mean_R2": r2d2[0],
            "prec_R2": r2d2[1],
            "cons_D2": r2d2[2],
            "rho_free": 1.0 if rho_free else 0.0,
        }


def two_wave_inputs(data: ParticipantData, design: dict, both_waves: bool = False) -> TwoWaveInputs:
    """The two-wave model's data; ``both_waves`` keeps only rows observed at both waves
    (listwise over the waves, re-standardized on those rows)."""
    waves = list(design)
    rows, values = {}, {}
    for w in waves:
        y_name, wave_blocks_ = design[w]
        columns = [c for b in model_columns(data, wave_blocks_) for c in b]
        values[w] = data.matrix([y_name, *columns])
        rows[w] = complete_rows(values[w])
    if both_waves:
        both = rows[waves[0]] & rows[waves[1]]
        rows = {w: both for w in waves}
    ys, xs, sds = {}, {}, {}
    for w in waves:
        used = values[w][rows[w]]
        mean, sd = used.mean(axis=0), used.std(axis=0, ddof=1)
        z = np.zeros_like(values[w])
        z[rows[w]] = (used - mean) / sd
        ys[w], xs[w], sds[w] = z[:, 0], z[:, 1:], sd
    keep = rows[waves[0]] | rows[waves[1]]
    mask = np.column_stack([rows[w][keep] for w in waves]).astype(float)
    y = np.column_stack([ys[w][keep] for w in waves])
    x = {w: xs[w][keep] for w in waves}
    p = x[waves[0]].shape[1]
    sizes = np.cumsum([0, *[len(b) for b in model_columns(data, design[waves[0]][1])]])
    ids = [data.ids[i] for i in np.flatnonzero(keep)]
    return TwoWaveInputs(
        y=y,
        x=x,
        mask=mask,
        sds=sds,
        ids=ids,
        sizes=sizes,
        columns=padded_columns(p),
        n_both=int(mask.all(axis=1).sum()),
    )


def two_wave_structure(columns: int, prior: str = "normal", likelihood: str = "normal"):
    """The process-wide compiled two-wave structure with ``columns`` padded slopes per wave."""
    return get_structure(
        f"two-wave(P={columns}, {prior}, {likelihood})",
        lambda: build_two_wave_model(columns, prior, likelihood),
    )


def regress_waves_mcmc(
    data: ParticipantData,
    design: dict,
    rscale: float,
    settings: SamplerSettings,
    *,
    prior: str = "normal",
    prior_scale: float = 1.0,
    likelihood: str = "normal",
    r2d2: tuple[float, float, float] = (R2D2_MEAN, R2D2_PREC, R2D2_CONS),
    ci_prob: float = 0.95,
    rope: float = 0.1,
    rho_free: bool = True,
) -> WavesFit:
    """One joint two-wave model per block; per-wave summaries and contrasts of the last block."""
    waves = list(design)
    if len(waves) != 2:
        raise InputError("the joint model takes exactly two waves (--waves a,b)")
    exact = regress_waves_exact(data, design, rscale, ci_prob)
    inputs = two_wave_inputs(data, design)
    y, x, mask, sds, n, columns = (
        inputs.y,
        inputs.x,
        inputs.mask,
        inputs.sds,
        inputs.n,
        inputs.columns,
    )
    structure = two_wave_structure(columns, prior, likelihood)
    sizes = inputs.sizes
    tail = f"_{waves[0]}"
    column_blocks = {w: model_columns(data, design[w][1]) for w in waves}
    constructs = [c.removesuffix(tail) for b in column_blocks[waves[0]] for c in b]
    fits: dict[int, Fit] = {}
    for k, width in enumerate(sizes):
        values = inputs.model_data(int(width), prior_scale, r2d2, rho_free)
        fits[k] = structure.fit(values, settings)
        hyper = {key: values[key] for key in HYPERPARAMETERS}
        two_wave_groups(
            fits[k],
            int(width),
            waves,
            constructs[: int(width)],
            hyper,
            settings.seed,
            likelihood == "student",
        )

    blocks = {(b["wave"], b["block"]): b for b in exact["blocks"]}
    coefficients: dict[tuple, list[dict]] = {}  # (wave, block) -> rows in column order
    for c in exact["coefficients"]:
        coefficients.setdefault((c["wave"], c["block"]), []).append(c)
    loos = {}
    for k, fit in fits.items():
        post = fit.idata["posterior"]
        nu = post["nu"].values if likelihood == "student" else None
        r2_by_wave, delta_by_wave = [], []
        for i, w in enumerate(waves):
            sel = mask[:, i] == 1
            tag = "a" if i == 0 else "b"
            beta = post[f"beta_{tag}"].values[..., : sizes[k]]
            mu = fitted_values(post["intercept"].values[..., i], beta, x[w][sel, : sizes[k]])
            sigma = post["sigma"].values[..., i]
            loos[(w, k)] = (
                *_pointwise_loo(
                    _wave_loglik(y[sel, i], mu, sigma, nu), post.to_dataset()[["sigma"]]
                ),
                mu,
                sigma,
            )
            if k == 0:
                continue
            elpd, elpd_i, pareto_k, log_w, _, _ = loos[(w, k)]
            elpd_prev, elpd_i_prev = loos[(w, k - 1)][:2]
            r2 = r2_draws(mu, sigma, nu)
            delta = delta_r2_draws(mu, sigma, x[w][sel, : sizes[k - 1]], nu)
            r2_by_wave.append(r2)
            delta_by_wave.append(delta)
            tail = (1 - ci_prob) / 2
            block = blocks[(w, k)]
            q = np.quantile(r2.ravel(), [tail, 0.5, 1 - tail])
            block.update(bayes_r2_ci_low=q[0], bayes_r2_median=q[1], bayes_r2_ci_high=q[2])
            q = np.quantile(delta.ravel(), [tail, 0.5, 1 - tail])
            block.update(delta_r2_ci_low=q[0], delta_r2_median=q[1], delta_r2_ci_high=q[2])
            block["loo_r2"] = loo_r2(
                y[sel, i], mu.reshape(-1, int(sel.sum())), log_w.reshape(-1, int(sel.sum()))
            )
            block["elpd_loo"] = elpd
            block["elpd_diff"] = float(elpd - elpd_prev)
            block["elpd_diff_se"] = elpd_diff_se(elpd_i - elpd_i_prev)
            block["pareto_k_max"] = float(np.max(pareto_k))
            block["divergences"] = fit.divergences
            flags = []
            for j, row in enumerate(coefficients[(w, k)][: sizes[k]]):
                summary = coefficient_posterior(
                    beta[..., j], sds[w][0] / sds[w][1 + j], ci_prob, rope, fit.divergences
                )
                row.update(summary)
                flags += summary["flags"]
            block_verdict(block, flags, sigma, fit.divergences)
        if k:
            add_posterior_draws(
                fit.idata,
                {
                    "r2": (("wave",), np.stack(r2_by_wave, -1)),
                    "delta_r2": (("wave",), np.stack(delta_by_wave, -1)),
                },
                {"wave": waves},
            )

    last = fits[len(sizes) - 1]
    post = last.idata["posterior"]
    tail = (1 - ci_prob) / 2
    contrasts = []
    last_columns_a = column_blocks[waves[0]][-1]
    offset = sizes[-2]
    for j, column in enumerate(last_columns_a):
        construct = column.removesuffix(f"_{waves[0]}")
        diff = post["beta_b"].values[..., offset + j] - post["beta_a"].values[..., offset + j]
        lo, med, hi = np.quantile(diff.ravel(), [tail, 0.5, 1 - tail])
        contrasts.append(
            {
                "term": construct,
                "wave_a": waves[0],
                "wave_b": waves[1],
                "diff_median": float(med),
                "diff_ci_low": float(lo),
                "diff_ci_high": float(hi),
                "p_positive": float(np.mean(diff > 0)),
                "scale": "standardized",
            }
        )
    rho = post["rho_resid"].values.ravel()
    result = {
        **exact,
        "blocks": list(blocks.values()),
        "coefficients": [c for rows in coefficients.values() for c in rows],
        "contrasts": label_coefficients(contrasts, data),
        "residual_correlation": {
            "median": float(np.median(rho)),
            "ci_low": float(np.quantile(rho, tail)),
            "ci_high": float(np.quantile(rho, 1 - tail)),
            "estimated": rho_free,
        },
        "n_participants": int(n),
        "missing": MISSING_TEXT,
        "prior": (normal_prior_text(prior_scale) if prior == "normal" else r2d2_prior_text(*r2d2))
        + "; per wave; residual correlation across waves ~ stretched Beta(2, 2) (LKJ(2))"
        + ("; Student-t residuals, nu = 2 + Gamma(2, 0.1)" if likelihood == "student" else "")
        + "; the block BFs (bf_block) rest on their own JZS prior, per wave",
        "prior_name": prior,
        "prior_scale": prior_scale if prior == "normal" else None,
        "likelihood": likelihood,
        **sampler_record(settings, {f"block{k}": f for k, f in fits.items()}),
        "compile_seconds": structure.compile_seconds,
        "rope": rope,
    }
    result["diagnostics_ok"] = all(b.get("diagnostics_ok", True) for b in result["blocks"])
    return WavesFit(result=result, fits=fits)
