"""Bayesian and frequentist numbers side by side, read in plain language.

Each comparison row keeps its numbers numeric; :func:`reading` turns a p-value, a Bayes factor
and a probability of direction into one sentence that says whether the two analyses agree and,
where they do not, what a reader should take from each. Evidence categories follow Jeffreys
(1961) as adapted by Lee & Wagenmakers (2013) and used by JASP; "significant" means p < .05.

References
----------
Jeffreys, H. (1961). *Theory of probability* (3rd ed.). Oxford University Press.
Lee, M. D., & Wagenmakers, E.-J. (2013). *Bayesian cognitive modeling*. Cambridge University
Press (table 7.1).
Makowski, D., Ben-Shachar, M. S., Chen, S. H. A., & Lüdecke, D. (2019). Indices of effect
existence and significance in the Bayesian framework. *Frontiers in Psychology*, 10, 2767.
"""

from __future__ import annotations

import math

from bayes_peer.report.format import fmt_bf_text, fmt_p_apa, fmt_stat, term_text

#: p-value threshold the paper's analysis used.
ALPHA = 0.05
#: A probability of direction at least this high is called "fairly probable" when p >= ALPHA.
DIRECTION_NOTABLE = 0.90

_CATEGORIES = (
    (100, "extreme"),
    (30, "very strong"),
    (10, "strong"),
    (3, "moderate"),
    (1, "anecdotal"),
)


def evidence_category(bf10: float) -> str:
    """Jeffreys' category of a Bayes factor, for or against H1 (e.g. "moderate evidence for H0").

    Raises
    ------
    ValueError
        If ``bf10`` is not a positive number.
    """
    if not (isinstance(bf10, int | float) and bf10 > 0 and not math.isnan(bf10)):
        raise ValueError(f"a Bayes factor must be a positive number, got {bf10!r}")
    if bf10 == 1:
        return "no evidence either way"
    side, value = ("H1", bf10) if bf10 > 1 else ("H0", 1 / bf10)
    name = next(name for bound, name in _CATEGORIES if value > bound)
    return f"{name} evidence for {side}"


def reading(
    p_value: float | None,
    bf10: float | None,
    p_direction: float | None,
    *,
    effect: str = "an effect",
    absence: str = "no effect",
    direction: str = "> 0",
    prior: str | None = None,
    robustness: tuple[float, float, str] | None = None,
) -> str:
    """One sentence: do the frequentist test and the Bayesian evidence agree, and if not, how?

    Parameters
    ----------
    p_value : float or None
        The frequentist test of the effect (two-sided).
    bf10 : float or None
        The Bayes factor for the effect against none (None when the analysis has none, e.g.
        a single coefficient); the reading then rests on ``p_direction``.
    p_direction : float or None
        Posterior probability of the more probable sign.
    effect, absence : str
        What is tested and its absence, for the sentence ("a correlation", "no correlation").
    direction : str
        The sign of the posterior median, for the sentence ("> 0" or "< 0").
    prior : str, optional
        The prior width behind ``bf10`` ("kappa = 1"), named whenever the sentence reads the
        Bayes factor as evidence for the absence of the effect.
    robustness : (float, float, str), optional
        The smallest and largest BF10 over a range of prior widths and that range in words
        ("kappa from 1/3 to 2"), named in the same sentences.
    """
    sig = p_value is not None and p_value < ALPHA
    p_text = fmt_p_apa(p_value)
    pd_text = (
        f"P(effect {direction}) = {fmt_stat(p_direction, 2, leading_zero=False)}"
        if p_direction is not None
        else None
    )
    if bf10 is not None and math.isfinite(bf10) and bf10 > 0:
        bf_text = f"BF10 = {fmt_bf_text(bf10)}"
        category = evidence_category(bf10)
        caveat = _absence_caveat(prior, robustness)
        if sig and bf10 < 1:
            return (
                f"Disagree: {p_text} but {bf_text}: the data favour {absence} "
                f"({category}{caveat}); significance alone overstates the evidence."
            )
        if sig and bf10 < 3:
            return (
                f"Disagree: {p_text} but {bf_text}: only anecdotal evidence for {effect}; "
                f"significance alone overstates it."
            )
        if not sig and bf10 >= 3:
            return f"Disagree: {p_text} (not significant) but {bf_text}: {category} for {effect}."
        if not sig and p_direction is not None and p_direction >= DIRECTION_NOTABLE:
            return (
                f"Partly agree: {p_text} and {bf_text} ({category}), yet {pd_text}: the "
                f"sign is fairly probable even though {effect} is not established."
            )
        if sig:
            return f"Agree: {p_text} and {bf_text} ({category})."
        if bf10 <= 1 / 3:
            return (
                f"Agree, and more: {p_text}, and {bf_text} is {category}{caveat}: the data "
                f"support {absence}, which a p-value cannot show."
            )
        return (
            f"Agree: {p_text}, {bf_text} ({category}): inconclusive data, not evidence of absence."
        )
    if p_direction is None:
        return f"{p_text}; no Bayesian counterpart."
    if sig and p_direction < 0.975:
        return (
            f"Disagree: {p_text} but {pd_text}: the posterior is less sure of the sign "
            f"than the test suggests (the prior shrinks the estimate)."
        )
    if not sig and p_direction >= DIRECTION_NOTABLE:
        return (
            f"Partly agree: {p_text} (not significant) but {pd_text}: the sign is fairly "
            f"probable; not significant is not no effect."
        )
    if sig:
        return f"Agree: {p_text} and {pd_text}."
    return f"Agree: {p_text} and {pd_text}: the sign is uncertain."


def _absence_caveat(prior: str | None, robustness: tuple[float, float, str] | None) -> str:
    """'; with kappa = 1; BF10 0.21 to 0.38 for kappa from 1/3 to 2' (or '')."""
    parts = []
    if prior:
        parts.append(f"with {prior}")
    if robustness is not None:
        low, high, widths = robustness
        parts.append(f"BF10 {fmt_bf_text(low)} to {fmt_bf_text(high)} for {widths}")
    return "".join(f"; {p}" for p in parts)


#: Prior widths over which a Bayes factor for absence is checked (JASP's usual range).
KAPPA_RANGE = (1 / 3, 2.0)
RSCALE_RANGE = (math.sqrt(2) / 4, 1.0)


def correlation_bf_range(r: float, n: int, alternative: str = "two-sided") -> tuple:
    """Smallest and largest BF10 for kappa in :data:`KAPPA_RANGE`, and the range in words."""
    import numpy as np

    from bayes_peer.exact.correlation_grid import log_bf10_over_kappa

    if alternative != "two-sided":
        return None
    logs = log_bf10_over_kappa(r, n, np.linspace(*KAPPA_RANGE, 25))
    return float(np.exp(logs.min())), float(np.exp(logs.max())), "kappa from 1/3 to 2"


def block_bf_range(row: dict) -> tuple | None:
    """Smallest and largest block BF for JZS r in :data:`RSCALE_RANGE` ("medium" to 1)."""
    import numpy as np

    from bayes_peer.exact.regression import log_jzs_bf

    p, r2, n, df1 = row.get("p"), row.get("r2"), row.get("n"), row.get("df1")
    if p is None or r2 is None or n is None or df1 is None or row.get("delta_r2") is None:
        return None
    p0, r2_0 = p - df1, r2 - row["delta_r2"]  # df1: the block's columns (a factor: k - 1)
    if not df1:
        return None
    values = []
    for scale in np.linspace(*RSCALE_RANGE, 15):
        full = log_jzs_bf(n, p, r2, float(scale))
        previous = log_jzs_bf(n, p0, r2_0, float(scale)) if p0 > 0 else 0.0
        values.append(full - previous)
    return float(np.exp(min(values))), float(np.exp(max(values))), "JZS r from √2/4 to 1"


def direction_of(median: float | None) -> str:
    """``"> 0"`` or ``"< 0"`` by the sign of a posterior median."""
    return "< 0" if median is not None and median < 0 else "> 0"


def p_direction_of(p_positive: float | None, median: float | None) -> float | None:
    """Probability of the sign of the median, from P(effect > 0)."""
    if p_positive is None:
        return None
    return 1.0 - p_positive if direction_of(median) == "< 0" else p_positive


def apa_correlation(row: dict) -> str:
    """APA-style sentence for one correlation row of a results folder.

    ``r = .40, 95% CI [.12, .61], p = .006 (Pearson, n = 36); posterior median ρ = .38, 95% CrI
    [.10, .60] (joint model); BF10 = 6.30 (stretched beta prior, κ = 1)``
    """

    def bounded(value):
        return fmt_stat(value, 2, leading_zero=False)

    text = (
        f"r = {bounded(row['r'])}, {_pct(row)} CI [{bounded(row['freq_ci_low'])}, "
        f"{bounded(row['freq_ci_high'])}], {fmt_p_apa(row['p_value'])} (Pearson, n = {row['n']})"
    )
    if row.get("mcmc_median") is not None:
        text += (
            f"; posterior median ρ = {bounded(row['mcmc_median'])}, "
            f"{_pct(row)} CrI [{bounded(row['mcmc_ci_low'])}, {bounded(row['mcmc_ci_high'])}] "
            f"(joint model, marginal prior κ = {fmt_stat(row.get('mcmc_prior_kappa'), 3)})"
        )
    text += f"; BF10 = {fmt_bf_text(row['bf10'])} (stretched beta prior, κ = {row['kappa']:g})"
    return text


def _pct(row: dict) -> str:
    return f"{100 * float(row.get('ci_prob') or 0.95):g}%"


def correlation_comparison(row: dict) -> dict:
    """A correlation row as the comparison table shows it: numbers and the reading."""
    pdir = p_direction_of(row.get("p_positive"), row.get("mcmc_median"))
    exact = row.get("mcmc_median") is None  # no model: the exact posterior stands in
    median, low, high = (
        (row.get("posterior_median"), row.get("ci_low"), row.get("ci_high"))
        if exact
        else (row.get("mcmc_median"), row.get("mcmc_ci_low"), row.get("mcmc_ci_high"))
    )
    return {
        "pair": f"{row.get('construct1', row['var1'])} ~ {row.get('construct2', row['var2'])}",
        "wave": row.get("wave"),
        "n": row["n"],
        "r": row["r"],
        "ci_low": row["freq_ci_low"],
        "ci_high": row["freq_ci_high"],
        "p_value": row["p_value"],
        "median": median,
        "cri_low": low,
        "cri_high": high,
        "bf10": row["bf10"],
        "bf_prior": f"stretched beta, kappa = {row['kappa']:g}",
        "p_direction": pdir,
        "diagnostics": row.get("diagnostics"),
        "reading": reading(
            row["p_value"],
            row["bf10"],
            pdir,
            effect="a correlation",
            absence="no correlation",
            direction=direction_of(median),
            prior=f"kappa = {row['kappa']:g}",
            robustness=_when_absence(
                row["bf10"],
                lambda: correlation_bf_range(
                    row["r"],
                    int(row.get("n_effective") or row["n"]),
                    row.get("alternative", "two-sided"),
                ),
            ),
        ),
    }


def _when_absence(bf10, compute):
    """``compute()`` only when the reading will speak of evidence for absence (BF10 < 1)."""
    if bf10 is None or not math.isfinite(bf10) or bf10 >= 1:
        return None
    return compute()


def block_comparison(row: dict) -> dict:
    """A regression block row (ΔR², F-change, JZS block BF, Bayesian ΔR²) with its reading."""
    return {
        "outcome": row["outcome"],
        "wave": row.get("wave"),
        "block": row["block"],
        "terms": row["terms"],
        "n": row["n"],
        "delta_r2": row["delta_r2"],
        "f_change": row["f_change"],
        "df1": row["df1"],
        "df2": row["df2"],
        "p_value": row["p_change"],
        "delta_r2_median": row.get("delta_r2_median"),
        "delta_r2_ci_low": row.get("delta_r2_ci_low"),
        "delta_r2_ci_high": row.get("delta_r2_ci_high"),
        "bf10": row["bf_block"],
        "diagnostics": row.get("diagnostics"),
        "reading": reading(
            row["p_change"],
            row["bf_block"],
            None,
            effect="an added contribution of the block",
            absence="no added contribution",
            prior=f"JZS r = {row['rscale']:.3g}" if row.get("rscale") else "the JZS prior",
            robustness=_when_absence(row["bf_block"], lambda: block_bf_range(row)),
        ),
    }


def coefficient_comparison(row: dict) -> dict:
    """A coefficient row (OLS standardized beta beside its posterior) with its reading."""
    median = row.get("posterior_median")
    return {
        "outcome": row["outcome"],
        "wave": row.get("wave"),
        "block": row["block"],
        "term": term_text(row),
        "beta": row["beta_std"],
        "ci_low": row["beta_std_ci_low"],
        "ci_high": row["beta_std_ci_high"],
        "p_value": row["p_value"],
        "median": median,
        "cri_low": row.get("ci_low"),
        "cri_high": row.get("ci_high"),
        "p_direction": row.get("p_direction"),
        "diagnostics": row.get("diagnostics"),
        "reading": reading(
            row["p_value"],
            None,
            row.get("p_direction"),
            effect="the coefficient",
            absence="a zero coefficient",
            direction=direction_of(median),
        ),
    }


def apa_block(row: dict) -> str:
    """APA-style sentence for one block: ΔR², F-change, p, Bayesian ΔR² and the block BF."""
    text = (
        f"ΔR² = {fmt_stat(row['delta_r2'], 3, leading_zero=False)}, "
        f"F({row['df1']}, {row['df2']}) = {fmt_stat(row['f_change'], 2)}, "
        f"{fmt_p_apa(row['p_change'])}"
    )
    if row.get("delta_r2_median") is not None:
        text += (
            f"; posterior ΔR² (positive by construction) = "
            f"{fmt_stat(row['delta_r2_median'], 3, leading_zero=False)}, {_pct(row)} "
            f"CrI [{fmt_stat(row['delta_r2_ci_low'], 3, leading_zero=False)}, "
            f"{fmt_stat(row['delta_r2_ci_high'], 3, leading_zero=False)}]"
        )
    return text + f"; BF10 = {fmt_bf_text(row['bf_block'])} (JZS)"
