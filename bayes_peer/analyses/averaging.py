"""Bayesian model averaging of a regression over its candidate predictors (JASP's BMA tables:
posterior model probabilities, inclusion probabilities and BFs, model-averaged coefficients)."""

from __future__ import annotations

import math

import numpy as np

from bayes_peer.analyses.terms import factor_records, label_coefficients
from bayes_peer.data.source import data_kind
from bayes_peer.errors import InputError
from bayes_peer.exact.averaging import (
    MAX_CANDIDATES,
    MODEL_PRIORS,
    coefficient_mixtures,
    enumerate_models,
    inclusion,
    posterior_probabilities,
)
from bayes_peer.exact.regression import jzs_prior_description
from bayes_peer.numbers import bf_from_log


def check_bma_terms(outcome: str, forced: list[str], candidates: list[str]) -> None:
    """InputError for an empty, repeated or too long list of candidates."""
    if not candidates:
        raise InputError("model averaging needs at least one candidate predictor (`candidates`)")
    if len(candidates) > MAX_CANDIDATES:
        raise InputError(
            f"model averaging enumerates every subset: at most {MAX_CANDIDATES} candidates "
            f"(2^{MAX_CANDIDATES} models), got {len(candidates)}"
        )
    seen: list[str] = []
    for term in [*forced, *candidates]:
        if term == outcome:
            raise InputError(f"the outcome '{outcome}' is also a predictor")
        if term in seen:
            where = "forced in and a candidate" if term in forced else "named twice"
            raise InputError(f"term '{term}' is {where}")
        seen.append(term)


def model_averaging_prior_text(rscale: float, label: str, model_prior: str, forced: list[str]):
    """The sentence stating the priors behind every model BF and inclusion BF."""
    models = (
        "uniform model prior (every model equally likely)"
        if model_prior == "uniform"
        else "beta-binomial(1, 1) model prior (every model size equally likely)"
    )
    null = (
        f"BF of each model against the model with only {', '.join(forced)} (always in)"
        if forced
        else "BF of each model against the intercept-only model"
    )
    return f"{jzs_prior_description(rscale, label)}; {models}; {null}"


def _interval_row(mixture, ci_prob: float) -> dict:
    tail = (1.0 - ci_prob) / 2.0
    return {
        "mean": mixture.mean,
        "sd": mixture.sd,
        "ci_low": mixture.quantile(tail),
        "ci_high": mixture.quantile(1.0 - tail),
        "p_zero": mixture.mass_at_zero,
    }


def regress_bma(
    source,
    outcome: str,
    forced: list[str],
    candidates: list[str],
    rscale: float,
    model_prior: str = "uniform",
    ci_prob: float = 0.95,
) -> dict:
    """Every subset of ``candidates`` (with ``forced`` always in) on the rows complete on all
    of them: the ``models``, ``inclusion`` and ``forced_coefficients`` tables of the JSON
    contract (see :mod:`bayes_peer.exact.averaging` for the method).

    A factor is one candidate: its k - 1 indicator columns enter and leave every model
    together, and its ``inclusion`` row carries its inclusion Bayes factor (its averaged
    coefficients, one per level, are in ``coefficients``, with ``level`` and ``reference``;
    the inclusion row's ``mean`` ... ``p_zero`` are then null)."""
    if model_prior not in MODEL_PRIORS:
        raise InputError(
            f"`model_prior` must be one of {', '.join(MODEL_PRIORS)}, got {model_prior!r}"
        )
    check_bma_terms(outcome, forced, candidates)
    source.require([outcome])
    forced_columns = [c for t in forced for c in source.term_columns(t)]
    groups = [source.term_columns(t) for t in candidates]
    names = [outcome, *forced_columns, *(c for g in groups for c in g)]
    moments = source.moments(names, len(names) - 1)
    n, k = moments.n, len(candidates)
    forced_idx = list(range(1, 1 + len(forced_columns)))
    cand_idx, start = [], 1 + len(forced_columns)
    for group in groups:
        cand_idx.append(list(range(start, start + len(group))))
        start += len(group)
    try:
        models, log_null = enumerate_models(
            n, moments.corr, forced_idx, cand_idx, rscale, model_prior
        )
    except np.linalg.LinAlgError:
        raise InputError(
            f"{source.path}: the predictors are collinear (a model's correlation "
            "matrix is singular); remove one of them"
        ) from None
    probs = posterior_probabilities(models)
    model_rows = []
    for model, prob in zip(models, probs, strict=True):
        prior = math.exp(model.log_prior)
        odds = prob / (1 - prob) if prob < 1 else math.inf
        model_rows.append(
            {
                "terms": [*forced, *(candidates[i] for i in model.members)],
                "candidates": [candidates[i] for i in model.members],
                "size": len(model.members),
                "r2": model.r2,
                "log_bf": model.log_bf,
                "bf": bf_from_log(model.log_bf),
                "log_bf_vs_intercept": model.log_bf + log_null,
                "prior_prob": prior,
                "post_prob": float(prob),
                "bf_m": odds / (prior / (1 - prior)) if prior < 1 else None,
            }
        )
    model_rows.sort(key=lambda r: -r["post_prob"])
    mixtures, omitted = coefficient_mixtures(
        n, moments.corr, moments.sds, forced_idx, cand_idx, models, probs, rscale
    )
    rows = []
    for j, (term, inc) in enumerate(zip(candidates, inclusion(models, probs, k), strict=True)):
        single = len(cand_idx[j]) == 1 and source.term_label(groups[j][0]) is None
        interval = (
            _interval_row(mixtures[cand_idx[j][0]], ci_prob)
            if single
            else dict.fromkeys(("mean", "sd", "ci_low", "ci_high", "p_zero"))
        )
        rows.append(
            {
                "term": term,
                "p_prior": inc["p_prior"],
                "p_incl": inc["p_incl"],
                "bf_incl": bf_from_log(inc["log_bf_incl"]),
                "log_bf_incl": inc["log_bf_incl"],
                **interval,
            }
        )
    columns = [*forced_columns, *(c for g in groups for c in g)]
    coefficients = label_coefficients(
        [
            {
                "term": column,
                "forced": i < len(forced_columns),
                **_interval_row(mixtures[1 + i], ci_prob),
            }
            for i, column in enumerate(columns)
        ],
        source,
    )
    forced_rows = [
        {k: v for k, v in row.items() if k != "forced"} for row in coefficients if row["forced"]
    ]
    extra = {}
    if any(source.term_label(c) for c in columns):
        extra = {
            "coefficients": coefficients,
            "factors": factor_records(source, [*forced, *candidates]),
        }
    return {
        "forced": list(forced),
        "candidates": list(candidates),
        "model_prior": model_prior,
        "ci_prob": ci_prob,
        "n_models": len(models),
        "models": model_rows,
        "inclusion": rows,
        "forced_coefficients": forced_rows,
        "units": "raw" if moments.sds is not None else "standardized",
        "omitted_mass": omitted,
        "n_used": n,
        "n_rows": moments.n_rows,
        "dropped": moments.dropped,
        **extra,
    }


def regress_bma_result(
    data,
    outcome,
    blocks,
    candidates,
    rscale,
    model_prior,
    ci_prob,
    nearest_correlation: bool = False,
    factors=None,
    reference=None,
):
    """``regress(method="bma")``: a Result whose table is the inclusion table."""
    from bayes_peer.data.source import as_source
    from bayes_peer.exact.regression import resolve_rscale
    from bayes_peer.params import check, name_list
    from bayes_peer.results import Result

    scale, label = resolve_rscale(rscale, "`rscale`")
    ci_prob = check("ci_prob", ci_prob, "`ci_prob`")
    if outcome is None or not str(outcome).strip():
        raise InputError("`outcome` is required with `data`")
    outcome = str(outcome).strip()
    if candidates is None:
        raise InputError("method='bma' needs `candidates` (the predictors to average over)")
    candidates = name_list(candidates, "candidates")
    forced = [t for block in blocks or [] for t in name_list(block, "blocks")]
    check_bma_terms(outcome, forced, candidates)
    source = as_source(
        data,
        [outcome, *forced, *candidates],
        nearest_correlation=nearest_correlation,
        factors=factors,
        reference=reference,
    )
    result = regress_bma(source, outcome, forced, candidates, scale, model_prior, ci_prob)
    record = {
        "source": source.path,
        "data_kind": data_kind(source),
        "data_sha256": source.sha256,
        "synthetic": source.synthetic,
        "method": "bma",
        "outcome": outcome,
        "rscale": scale,
        "rscale_label": label,
        "prior": model_averaging_prior_text(scale, label, model_prior, forced),
        "ci_prob": ci_prob,
        **result,
    }
    if not source.has_rows:
        record["warnings"] = source.warnings
    return Result("regression", record)
