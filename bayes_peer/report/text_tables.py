"""Plain-text tables of correlations, wave contrasts, blocks and coefficients (numbers
formatted by :mod:`bayes_peer.report.format`): what the text output of the commands and the
exact demo's ``summary.md`` print."""

from __future__ import annotations

from bayes_peer.report.format import (
    bf_name,
    fmt_bf,
    fmt_coef,
    fmt_interval,
    fmt_num,
    fmt_p,
    level,
    term_text,
)


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
    coefficient = "tau_b" if pairs and "tau_b" in pairs[0] else "r"
    headers = [
        "pair",
        "n",
        "tau-b" if coefficient == "tau_b" else "r",
        "p, one-sided" if one_sided else "p",
        f"{level(ci)} CI, two-sided" if one_sided else f"{level(ci)} CI",
        bf_name(alternative),
        "median",
        f"{level(ci)} CrI, truncated" if one_sided else f"{level(ci)} CrI",
    ]
    rows = []
    for rec in pairs:
        name = f"{rec['var1']} ~ {rec['var2']}" if "var1" in rec else coefficient
        rows.append(
            [
                name,
                str(rec["n"]),
                fmt_num(rec[coefficient]),
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
    headers = [
        "pair",
        "n",
        "r",
        bf,
        "exact median",
        "MCMC median",
        f"MCMC {level(ci)} CrI",
        "P(>0)",
        "r_hat",
        "ESS",
        "flags",
    ]
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
    headers = [
        "pair",
        "waves",
        "Δrho median",
        f"{level(ci_prob)} CrI",
        "P(Δ>0)",
        "freq Δr",
        f"Zou {level(ci_prob)} CI",
        "Z",
        "p",
        "n",
    ]
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
        headers += [
            "Bayes R²",
            "LOO-R²",
            f"ΔR² > 0 by def. ({level(ci_prob)} CrI)",
            "elpd_diff (SE)",
            "k max",
            "flags",
        ]
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
    headers = [
        "block",
        "term",
        "OLS beta",
        f"OLS {lv} CI",
        "p",
        "post. median",
        f"{lv} CrI",
        "P(dir)",
        "ROPE",
        "r_hat",
        "ESS",
        "flags",
    ]
    rows = []
    for c in coefficients:
        rows.append(
            [
                str(c["block"]),
                term_text(c),
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
                term_text(c),
                fmt_coef(c["b"]),
                fmt_coef(c["se"]),
                fmt_num(c["t"], 2),
                fmt_p(c["p_value"]),
                fmt_num(c["beta_std"]),
                fmt_interval(c["beta_std_ci_low"], c["beta_std_ci_high"]),
            ]
        )
    return table(headers, rows)
