"""Correlations by MCMC: the pairwise model (one compiled structure refitted per pair) and the
joint LKJ model, each summary beside the exact layer's and the frequentist numbers."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bayes_peer.analyses.correlate import MIN_PAIRS, correlation_record, two_sided_comparison
from bayes_peer.data.participants import ParticipantData
from bayes_peer.errors import InputError
from bayes_peer.frequentist import nonoverlapping_difference
from bayes_peer.mcmc.diagnostics import summarize_draws
from bayes_peer.mcmc.models.correlation import (
    build_joint_model,
    build_pairwise_model,
    implied_kappa,
    implied_partial_kappa,
    joint_prior_text,
    pairwise_prior_text,
    partial_correlation_draws,
    standardize,
    standardize_observed,
)
from bayes_peer.mcmc.predictive import correlation_groups
from bayes_peer.mcmc.sampler import Fit, SamplerSettings, get_structure, sampler_record

MODELS = ("pairwise", "joint")
MISSING = ("fiml", "listwise")
MISSING_TEXT = {
    "fiml": "fiml: full-information likelihood, each participant contributes the density of "
    "the values observed; valid if values are missing at random (MAR)",
    "listwise": "listwise: only rows complete on every variable; valid if values are missing "
    "completely at random (MCAR), and it discards observed values",
    "pairwise": "pairwise: each pair's complete rows (pairwise model)",
}


@dataclass
class McmcCorrelations:
    """Records of the JSON contract plus the fits behind them (for NetCDF output)."""

    result: dict
    fits: dict[str, Fit] = field(default_factory=dict)


def _complete(values: np.ndarray) -> np.ndarray:
    return ~np.isnan(values).any(axis=1)


def _partial_from_corr(corr: np.ndarray) -> float:
    """Sample partial correlation of the first two variables given the rest."""
    prec = np.linalg.inv(corr)
    return -prec[0, 1] / np.sqrt(prec[0, 0] * prec[1, 1])


@dataclass
class _JointFit:
    structure: object
    fit: Fit
    prior: str
    kappa: float
    n_used: int
    dropped: list[dict]
    values: np.ndarray  # raw values of the rows used, columns as in ``columns``
    columns: list[str]
    controls: list[int]
    pair_draws: dict
    wave_of: dict
    waves: list[str] | None
    constructs: list[str]

    def contrasts(self, ci_prob: float) -> list[dict]:
        """rho(wave b) - rho(wave a) for each pair of constructs and each pair of waves."""
        corr = self.fit.idata["posterior"]["chol_corr"].values
        tail = (1.0 - ci_prob) / 2.0
        out = []
        col = {name: i for i, name in enumerate(self.columns)}
        for c1, c2 in itertools.combinations(self.constructs, 2):
            for wa, wb in itertools.combinations(self.waves, 2):
                ja, ka = col[f"{c1}_{wa}"], col[f"{c2}_{wa}"]
                jb, kb = col[f"{c1}_{wb}"], col[f"{c2}_{wb}"]
                diff = (corr[..., jb, kb] - corr[..., ja, ka]).ravel()
                lo, med, hi = np.quantile(diff, [tail, 0.5, 1.0 - tail])
                record = {
                    "var1": c1, "var2": c2, "wave_a": wa, "wave_b": wb,
                    "diff_median": float(med), "diff_ci_low": float(lo),
                    "diff_ci_high": float(hi), "p_positive": float(np.mean(diff > 0)),
                }  # fmt: skip
                four = self.values[:, [ja, ka, jb, kb]]
                keep = _complete(four)
                n = int(keep.sum())
                freq = {"freq_n": n, "freq_diff": None, "freq_z": None, "freq_p": None,
                        "freq_ci_low": None, "freq_ci_high": None}  # fmt: skip
                if n >= 5:
                    test = nonoverlapping_difference(
                        np.corrcoef(four[keep], rowvar=False), n, ci_prob
                    )
                    freq.update(freq_diff=test.diff, freq_z=test.z, freq_p=test.p_value,
                                freq_ci_low=test.ci_low, freq_ci_high=test.ci_high)  # fmt: skip
                out.append({**record, **freq})
        return out


def joint_structure(d: int, robust: bool = False):
    """The process-wide compiled joint LKJ structure in d dimensions (normal or Student-t)."""
    tag = "joint-t" if robust else "joint"
    return get_structure(f"{tag}(d={d})", lambda: build_joint_model(d, robust))


def _fit_joint(
    data: ParticipantData,
    names: list[str],
    settings: SamplerSettings,
    *,
    eta: float,
    robust: bool,
    missing: str,
    partial_on: list[str],
    waves: list[str] | None,
) -> _JointFit:
    if waves:
        columns = [f"{c}_{w}" for w in waves for c in names]
        for column in columns:
            if column not in data.columns:
                raise InputError(f"{data.path}: unknown column '{column}' (construct_wave)")
    else:
        columns = list(names)
    for control in partial_on:
        if control not in data.columns:
            raise InputError(f"{data.path}: unknown column '{control}' in --partial-on")
        if control in columns:
            raise InputError(f"--partial-on: '{control}' is also in --vars")
    columns += partial_on
    d = len(columns)
    values = data.matrix(columns)
    observed = ~np.isnan(values)
    keep = observed.all(axis=1) if missing == "listwise" else observed.any(axis=1)
    n_used = int(keep.sum())
    if n_used < max(MIN_PAIRS, d + 1):
        raise InputError(
            f"{data.path}: only {n_used} usable rows for {d} variables ({missing}); the joint "
            f"model needs at least {max(MIN_PAIRS, d + 1)}"
        )
    dropped = []
    for i in np.flatnonzero(~keep):
        miss = [nm for nm, v in zip(columns, values[i], strict=True) if np.isnan(v)]
        dropped.append({"row": int(i) + 1, "line": data.lines[i], "id": data.ids[i],
                        "missing": miss})  # fmt: skip
    used = values[keep]
    y, mask = standardize_observed(used)
    structure = joint_structure(d, robust)
    fit = structure.fit({"y": y, "mask": mask, "eta": eta}, settings)
    correlation_groups(fit, y, mask, columns, {"eta": eta}, settings.seed, robust)
    corr = fit.idata["posterior"]["chol_corr"].values
    controls = list(range(d - len(partial_on), d))
    m = len(controls)
    pair_draws, wave_of = {}, {}
    if waves:
        for w in waves:
            for c1, c2 in itertools.combinations(names, 2):
                a, b = f"{c1}_{w}", f"{c2}_{w}"
                i, j = columns.index(a), columns.index(b)
                pair_draws[(a, b, i, j)] = corr[..., i, j]
                wave_of[(a, b)] = {"wave": w, "construct1": c1, "construct2": c2}
    else:
        for i, j in itertools.combinations(range(d - m), 2):
            draws = partial_correlation_draws(corr, i, j, controls) if m else corr[..., i, j]
            pair_draws[(columns[i], columns[j], i, j)] = draws
    prior = joint_prior_text(eta, d)
    kappa = implied_partial_kappa(eta, d, m) if m else implied_kappa(eta, d)
    if m:
        prior += (
            f"; a partial correlation given {m} variable(s) then has the marginal prior "
            f"stretched Beta({1 / kappa:g}, {1 / kappa:g}), kappa = {kappa:.4g}"
        )
    if robust:
        prior += "; multivariate Student-t likelihood with nu = 2 + Gamma(2, 0.1)"
    return _JointFit(
        structure=structure, fit=fit, prior=prior, kappa=kappa, n_used=n_used,
        dropped=dropped, values=used, columns=columns, controls=controls,
        pair_draws=pair_draws, wave_of=wave_of, waves=waves, constructs=list(names),
    )  # fmt: skip


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
    missing: str = "fiml",
    robust: bool = False,
    partial_on: list[str] | None = None,
    waves: list[str] | None = None,
) -> McmcCorrelations:
    """Fit the chosen model and summarise every pair of ``names``.

    The pairwise model uses each pair's complete rows. The joint model uses every participant
    with at least one observed value (``missing="fiml"``, valid under MAR) or the rows complete
    on every variable (``"listwise"``); the exact and frequentist keys of each pair are computed
    on the pair's complete rows among those (under listwise, the common rows). With ``waves``,
    ``names`` are constructs and the model holds every construct-wave column; pairs are formed
    within each wave and ``contrasts`` compare each pair's correlation between waves.
    """
    if model == "pairwise" and (robust or partial_on or waves or missing != "fiml"):
        raise InputError("--robust, --partial-on, --waves and --missing go with --model joint")
    if missing not in MISSING:
        raise InputError(f"--missing must be one of {', '.join(MISSING)}, got {missing!r}")
    contrasts = None
    if model not in MODELS:
        raise InputError(f"--model must be one of {', '.join(MODELS)}, got {model!r}")
    if len(names) < 2:
        raise InputError(f"need at least two variables for a correlation, got {len(names)}")
    exact = {"kappa": kappa, "alternative": alternative, "ci_prob": ci_prob}
    pairs, fits = [], {}
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
            draws = fit.idata["posterior"]["rho"].values
            r = float(np.corrcoef(values[keep], rowvar=False)[0, 1])
            record = correlation_record(r, n, **exact)
            summary = summarize_draws(
                draws, ci_prob=ci_prob, rope=rope, divergences=fit.divergences
            )
            pairs.append({"var1": a, "var2": b, **record, **two_sided_comparison(record),
                          **summary, "mcmc_prior_kappa": kappa})  # fmt: skip
        n_used = int(used_rows.sum())
    else:
        joint = _fit_joint(
            data, names, settings, eta=eta, robust=robust, missing=missing,
            partial_on=partial_on or [], waves=waves,
        )  # fmt: skip
        fits["joint"] = joint.fit
        structure, prior, n_used, dropped = (
            joint.structure,
            joint.prior,
            joint.n_used,
            joint.dropped,
        )
        for (a, b, i, j), draws in joint.pair_draws.items():
            x = joint.values[:, [i, j, *joint.controls]]
            keep = _complete(x)
            n = int(keep.sum())
            if n < MIN_PAIRS + len(joint.controls):
                raise InputError(
                    f"{data.path}: columns '{a}' and '{b}' have {n} complete rows; too few"
                )
            m = len(joint.controls)
            r_sample = np.corrcoef(x[keep], rowvar=False)
            r = float(_partial_from_corr(r_sample)) if m else float(r_sample[0, 1])
            record = correlation_record(r, n - m, **exact)
            record["n"] = n
            if m:
                record["n_effective"] = n - m
            summary = summarize_draws(
                draws, ci_prob=ci_prob, rope=rope, divergences=joint.fit.divergences
            )
            pair = {"var1": a, "var2": b}
            if waves:
                pair.update(joint.wave_of[(a, b)])
            pairs.append({**pair, **record, **two_sided_comparison(record), **summary,
                          "mcmc_prior_kappa": joint.kappa})  # fmt: skip
        contrasts = joint.contrasts(ci_prob) if waves else None
    result = {
        "model": model,
        **sampler_record(settings, fits),
        "n_used": n_used,
        "missing_policy": "pairwise-complete rows per pair" if model == "pairwise" else missing,
        "missing": MISSING_TEXT["pairwise" if model == "pairwise" else missing],
        "robust": robust,
        "partial_on": partial_on or None,
        "waves": waves,
        "dropped": dropped,
        "prior": prior,
        "rope": rope,
        "eta": eta if model == "joint" else None,
        "diagnostics_ok": all(p["diagnostics_ok"] for p in pairs),
        "compile_seconds": structure.compile_seconds,
        "pairs": pairs,
    }
    if contrasts is not None:
        result["contrasts"] = contrasts
    return McmcCorrelations(result=result, fits=fits)


def write_posteriors(folder: Path, outcome: McmcCorrelations) -> list[str]:
    """Write one NetCDF posterior per fit and a CSV summary into ``folder``; return file names."""
    from bayes_peer.runs.outputs import write_csv

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
