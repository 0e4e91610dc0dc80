"""Kendall's tau-b: exact Bayes factors and posteriors beside the frequentist tau-b, p and CI,
with the same sensitivity analyses as Pearson's correlation (prior width, sequential, each
participant left out)."""

from __future__ import annotations

import itertools
import math

import numpy as np

from bayes_peer.analyses.pairs import bayes_keys
from bayes_peer.analyses.sensitivity_exact import (
    FIRST_N,
    SEQUENTIAL_ORDERS,
    SEQUENTIAL_SEED,
    sequential_record,
)
from bayes_peer.errors import InputError
from bayes_peer.exact.design import robustness_curve
from bayes_peer.exact.kendall import KAPPA_MAX, kendall_posterior, posterior_grid, tau_of_z
from bayes_peer.exact.kendall import prior_description as kendall_prior_description
from bayes_peer.frequentist.kendall import (
    KendallResult,
    kendall_from_tau,
    kendall_tau_b,
    leave_one_out_tau_b,
    running_tau_b,
)
from bayes_peer.numbers import bf_from_log


def kendall_record(
    freq: KendallResult, kappa: float = 1.0, alternative: str = "two-sided", ci_prob: float = 0.95
) -> dict:
    """Exact Bayesian and frequentist results for one Kendall correlation (the JSON keys).

    As for Pearson, ``bf10`` is the Bayes factor of the chosen alternative against tau = 0
    (BF+0 or BF-0 when one-sided), the posterior summaries those of the (truncated) posterior
    under it, ``p_value`` follows the alternative and the frequentist interval is two-sided.
    """
    post = kendall_posterior(freq.tau_b, freq.n, kappa, alternative, ci_prob)
    return {
        "method": "kendall",
        "n": freq.n,
        "tau_b": freq.tau_b,
        "kappa": float(kappa),
        "alternative": alternative,
        **bayes_keys(post, ci_prob),
        "t_star": freq.t_star,
        "p_value": freq.p_value,
        "p_method": freq.p_method,
        "ties": freq.ties,
        "freq_ci_low": freq.ci_low,
        "freq_ci_high": freq.ci_high,
    }


def kendall_from_summary(
    tau: float, n: int, kappa: float, alternative: str, ci_prob: float
) -> dict:
    """A record for a reported tau and n (p from the normal approximation, no ties known)."""
    return kendall_record(
        kendall_from_tau(tau, n, alternative, ci_prob), kappa, alternative, ci_prob
    )


def kendall_pairs(
    source, names: list[str], kappa: float, alternative: str, ci_prob: float
) -> list[dict]:
    """One Kendall record per pair of ``names`` on its pairwise-complete participant rows."""
    if not getattr(source, "has_rows", False):
        raise InputError(
            "Kendall's tau needs participant rows (ranks): a published table holds "
            "Pearson correlations; give `tau` and `n` for a reported tau"
        )
    if len(names) < 2:
        raise InputError(f"need at least two variables for a correlation, got {len(names)}")
    records = []
    for a, b in itertools.combinations(names, 2):
        x, y, _ = source.complete_pair(a, b)
        freq = kendall_tau_b(x, y, alternative, ci_prob)
        records.append({"var1": a, "var2": b, **kendall_record(freq, kappa, alternative, ci_prob)})
    return records


def kendall_prior_text(kappa: float) -> str:
    """The sentence stating the prior behind every Kendall Bayes factor and posterior."""
    return (
        kendall_prior_description(kappa)
        + "; likelihood of T* by its normal approximation; posterior by quadrature"
    )


def check_kendall_kappa(kappa: float) -> None:
    """InputError unless ``kappa`` is a width Kendall's prior allows (at most 2, as JASP)."""
    if kappa > KAPPA_MAX:
        raise InputError(
            f"`kappa` must be at most {KAPPA_MAX:g} for Kendall's tau (beyond, the "
            f"prior on tau is infinite at +/-1), got {kappa:g}"
        )


def _log_bf_and_quantiles(tau: float, n: int, kappa: float, alternative: str, probs):
    """Log BF (of ``alternative``) and posterior quantiles of tau on the adaptive grid."""
    grid = posterior_grid(tau, n, kappa, alternative)
    shift = 0.0 if alternative == "two-sided" else math.log(2.0)
    return grid.log_integral + shift, tau_of_z(grid.quantile(np.asarray(probs, dtype=float)))


def kendall_sequential(x, y, kappa: float = 1.0, alternative: str = "two-sided") -> dict:
    """BF and posterior median of tau as complete pairs accumulate (file order and seeded random
    orders), with the keys of Pearson's sequential analysis."""
    n_total = x.size
    steps = np.arange(FIRST_N, n_total + 1)

    def run(order, median: bool):
        taus = running_tau_b(x[order], y[order])[steps - 1]
        log_bf, med = np.full(steps.size, np.nan), np.full(steps.size, np.nan)
        for i, (tau, k) in enumerate(zip(taus, steps, strict=True)):
            if np.isfinite(tau):
                if median:
                    log_bf[i], (med[i],) = _log_bf_and_quantiles(tau, k, kappa, alternative, (0.5,))
                else:
                    shift = 0.0 if alternative == "two-sided" else math.log(2.0)
                    log_bf[i] = posterior_grid(tau, k, kappa, alternative).log_integral + shift
        return log_bf, med

    log_bf, med = run(np.arange(n_total), True)
    rng = np.random.default_rng(SEQUENTIAL_SEED)
    orders = [rng.permutation(n_total) for _ in range(SEQUENTIAL_ORDERS)]
    random_log_bf = np.array([run(o, False)[0] for o in orders])
    return sequential_record(steps, log_bf, med, random_log_bf)


def kendall_influence(
    x, y, ids: list[str], kappa: float, ci_prob: float, alternative: str, full: dict
) -> dict:
    """Each participant left out in turn, with Pearson's rules for a changed conclusion (the
    evidence category of the BF, or the interval's exclusion of 0, flips)."""
    from bayes_peer.analyses.sensitivity_exact import evidence_category_log

    tail = (1.0 - ci_prob) / 2.0
    full_excludes = full["ci_low"] > 0 or full["ci_high"] < 0
    name = {"two-sided": "BF10", "greater": "BF+0", "less": "BF-0"}[alternative]
    rows, flagged = [], []
    for i, tau in enumerate(leave_one_out_tau_b(x, y)):
        if not np.isfinite(tau):
            rows.append(
                {
                    "id": ids[i],
                    "tau_b": None,
                    "bf10": None,
                    "log_bf10": None,
                    "posterior_median": None,
                    "ci_low": None,
                    "ci_high": None,
                    "changes_conclusion": False,
                }
            )
            continue
        probs = (tail, 0.5, 1 - tail)
        log_bf, (lo, med, hi) = _log_bf_and_quantiles(
            float(tau), x.size - 1, kappa, alternative, probs
        )
        reasons = []
        if evidence_category_log(log_bf) != evidence_category_log(full["log_bf10"]):
            reasons.append(
                f"{name} {full['bf10']:.3g} -> {bf_from_log(log_bf):.3g} crosses an "
                "evidence threshold (3 or 1/3)"
            )
        if (lo > 0 or hi < 0) != full_excludes:
            reasons.append("the credible interval's exclusion of 0 flips")
        rows.append(
            {
                "id": ids[i],
                "tau_b": float(tau),
                "bf10": bf_from_log(log_bf),
                "log_bf10": float(log_bf),
                "posterior_median": float(med),
                "ci_low": float(lo),
                "ci_high": float(hi),
                "changes_conclusion": bool(reasons),
            }
        )
        if reasons:
            flagged.append({"id": ids[i], "reasons": reasons})
    return {"influence": rows, "influential": flagged}


def add_kendall_sensitivity(
    pairs: list[dict],
    source,
    *,
    kappa: float,
    alternative: str,
    ci_prob: float,
    robustness: bool = False,
    sequential_orders: bool = False,
    leave_one_out: bool = False,
) -> None:
    """Add ``robustness``, ``sequential`` and ``influence`` keys to Kendall pair records, in
    place (the keys of :func:`bayes_peer.analyses.sensitivity_exact.add_correlation_sensitivity`,
    with ``tau_b`` for ``r``)."""
    for pair in pairs:
        if robustness:
            curve, log_max, k_star = robustness_curve(
                pair["tau_b"], pair["n"], alternative, kendall=True
            )
            pair.update(
                {
                    "robustness": [
                        {
                            "kappa": c["kappa"],
                            "bf10": bf_from_log(c["log_bf10"]),
                            "log_bf10": c["log_bf10"],
                        }
                        for c in curve
                    ],
                    "max_bf10": bf_from_log(log_max),
                    "log_max_bf10": log_max,
                    "kappa_at_max": k_star,
                }
            )
        if sequential_orders or leave_one_out:
            x, y, ids = source.complete_pair(pair["var1"], pair["var2"])
            if sequential_orders:
                pair.update(kendall_sequential(x, y, kappa, alternative))
            if leave_one_out:
                pair.update(kendall_influence(x, y, ids, kappa, ci_prob, alternative, pair))


def correlate_kendall(
    data, vars, tau, n, common, robustness, sequential, influence, rounding, nearest
):
    """``correlate(method="kendall")``: from participant rows, or one reported tau and n."""
    from bayes_peer.analyses.correlate import _variable_table, _variables
    from bayes_peer.data.source import as_source, data_kind
    from bayes_peer.params import check
    from bayes_peer.results import Result

    check_kendall_kappa(common["kappa"])
    if rounding is not None or nearest:
        raise InputError(
            "`rounding_sensitivity` and `nearest_correlation` are for a published "
            "Pearson table, not Kendall's tau"
        )
    prior = kendall_prior_text(common["kappa"])
    if tau is not None or n is not None:
        if data is not None or vars is not None:
            raise InputError("give either `data` (with `vars`) or `tau` with `n`, not both")
        if tau is None or n is None:
            raise InputError("`tau` needs `n` (the number of pairs), and `n` needs `tau`")
        if sequential or influence:
            raise InputError("a tau given with `n` has no rows: no `sequential` or `influence`")
        record = kendall_from_summary(check("tau", tau, "`tau`"), check("n", n, "`n`"), **common)
        add_kendall_sensitivity([record], None, **common, robustness=robustness)
        return Result("correlation", {**record, "prior": prior})
    names, columns = _variables(data, vars, None, None, False)
    source = as_source(data, columns)
    if not source.has_rows:
        raise InputError(
            "Kendall's tau needs participant rows (ranks): a published table holds "
            "Pearson correlations; give `tau` and `n` for a reported tau"
        )
    names = names if names is not None else source.variables
    source.require(names)
    pairs = kendall_pairs(source, names, **common)
    add_kendall_sensitivity(
        pairs,
        source,
        **common,
        robustness=robustness,
        sequential_orders=sequential,
        leave_one_out=influence,
    )
    record = {
        "source": source.path,
        "data_kind": data_kind(source),
        "data_sha256": source.sha256,
        "synthetic": source.synthetic,
        "n_rows": source.n_rows,
        "variables": _variable_table(source, names),
        "method": "kendall",
        **common,
        "prior": prior,
        "pairs": pairs,
    }
    return Result("correlation", record)
