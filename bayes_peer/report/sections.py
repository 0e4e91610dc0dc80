"""The sections of a results folder's report, each a list of blocks for
:mod:`bayes_peer.report.render`: methods, correlations, change between waves, blocked
regressions, model checks, participants left out, reproducibility and the sensitivity
analyses."""

from __future__ import annotations

from pathlib import Path

from bayes_peer.mcmc.diagnostics import policy_text
from bayes_peer.report import figures
from bayes_peer.report.compare import (
    reading,
)
from bayes_peer.report.comparison_sections import differences, verdict_of
from bayes_peer.report.format import cell_estimate, cell_num, cell_p, cell_prob, term_text
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
        f"(PyMC {record['versions'].get('pymc')}, nutpie {record['versions'].get('nutpie')})."
        if e.get("mcmc", True)
        else "No MCMC model was fitted: every number comes from the exact and frequentist layers.",
    ]
    if "correlations_exact" in priors and "correlations_mcmc" not in priors:
        parts.append(
            f"Correlations: Bayes factors and posteriors are exact (Ly, Marsman & Wagenmakers "
            f"2018) on each pair's complete rows under {priors['correlations_exact']}. "
            f"Frequentist: Pearson r with the Fisher-z {spec.level} CI and the t test."
        )
    if "correlations_kendall" in priors and "correlations_mcmc" not in priors:
        parts.append(f"Kendall's tau-b: {priors['correlations_kendall']} (van Doorn et al. 2018).")
    if "block_bf" in priors and "regressions_mcmc" not in priors:
        parts.append(
            f"Blocked regressions: OLS, ΔR² and the F-change test per block beside the block "
            f"Bayes factors: {priors['block_bf']} (Rouder & Morey 2012), computed exactly "
            "from R²."
        )
    if "model_averaging" in priors and "regressions_mcmc" not in priors:
        parts.append(f"Model averaging: {priors['model_averaging']}.")
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
    if "correlations_informed" in priors:
        parts.append(
            f"Compared with non-peer care: {priors['correlations_informed']}; exact Bayes "
            "factors of this prior against rho = 0 and against the default prior, and its "
            "posterior (Gronau, Ly & Wagenmakers 2020; Verhagen & Wagenmakers 2014)."
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
    if e.get("mcmc", True):
        parts.append(policy_text(spec.ci_prob))
    else:
        parts.append(f"Intervals are {spec.level} equal-tailed.")
    return [("h3", "Methods"), ("p", " ".join(parts[:2])), *[("p", part) for part in parts[2:]]]


def contrast_section(spec: SpecResults, add_figures) -> list[tuple]:
    blocks: list[tuple] = [("h3", "Change between waves")]
    if spec.correlation_contrasts:
        table, labelled = [], []
        for r in spec.correlation_contrasts:
            pdir = max(r["p_positive"], 1 - r["p_positive"])
            sign = "> 0" if r["p_positive"] >= 0.5 else "< 0"
            table.append(
                table_row(
                    [
                        f"{r['var1']} ~ {r['var2']}",
                        f"{r['wave_b']} − {r['wave_a']}",
                        cell_estimate(r["diff_median"], r["diff_ci_low"], r["diff_ci_high"]),
                        cell_prob(pdir),
                        cell_estimate(r["freq_diff"], r["freq_ci_low"], r["freq_ci_high"]),
                        cell_p(r["freq_p"]),
                        verdict_of(
                            text := reading(
                                r["freq_p"],
                                None,
                                pdir,
                                effect="a change",
                                absence="no change",
                                direction=sign,
                            )
                        ),
                        r["diagnostics"],
                    ],
                    "fail" if r["diagnostics"] == "fail" else None,
                )
            )
            labelled.append((f"{r['var1']} ~ {r['var2']}", text))
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
                    "reading",
                    "fit",
                ],
                table,
            )
        )
        blocks += differences(labelled)
        blocks += _replication_readings(spec.correlation_contrasts)
    if spec.coefficient_contrasts:
        table = [
            table_row(
                [
                    r["outcome"],
                    term_text(r),
                    f"{r['wave_b']} − {r['wave_a']}",
                    cell_estimate(r["diff_median"], r["diff_ci_low"], r["diff_ci_high"]),
                    cell_prob(max(r["p_positive"], 1 - r["p_positive"])),
                    r["diagnostics"],
                ],
                "fail" if r["diagnostics"] == "fail" else None,
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
                    "fit",
                ],
                table,
            )
        )
    blocks += add_figures("waves")
    return blocks


def _replication_readings(contrasts: list[dict]) -> list[tuple]:
    """What each wave's correlation says about the other's, as replication Bayes factors (Ly
    et al. 2019; the same participants at both waves: a description, not independent
    studies)."""
    from bayes_peer.analyses.informed import replication_reading

    lines = []
    for r in contrasts:
        if r.get("bf_rep_b_given_a") is None:
            continue
        forward = replication_reading(r["bf_rep_b_given_a"], r["wave_a"], r["wave_b"])
        backward = replication_reading(r["bf_rep_a_given_b"], r["wave_b"], r["wave_a"])
        lines.append(f"{r['var1']} ~ {r['var2']}: {forward}; {backward}.")
    if not lines:
        return []
    intro = (
        "Replication Bayes factors under the default prior; the same participants at both "
        "waves, so a description of how the evidence of one wave bears on the other, not a "
        "test of independent studies."
    )
    title = "Each wave as the other's original study"
    return [("details", title, [("p", intro), ("list", lines)])]


def checks_section(spec: SpecResults, add_figures) -> list[tuple]:
    """The verdict of every fit by severity: failures in the open, LOO-only warnings in one
    line, the full diagnostics table and the trace, rank and predictive figures folded."""
    header = [
        "model",
        "verdict",
        "max r_hat",
        "min bulk ESS",
        "min tail ESS",
        "divergences",
        "min E-BFMI",
        "max Pareto k",
        "reasons",
    ]

    def row(d: dict) -> dict:
        return table_row(
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
            "fail" if d["verdict"] == "fail" else None,
        )

    failed = [d for d in spec.diagnostics if d["verdict"] == "fail"]
    warned = [d for d in spec.diagnostics if d["verdict"] == "warn"]
    loo = [d for d in warned if "Pareto k" in str(d.get("reasons") or "")]
    summary = (
        f"{len(spec.diagnostics)} fitted models: "
        f"{len(spec.diagnostics) - len(failed) - len(warned)} pass, {len(warned)} warn, "
        f"{len(failed)} fail."
    )
    if loo:
        summary += (
            f" {len(loo)} warning(s) are PSIS-LOO Pareto k above the threshold "
            f"({', '.join(d['model'] for d in loo)}): LOO-based numbers (elpd, "
            "LOO-R²) of those models are unreliable for a few participants; their "
            "posteriors are not affected."
        )
    other = [d for d in warned if d not in loo]
    blocks: list[tuple] = [("h3", "Model checks"), ("p", summary)]
    if failed or other:
        blocks.append(("table", header, [row(d) for d in [*failed, *other]]))
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
    blocks += [
        (
            "details",
            "Diagnostics of every model (table)",
            [("table", header, [row(d) for d in spec.diagnostics])],
        ),
        (
            "details",
            f"Trace, rank and predictive-check figures (trace and rank: {chosen}, every "
            "failed model, else the one with the lowest bulk ESS)",
            [*tables_only, *add_figures("checks")],
        ),
    ]
    return blocks


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
    people = len({r["id"] for r in spec.dropped})
    return [
        *blocks,
        (
            "p",
            f"{people} participant(s) were left out of at least one analysis for missing "
            "values; none silently: each is listed below and in dropped_rows.csv with its data "
            "row and file line. Correlation models use every participant with at least one "
            "observed value (FIML); a regression at a wave uses the rows complete on its "
            "outcome and terms.",
        ),
        (
            "details",
            "Who each analysis left out (table)",
            [("table", ["analysis", "wave", "left out", "participants (missing values)"], table)],
        ),
    ]


def reproducibility(spec: SpecResults, record: dict) -> list[tuple]:
    e = spec.entry
    versions = ", ".join(f"{k} {v}" for k, v in record.get("versions", {}).items() if v)
    if e.get("spec"):
        what = f"spec: {Path(str(e['spec'])).name} (SHA-256 {e['spec_sha256']})"
    else:
        import json

        from bayes_peer.numbers import json_safe

        what = f"called with: {json.dumps(json_safe(e.get('call') or {}), ensure_ascii=False)}"
    return [
        ("h3", "Reproducibility"),
        (
            "list",
            [
                what,
                f"data: {e['data']} (SHA-256 {e.get('data_sha256')})",
                f"seed: {e['seed']}; {e['sampler']}"
                if e.get("mcmc", True)
                else "seed: none (the exact layer draws no random numbers)",
                f"versions: {versions}",
                f"command: {e.get('command') or record.get('command', 'bayes-peer run')}",
            ],
        ),
    ]


def command_figures(spec: SpecResults) -> list[tuple]:
    """The figures a single command drew itself (its exact-layer sensitivity analyses)."""
    names = spec.entry.get("figures") or []
    if not names:
        return []
    synthetic = " SYNTHETIC DATA." if spec.synthetic else ""
    return [
        ("h3", "Sensitivity of the exact layer"),
        *[("figure", spec.folder / name, f"{_figure_caption(name)}{synthetic}") for name in names],
    ]


def _figure_caption(name: str) -> str:
    kind = name.split("_", 1)[0]
    return {
        "robustness": "Bayes factor over prior widths, its maximum marked.",
        "sequential": "Bayes factor as participants accumulate (file order and random orders).",
        "influence": "Each participant left out in turn.",
    }.get(kind, name)


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
        blocks.insert(
            1,
            (
                "notice",
                "warn",
                "the sensitivity analyses below were run on a "
                "different spec or data file than this run (their hashes differ); "
                "rerun `bayes-peer sensitivity` to match.",
            ),
        )
    return blocks
