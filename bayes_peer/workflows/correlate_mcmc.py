"""Correlations by MCMC: the pairwise model (one compiled structure refitted per pair) and the
joint LKJ model, each summary beside the exact layer's and the frequentist numbers."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bayes_peer.correlation import (
    build_joint_model,
    build_pairwise_model,
    implied_kappa,
    joint_prior_text,
    pairwise_prior_text,
    standardize,
)
from bayes_peer.data.participants import ParticipantData
from bayes_peer.errors import InputError
from bayes_peer.mcmc.diagnostics import summarize_draws
from bayes_peer.mcmc.sampler import Fit, SamplerSettings, get_structure
from bayes_peer.workflows.correlate import MIN_PAIRS, correlation_record
from bayes_peer.workflows.numbers import bf_from_log  # noqa: F401  (re-exported for callers)

MODELS = ("pairwise", "joint")


@dataclass
class McmcCorrelations:
    """Records of the JSON contract plus the fits behind them (for NetCDF output)."""

    result: dict
    fits: dict[str, Fit] = field(default_factory=dict)


def _complete(values: np.ndarray) -> np.ndarray:
    return ~np.isnan(values).any(axis=1)


def _fit_meta(name: str, fit: Fit) -> dict:
    return {
        "fit": name,
        "divergences": fit.divergences,
        "target_accept": fit.target_accept,
        "notes": fit.notes,
        "seconds": fit.seconds,
    }


def correlate_mcmc(
    data: ParticipantData,
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
    """Fit the chosen model and summarise every pair of ``names``.

    The pairwise model uses each pair's complete rows; the joint model uses the rows complete on
    every variable (listwise; the rows left out are listed) and the exact and frequentist keys
    of each pair are computed on those same rows.
    """
    if model not in MODELS:
        raise InputError(f"--model must be one of {', '.join(MODELS)}, got {model!r}")
    if len(names) < 2:
        raise InputError(f"need at least two variables for a correlation, got {len(names)}")
    exact = {"kappa": kappa, "alternative": alternative, "ci_prob": ci_prob}
    pairs, fits, fit_meta = [], {}, []
    dropped: list[dict] = []
    if model == "pairwise":
        structure = get_structure("pairwise", build_pairwise_model)
        prior = pairwise_prior_text(kappa)
        used_rows = np.zeros(data.n_rows, dtype=bool)
        for a, b in itertools.combinations(names, 2):
            values = data.matrix([a, b])
            keep = _complete(values)
            n = int(keep.sum())
            if n < MIN_PAIRS:
                raise InputError(
                    f"{data.path}: columns '{a}' and '{b}' have {n} pairwise-complete rows; a "
                    f"correlation needs at least {MIN_PAIRS}"
                )
            used_rows |= keep
            y = standardize(values[keep])
            fit = structure.fit({"y": y, "prior_a": 1.0 / kappa}, settings)
            key = f"{a}__{b}"
            fits[key] = fit
            fit_meta.append(_fit_meta(key, fit))
            draws = fit.idata["posterior"]["rho"].values
            r = float(np.corrcoef(values[keep], rowvar=False)[0, 1])
            record = correlation_record(r, n, **exact)
            summary = summarize_draws(
                draws, ci_prob=ci_prob, rope=rope, divergences=fit.divergences
            )
            pairs.append({"var1": a, "var2": b, **record, **summary, "mcmc_prior_kappa": kappa})
        n_used = int(used_rows.sum())
    else:
        d = len(names)
        structure = get_structure(f"joint(d={d})", lambda: build_joint_model(d))
        prior = joint_prior_text(eta, d)
        values = data.matrix(names)
        keep = _complete(values)
        n_used = int(keep.sum())
        if n_used < max(MIN_PAIRS, d + 1):
            raise InputError(
                f"{data.path}: only {n_used} rows are complete on {', '.join(names)}; the joint "
                f"model needs at least {max(MIN_PAIRS, d + 1)}"
            )
        for i in np.flatnonzero(~keep):
            missing = [nm for nm, v in zip(names, values[i], strict=True) if np.isnan(v)]
            dropped.append(
                {"row": int(i) + 1, "line": data.lines[i], "id": data.ids[i], "missing": missing}
            )
        y = standardize(values[keep])
        fit = structure.fit({"y": y, "eta": eta}, settings)
        fits["joint"] = fit
        fit_meta.append(_fit_meta("joint", fit))
        corr_draws = fit.idata["posterior"]["chol_corr"].values
        sample_r = np.corrcoef(values[keep], rowvar=False)
        for i, j in itertools.combinations(range(d), 2):
            record = correlation_record(float(sample_r[i, j]), n_used, **exact)
            summary = summarize_draws(
                corr_draws[..., i, j], ci_prob=ci_prob, rope=rope, divergences=fit.divergences
            )
            pairs.append(
                {
                    "var1": names[i],
                    "var2": names[j],
                    **record,
                    **summary,
                    "mcmc_prior_kappa": implied_kappa(eta, d),
                }
            )
    result = {
        "model": model,
        "sampler": settings.describe(),
        "seed": settings.seed,
        "chains": settings.chains,
        "draws": settings.draws,
        "tune": settings.tune,
        "divergences": int(sum(f.divergences for f in fits.values())),
        "n_used": n_used,
        "missing_policy": "pairwise-complete rows per pair"
        if model == "pairwise"
        else "listwise: rows complete on every variable",
        "dropped": dropped,
        "prior": prior,
        "rope": rope,
        "eta": eta if model == "joint" else None,
        "diagnostics_ok": all(p["diagnostics_ok"] for p in pairs),
        "fits": fit_meta,
        "compile_seconds": structure.compile_seconds,
        "pairs": pairs,
    }
    return McmcCorrelations(result=result, fits=fits)


def write_posteriors(folder: Path, outcome: McmcCorrelations) -> list[str]:
    """Write one NetCDF posterior per fit and a CSV summary into ``folder``; return file names."""
    from bayes_peer.workflows.outputs import write_csv

    names = []
    for key, fit in outcome.fits.items():
        name = f"posterior_{key}.nc"
        fit.idata.to_netcdf(folder / name, engine="h5netcdf")
        names.append(name)
    rows = [
        {k: v for k, v in p.items() if k != "flags"} | {"flags": "; ".join(p["flags"])}
        for p in outcome.result["pairs"]
    ]
    write_csv(folder / "correlations_mcmc.csv", rows)
    names.append("correlations_mcmc.csv")
    return names
