"""Correlations by MCMC: the pairwise model (one compiled structure refitted per pair) and the
joint LKJ model, each summary beside the exact layer's and the frequentist numbers."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from bayes_peer.analyses.pairs import (
    MIN_PAIRS,
    correlate_pairs,
    correlation_record,
    partial_from_corr,
    two_sided_comparison,
)
from bayes_peer.data.participants import ParticipantData
from bayes_peer.errors import InputError
from bayes_peer.exact.correlation import log_prior_z
from bayes_peer.frequentist import nonoverlapping_difference
from bayes_peer.mcmc.diagnostics import summarize_draws
from bayes_peer.mcmc.models.correlation import (
    build_joint_model,
    build_pairwise_model,
    implied_kappa,
    implied_partial_kappa,
    joint_prior_text,
    pairwise_prior_text,
    pairwise_znormal_prior_text,
    partial_correlation_draws,
    standardize,
    standardize_observed,
)
from bayes_peer.mcmc.models.sufficient import (
    build_joint_summary_model,
    build_pairwise_summary_model,
    standardized_statistics,
)
from bayes_peer.mcmc.predictive import add_posterior_draws, correlation_groups
from bayes_peer.mcmc.sampler import Fit, SamplerSettings, get_structure, sampler_record
from bayes_peer.mcmc.savage_dickey import pairwise_at_zero, sufficient_statistics

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
                    "var1": c1,
                    "var2": c2,
                    "wave_a": wa,
                    "wave_b": wb,
                    "diff_median": float(med),
                    "diff_ci_low": float(lo),
                    "diff_ci_high": float(hi),
                    "p_positive": float(np.mean(diff > 0)),
                }
                four = self.values[:, [ja, ka, jb, kb]]
                keep = _complete(four)
                n = int(keep.sum())
                freq = {
                    "freq_n": n,
                    "freq_diff": None,
                    "freq_z": None,
                    "freq_p": None,
                    "freq_ci_low": None,
                    "freq_ci_high": None,
                }
                if n >= 5:
                    test = nonoverlapping_difference(
                        np.corrcoef(four[keep], rowvar=False), n, ci_prob
                    )
                    freq.update(
                        freq_diff=test.diff,
                        freq_z=test.z,
                        freq_p=test.p_value,
                        freq_ci_low=test.ci_low,
                        freq_ci_high=test.ci_high,
                    )
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
        if control not in data.columns and control not in data.factors:
            raise InputError(f"{data.path}: unknown column '{control}' in `partial_on`")
        if control in columns:
            raise InputError(f"`partial_on`: '{control}' is also in `vars`")
    controls_columns = [c for t in partial_on for c in data.term_columns(t)]
    columns += controls_columns
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
        dropped.append(
            {"row": int(i) + 1, "line": data.lines[i], "id": data.ids[i], "missing": miss}
        )
    used = values[keep]
    y, mask = standardize_observed(used)
    structure = joint_structure(d, robust)
    fit = structure.fit({"y": y, "mask": mask, "eta": eta}, settings)
    correlation_groups(fit, y, mask, columns, {"eta": eta}, settings.seed, robust)
    corr = fit.idata["posterior"]["chol_corr"].values
    controls = list(range(d - len(controls_columns), d))
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
        structure=structure,
        fit=fit,
        prior=prior,
        kappa=kappa,
        n_used=n_used,
        dropped=dropped,
        values=used,
        columns=columns,
        controls=controls,
        pair_draws=pair_draws,
        wave_of=wave_of,
        waves=waves,
        constructs=list(names),
    )


#: Why some keys are null when the input is a published table.
NOT_AVAILABLE = {
    "loo": "PSIS-LOO, LOO-R², elpd and Pareto k need the participants' rows",
    "missing_data": "a published table is taken as the complete-case summary; FIML and "
    "imputation need the rows",
    "robust": "the Student-t likelihood has no sufficient statistics",
}

#: The likelihood of every model fitted from a published table.
SOURCE_TEXT = (
    "summary statistics: likelihood on (n, means, scatter matrix) of the standardized "
    "variables, exact for multivariate normal data without missing values"
)


@dataclass
class _PairFit:
    structure: object
    fit: Fit
    r: float
    n: int
    keep: np.ndarray | None  # the rows used (None from a table)
    statistics: tuple  # (n, means, scatter) of the standardized data fitted

    def savage_dickey(self, log_prior_z) -> dict:
        """The Rao-Blackwellized Savage-Dickey BF10 of rho = 0 under the fitted prior."""
        post = self.fit.idata["posterior"]
        return pairwise_at_zero(
            post["mu"].values, post["log_sigma"].values, *self.statistics, log_prior_z
        )


def _pairwise_fit(
    source, a: str, b: str, hyper: dict, settings: SamplerSettings, rho_prior: str = "beta"
) -> _PairFit:
    """The pairwise model of one pair: from its complete rows, or from the table's r and n.

    ``rho_prior`` "beta" (``hyper`` = {"prior_a": 1 / kappa}) or "znormal" (``hyper`` =
    {"prior_mu", "prior_sd"} on Fisher's z)."""
    tag = "" if rho_prior == "beta" else f"-{rho_prior}"
    if source.has_rows:
        values = source.matrix([a, b])
        keep = _complete(values)
        n = int(keep.sum())
        if n < MIN_PAIRS:
            raise InputError(
                f"{source.path}: columns '{a}' and '{b}' have {n} pairwise-complete rows; a "
                f"correlation needs at least {MIN_PAIRS}"
            )
        structure = get_structure(f"pairwise{tag}", lambda: build_pairwise_model(rho_prior))
        y = standardize(values[keep])
        fit = structure.fit({"y": y, **hyper}, settings)
        r = float(np.corrcoef(values[keep], rowvar=False)[0, 1])
        return _PairFit(structure, fit, r, n, keep, sufficient_statistics(y))
    r, n = source.pair(a, b)
    corr = np.array([[1.0, r], [r, 1.0]])
    structure = get_structure(
        f"pairwise-summary{tag}", lambda: build_pairwise_summary_model(rho_prior)
    )
    stats = standardized_statistics(corr, n)
    fit = structure.fit({**stats, **hyper}, settings, log_likelihood=False)
    return _PairFit(structure, fit, r, n, None, (n, stats["xbar"], stats["scatter"]))


def _informed_pair_keys(pair: _PairFit, prior, ci_prob: float, rope: float) -> dict:
    """The informed-prior pairwise fit's keys: its posterior of rho and Savage-Dickey BF10,
    beside the exact two-sided informed numbers they estimate (the model's prior is two-sided
    whatever the record's alternative)."""
    from bayes_peer.exact.informed import informed_analysis

    draws = pair.fit.idata["posterior"]["rho"].values
    summary = summarize_draws(
        draws, ci_prob=ci_prob, rope=rope, divergences=pair.fit.divergences, prefix="mcmc_informed_"
    )
    keys = {k: v for k, v in summary.items() if k.startswith("mcmc_informed_")}
    keys.update(pair.savage_dickey(prior.log_density_z).keys("mcmc_informed_"))
    exact = informed_analysis(pair.r, pair.n, prior, ci_prob=ci_prob)
    keys.update(
        exact_two_sided_informed_median=exact.informed_median,
        exact_two_sided_informed_ci_low=exact.informed_ci_low,
        exact_two_sided_informed_ci_high=exact.informed_ci_high,
        log_bf10_informed_two_sided=exact.log_bf10_informed,
    )
    keys["mcmc_informed_diagnostics_ok"] = summary["diagnostics_ok"]
    keys["mcmc_informed_flags"] = summary["flags"]
    return keys


def _joint_table_fit(summary, names: list[str], eta: float, settings: SamplerSettings):
    """The joint LKJ model of ``names`` from a table (likelihood on sufficient statistics)."""
    idx = [summary.index(name) for name in names]
    corr = summary.correlations[np.ix_(idx, idx)]
    d = len(names)
    structure = get_structure(f"joint-summary(d={d})", lambda: build_joint_summary_model(d))
    values = {**standardized_statistics(corr, summary.n), "eta": eta}
    fit = structure.fit(values, settings, log_likelihood=False)
    draws = fit.idata["posterior"]["chol_corr"].values
    iu = np.triu_indices(d, 1)
    add_posterior_draws(
        fit.idata,
        {"rho": (("pair",), draws[..., iu[0], iu[1]])},
        {"pair": [f"{names[i]} ~ {names[j]}" for i, j in zip(*iu, strict=True)]},
    )
    return structure, fit, draws


def correlate_mcmc(
    source,
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
    informed=None,
) -> McmcCorrelations:
    """Fit the chosen model and summarise every pair of ``names``, from rows or a table.

    The pairwise model uses each pair's complete rows (a table: its r and n). The joint model
    uses every participant with at least one observed value (``missing="fiml"``, valid under
    MAR) or the rows complete on every variable (``"listwise"``); the exact and frequentist
    keys of each pair are computed on the pair's complete rows among those (under listwise, the
    common rows). With ``waves``, ``names`` are constructs and the model holds every
    construct-wave column; pairs are formed within each wave and ``contrasts`` compare each
    pair's correlation between waves. From a table the likelihood is written on the sufficient
    statistics (:mod:`bayes_peer.mcmc.models.sufficient`): the same posterior as from the rows
    when the table is their complete-case summary; the options that need rows are refused.
    """
    if model not in MODELS:
        raise InputError(f"`method` must be one of exact, {', '.join(MODELS)}, got {model!r}")
    if missing not in MISSING:
        raise InputError(f"`missing` must be one of {', '.join(MISSING)}, got {missing!r}")
    if model == "pairwise" and (robust or partial_on or waves or missing != "fiml"):
        raise InputError("`robust`, `partial_on`, `waves` and `missing` go with method='joint'")
    if len(names) < 2:
        raise InputError(f"need at least two variables for a correlation, got {len(names)}")
    if not source.has_rows:
        for option, reason in (
            ("robust", robust and NOT_AVAILABLE["robust"]),
            ("missing", missing != "fiml" and NOT_AVAILABLE["missing_data"]),
            ("waves", waves and "give one table per wave (each with its own n)"),
            ("partial_on", partial_on and "not available from a table yet"),
        ):
            if reason:
                raise InputError(f"`{option}` needs participant data: {reason}")
    exact = {"kappa": kappa, "alternative": alternative, "ci_prob": ci_prob}
    pairs, fits = [], {}
    dropped: list[dict] = []
    contrasts = None

    def add_pair(head: dict, record: dict, draws, divergences: int, prior_kappa: float) -> None:
        summary = summarize_draws(draws, ci_prob=ci_prob, rope=rope, divergences=divergences)
        pairs.append(
            {
                **head,
                **record,
                **two_sided_comparison(record),
                **summary,
                "mcmc_prior_kappa": prior_kappa,
            }
        )

    if model == "pairwise":
        prior = pairwise_prior_text(kappa)
        informed_prior = informed.prior if informed is not None else None
        if informed_prior is not None:
            prior += "; a second fit per pair with the " + pairwise_znormal_prior_text(
                informed_prior
            )
        used_rows = np.zeros(source.n_rows, dtype=bool)
        for a, b in itertools.combinations(names, 2):
            pair = _pairwise_fit(source, a, b, {"prior_a": 1.0 / kappa}, settings)
            structure, fit = pair.structure, pair.fit
            if pair.keep is not None:
                used_rows |= pair.keep
            fits[f"{a}__{b}"] = fit
            add_pair(
                {"var1": a, "var2": b},
                correlation_record(pair.r, pair.n, **exact),
                fit.idata["posterior"]["rho"].values,
                fit.divergences,
                kappa,
            )
            pairs[-1].update(pair.savage_dickey(lambda z: log_prior_z(z, kappa)).keys())
            if informed_prior is not None:
                hyper = {"prior_mu": informed_prior.mu, "prior_sd": informed_prior.sd}
                second = _pairwise_fit(source, a, b, hyper, settings, "znormal")
                fits[f"{a}__{b}__informed"] = second.fit
                keys = _informed_pair_keys(second, informed_prior, ci_prob, rope)
                pairs[-1].update(keys)
                pairs[-1]["diagnostics_ok"] &= keys["mcmc_informed_diagnostics_ok"]
        n_used = int(used_rows.sum()) if source.has_rows else source.n
    elif source.has_rows:
        joint = _fit_joint(
            source,
            names,
            settings,
            eta=eta,
            robust=robust,
            missing=missing,
            partial_on=partial_on or [],
            waves=waves,
        )
        fits["joint"] = joint.fit
        structure, prior = joint.structure, joint.prior
        n_used, dropped = joint.n_used, joint.dropped
        m = len(joint.controls)
        for (a, b, i, j), draws in joint.pair_draws.items():
            x = joint.values[:, [i, j, *joint.controls]]
            keep = _complete(x)
            n = int(keep.sum())
            if n < MIN_PAIRS + m:
                raise InputError(
                    f"{source.path}: columns '{a}' and '{b}' have {n} complete rows; too few"
                )
            r_sample = np.corrcoef(x[keep], rowvar=False)
            r = float(partial_from_corr(r_sample)) if m else float(r_sample[0, 1])
            record = correlation_record(r, n - m, **exact)
            record["n"] = n
            if m:
                record["n_effective"] = n - m
            head = {"var1": a, "var2": b, **(joint.wave_of[(a, b)] if waves else {})}
            add_pair(head, record, draws, joint.fit.divergences, joint.kappa)
        contrasts = joint.contrasts(ci_prob) if waves else None
    else:
        structure, fit, draws = _joint_table_fit(source, names, eta, settings)
        fits["joint"] = fit
        prior, n_used = joint_prior_text(eta, len(names)), source.n
        prior_kappa = implied_kappa(eta, len(names))
        for record in correlate_pairs(source, names, **exact):
            i, j = names.index(record["var1"]), names.index(record["var2"])
            add_pair({}, record, draws[..., i, j], fit.divergences, prior_kappa)
    if source.has_rows:
        policy = "pairwise-complete rows per pair" if model == "pairwise" else missing
        missing_text = MISSING_TEXT["pairwise" if model == "pairwise" else missing]
    else:
        policy, missing_text = "complete cases as published", NOT_AVAILABLE["missing_data"]
    result = {
        "model": model,
        **sampler_record(settings, fits),
        "n_used": n_used,
        "missing_policy": policy,
        "missing": missing_text,
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
    if informed is not None:
        from bayes_peer.analyses.informed import add_informed_keys

        add_informed_keys(pairs, informed)
    if contrasts is not None:
        from bayes_peer.analyses.informed import wave_replication

        wave_replication(contrasts, pairs)
        result["contrasts"] = contrasts
    if not source.has_rows:
        result.update(likelihood_source=SOURCE_TEXT, not_available=NOT_AVAILABLE)
    return McmcCorrelations(result=result, fits=fits)
