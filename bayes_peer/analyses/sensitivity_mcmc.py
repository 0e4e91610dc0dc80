"""Small-sample sensitivity with MCMC: prior grids, power-scaling, likelihood, influence and
missing-data mechanisms, for one correlation pair or one regression outcome of a spec.

Every variant is a refit of a structure compiled once (nutpie ``with_data``: new data, new
prior hyperparameters), so a grid costs about a second per setting, not a compilation. Each
variant is summarized on the analysis' headline quantities: a correlation at each wave and its
change between the waves; the last block's slopes at each wave, their change, and the last
block's ΔR². The ``changed`` column says whether the conclusion (does the 95% interval exclude
0?) differs from the spec's own model.

- **Prior grids**: LKJ eta (0.5, 1, 2, 4); normal slope priors with SD 0.25, 0.5, 1, 2.5 on
  the standardized scale; R2-D2 with prior mean R² 0.1, 0.3, 0.5.
- **Power-scaling** (Kallioinen, Paananen, Bürkner & Vehtari 2024): the prior and the
  likelihood of the spec's model are raised to powers near 1 by importance sampling (no refit,
  ``arviz.psense``); the sensitivity is the cumulative Jensen-Shannon distance's derivative.
  Diagnosis as ``psense_summary``: both >= 0.05 "prior-data conflict"; prior >= 0.05 with
  likelihood < 0.05 "strong prior / weak likelihood". The joint models' priors are proper
  (LKJ, normal means, half-normal SDs); the improper pairwise model is never used here.
- **Likelihood**: normal against (multivariate) Student-t with nu = 2 + Gamma(2, 0.1).
- **Influence**: PSIS-LOO Pareto k per participant (Vehtari et al. 2024); participants with
  k > 0.7 are refitted without them (exact leave-one-out: their elpd from the refit beside the
  PSIS estimate). The held-out fit keeps the full data's standardization.
- **Missing data**: full information (MAR) against listwise deletion (rows complete on the
  model's columns, or observed at both waves), and for correlations the delta-adjusted MNAR
  analysis of attrition (:mod:`bayes_peer.analyses.missing_mnar`).

References
----------
Kallioinen, N., Paananen, T., Bürkner, P.-C., & Vehtari, A. (2024). Detecting and diagnosing
prior and likelihood sensitivity with power-scaling. *Statistics and Computing*, 34, 57.
Vehtari, A., Simpson, D., Gelman, A., Yao, Y., & Gabry, J. (2024). Pareto smoothed importance
sampling. *JMLR*, 25(72), 1-58.
Lange, K. L., Little, R. J. A., & Taylor, J. M. G. (1989). Robust statistical modeling using
the t distribution. *JASA*, 84(408), 881-896.
"""

from __future__ import annotations

import numpy as np

from bayes_peer.analyses.correlate_mcmc import joint_structure
from bayes_peer.analyses.missing_mnar import IMPUTATIONS, delta_adjusted
from bayes_peer.analyses.regress_waves import two_wave_inputs, two_wave_structure
from bayes_peer.analyses.sensitivity_checks import (
    Sensitivity,
    headline_rows,
    influence_refits,
    mark_changes,
    power_scaling,
)
from bayes_peer.analyses.terms import model_columns
from bayes_peer.mcmc.models.correlation import implied_kappa, standardize_observed
from bayes_peer.mcmc.models.regression import (
    R2D2_CONS,
    R2D2_MEAN,
    R2D2_PREC,
    delta_r2_draws,
    fitted_values,
)
from bayes_peer.mcmc.sampler import Fit, SamplerSettings

ETA_GRID = (0.5, 1.0, 2.0, 4.0)
PRIOR_SCALE_GRID = (0.25, 0.5, 1.0, 2.5)
R2D2_MEAN_GRID = (0.1, 0.3, 0.5)
# ----------------------------------------------------------------------------- correlations


def _pair_quantities(corr: np.ndarray, index: dict, waves: list[str]) -> dict:
    out = {("rho", w): corr[..., index[w][0], index[w][1]] for w in waves}
    if len(waves) > 1:
        first, last = waves[0], waves[-1]
        out[("rho change", f"{last} - {first}")] = out[("rho", last)] - out[("rho", first)]
    return out


def correlation_pair(
    data,
    a: str,
    b: str,
    waves: list[str] | None,
    settings: SamplerSettings,
    *,
    eta: float = 1.0,
    missing: str = "fiml",
    robust: bool = False,
    ci_prob: float = 0.95,
    imputations: int = IMPUTATIONS,
) -> Sensitivity:
    """Every sensitivity analysis of one pair's joint model (pair at each wave, 4 columns).

    ``imputations`` is the number of imputed data sets of the MNAR analysis (its Monte Carlo
    error is reported beside the tipping points)."""
    waves_ = waves or [None]
    columns = [f"{c}_{w}" if w else c for w in waves_ for c in (a, b)]
    labels = [w or "" for w in waves_]
    index = {lab: (2 * k, 2 * k + 1) for k, lab in enumerate(labels)}
    values = data.matrix(columns)
    observed = ~np.isnan(values)
    complete = observed.all(axis=1)
    keep = complete if missing == "listwise" else observed.any(axis=1)
    ids = [data.ids[i] for i in np.flatnonzero(keep)]
    y, mask = standardize_observed(values[keep])
    d = len(columns)
    name = f"{a}__{b}"
    out = Sensitivity()

    def quantities(fit: Fit) -> dict:
        return _pair_quantities(fit.idata["posterior"]["chol_corr"].values, index, labels)

    def variant(kind, setting, label, data_, t=robust):
        fit = joint_structure(d, t).fit(data_, settings, log_likelihood=False, log_prior=False)
        out.fits += 1
        out.variants.extend(
            headline_rows(
                name,
                quantities(fit),
                kind=kind,
                setting=setting,
                label=label,
                fit=fit,
                n=int(data_["y"].shape[0]),
                ci_prob=ci_prob,
            )
        )

    base_data = {"y": y, "mask": mask, "eta": eta}
    base = joint_structure(d, robust).fit(base_data, settings)
    out.fits += 1
    lik = "multivariate Student-t" if robust else "multivariate normal"
    spec_label = f"spec: LKJ eta = {eta:g}, {lik}, {missing}"
    base_quantities = quantities(base)
    out.variants += headline_rows(
        name,
        base_quantities,
        kind="spec",
        setting=spec_label,
        label="spec",
        fit=base,
        n=y.shape[0],
        ci_prob=ci_prob,
    )
    for e in ETA_GRID:
        if not np.isclose(e, eta):
            variant(
                "prior",
                f"LKJ eta = {e:g} (marginal kappa = {implied_kappa(e, d):.3g})",
                f"eta {e:g}",
                {**base_data, "eta": e},
            )
    variant(
        "likelihood",
        "multivariate normal" if robust else "multivariate Student-t",
        "normal" if robust else "Student-t",
        base_data,
        t=not robust,
    )
    if missing == "fiml":
        yl, ml = standardize_observed(values[complete])
        variant(
            "missing data",
            f"listwise (complete on all {d} columns)",
            "listwise",
            {"y": yl, "mask": ml, "eta": eta},
        )
    else:
        ya, ma = standardize_observed(values[observed.any(axis=1)])
        variant("missing data", "full information (MAR)", "FIML", {"y": ya, "mask": ma, "eta": eta})
    out.power_scaling = power_scaling(name, base, base_quantities)
    influence, rows = influence_refits(
        name,
        base,
        ids,
        lambda i: {"y": np.delete(y, i, axis=0), "mask": np.delete(mask, i, axis=0), "eta": eta},
        lambda i: {"y": y[[i]], "mask": mask[[i]], "eta": eta},
        lambda fit, rows: quantities(fit),
        settings,
        ci_prob,
    )
    out.influence, out.fits = influence, out.fits + sum(r["refitted"] for r in influence)
    out.variants += rows
    if missing == "fiml" and waves and not robust:
        last = labels[-1]
        mnar = delta_adjusted(
            y,
            mask,
            base.idata["posterior"],
            index[last],
            implied_kappa(eta, d),
            ci_prob=ci_prob,
            imputations=imputations,
        )
        for row in mnar["rows"]:
            out.mnar.append(
                {"model": name, "quantity": "rho", "wave": last, "shifted": f"{b}_{last}", **row}
            )
        out.tipping.append(
            {
                "model": name,
                "quantity": "rho",
                "wave": last,
                "shifted": f"{b}_{last}",
                "n": mnar["n"],
                "n_shifted": mnar["n_shifted"],
                "imputations": mnar["imputations"],
                "kappa": mnar["kappa"],
                "conclusion_mar": mnar["conclusion_mar"],
                "tipping_low": mnar["tipping_low"],
                "tipping_high": mnar["tipping_high"],
                **{
                    k: v
                    for k, v in mnar.items()
                    if k.startswith("tipping_") and k not in ("tipping_low", "tipping_high")
                },
                "mc_replicates": mnar["mc_replicates"],
            }
        )
    mark_changes(out.variants)
    return out


# ----------------------------------------------------------------------------- regressions


def regression_outcome(
    data,
    outcome: str,
    design: dict,
    settings: SamplerSettings,
    *,
    prior: str = "normal",
    prior_scale: float = 1.0,
    likelihood: str = "normal",
    r2d2: tuple[float, float, float] = (R2D2_MEAN, R2D2_PREC, R2D2_CONS),
    ci_prob: float = 0.95,
) -> Sensitivity:
    """Every sensitivity analysis of one outcome's full two-wave block model."""
    waves = list(design)
    inputs = two_wave_inputs(data, design)
    width = int(inputs.sizes[-1])
    offset = int(inputs.sizes[-2])
    last_columns = model_columns(data, design[waves[0]][1])[-1]  # a factor: its levels
    last_terms = [c.removesuffix(f"_{waves[0]}") for c in last_columns]
    out = Sensitivity()

    def quantities_for(fit: Fit, source, rows=None) -> dict:
        post = fit.idata["posterior"]
        nu = post["nu"].values if "nu" in post else None
        take = np.arange(source.n) if rows is None else np.asarray(rows)
        q = {}
        for i, w in enumerate(waves):
            tag = "a" if i == 0 else "b"
            beta = post[f"beta_{tag}"].values[..., :width]
            for j, term in enumerate(last_terms):
                q[(f"slope {term}", w)] = beta[..., offset + j]
        for term in last_terms:
            q[(f"slope {term} change", f"{waves[-1]} - {waves[0]}")] = (
                q[(f"slope {term}", waves[-1])] - q[(f"slope {term}", waves[0])]
            )
        for i, w in enumerate(waves):
            tag = "a" if i == 0 else "b"
            sel = take[source.mask[take, i] == 1]
            x = source.x[w][sel, :width]
            mu = fitted_values(
                post["intercept"].values[..., i], post[f"beta_{tag}"].values[..., :width], x
            )
            q[("delta_r2", w)] = delta_r2_draws(mu, post["sigma"].values[..., i], x[:, :offset], nu)
        return q

    def settings_text(p: str, scale: float, mean_r2: float, lik: str) -> str:
        if p == "normal":
            text = f"normal slopes, SD {scale:g}"
        else:
            text = f"R2-D2, mean R² {mean_r2:g} (precision {r2d2[1]:g}, concentration {r2d2[2]:g})"
        return f"{text}, {lik} residuals"

    def short(p: str, scale: float, mean_r2: float, lik: str) -> str:
        if lik != likelihood:
            return "Student-t" if lik == "student" else "normal"
        return f"SD {scale:g}" if p == "normal" else f"R2D2 {mean_r2:g}"

    def variant(kind, p, scale, mean_r2, lik, source, setting=None, label=None):
        fit = two_wave_structure(source.columns, p, lik).fit(
            source.model_data(width, scale, (mean_r2, r2d2[1], r2d2[2])),
            settings,
            log_likelihood=False,
            log_prior=False,
        )
        out.fits += 1
        out.variants.extend(
            headline_rows(
                outcome,
                quantities_for(fit, source),
                kind=kind,
                setting=setting or settings_text(p, scale, mean_r2, lik),
                label=label or short(p, scale, mean_r2, lik),
                fit=fit,
                n=source.n,
                ci_prob=ci_prob,
            )
        )

    base_structure = two_wave_structure(inputs.columns, prior, likelihood)
    base = base_structure.fit(inputs.model_data(width, prior_scale, r2d2), settings)
    out.fits += 1
    base_quantities = quantities_for(base, inputs)
    out.variants += headline_rows(
        outcome,
        base_quantities,
        kind="spec",
        setting="spec: "
        + settings_text(prior, prior_scale, r2d2[0], likelihood)
        + ", full information over the waves",
        label="spec",
        fit=base,
        n=inputs.n,
        ci_prob=ci_prob,
    )
    for scale in PRIOR_SCALE_GRID:
        if not (prior == "normal" and np.isclose(scale, prior_scale)):
            variant("prior", "normal", scale, r2d2[0], likelihood, inputs)
    for mean_r2 in R2D2_MEAN_GRID:
        if not (prior == "r2d2" and np.isclose(mean_r2, r2d2[0])):
            variant("prior", "r2d2", prior_scale, mean_r2, likelihood, inputs)
    other = "student" if likelihood == "normal" else "normal"
    variant("likelihood", prior, prior_scale, r2d2[0], other, inputs)
    both = two_wave_inputs(data, design, both_waves=True)
    variant(
        "missing data",
        prior,
        prior_scale,
        r2d2[0],
        likelihood,
        both,
        setting=f"listwise: observed at both waves (n = {both.n})",
        label="listwise",
    )
    out.power_scaling = power_scaling(outcome, base, base_quantities)
    influence, rows = influence_refits(
        outcome,
        base,
        inputs.ids,
        lambda i: inputs.model_data(
            width, prior_scale, r2d2, rows=np.delete(np.arange(inputs.n), i)
        ),
        lambda i: inputs.model_data(width, prior_scale, r2d2, rows=[i]),
        lambda fit, rows: quantities_for(fit, inputs, rows),
        settings,
        ci_prob,
    )
    out.influence, out.fits = influence, out.fits + sum(r["refitted"] for r in influence)
    out.variants += rows
    mark_changes(out.variants)
    return out
