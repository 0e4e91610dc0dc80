"""The sections of a results folder's report, each a list of blocks for
:mod:`bayes_peer.report.render`: methods, correlations, change between waves, blocked
regressions, model checks, participants left out, reproducibility and the sensitivity
analyses."""

from __future__ import annotations

from pathlib import Path

from bayes_peer.mcmc.diagnostics import policy_text
from bayes_peer.report import figures
from bayes_peer.report.compare import (
    apa_block,
    apa_correlation,
    block_comparison,
    coefficient_comparison,
    correlation_comparison,
    fmt_bf_text,
    reading,
)
from bayes_peer.report.figures.regressions import last_blocks
from bayes_peer.report.format import cell_estimate, cell_num, cell_p
from bayes_peer.report.render import table_row
from bayes_peer.report.results import SpecResults


def _terms(terms: str, wave: str | None) -> str:
    """``contacts_m12;budget_used_m12`` -> ``contacts, budget_used`` (the row names the wave)."""
    names = str(terms).split(";")
    return ", ".join(n.removesuffix(f"_{wave}") if wave else n for n in names)


def methods(spec: SpecResults, record: dict) -> list[tuple]:
    e = spec.entry
    priors = e.get("priors", {})
    synthetic = ", SYNTHETIC" if spec.synthetic else ""
    if e.get("tables"):  # published tables, one per wave
        listed = ", ".join(
            f"{Path(t['path']).name} (n = {t['n']}{', ' + t['wave'] if t['wave'] else ''})"
            for t in e["tables"]
        )
        data = (
            f"Data: published summary statistics only{synthetic}: {listed}; each table is "
            "taken as its complete cases; the likelihood is written on the sufficient "
            "statistics (n, means, covariance matrix), exact for multivariate normal data."
        )
        data += "".join(f" Warning: {w}." for t in e["tables"] for w in t.get("warnings", []))
    else:
        data = (
            f"Data: {Path(str(e['data'])).name} ({e.get('n_rows', '?')} participants"
            f"{synthetic}; SHA-256 {str(e['data_sha256'])[:12]}...)."
        )
    parts = [
        data,
        f"Sampler: {e['sampler']}; models were compiled once and refitted "
        f"(PyMC {record['versions'].get('pymc')}, nutpie {record['versions'].get('nutpie')}).",
    ]
    if "correlations_mcmc" in priors:
        structure = priors.get(
            "correlations_model",
            "for each pair of constructs one joint "
            "model of the pair at every wave (multivariate normal)",
        )
        parts.append(
            f"Correlations: {structure}; prior: {priors['correlations_mcmc']}. Missing "
            f"values: {priors.get('correlations_missing', 'see spec')}. The Bayes factors "
            f"BF10 are exact (Ly, Marsman & Wagenmakers 2018) on each pair's complete rows "
            f"under {priors['correlations_exact']}. Frequentist: Pearson r with the Fisher-z "
            f"{spec.level} CI and the t test"
            + (
                "; differences between waves with Steiger's (1980) test and Zou's (2007) interval."
                if spec.correlation_contrasts
                else "."
            )
        )
    if "regressions_mcmc" in priors:
        structure = priors.get(
            "regressions_model",
            "one model per outcome and block, both waves jointly with correlated residuals",
        )
        parts.append(
            f"Blocked regressions: {structure}; prior: {priors['regressions_mcmc']}. Block "
            "Bayes factors: "
            f"{priors['block_bf']} (Rouder & Morey 2012), computed exactly from R². "
            f"Bayesian ΔR² per posterior draw. Missing values: "
            f"{priors.get('regressions_missing', 'see spec')}. Frequentist: OLS, ΔR² and the "
            f"F-change test per block."
        )
    parts.append(policy_text(spec.ci_prob))
    return [("h3", "Methods"), ("p", " ".join(parts[:2])), *[("p", part) for part in parts[2:]]]


def correlation_section(spec: SpecResults, add_figures) -> list[tuple]:
    rows = spec.correlations
    blocks: list[tuple] = [("h3", "Correlations: Bayesian and frequentist side by side")]
    table = []
    for row in rows:
        c = correlation_comparison(row)
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
                    cell_num(c["p_direction"], 3, False),
                    c["diagnostics"],
                    c["reading"],
                ],
                c["diagnostics"],
            )
        )
    kappa = rows[0]["kappa"]
    blocks.append(
        (
            "p",
            f"r: Pearson with Fisher-z {spec.level} CI; p: two-sided t test; ρ: posterior "
            f"median and {spec.level} CrI of the joint model ({rows[0]['prior']}); BF10: exact, "
            f"stretched beta prior kappa = {kappa:g} (JASP's default width; its prior is "
            f"not the joint model's); P(dir): posterior probability of the sign of the "
            f"median.",
        )
    )
    blocks.append(
        (
            "table",
            [
                "pair",
                "wave",
                "n",
                f"r [{spec.level} CI]",
                "p",
                f"ρ [{spec.level} CrI]",
                "BF10",
                "P(dir)",
                "diagnostics",
                "reading",
            ],
            table,
        )
    )
    blocks.append(("p", "APA-style results:"))
    blocks.append(
        (
            "list",
            [
                f"{correlation_comparison(r)['pair']}"
                f"{' at ' + r['wave'] if r.get('wave') else ''}: {apa_correlation(r)}"
                for r in rows
            ],
        )
    )
    blocks += add_figures("correlations")
    return blocks


def contrast_section(spec: SpecResults, add_figures) -> list[tuple]:
    blocks: list[tuple] = [("h3", "Change between waves")]
    if spec.correlation_contrasts:
        table = []
        for r in spec.correlation_contrasts:
            pdir = max(r["p_positive"], 1 - r["p_positive"])
            sign = "> 0" if r["p_positive"] >= 0.5 else "< 0"
            table.append(
                table_row(
                    [
                        f"{r['var1']} ~ {r['var2']}",
                        f"{r['wave_b']} − {r['wave_a']}",
                        cell_estimate(r["diff_median"], r["diff_ci_low"], r["diff_ci_high"]),
                        cell_num(pdir, 3, False),
                        cell_estimate(r["freq_diff"], r["freq_ci_low"], r["freq_ci_high"]),
                        cell_p(r["freq_p"]),
                        r["diagnostics"],
                        reading(
                            r["freq_p"],
                            None,
                            pdir,
                            effect="a change",
                            absence="no change",
                            direction=sign,
                        ),
                    ],
                    r["diagnostics"],
                )
            )
        blocks.append(
            (
                "p",
                "Difference of each correlation between the waves: posterior "
                f"median and {spec.level} CrI from the joint model of both waves; frequentist: "
                f"Steiger's Z test and Zou's CI on the n = "
                f"{spec.correlation_contrasts[0]['freq_n']} participants observed at "
                "both waves.",
            )
        )
        blocks.append(
            (
                "table",
                [
                    "pair",
                    "difference",
                    f"posterior [{spec.level} CrI]",
                    "P(dir)",
                    f"frequentist [{spec.level} CI]",
                    "p",
                    "diagnostics",
                    "reading",
                ],
                table,
            )
        )
    if spec.coefficient_contrasts:
        table = [
            table_row(
                [
                    r["outcome"],
                    r["term"],
                    f"{r['wave_b']} − {r['wave_a']}",
                    cell_estimate(r["diff_median"], r["diff_ci_low"], r["diff_ci_high"]),
                    cell_num(max(r["p_positive"], 1 - r["p_positive"]), 3, False),
                    r["diagnostics"],
                ],
                r["diagnostics"],
            )
            for r in spec.coefficient_contrasts
        ]
        blocks.append(
            (
                "p",
                "Difference of the last block's standardized coefficients between "
                "the waves (joint two-wave model); OLS per wave has no such test.",
            )
        )
        blocks.append(
            (
                "table",
                [
                    "outcome",
                    "term",
                    "difference",
                    f"posterior [{spec.level} CrI]",
                    "P(dir)",
                    "diagnostics",
                ],
                table,
            )
        )
    blocks += add_figures("waves")
    return blocks


def regression_section(spec: SpecResults, add_figures) -> list[tuple]:
    blocks: list[tuple] = [("h3", "Blocked regressions: Bayesian and frequentist side by side")]
    table, sentences = [], []
    for row in spec.blocks:
        if row["block"] < 1:
            continue
        c = block_comparison(row)
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
                    c["diagnostics"],
                    c["reading"],
                ],
                c["diagnostics"],
            )
        )
        sentences.append(
            f"{row['outcome']}{' at ' + row['wave'] if row.get('wave') else ''}, "
            f"block {row['block']} ({row['terms']}): {apa_block(row)}"
        )
    priors = spec.entry.get("priors", {})
    blocks.append(
        (
            "p",
            f"ΔR² and F-change: OLS on the rows complete for the block model; "
            f"posterior ΔR²: median and {spec.level} CrI, positive by construction (a share "
            "of variance), so its interval never excludes 0 and cannot say whether the block "
            "helps: read that from the block BF and elpd_diff; "
            f"BF10: {priors.get('block_bf', 'JZS')}, the full block model against the previous "
            "one.",
        )
    )
    blocks.append(
        (
            "table",
            [
                "outcome",
                "wave",
                "block",
                "terms",
                "n",
                "ΔR²",
                "F-change",
                "p",
                f"posterior ΔR² [{spec.level} CrI]",
                "BF10",
                "diagnostics",
                "reading",
            ],
            table,
        )
    )
    blocks.append(("p", "APA-style results:"))
    blocks.append(("list", sentences))
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
                    cell_num(c["p_direction"], 3, False),
                    c["diagnostics"],
                    c["reading"],
                ],
                c["diagnostics"],
            )
        )
    blocks.append(
        (
            "p",
            "Standardized coefficients of the full model (last block; every block's "
            f"coefficients are in coefficients.csv): OLS beta with its {spec.level} CI and t test "
            f"beside the posterior median and {spec.level} CrI "
            f"({priors.get('regressions_mcmc', '')}).",
        )
    )
    blocks.append(
        (
            "table",
            [
                "outcome",
                "wave",
                "term",
                f"OLS beta [{spec.level} CI]",
                "p",
                f"posterior [{spec.level} CrI]",
                "P(dir)",
                "diagnostics",
                "reading",
            ],
            table,
        )
    )
    blocks += add_figures("regressions")
    return blocks


def checks_section(spec: SpecResults, add_figures) -> list[tuple]:
    table = [
        table_row(
            [
                d["model"],
                d["verdict"],
                cell_num(d["r_hat_max"], 3),
                cell_num(d["ess_bulk_min"], 0),
                cell_num(d["ess_tail_min"], 0),
                d["divergences"],
                cell_num(d["ebfmi_min"], 2),
                cell_num(d["pareto_k_max"], 2),
                d["reasons"] or "",
            ],
            d["verdict"],
        )
        for d in spec.diagnostics
    ]
    chosen = ", ".join(figures.worst_models(spec)) or "none"
    tables_only = (
        [
            (
                "p",
                "Posterior and prior predictive checks need the participants' rows; a "
                "reanalysis from published tables cannot show them (nor PSIS-LOO).",
            )
        ]
        if spec.entry.get("tables")
        else []
    )
    return [
        ("h3", "Model checks"),
        (
            "table",
            [
                "model",
                "verdict",
                "max r_hat",
                "min bulk ESS",
                "min tail ESS",
                "divergences",
                "min E-BFMI",
                "max Pareto k",
                "reasons",
            ],
            table,
        ),
        (
            "p",
            f"Trace and rank plots below are for {chosen} (every failed model, else the one "
            "with the lowest bulk ESS); the NetCDF of every model is in the folder.",
        ),
        *tables_only,
        *add_figures("checks"),
    ]


#: Participants listed per analysis before the report points to dropped_rows.csv.
DROPPED_LISTED = 12


def dropped_section(spec: SpecResults) -> list[tuple]:
    """Who each analysis left out and which values they miss (never silently)."""
    if spec.dropped is None:
        return []
    blocks: list[tuple] = [("h3", "Rows left out")]
    if not spec.dropped:
        return [*blocks, ("p", "No analysis left out any participant.")]
    groups: dict[tuple, list[dict]] = {}
    for row in spec.dropped:
        groups.setdefault((row["analysis"], row.get("wave")), []).append(row)
    table = []
    for (analysis, wave), rows in groups.items():
        listed = "; ".join(
            f"{r['id']} ({str(r['missing']).replace(';', ', ')})" for r in rows[:DROPPED_LISTED]
        )
        if len(rows) > DROPPED_LISTED:
            listed += f"; and {len(rows) - DROPPED_LISTED} more (dropped_rows.csv)"
        table.append(table_row([analysis, wave or "", len(rows), listed]))
    return [
        *blocks,
        (
            "p",
            "Participants a model did not use, with the values they miss (every one is in "
            "dropped_rows.csv with its data row and file line). Correlation models use every "
            "participant with at least one observed value (FIML); a regression at a wave uses the "
            "rows complete on its outcome and terms.",
        ),
        ("table", ["analysis", "wave", "left out", "participants (missing values)"], table),
    ]


def reproducibility(spec: SpecResults, record: dict) -> list[tuple]:
    e = spec.entry
    versions = ", ".join(f"{k} {v}" for k, v in record.get("versions", {}).items() if v)
    return [
        ("h3", "Reproducibility"),
        (
            "list",
            [
                f"spec: {Path(str(e['spec'])).name} (SHA-256 {e['spec_sha256']})",
                f"data: {e['data']} (SHA-256 {e['data_sha256']})",
                f"seed: {e['seed']}; {e['sampler']}",
                f"versions: {versions}",
                f"command: {record.get('command', 'bayes-peer run')}",
            ],
        ),
    ]


def sensitivity_section(spec: SpecResults, fig_dir: Path, written: list[str]) -> list[tuple]:
    """The section of ``bayes-peer sensitivity`` when the spec's folder holds one."""
    folder = spec.folder / "sensitivity"
    if not (folder / "sensitivity.json").is_file():
        return []
    from bayes_peer.report.sensitivity import load_sensitivity, sensitivity_blocks

    record, tables = load_sensitivity(folder)
    blocks = sensitivity_blocks(record, tables, fig_dir, written)
    if (record.get("spec_sha256"), record.get("data_sha256")) != (
        spec.entry.get("spec_sha256"),
        spec.entry.get("data_sha256"),
    ):
        blocks.insert(1, ("notice", "warn", "the sensitivity analyses below were run on a "
                          "different spec or data file than this run (their hashes differ); "
                          "rerun `bayes-peer sensitivity` to match."))  # fmt: skip
    return blocks
