"""Readable tables for people (the only place where numbers become strings)."""

from __future__ import annotations

import math


def fmt_num(value: float | None, digits: int = 3) -> str:
    """A number with ``digits`` decimals, or an em dash for missing; never ``-0.000``."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    text = f"{value:.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]  # a negative number that rounds to zero is shown as 0
    return text


def level(ci_prob: float) -> str:
    """The label of an interval's probability: 0.95 -> '95%'."""
    return f"{100 * ci_prob:g}%"


#: The Bayes factor's name under each alternative (what the ``bf10`` key holds).
BF_NAMES = {"two-sided": "BF10", "greater": "BF+0", "less": "BF-0"}


def bf_name(alternative: str) -> str:
    """BF10, BF+0 or BF-0."""
    return BF_NAMES.get(alternative, "BF10")


def fmt_coef(value: float | None, digits: int = 3) -> str:
    """A raw-scale coefficient: ``digits`` decimals, or 3 significant digits when that would
    show a non-zero value as 0.000 (a coefficient per dollar of budget, say)."""
    if value is not None and math.isfinite(value) and value != 0 and abs(value) < 10**-digits:
        return f"{value:.3g}"
    return fmt_num(value, digits)


def fmt_interval(low: float | None, high: float | None, digits: int = 3) -> str:
    """An interval as "[low, high]"."""
    return f"[{fmt_num(low, digits)}, {fmt_num(high, digits)}]"


def fmt_p(p: float | None) -> str:
    """A p-value the APA way (no leading zero; < .001)."""
    if p is None:
        return "—"
    if p < 0.001:
        return "<.001"
    return f"{p:.3f}".lstrip("0")


def fmt_bf(bf: float | None, log_bf: float | None = None) -> str:
    """A Bayes factor: fixed notation in [0.01, 10000), scientific outside, exp(...) on overflow."""
    if bf is None:
        return "—" if log_bf is None else f"exp({log_bf:.1f})"
    if bf == 0:
        return "0" if log_bf is None else f"exp({log_bf:.1f})"
    if 0.01 <= bf < 10_000:
        return f"{bf:.3g}" if bf < 100 else f"{bf:.0f}"
    return f"{bf:.3g}"


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain text table with right-aligned columns (left-aligned first columns of text)."""
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    return "\n".join(lines)


def correlation_table(pairs: list[dict]) -> str:
    """Pearson r, p and CI beside BF10 and the exact posterior, one line per pair.

    Under a one-sided alternative the p-value and the Bayes factor are one-sided (and named
    so), the posterior is the truncated one, and the Fisher-z interval stays two-sided.
    """
    ci = pairs[0]["ci_prob"] if pairs else 0.95
    alternative = pairs[0].get("alternative", "two-sided") if pairs else "two-sided"
    one_sided = alternative != "two-sided"
    headers = [
        "pair", "n", "r", "p, one-sided" if one_sided else "p",
        f"{level(ci)} CI, two-sided" if one_sided else f"{level(ci)} CI",
        bf_name(alternative), "median", f"{level(ci)} CrI, truncated" if one_sided else
        f"{level(ci)} CrI",
    ]  # fmt: skip
    rows = []
    for rec in pairs:
        name = f"{rec['var1']} ~ {rec['var2']}" if "var1" in rec else "r"
        rows.append(
            [
                name,
                str(rec["n"]),
                fmt_num(rec["r"]),
                fmt_p(rec["p_value"]),
                fmt_interval(rec["freq_ci_low"], rec["freq_ci_high"]),
                fmt_bf(rec["bf10"], rec["log_bf10"]),
                fmt_num(rec["posterior_median"]),
                fmt_interval(rec["ci_low"], rec["ci_high"]),
            ]
        )
    return table(headers, rows)


def mcmc_correlation_table(pairs: list[dict]) -> str:
    """Exact posterior beside the MCMC posterior and its diagnostics, one line per pair.

    The MCMC models put a two-sided prior on rho, so the exact median beside the MCMC median is
    the two-sided one whatever the alternative; the BF column is named after the alternative.
    """
    ci = pairs[0]["ci_prob"] if pairs else 0.95
    alternative = pairs[0].get("alternative", "two-sided") if pairs else "two-sided"
    bf = bf_name(alternative) + (" (one-sided)" if alternative != "two-sided" else "")
    headers = ["pair", "n", "r", bf, "exact median", "MCMC median", f"MCMC {level(ci)} CrI",
               "P(>0)", "r_hat", "ESS", "flags"]  # fmt: skip
    rows = []
    for rec in pairs:
        rows.append(
            [
                f"{rec['var1']} ~ {rec['var2']}",
                str(rec["n"]),
                fmt_num(rec["r"]),
                fmt_bf(rec["bf10"], rec["log_bf10"]),
                fmt_num(rec.get("exact_two_sided_median", rec["posterior_median"])),
                fmt_num(rec["mcmc_median"]),
                fmt_interval(rec["mcmc_ci_low"], rec["mcmc_ci_high"]),
                fmt_num(rec["p_positive"]),
                fmt_num(rec["r_hat"]),
                f"{rec['ess_bulk']:.0f}",
                "; ".join(rec["flags"]) or "ok",
            ]
        )
    return table(headers, rows)


def contrast_table(contrasts: list[dict], ci_prob: float = 0.95) -> str:
    """Change of each correlation between waves: posterior beside Steiger's Z and Zou's CI."""
    headers = ["pair", "waves", "Δrho median", f"{level(ci_prob)} CrI", "P(Δ>0)", "freq Δr",
               f"Zou {level(ci_prob)} CI", "Z", "p", "n"]  # fmt: skip
    rows = []
    for c in contrasts:
        rows.append(
            [
                f"{c['var1']} ~ {c['var2']}",
                f"{c['wave_b']} - {c['wave_a']}",
                fmt_num(c["diff_median"]),
                fmt_interval(c["diff_ci_low"], c["diff_ci_high"]),
                fmt_num(c["p_positive"]),
                fmt_num(c["freq_diff"]),
                fmt_interval(c["freq_ci_low"], c["freq_ci_high"]),
                fmt_num(c["freq_z"], 2),
                fmt_p(c["freq_p"]),
                str(c["freq_n"]),
            ]
        )
    return table(headers, rows)


def block_table(blocks: list[dict], mcmc: bool = False, ci_prob: float = 0.95) -> str:
    """R², ΔR², F-change and the JZS block BF, one line per block (+ posterior columns).

    The posterior ΔR² is positive by construction (a share of variance), so its interval never
    says whether a block helps: the block BF and elpd_diff do.
    """
    headers = ["block", "terms", "n", "R²", "adj R²", "ΔR²", "F", "df", "p", "BF block"]
    if mcmc:
        headers += ["Bayes R²", "LOO-R²", f"ΔR² > 0 by def. ({level(ci_prob)} CrI)",
                    "elpd_diff (SE)", "k max", "flags"]  # fmt: skip
    rows = []
    for b in blocks:
        row = [
            str(b["block"]),
            ", ".join(b["terms"]) if b["terms"] else f"p = {b['p']}",
            str(b["n"]),
            fmt_num(b["r2"]),
            fmt_num(b["adj_r2"]),
            fmt_num(b["delta_r2"]),
            fmt_num(b["f_change"], 2),
            f"{b['df1']}, {b['df2']}",
            fmt_p(b["p_change"]),
            fmt_bf(b["bf_block"], b["log_bf_block"]),
        ]
        if mcmc:
            row += [
                fmt_num(b["bayes_r2_median"]),
                fmt_num(b["loo_r2"]),
                f"{fmt_num(b['delta_r2_median'])} "
                + fmt_interval(b["delta_r2_ci_low"], b["delta_r2_ci_high"]),
                f"{fmt_num(b['elpd_diff'], 2)} ({fmt_num(b['elpd_diff_se'], 2)})",
                fmt_num(b["pareto_k_max"], 2),
                "; ".join(b["flags"]) or "ok",
            ]
        rows.append(row)
    return table(headers, rows)


def mcmc_coefficient_table(coefficients: list[dict], ci_prob: float = 0.95) -> str:
    """OLS beside the posterior of every standardized coefficient."""
    lv = level(ci_prob)
    headers = ["block", "term", "OLS beta", f"OLS {lv} CI", "p", "post. median", f"{lv} CrI",
               "P(dir)", "ROPE", "r_hat", "ESS", "flags"]  # fmt: skip
    rows = []
    for c in coefficients:
        rows.append(
            [
                str(c["block"]),
                c["term"],
                fmt_num(c["beta_std"]),
                fmt_interval(c["beta_std_ci_low"], c["beta_std_ci_high"]),
                fmt_p(c["p_value"]),
                fmt_num(c["posterior_median"]),
                fmt_interval(c["ci_low"], c["ci_high"]),
                fmt_num(c["p_direction"]),
                fmt_num(c["rope_share"]),
                fmt_num(c["r_hat"]),
                f"{c['ess_bulk']:.0f}",
                "; ".join(c["flags"]) or "ok",
            ]
        )
    return table(headers, rows)


def coefficient_table(coefficients: list[dict], ci_prob: float = 0.95) -> str:
    """Raw and standardized coefficients of every block's model."""
    headers = ["block", "term", "b", "SE", "t", "p", "beta", f"beta {level(ci_prob)} CI"]
    rows = []
    for c in coefficients:
        rows.append(
            [
                str(c["block"]),
                c["term"],
                fmt_coef(c["b"]),
                fmt_coef(c["se"]),
                fmt_num(c["t"], 2),
                fmt_p(c["p_value"]),
                fmt_num(c["beta_std"]),
                fmt_interval(c["beta_std_ci_low"], c["beta_std_ci_high"]),
            ]
        )
    return table(headers, rows)


SYNTHETIC_NOTICE = (
    "SYNTHETIC DATA: the shipped demo study is simulated from a documented generating "
    "process; its numbers are not the paper's."
)
SYNTHETIC_TABLE_NOTICE = (
    "SYNTHETIC DATA: the table says its numbers are synthetic (the shipped tables are derived "
    "from the simulated demo study); they are not the paper's."
)
