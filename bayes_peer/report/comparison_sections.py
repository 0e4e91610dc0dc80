"""The report's side-by-side sections: correlations and blocked regressions, Bayesian and
frequentist numbers in one table with a one-word reading per row; the full reading sentence
only where the two analyses differ; figures that need a closer look folded; the APA-style
sentences collected for the appendix (not repeated under every table)."""

from __future__ import annotations

from bayes_peer.report.compare import (
    apa_block,
    apa_correlation,
    block_comparison,
    coefficient_comparison,
    correlation_comparison,
    fmt_bf_text,
)
from bayes_peer.report.format import cell_estimate, cell_num, cell_p, cell_prob
from bayes_peer.report.plots.regressions import last_blocks
from bayes_peer.report.render import table_row
from bayes_peer.report.results import SpecResults


def verdict_of(reading: str) -> str:
    """The reading's first words: Agree, Agree, and more, Partly agree or Disagree."""
    return reading.split(":", 1)[0]


def differences(labelled: list[tuple[str, str]]) -> list[tuple]:
    """The full reading of every row where the analyses do not simply agree."""
    items = [
        f"{label}: {text}"
        for label, text in labelled
        if verdict_of(text).startswith(("Disagree", "Partly"))
    ]
    if not items:
        return [("p", "The Bayesian and frequentist readings agree on every row.")]
    return [("p", "Where the two readings differ:"), ("list", items)]


def _terms(terms: str, wave: str | None) -> str:
    """``contacts_m12;budget_used_m12`` -> ``contacts, budget_used`` (the row names the wave)."""
    names = str(terms).split(";")
    return ", ".join(n.removesuffix(f"_{wave}") if wave else n for n in names)


def _fail_status(diagnostics: str | None) -> str | None:
    """Only a failed fit shades its row (a LOO-only warning does not)."""
    return "fail" if diagnostics == "fail" else None


def _mcmc_only(headers: list[str], table: list[dict], columns: list[str], mcmc: bool):
    """The table without its MCMC-only ``columns`` when no model was fitted."""
    if mcmc:
        return headers, table
    keep = [i for i, h in enumerate(headers) if h not in columns]
    return (
        [headers[i] for i in keep],
        [{**row, "cells": [row["cells"][i] for i in keep]} for row in table],
    )


def correlation_section(spec: SpecResults, add_figures) -> list[tuple]:
    rows = spec.correlations
    table, labelled = [], []
    for row in rows:
        c = correlation_comparison(row)
        label = f"{c['pair']}{' at ' + c['wave'] if c['wave'] else ''}"
        labelled.append((label, c["reading"]))
        table.append(
            table_row(
                [
                    c["pair"],
                    c["wave"] or "",
                    c["n"],
                    cell_estimate(c["r"], c["ci_low"], c["ci_high"], 2, False),
                    cell_p(c["p_value"]),
                    cell_estimate(c["median"], c["cri_low"], c["cri_high"], 2, False),
                    fmt_bf_text(c["bf10"]),
                    cell_prob(c["p_direction"]),
                    verdict_of(c["reading"]),
                    c["diagnostics"],
                ],
                _fail_status(c["diagnostics"]),
            )
        )
    kappa = rows[0]["kappa"]
    mcmc = spec.entry.get("mcmc", True)
    headers, table = _mcmc_only(
        [
            "pair",
            "wave",
            "n",
            f"r [{spec.level} CI]",
            "p",
            f"ρ [{spec.level} CrI]",
            "BF10",
            "P(dir)",
            "reading",
            "fit",
        ],
        table,
        ["P(dir)", "fit"],
        mcmc,
    )
    model = (
        f"posterior median and {spec.level} CrI of the joint model ({rows[0]['prior']})"
        if mcmc
        else f"median and {spec.level} CrI of the exact posterior (the BF's prior)"
    )
    return [
        ("h3", "Correlations: Bayesian and frequentist side by side"),
        (
            "p",
            f"r: Pearson with Fisher-z {spec.level} CI; p: two-sided t test; ρ: {model}; "
            f"BF10: exact, stretched beta prior kappa = {kappa:g} (JASP's default width"
            + (
                "; its prior is not the joint model's); P(dir): posterior probability of the sign "
                "of the median"
                if mcmc
                else ")"
            )
            + "; reading: whether p < .05 and the Bayes factor's evidence category tell the same "
            "story.",
        ),
        ("table", headers, table),
        *differences(labelled),
        *add_figures("correlations"),
        (
            "details",
            "Prior and posterior of each correlation (figures)",
            add_figures("correlation_posteriors"),
        ),
    ]


def regression_section(spec: SpecResults, add_figures) -> list[tuple]:
    table, labelled = [], []
    for row in spec.blocks:
        if row["block"] < 1:
            continue
        c = block_comparison(row)
        labelled.append(
            (
                f"{c['outcome']}{' at ' + c['wave'] if c['wave'] else ''}, block {c['block']}",
                c["reading"],
            )
        )
        table.append(
            table_row(
                [
                    c["outcome"],
                    c["wave"] or "",
                    c["block"],
                    _terms(c["terms"], c["wave"]),
                    c["n"],
                    cell_num(c["delta_r2"], 3, False),
                    f"F({c['df1']}, {c['df2']}) = {cell_num(c['f_change'])}",
                    cell_p(c["p_value"]),
                    cell_estimate(
                        c["delta_r2_median"], c["delta_r2_ci_low"], c["delta_r2_ci_high"], 3, False
                    ),
                    fmt_bf_text(c["bf10"]),
                    verdict_of(c["reading"]),
                    c["diagnostics"],
                ],
                _fail_status(c["diagnostics"]),
            )
        )
    priors = spec.entry.get("priors", {})
    mcmc = spec.entry.get("mcmc", True)
    posterior = f"posterior ΔR² [{spec.level} CrI]"
    headers, table = _mcmc_only(
        [
            "outcome",
            "wave",
            "block",
            "terms",
            "n",
            "ΔR²",
            "F-change",
            "p",
            posterior,
            "BF10",
            "reading",
            "fit",
        ],
        table,
        [posterior, "fit"],
        mcmc,
    )
    return [
        ("h3", "Blocked regressions: Bayesian and frequentist side by side"),
        (
            "p",
            "ΔR² and F-change: OLS on the rows complete for the block model; "
            + (
                f"posterior ΔR²: median and {spec.level} CrI, positive by construction (a share of "
                "variance), so its interval never excludes 0 and cannot say whether the block "
                "helps: read that from the block BF and elpd_diff; "
                if mcmc
                else ""
            )
            + f"BF10: {priors.get('block_bf', 'JZS')}, the full block model against the previous "
            "one.",
        ),
        ("table", headers, table),
        *differences(labelled),
        *add_figures("regressions"),
        (
            "details",
            "Coefficients of the full model (table) and posterior ΔR² (figure)",
            [*coefficient_table(spec), *add_figures("regression_details")],
        ),
    ]


def coefficient_table(spec: SpecResults) -> list[tuple]:
    """Standardized coefficients of each full model: OLS beside the posterior."""
    if not spec.coefficients:  # published R² values alone have none
        return []
    last = last_blocks(spec.coefficients)
    table = []
    for row in spec.coefficients:
        if row["block"] != last[(row["outcome"], row.get("wave"))]:
            continue
        c = coefficient_comparison(row)
        table.append(
            table_row(
                [
                    c["outcome"],
                    c["wave"] or "",
                    c["term"],
                    cell_estimate(c["beta"], c["ci_low"], c["ci_high"]),
                    cell_p(c["p_value"]),
                    cell_estimate(c["median"], c["cri_low"], c["cri_high"]),
                    cell_prob(c["p_direction"]),
                    verdict_of(c["reading"]),
                    c["diagnostics"],
                ],
                _fail_status(c["diagnostics"]),
            )
        )
    priors = spec.entry.get("priors", {})
    mcmc = spec.entry.get("mcmc", True)
    posterior = f"posterior [{spec.level} CrI]"
    headers, table = _mcmc_only(
        [
            "outcome",
            "wave",
            "term",
            f"OLS beta [{spec.level} CI]",
            "p",
            posterior,
            "P(dir)",
            "reading",
            "fit",
        ],
        table,
        [posterior, "P(dir)", "reading", "fit"],
        mcmc,
    )
    return [
        (
            "p",
            "Standardized coefficients of the full model (last block; every block's "
            f"coefficients are in coefficients.csv): OLS beta with its {spec.level} CI and t test"
            + (
                f" beside the posterior median and {spec.level} CrI "
                f"({priors.get('regressions_mcmc', '')})."
                if mcmc
                else "."
            ),
        ),
        ("table", headers, table),
    ]


def apa_lines(spec: SpecResults) -> list[str]:
    """APA-style result sentences of every correlation and block (the report's appendix)."""
    lines = [
        f"{correlation_comparison(r)['pair']}{' at ' + r['wave'] if r.get('wave') else ''}"
        f": {apa_correlation(r)}"
        for r in spec.correlations or []
    ]
    lines += [
        f"{r['outcome']}{' at ' + r['wave'] if r.get('wave') else ''}, block "
        f"{r['block']} ({_terms(r['terms'], r.get('wave'))}): {apa_block(r)}"
        for r in spec.blocks or []
        if r["block"] >= 1
    ]
    return lines
