"""The per-fit pieces of the MCMC sensitivity analyses (:mod:`.sensitivity_mcmc`): the
headline rows of one fit, the change against the spec's own model, power-scaling of prior and
likelihood (Kallioinen et al. 2024) and PSIS-LOO influence with exact refits (Vehtari et al.
2024).

References
----------
Kallioinen, N., Paananen, T., Bürkner, P.-C., & Vehtari, A. (2024). Detecting and diagnosing
prior and likelihood sensitivity with power-scaling. *Statistics and Computing*, 34, 57.
Vehtari, A., Simpson, D., Gelman, A., Yao, Y., & Gabry, J. (2024). Pareto smoothed importance
sampling. *JMLR*, 25(72), 1-58.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.special import logsumexp

from bayes_peer.analyses.missing_mnar import conclusion
from bayes_peer.analyses.regress_mcmc import psis_loo
from bayes_peer.mcmc.diagnostics import PARETO_K_MAX, pareto_k_threshold, summarize_draws
from bayes_peer.mcmc.sampler import Fit, SamplerSettings

__all__ = [
    "MAX_REFITS",
    "PARETO_K_REFIT",
    "PSENSE_THRESHOLD",
    "Sensitivity",
    "headline_rows",
    "influence_refits",
    "mark_changes",
    "power_scaling",
]

PARETO_K_REFIT = PARETO_K_MAX  # at 4 x 1000 draws; fewer draws lower it (pareto_k_threshold)
PSENSE_THRESHOLD = 0.05
#: At most this many participants per model are refitted for exact leave-one-out.
MAX_REFITS = 5


@dataclass
class Sensitivity:
    """The tables of one model's sensitivity analysis (rows of the CSV files)."""

    variants: list[dict] = field(default_factory=list)
    power_scaling: list[dict] = field(default_factory=list)
    influence: list[dict] = field(default_factory=list)
    mnar: list[dict] = field(default_factory=list)
    tipping: list[dict] = field(default_factory=list)
    fits: int = 0


def headline_rows(
    model: str,
    quantities: dict[tuple[str, str], np.ndarray],
    *,
    kind: str,
    setting: str,
    label: str,
    fit: Fit,
    n: int,
    ci_prob: float = 0.95,
) -> list[dict]:
    """One row per headline quantity of one fit: median, interval, P(> 0), diagnostics.

    ``setting`` describes the variant in words, ``label`` in a few characters (figures).
    """
    rows = []
    for (quantity, wave), draws in quantities.items():
        s = summarize_draws(draws, ci_prob=ci_prob, divergences=fit.divergences)
        rows.append(
            {
                "model": model,
                "quantity": quantity,
                "wave": wave,
                "kind": kind,
                "setting": setting,
                "label": label,
                "n": int(n),
                "median": s["mcmc_median"],
                "ci_low": s["mcmc_ci_low"],
                "ci_high": s["mcmc_ci_high"],
                "p_positive": s["p_positive"],
                "conclusion": None
                if quantity == "delta_r2"
                else conclusion(s["mcmc_ci_low"], s["mcmc_ci_high"]),
                "r_hat": s["r_hat"],
                "ess_bulk": s["ess_bulk"],
                "ess_tail": s["ess_tail"],
                "divergences": fit.divergences,
                "diagnostics": "pass" if s["diagnostics_ok"] else "fail",
                "flags": "; ".join(s["flags"]),
            }
        )
    return rows


def mark_changes(rows: list[dict]) -> list[dict]:
    """Add ``shift`` (median minus the spec model's) and ``changed`` (conclusion differs)."""
    base = {(r["model"], r["quantity"], r["wave"]): r for r in rows if r["kind"] == "spec"}
    for row in rows:
        ref = base.get((row["model"], row["quantity"], row["wave"]))
        row["shift"] = None if ref is None else row["median"] - ref["median"]
        row["changed"] = bool(
            ref is not None
            and row["conclusion"] is not None
            and row["conclusion"] != ref["conclusion"]
        )
    return rows


def power_scaling(model: str, fit: Fit, quantities: dict[tuple[str, str], np.ndarray]) -> list:
    """Prior and likelihood power-scaling sensitivity of each headline quantity."""
    import arviz as az
    import xarray as xr

    labels = [f"{q}|{w}" for q, w in quantities]
    stacked = np.stack(list(quantities.values()), axis=-1)
    post = xr.Dataset({"q": (("chain", "draw", "quantity"), stacked)}, coords={"quantity": labels})
    tree = xr.DataTree.from_dict(
        {
            "posterior": post,
            "log_prior": fit.idata["log_prior"].to_dataset(),
            "log_likelihood": fit.idata["log_likelihood"].to_dataset(),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prior = az.psense(tree, group="prior")["q"].values
        like = az.psense(tree, group="likelihood")["q"].values
    rows = []
    for (quantity, wave), p, lk in zip(quantities, prior, like, strict=True):
        if p >= PSENSE_THRESHOLD and lk >= PSENSE_THRESHOLD:
            diagnosis = "prior-data conflict"
        elif p >= PSENSE_THRESHOLD:
            diagnosis = "strong prior / weak likelihood"
        else:
            diagnosis = "none"
        rows.append(
            {
                "model": model,
                "quantity": quantity,
                "wave": wave,
                "prior_sensitivity": float(p),
                "likelihood_sensitivity": float(lk),
                "diagnosis": diagnosis,
                "threshold": PSENSE_THRESHOLD,
            }
        )
    return rows


def influence_refits(
    model: str,
    fit: Fit,
    ids: list[str],
    data_without,
    data_of,
    quantities_of,
    settings: SamplerSettings,
    ci_prob: float,
) -> tuple[list[dict], list[dict]]:
    """Pareto k of every participant; refits without those above the policy's threshold
    (:func:`~bayes_peer.mcmc.diagnostics.pareto_k_threshold`: 0.7 at 4 x 1000 draws), worst
    first.

    ``data_without(i)`` / ``data_of(i)`` give the model data without / of row i and
    ``quantities_of(fit, rows)`` the headline draws of a fit on those rows.
    Returns (influence table rows, variant rows).
    """
    _, elpd_i, pareto_k, _ = psis_loo(fit.idata)
    influence, variants = [], []
    posterior = fit.idata["posterior"]
    k_max = min(
        PARETO_K_REFIT, pareto_k_threshold(int(posterior.sizes["chain"] * posterior.sizes["draw"]))
    )
    flagged = [int(i) for i in np.argsort(-pareto_k) if pareto_k[i] > k_max]
    refit = flagged[:MAX_REFITS]
    for i in range(pareto_k.size):
        influence.append(
            {
                "model": model,
                "row": i + 1,
                "id": ids[i],
                "pareto_k": float(pareto_k[i]),
                "pareto_k_threshold": k_max,
                "elpd_loo_psis": float(elpd_i[i]),
                "elpd_loo_exact": None,
                "refitted": i in refit,
            }
        )
    structure = fit.structure
    n = pareto_k.size
    for i in refit:
        rows = np.flatnonzero(np.arange(n) != i)
        held_out = structure.fit(data_without(i), settings, log_likelihood=False, log_prior=False)
        loglik = structure.pointwise_log_likelihood(held_out.idata, data_of(i))
        held = loglik[..., 0]  # log mean over draws of p(y_i | theta), theta ~ p(. | y_-i)
        influence[i]["elpd_loo_exact"] = float(logsumexp(held) - np.log(held.size))
        variants += headline_rows(
            model,
            quantities_of(held_out, rows),
            kind="influence",
            setting=f"without {ids[i]} (k = {pareto_k[i]:.2f})",
            label=f"w/o {ids[i]}",
            fit=held_out,
            n=n - 1,
            ci_prob=ci_prob,
        )
    return influence, variants
