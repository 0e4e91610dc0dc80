"""The sensitivity section of a report and the sensitivity folder's own report (the figures:
:mod:`bayes_peer.report.plots.sensitivity`).

Read from a folder written by ``bayes-peer sensitivity`` (``sensitivity.json`` and the CSV
tables); the section is added to a spec's report when its results folder holds
``sensitivity/``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from bayes_peer.report.format import fmt_bf_text, fmt_stat
from bayes_peer.report.plots.sensitivity import (
    level_of,
    mnar_curves,
    model_label,
    sensitivity_forest,
)
from bayes_peer.report.render import table_row, to_html, to_markdown
from bayes_peer.report.results import read_table

SYNTHETIC_TEXT = (
    "these sensitivity analyses use the shipped synthetic demo study; its numbers are not the "
    "paper's and say nothing about the real participants."
)


def _est(row: dict) -> str:
    return (
        f"{fmt_stat(row['median'], 2, True)} "
        f"[{fmt_stat(row['ci_low'], 2, True)}, {fmt_stat(row['ci_high'], 2, True)}]"
    )


def _label(row: dict) -> str:
    return f"{row['quantity']} ({row['wave']})" if row.get("wave") else str(row["quantity"])


def load_sensitivity(folder: Path) -> tuple[dict, dict[str, list[dict]]]:
    """``sensitivity.json`` and the tables of a sensitivity folder (missing tables: [])."""
    record = json.loads((folder / "sensitivity.json").read_text(encoding="utf-8"))
    names = ("variants", "power_scaling", "pareto_k", "mnar", "tipping_points", "exact")
    return record, {name: read_table(folder / f"{name}.csv") or [] for name in names}


def _overview(tables: dict) -> list[tuple]:
    """One row per model and headline quantity: the spec's estimate and how far it moves."""
    groups: dict[tuple, list[dict]] = {}
    for row in tables["variants"]:
        groups.setdefault((row["model"], row["quantity"], row["wave"]), []).append(row)
    out = []
    for (model, _, _), rows in groups.items():
        spec = next((r for r in rows if r["kind"] == "spec"), None)
        if spec is None:
            continue

        def by(kind: str, rows=rows) -> list[dict]:
            return [r for r in rows if r["kind"] == kind]

        priors = by("prior")
        span = (
            f"{fmt_stat(min(r['median'] for r in priors), 2, True)} to "
            f"{fmt_stat(max(r['median'] for r in priors), 2, True)}"
            if priors
            else ""
        )
        other = ", ".join(_est(r) for r in by("likelihood"))
        missing = ", ".join(_est(r) for r in by("missing data"))
        changed = [r["label"] for r in rows if r["changed"]]
        failed = [r["label"] for r in rows if r["diagnostics"] == "fail"]
        status = "fail" if spec["diagnostics"] == "fail" else ("warn" if changed else None)
        out.append(
            (
                [
                    model_label(model),
                    _label(spec),
                    _est(spec),
                    spec["conclusion"] or "",
                    span,
                    other,
                    missing,
                    ", ".join(changed) or "none",
                    ", ".join(failed) or "none",
                ],
                status,
            )
        )
    return out


def section(record: dict, tables: dict, add_figures) -> list[tuple]:
    """Report blocks of a loaded sensitivity folder (``add_figures(draws)`` -> blocks)."""
    summary = record["summary"]
    grids = record["grids"]
    blocks: list[tuple] = [("h3", "Sensitivity: priors, likelihood, influence, missing data")]
    if record.get("synthetic"):
        blocks.append(("notice", "synthetic", SYNTHETIC_TEXT))
    blocks.append(
        (
            "p",
            "Each variant refits the spec's model (compiled once) and reports the headline "
            f"quantities: posterior median, {level_of(record)} equal-tailed interval and its "
            "conclusion "
            "(positive / negative: the interval excludes 0). Variants: LKJ eta "
            f"{', '.join(f'{e:g}' for e in grids['lkj_eta'])} (correlations); normal slope "
            f"priors with SD {', '.join(f'{e:g}' for e in grids['normal_slope_sd'])} and R2-D2 "
            f"with prior mean R² {', '.join(f'{e:g}' for e in grids['r2d2_mean_r2'])} "
            "(regressions); normal vs Student-t likelihood (nu = 2 + Gamma(2, 0.1)); listwise "
            "deletion vs full information; each participant with PSIS-LOO Pareto k > "
            f"{grids['pareto_k_refit']:g} left out (at most {grids['max_refits_per_model']} "
            f"per model). {record['sampler']}. "
            f"{summary['variants']} estimates in all ({record['seconds']:.0f} s).",
        )
    )
    changed = summary["conclusions_changed"]
    if changed:
        blocks.append(("p", f"{len(changed)} estimate(s) change their conclusion under a variant:"))
        blocks.append(
            (
                "list",
                [
                    f"{model_label(c['model'])} {c['quantity']} ({c['wave']}) under "
                    f"{c['setting']}"
                    + (" [fit failed its diagnostics]" if c["diagnostics"] == "fail" else "")
                    for c in changed
                ],
            )
        )
    else:
        blocks.append(("p", "No conclusion changes under any variant."))
    if summary["failed_variants"]:
        blocks.append(
            (
                "notice",
                "warn",
                f"{summary['failed_variants']} variant estimate(s) come from fits that failed "
                "their diagnostics (r_hat, ESS or divergences); they are marked 'fail' in "
                "variants.csv and listed in the last column below.",
            )
        )
    blocks.append(
        (
            "table",
            [
                "model",
                "quantity",
                f"spec [{level_of(record)} CrI]",
                "conclusion",
                "prior grid: medians",
                "other likelihood",
                "other missing-data handling",
                "conclusion changes under",
                "failed fits",
            ],
            [table_row(cells, status) for cells, status in _overview(tables)],
        )
    )
    blocks += add_figures([("sensitivity_forest", sensitivity_forest)])

    blocks.append(("h3", "Sensitivity: power-scaling of prior and likelihood"))
    flags = summary["power_scaling_flags"]
    ps = tables["power_scaling"]
    if ps:
        top = max(ps, key=lambda r: r["prior_sensitivity"])
        blocks.append(
            (
                "p",
                "Power-scaling (Kallioinen et al. 2024): how much each posterior moves when the "
                "prior or the likelihood is raised to a power near 1 (importance sampling, no "
                "refit; every model here has a proper prior: LKJ, normal means, half-normal "
                "SDs, normal or R2-D2 slopes; the pairwise correlation model's improper prior "
                "would make it not applicable, and specs never use it); "
                f">= {grids['psense_threshold']:g} is a notable sensitivity. Largest prior "
                f"sensitivity: {top['prior_sensitivity']:.3f} ({model_label(top['model'])}"
                f", {_label(top)}). "
                + (
                    f"{len(flags)} quantity(ies) flagged."
                    if flags
                    else "No quantity is flagged: every prior sensitivity is below the "
                    "threshold, i.e. the data, not the priors, drive these posteriors."
                ),
            )
        )
        rows = [r for r in ps if r["diagnosis"] != "none"] or []
        if rows:
            blocks.append(
                (
                    "table",
                    ["model", "quantity", "prior", "likelihood", "diagnosis"],
                    [
                        table_row(
                            [
                                model_label(r["model"]),
                                _label(r),
                                f"{r['prior_sensitivity']:.3f}",
                                f"{r['likelihood_sensitivity']:.3f}",
                                r["diagnosis"],
                            ],
                            "warn",
                        )
                        for r in rows
                    ],
                )
            )

    blocks.append(("h3", "Sensitivity: influential participants (PSIS-LOO)"))
    pk = tables["pareto_k"]
    over = [r for r in pk if r["pareto_k"] > grids["pareto_k_refit"]]
    if pk:
        worst = max(pk, key=lambda r: r["pareto_k"])
        blocks.append(
            (
                "p",
                f"Pareto k of every participant in every model (pareto_k.csv); largest k = "
                f"{worst['pareto_k']:.2f} ({worst['id']}, {model_label(worst['model'])})."
                + (
                    f" {len(over)} case(s) above {grids['pareto_k_refit']:g}: refitted without "
                    "the participant (exact leave-one-out elpd beside the PSIS estimate; the "
                    "'w/o' variants above)."
                    if over
                    else f" None above {grids['pareto_k_refit']:g}: PSIS-LOO is reliable and "
                    "no participant dominates a posterior."
                ),
            )
        )
    if over:
        blocks.append(
            (
                "table",
                ["model", "participant", "Pareto k", "elpd (PSIS)", "elpd (exact refit)"],
                [
                    table_row(
                        [
                            model_label(r["model"]),
                            r["id"],
                            f"{r['pareto_k']:.2f}",
                            f"{r['elpd_loo_psis']:.2f}",
                            "" if r["elpd_loo_exact"] is None else f"{r['elpd_loo_exact']:.2f}",
                        ],
                        "warn",
                    )
                    for r in over
                ],
            )
        )

    tips = tables["tipping_points"]
    if tips:
        blocks.append(("h3", "Sensitivity: missing not at random (attrition)"))
        first = tips[0]
        blocks.append(
            (
                "p",
                "Delta-adjusted multiple imputation (pattern mixture): the missing follow-up "
                f"values ({first['wave']}) of the second variable of each pair are imputed from "
                f"the joint model's posterior ({first['imputations']} imputations) and shifted "
                "by delta SDs (0 = MAR); each completed data set gets the exact posterior of "
                f"rho under the joint model's marginal prior (kappa = {first['kappa']:g}), and "
                "the MNAR posterior is their mixture. The tipping point is the smallest shift "
                "(each direction, within ±1 SD) that changes the conclusion. Its Monte Carlo "
                f"error: the share of {first.get('mc_replicates', 200)} bootstrap resamples of "
                "the imputations that find the same tipping point (in brackets; raise it with "
                "`--imputations`).",
            )
        )
        blocks.append(
            (
                "table",
                ["pair", "wave", "shifted", "n shifted", "conclusion (MAR)", "tipping point"],
                [
                    table_row(
                        [
                            model_label(r["model"]),
                            r["wave"],
                            r["shifted"],
                            r["n_shifted"],
                            r["conclusion_mar"],
                            _tipping_text(r),
                        ],
                        "warn"
                        if r["tipping_low"] is not None or r["tipping_high"] is not None
                        else None,
                    )
                    for r in tips
                ],
            )
        )
        blocks += add_figures([("sensitivity_mnar", mnar_curves)])

    exact = tables["exact"]
    if exact:
        blocks.append(("h3", "Sensitivity: exact layer (prior width and leave-one-out)"))
        blocks.append(
            (
                "p",
                "Bayes factors at the analysis prior and their maximum over prior widths "
                "(kappa in (0, 2] for correlations, JZS r in (0, 2] for blocks): a maximum that "
                "stays below 3 means no width of the prior yields moderate evidence. "
                "'Changed by' lists participants whose removal moves the Bayes factor across "
                "3 or 1/3 (or flips the interval's exclusion of 0 for correlations).",
            )
        )
        blocks.append(
            (
                "table",
                [
                    "model",
                    "quantity",
                    "n",
                    "BF (analysis prior)",
                    "max BF",
                    "at width",
                    "changed by",
                ],
                [
                    table_row(
                        [
                            model_label(r["model"]),
                            _label(r),
                            r["n"],
                            fmt_bf_text(r["bf10"]),
                            fmt_bf_text(r["max_bf10"]),
                            f"{r['width_at_max']:.2f}",
                            str(r["influential_ids"] or "none").replace(";", ", "),
                        ],
                        None,
                    )
                    for r in exact
                ],
            )
        )
    return blocks


def _tipping_text(row: dict) -> str:
    parts = []
    for side, sign in (("low", ""), ("high", "+")):
        value = row[f"tipping_{side}"]
        if value is None:
            continue
        agreement = row.get(f"tipping_{side}_agreement")
        mc = f" ({100 * float(agreement):.0f}% agree)" if agreement not in (None, "") else ""
        parts.append(f"delta = {sign}{value:g}{mc}")
    return " and ".join(parts) if parts else "none within ±1 SD"


CAPTIONS = {
    "sensitivity_forest": "Headline estimates under every variant of the sensitivity analysis "
    "(prior grid, likelihood, missing-data handling, influential participants).",
    "sensitivity_mnar": "Delta-adjusted MNAR analysis of attrition: the follow-up correlation "
    "as the imputed missing values are shifted; tipping points dashed.",
}


def _adder(record: dict, tables: dict, fig_dir: Path, written: list[str]):
    synthetic = bool(record.get("synthetic"))

    def add(draws) -> list[tuple]:
        out = []
        for name, draw in draws:
            fig_dir.mkdir(parents=True, exist_ok=True)
            path = draw(record, tables, fig_dir / f"{name}.png")
            if path is None:
                continue
            written.append(str(path))
            caption = CAPTIONS[name] + (" SYNTHETIC DATA." if synthetic else "")
            out.append(("figure", path, caption))
        return out

    return add


def sensitivity_blocks(
    record: dict, tables: dict, fig_dir: Path, written: list[str]
) -> list[tuple]:
    """The section of a loaded sensitivity folder (:func:`load_sensitivity`); figures are
    written to ``fig_dir`` and their paths appended to ``written``."""
    return section(record, tables, _adder(record, tables, fig_dir, written))


def write_sensitivity_report(folder: str | Path) -> dict:
    """``report.md`` and ``report.html`` of a sensitivity folder alone."""
    start = time.perf_counter()
    folder = Path(folder)
    record, tables = load_sensitivity(folder)
    written: list[str] = []
    title = f"bayes_peer sensitivity: {record.get('title') or record['name']}"
    doc: list[tuple] = [("h1", title)]
    doc += sensitivity_blocks(record, tables, folder / "figures", written)
    doc.append(
        (
            "p",
            f"Reproduce with seed {record['seed']} "
            f"(spec {record['spec']}, sha256 {record['spec_sha256'][:12]}; data "
            f"{record['data']}, sha256 {record['data_sha256'][:12]}); versions in "
            "sensitivity.json.",
        )
    )
    (folder / "report.md").write_text(to_markdown(doc, folder), encoding="utf-8")
    (folder / "report.html").write_text(to_html(doc, title), encoding="utf-8")
    return {
        "html": str(folder / "report.html"),
        "figures": written,
        "seconds": time.perf_counter() - start,
    }
