"""Correlations: exact Bayes factors and posteriors beside Pearson's r, p and CI."""

from __future__ import annotations

import itertools
import math

import numpy as np

from bayes_peer.data.participants import ParticipantData
from bayes_peer.data.summary import SummaryStatistics
from bayes_peer.errors import InputError
from bayes_peer.exact.correlation import correlation_posterior, prior_description
from bayes_peer.frequentist import pearson_from_r, pearson_r
from bayes_peer.numbers import bf_from_log

#: Fewest pairwise-complete rows for which a correlation is reported.
MIN_PAIRS = 4


def correlation_record(
    r: float,
    n: int,
    kappa: float = 1.0,
    alternative: str = "two-sided",
    ci_prob: float = 0.95,
) -> dict:
    """Exact Bayesian and frequentist results for one correlation (the JSON contract's keys).

    ``bf10`` is the Bayes factor of the chosen alternative against rho = 0 (BF+0 or BF-0 when
    one-sided) and the posterior summaries are those of the (truncated) posterior under it;
    ``p_value`` follows the alternative; the frequentist interval stays two-sided.
    """
    post = correlation_posterior(r, n, kappa, alternative, ci_prob)
    freq = pearson_from_r(r, n, alternative, ci_prob)
    return {
        "n": int(n),
        "r": float(r),
        "kappa": float(kappa),
        "alternative": alternative,
        "bf10": bf_from_log(post.log_bf),
        "log_bf10": post.log_bf,
        "bf01": bf_from_log(-post.log_bf),
        "bf10_two_sided": bf_from_log(post.log_bf10),
        "log_bf10_two_sided": post.log_bf10,
        "bf_plus0": bf_from_log(post.log_bf_plus0),
        "log_bf_plus0": post.log_bf_plus0,
        "bf_minus0": bf_from_log(post.log_bf_minus0),
        "log_bf_minus0": post.log_bf_minus0,
        "posterior_median": post.posterior_median,
        "posterior_mean": post.posterior_mean,
        "ci_low": post.ci_low,
        "ci_high": post.ci_high,
        "ci_prob": float(ci_prob),
        "t": freq.t,
        "df": freq.df,
        "p_value": freq.p_value,
        "freq_ci_low": freq.ci_low,
        "freq_ci_high": freq.ci_high,
    }


def two_sided_comparison(record: dict) -> dict:
    """The exact two-sided posterior of a record, to stand beside an MCMC posterior.

    The MCMC models put a two-sided prior on rho, so their posterior is compared with the exact
    two-sided posterior whatever ``alternative`` the record's Bayes factor and exact summaries
    follow. Returns ``exact_two_sided_median``, ``exact_two_sided_ci_low`` and
    ``exact_two_sided_ci_high``.
    """
    if record["alternative"] == "two-sided":
        post = record
        keys = ("posterior_median", "ci_low", "ci_high")
        values = [post[k] for k in keys]
    else:
        n = record.get("n_effective", record["n"])
        two = correlation_posterior(record["r"], n, record["kappa"], "two-sided",
                                    record["ci_prob"])  # fmt: skip
        values = [two.posterior_median, two.ci_low, two.ci_high]
    return dict(zip(("exact_two_sided_median", "exact_two_sided_ci_low",
                     "exact_two_sided_ci_high"), values, strict=True))  # fmt: skip


def _pairs(names: list[str]) -> list[tuple[str, str]]:
    if len(names) < 2:
        raise InputError(f"need at least two variables for a correlation, got {len(names)}")
    return list(itertools.combinations(names, 2))


def _check_r(source: str, a: str, b: str, r: float) -> None:
    if not math.isfinite(r):
        raise InputError(f"{source}: the correlation of '{a}' and '{b}' is undefined")
    if abs(r) >= 1.0 - 1e-12:
        raise InputError(
            f"{source}: columns '{a}' and '{b}' are perfectly correlated (r = {r:+.0f}); "
            "remove one of them"
        )


def correlate_data(
    data: ParticipantData,
    names: list[str],
    kappa: float = 1.0,
    alternative: str = "two-sided",
    ci_prob: float = 0.95,
) -> list[dict]:
    """One record per pair of ``names`` on that pair's complete rows (n per pair reported)."""
    records = []
    for a, b in _pairs(names):
        x, y = data.columns[a], data.columns[b]
        complete = ~(np.isnan(x) | np.isnan(y))
        n = int(complete.sum())
        if n < MIN_PAIRS:
            raise InputError(
                f"{data.path}: columns '{a}' and '{b}' have {n} pairwise-complete rows; a "
                f"correlation needs at least {MIN_PAIRS}"
            )
        xa, ya = x[complete], y[complete]
        if np.all(xa == xa[0]) or np.all(ya == ya[0]):
            which = a if np.all(xa == xa[0]) else b
            raise InputError(
                f"{data.path}: column '{which}' has zero variance on the rows where '{a}' and "
                f"'{b}' are both observed"
            )
        r = pearson_r(xa, ya)
        _check_r(data.path, a, b, r)
        records.append(
            {"var1": a, "var2": b, **correlation_record(r, n, kappa, alternative, ci_prob)}
        )
    return records


def correlate_summary(
    summary: SummaryStatistics,
    names: list[str],
    kappa: float = 1.0,
    alternative: str = "two-sided",
    ci_prob: float = 0.95,
) -> list[dict]:
    """One record per pair of ``names`` from a published correlation matrix (n = its n)."""
    records = []
    for a, b in _pairs(names):
        r = float(summary.correlations[summary.index(a), summary.index(b)])
        _check_r(summary.path, a, b, r)
        records.append(
            {"var1": a, "var2": b, **correlation_record(r, summary.n, kappa, alternative, ci_prob)}
        )
    return records


def correlation_prior_text(kappa: float) -> str:
    """The sentence stating the prior behind every Bayes factor and posterior."""
    return (
        prior_description(kappa)
        + "; right-Haar prior on means and SDs; exact posterior (Ly, Marsman & Wagenmakers 2018)"
    )
