"""The report of a calibration folder (``bayes-peer calibrate``): SBC verdicts per model with
the ECDF-difference figures, or the frequentist study's table and figure."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import numpy as np

from bayes_peer.report.format import fmt_num, fmt_p
from bayes_peer.report.render import table_row, to_html, to_markdown

REFERENCES = (
    "Talts, Betancourt, Simpson, Vehtari & Gelman (2018), Validating Bayesian inference "
    "algorithms with simulation-based calibration, arXiv:1804.06788; Modrák et al. (2023), "
    "Simulation-based calibration checking for Bayesian computation: the choice of test "
    "quantities shapes sensitivity, Bayesian Analysis; Säilynoja, Bürkner & Vehtari (2022), "
    "Graphical test for discrete uniformity, Statistics and Computing 32:32; Morris, White & "
    "Crowther (2019), Using simulation studies to evaluate statistical methods, Statistics in "
    "Medicine 38:2074-2102."
)


def _pits(folder: Path) -> dict[tuple[str, str], np.ndarray]:
    values: dict[tuple[str, str], list[float]] = {}
    with (folder / "ranks.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            values.setdefault((row["model"], row["quantity"]), []).append(float(row["pit"]))
    return {k: np.array(v) for k, v in values.items()}


def _sbc_blocks(record: dict, folder: Path, written: list[str]) -> list[tuple]:
    from bayes_peer.report.plots.calibration import sbc_ecdf

    models = record["models"]
    real = [m for m in models if not m["negative_control"]]
    controls = [m for m in models if m["negative_control"]]
    passed = sum(m["calibrated"] for m in real)
    control_text = ""
    if controls:
        flagged = all(not m["calibrated"] for m in controls)
        control_text = "; the negative control " + (
            "was flagged, as it must be" if flagged else "was NOT flagged"
        )
    if record["study"] == "posterior":
        notice = (
            "notice",
            "synthetic",
            f"Posterior SBC conditional on the SYNTHETIC demo study: {record['conditioned_on']}.",
        )
    else:
        notice = (
            "notice",
            "warn",
            "Simulated data: every data set here is drawn from the "
            "model's prior; no participant data are used.",
        )
    blocks: list[tuple] = [
        notice,
        (
            "p",
            f"{passed} of {len(real)} model structure(s) calibrated{control_text}. "
            f"{record['sims']} simulated studies of n = {record['n']} per model; "
            f"{record['sampler']}; {record['test']}. Seed {record['seed']}.",
        ),
    ]
    headers = [
        "model",
        "sims",
        "quantities",
        "verdict",
        "divergent fits",
        "problem fits",
        "max r_hat",
        "min ESS",
        "s per sim",
    ]
    rows = [
        table_row(
            [
                m["model"],
                m["sims"],
                m["quantities"],
                m["verdict"],
                m["divergent_sims"],
                m.get("problem_fits", 0),
                fmt_num(m["max_r_hat"], 3),
                f"{m['min_ess_bulk']:.0f}",
                fmt_num(m["seconds_per_sim"], 2),
            ],
            None if m["calibrated"] != m["negative_control"] else "fail",
        )
        for m in models
    ]
    heading = (
        "Posterior simulation-based calibration (given the demo study)"
        if record["study"] == "posterior"
        else "Prior simulation-based calibration"
    )
    blocks += [("h2", heading), ("table", headers, rows)]
    pits = _pits(folder)
    fig_dir = folder / "figures"
    fig_dir.mkdir(exist_ok=True)
    for m in models:
        sub = [r for r in record["sbc"] if r["model"] == m["model"]]
        path = sbc_ecdf(
            m,
            sub,
            {r["quantity"]: pits[(m["model"], r["quantity"])] for r in sub},
            fig_dir / f"sbc_{m['model']}.png",
            posterior=record["study"] == "posterior",
        )
        written.append(str(path))
        table = [
            table_row(
                [
                    r["quantity"],
                    fmt_num(r["statistic"], 2),
                    fmt_p(r["p_value"]),
                    "yes" if r["calibrated"] else "no",
                ],
                None if r["calibrated"] else "fail",
            )
            for r in sub
        ]
        blocks.append(
            (
                "details",
                f"{m['model']}: {m['verdict']}",
                [
                    (
                        "figure",
                        path,
                        f"ECDF differences of the {m['model']} model's test quantities.",
                    ),
                    ("table", ["quantity", "statistic", "p", "calibrated"], table),
                ],
            )
        )
    return blocks


def _frequentist_blocks(record: dict, folder: Path, written: list[str]) -> list[tuple]:
    from bayes_peer.report.plots.calibration import coverage_figure

    fig_dir = folder / "figures"
    fig_dir.mkdir(exist_ok=True)
    path = coverage_figure(record["coverage"], fig_dir / "coverage.png")
    written.append(str(path))

    def pm(row, key, digits=3):
        value = row[key]
        if value is None:
            return "—"
        return f"{fmt_num(value, digits)} ({fmt_num(row[key + '_mcse'], digits)})"

    rows = [
        table_row(
            [
                r["n"],
                fmt_num(r["rho"], 1),
                r["method"],
                pm(r, "coverage"),
                pm(r, "bias"),
                pm(r, "rmse"),
                pm(r, "width"),
                pm(r, "bf10_above_3"),
                pm(r, "bf10_below_third"),
            ]
        )
        for r in record["coverage"]
    ]
    return [
        ("notice", "warn", "Simulated data: bivariate normal samples; no participant data."),
        (
            "p",
            f"{record['reps']} samples per cell, seed {record['seed']}. Prior of the exact "
            f"posterior: {record['prior']}. Monte Carlo SEs in parentheses (Morris et al. 2019).",
        ),
        ("figure", path, "Coverage (±2 MCSE) and mean width of the intervals."),
        (
            "table",
            [
                "n",
                "rho",
                "method",
                "coverage",
                "bias",
                "RMSE",
                "width",
                "P(BF10 > 3)",
                "P(BF10 < 1/3)",
            ],
            rows,
        ),
    ]


def write_calibration_report(folder: str | Path) -> dict:
    """``report.md`` and ``report.html`` of a calibration folder."""
    start = time.perf_counter()
    folder = Path(folder)
    record = json.loads((folder / "calibration.json").read_text(encoding="utf-8"))
    written: list[str] = []
    if record["study"] in ("sbc", "posterior"):
        title = "bayes_peer calibration: simulation-based calibration"
        body = _sbc_blocks(record, folder, written)
    else:
        title = "bayes_peer calibration: frequentist study"
        body = _frequentist_blocks(record, folder, written)
    doc = [("h1", title), *body, ("h2", "References"), ("p", REFERENCES)]
    (folder / "report.md").write_text(to_markdown(doc, folder), encoding="utf-8")
    (folder / "report.html").write_text(to_html(doc, title), encoding="utf-8")
    return {
        "html": str(folder / "report.html"),
        "figures": written,
        "seconds": time.perf_counter() - start,
    }
