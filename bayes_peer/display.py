"""Readable tables for people (the only place where numbers become strings)."""

from __future__ import annotations

import math


def fmt_num(value: float | None, digits: int = 3) -> str:
    """A number with ``digits`` decimals, or an em dash for missing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:.{digits}f}"


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
    """Pearson r, p and CI beside BF10 and the exact posterior, one line per pair."""
    ci = pairs[0]["ci_prob"] if pairs else 0.95
    level = f"{100 * ci:g}%"
    headers = ["pair", "n", "r", "p", f"{level} CI", "BF", "median", f"{level} CrI"]
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
    """Exact posterior beside the MCMC posterior and its diagnostics, one line per pair."""
    headers = ["pair", "n", "r", "BF10", "exact median", "MCMC median", "MCMC 95% CrI",
               "P(>0)", "r_hat", "ESS", "flags"]  # fmt: skip
    rows = []
    for rec in pairs:
        rows.append(
            [
                f"{rec['var1']} ~ {rec['var2']}",
                str(rec["n"]),
                fmt_num(rec["r"]),
                fmt_bf(rec["bf10"], rec["log_bf10"]),
                fmt_num(rec["posterior_median"]),
                fmt_num(rec["mcmc_median"]),
                fmt_interval(rec["mcmc_ci_low"], rec["mcmc_ci_high"]),
                fmt_num(rec["p_positive"]),
                fmt_num(rec["r_hat"]),
                f"{rec['ess_bulk']:.0f}",
                "; ".join(rec["flags"]) or "ok",
            ]
        )
    return table(headers, rows)


def contrast_table(contrasts: list[dict]) -> str:
    """Change of each correlation between waves: posterior beside Steiger's Z and Zou's CI."""
    headers = ["pair", "waves", "Δrho median", "95% CrI", "P(Δ>0)", "freq Δr", "Zou 95% CI",
               "Z", "p", "n"]  # fmt: skip
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


def block_table(blocks: list[dict], mcmc: bool = False) -> str:
    """R², ΔR², F-change and the JZS block BF, one line per block (+ posterior columns)."""
    headers = ["block", "terms", "n", "R²", "adj R²", "ΔR²", "F", "df", "p", "BF block"]
    if mcmc:
        headers += ["Bayes R²", "LOO-R²", "ΔR² (95% CrI)", "elpd_diff (SE)", "k max", "flags"]
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


def mcmc_coefficient_table(coefficients: list[dict]) -> str:
    """OLS beside the posterior of every standardized coefficient."""
    headers = ["block", "term", "OLS beta", "OLS 95% CI", "p", "post. median", "95% CrI",
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


def coefficient_table(coefficients: list[dict]) -> str:
    """Raw and standardized coefficients of every block's model."""
    headers = ["block", "term", "b", "SE", "t", "p", "beta", "beta 95% CI"]
    rows = []
    for c in coefficients:
        rows.append(
            [
                str(c["block"]),
                c["term"],
                fmt_num(c["b"]),
                fmt_num(c["se"]),
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
