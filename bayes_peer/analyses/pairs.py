"""One correlation as the JSON contract's record: exact Bayes factors and posterior beside
Pearson's r, p and CI, for every pair of a source (simple or partial correlations); the records
every correlation analysis (exact, MCMC, runs, the demo) builds on."""

from __future__ import annotations

import itertools

import numpy as np

from bayes_peer.data.moments import MIN_PAIRS
from bayes_peer.errors import InputError
from bayes_peer.exact.correlation import correlation_posterior, prior_description
from bayes_peer.frequentist import pearson_from_r
from bayes_peer.numbers import bf_from_log

__all__ = [
    "MIN_PAIRS",
    "bayes_keys",
    "correlate_pairs",
    "correlation_prior_text",
    "correlation_record",
    "partial_from_corr",
    "partial_pairs",
    "two_sided_comparison",
]


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
        **bayes_keys(post, ci_prob),
        "t": freq.t,
        "df": freq.df,
        "p_value": freq.p_value,
        "freq_ci_low": freq.ci_low,
        "freq_ci_high": freq.ci_high,
    }


def bayes_keys(post, ci_prob: float) -> dict:
    """The Bayes factors and posterior summaries of an exact posterior (Pearson's or
    Kendall's), under the JSON contract's names: ``bf10`` is the chosen alternative's BF."""
    return {
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
        two = correlation_posterior(record["r"], n, record["kappa"], "two-sided", record["ci_prob"])
        values = [two.posterior_median, two.ci_low, two.ci_high]
    return dict(
        zip(
            ("exact_two_sided_median", "exact_two_sided_ci_low", "exact_two_sided_ci_high"),
            values,
            strict=True,
        )
    )


def correlate_pairs(
    source,
    names: list[str],
    kappa: float = 1.0,
    alternative: str = "two-sided",
    ci_prob: float = 0.95,
) -> list[dict]:
    """One record per pair of ``names``, from participant rows (each pair's complete rows) or a
    published matrix (its n): the source gives each pair's r and n
    (:mod:`bayes_peer.data.source`)."""
    if len(names) < 2:
        raise InputError(f"need at least two variables for a correlation, got {len(names)}")
    records = []
    for a, b in itertools.combinations(names, 2):
        r, n = source.pair(a, b)
        records.append(
            {"var1": a, "var2": b, **correlation_record(r, n, kappa, alternative, ci_prob)}
        )
    return records


def partial_pairs(
    source,
    names: list[str],
    controls: list[str],
    kappa: float = 1.0,
    alternative: str = "two-sided",
    ci_prob: float = 0.95,
) -> list[dict]:
    """One record per pair of ``names``: the partial correlation given ``controls`` (numeric
    columns or factors, a factor as its indicator columns) on the rows complete on the pair and
    every control. The frequentist test has n - 2 - m degrees of freedom and the exact Bayes
    factor and posterior use n - m in place of n (m = control columns): the sampling
    distribution of a partial correlation is that of a simple one from n - m observations
    (Fisher 1924). ``n`` is the rows used, ``n_effective`` = n - m.

    References
    ----------
    Fisher, R. A. (1924). The distribution of the partial correlation coefficient. *Metron*,
    3, 329-332.
    """
    from bayes_peer.data.moments import check_correlation

    if len(names) < 2:
        raise InputError(f"need at least two variables for a correlation, got {len(names)}")
    for control in controls:
        if control in names:
            raise InputError(f"`partial_on`: '{control}' is also in `vars`")
    columns = [c for t in controls for c in source.term_columns(t)]
    m = len(columns)
    records = []
    for a, b in itertools.combinations(names, 2):
        values = source.matrix([a, b, *columns])
        keep = ~np.isnan(values).any(axis=1)
        n = int(keep.sum())
        if n - m < MIN_PAIRS:
            raise InputError(
                f"{source.path}: '{a}' and '{b}' have {n} rows complete on them and "
                f"the {m} control column(s); a partial correlation needs at least "
                f"{MIN_PAIRS + m}"
            )
        for name in controls:
            if name in getattr(source, "factors", {}):
                source.factors[name].check_rows(
                    keep, source.path, f"complete on '{a}', '{b}' and the controls"
                )
        corr = np.corrcoef(values[keep], rowvar=False)
        r = float(partial_from_corr(corr)) if m else float(corr[0, 1])
        check_correlation(source.path, a, b, r)
        record = correlation_record(r, n - m, kappa, alternative, ci_prob)
        record.update(n=n, n_effective=n - m)
        records.append({"var1": a, "var2": b, **record})
    return records


def partial_from_corr(corr: np.ndarray) -> float:
    """Partial correlation of the first two variables given the rest (from the precision)."""
    precision = np.linalg.inv(corr)
    return -precision[0, 1] / np.sqrt(precision[0, 0] * precision[1, 1])


def correlation_prior_text(kappa: float) -> str:
    """The sentence stating the prior behind every Bayes factor and posterior."""
    return (
        prior_description(kappa)
        + "; right-Haar prior on means and SDs; exact posterior (Ly, Marsman & Wagenmakers 2018)"
    )
