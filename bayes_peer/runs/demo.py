"""The main job on the shipped SYNTHETIC demo study: exact + frequentist reanalysis.

The design mirrors the paper's: correlations among the alliance, number of contacts,
satisfaction, empowerment, recovery and quality of life at 12 and at 24 months, and blocked
regressions of satisfaction, empowerment, recovery and quality of life on the alliance after a
block of other intervention effects (contacts, budget used) and the outcome's baseline score.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from bayes_peer.analyses.averaging import model_averaging_prior_text, regress_bma
from bayes_peer.analyses.blocks import regress_blocks, regression_prior_text
from bayes_peer.analyses.correlate_kendall import kendall_pairs, kendall_prior_text
from bayes_peer.analyses.informed import add_informed_keys, check_informed
from bayes_peer.analyses.pairs import correlate_pairs, correlation_prior_text
from bayes_peer.data.demo import DEMO_SEED
from bayes_peer.data.participants import read_participants
from bayes_peer.data.resources import demo_csv_path
from bayes_peer.exact.informed import similarity_design
from bayes_peer.exact.regression import RSCALES
from bayes_peer.runs.outputs import library_versions, write_csv, write_json

WAVES = ("m12", "m24")
CONSTRUCTS = ("alliance", "contacts", "satisfaction", "empowerment", "recovery", "qol")
OUTCOMES = ("satisfaction", "empowerment", "recovery", "qol")
KAPPA = 1.0
RSCALE_LABEL = "medium"
#: The informed prior of the alliance-outcome correlations (the paper's fourth claim).
INFORMED_PRIOR = "flueckiger2018"
#: The notice every output of the demo study carries.
NOTICE = (
    "SYNTHETIC DATA: the shipped demo study is simulated from a documented generating "
    "process; its numbers are not the paper's."
)


def regression_design(outcome: str, wave: str, header: list[str]) -> list[list[str]]:
    """Block 1: baseline score (where measured), contacts and budget used; block 2: alliance."""
    covariates = [f"{outcome}_m0"] if f"{outcome}_m0" in header else []
    covariates += [f"contacts_{wave}", f"budget_used_{wave}"]
    return [covariates, [f"alliance_{wave}"]]


#: Default folder of the exact demo (the MCMC demo's is results/demo; neither replaces the other).
EXACT_DEMO_FOLDER = "results/demo-exact"


def run_demo(
    out: str | Path = EXACT_DEMO_FOLDER,
    force: bool = False,
    summary: Callable[[dict, list[dict]], str] | None = None,
) -> dict:
    """Reanalyse the demo study and write the tables to ``out`` (atomically).

    ``force`` replaces only a folder written by this command (never the MCMC demo's).
    ``summary(run, sections)`` writes the readable ``summary.md`` (the report layer's
    :func:`bayes_peer.report.demo_text.render_exact_demo`).

    Returns
    -------
    dict
        ``out``, ``files`` written, ``notice`` and the run metadata.
    """
    from bayes_peer.runs.folders import ResultsFolder

    with ResultsFolder(
        out, kind="demo-exact", force=force, command="bayes-peer demo --exact"
    ) as staging:
        return _exact_demo(staging, out, summary)


def _exact_demo(folder: Path, out: str | Path, summary) -> dict:
    started = time.perf_counter()
    source = demo_csv_path()
    data = read_participants(source)
    rscale = RSCALES[RSCALE_LABEL]

    correlations, kendall, blocks, coefficients, dropped = [], [], [], [], []
    inclusion: list[dict] = []
    sections: list[dict] = []  # what summary.md shows, in order
    informed = check_informed(INFORMED_PRIOR)
    for wave in WAVES:
        names = [f"{c}_{wave}" for c in CONSTRUCTS]
        pairs = correlate_pairs(data, names, kappa=KAPPA)
        outcomes = {f"{o}_{wave}" for o in OUTCOMES}
        chosen = [
            p
            for p in pairs
            if {p["var1"], p["var2"]} - {f"alliance_{wave}"} <= outcomes
            and f"alliance_{wave}" in (p["var1"], p["var2"])
        ]
        add_informed_keys(chosen, informed)
        correlations += [{"wave": wave, **p} for p in pairs]
        sections.append({"kind": "correlations", "wave": wave, "pairs": pairs})
        ranks = kendall_pairs(data, names, KAPPA, "two-sided", 0.95)
        kendall += [{"wave": wave, **p} for p in ranks]
        sections.append({"kind": "kendall", "wave": wave, "pairs": ranks})
    for wave in WAVES:
        for outcome in OUTCOMES:
            y = f"{outcome}_{wave}"
            design = regression_design(outcome, wave, data.header)
            result = regress_blocks(data, y, design, rscale)
            tag = {"outcome": y, "wave": wave}
            blocks += [{**tag, **b} for b in result["blocks"]]
            coefficients += [{**tag, **c} for c in result["coefficients"]]
            dropped += [{**tag, **d, "missing": d["missing"]} for d in result["dropped"]]
            sections.append({"kind": "regression", "outcome": y, **result})
            forced = [t for t in design[0] if t.endswith("_m0")]
            averaged = regress_bma(
                data, y, forced, [t for b in design for t in b if t not in forced], rscale
            )
            inclusion += [
                {**tag, "forced": ";".join(forced), **row} for row in averaged["inclusion"]
            ]
            sections.append({"kind": "bma", "outcome": y, **averaged})
    sections.insert(0, {"kind": "claims", "correlations": correlations, "blocks": blocks})
    sizes = {"all participants": data.n_rows}  # the study's n, and each wave's pairs' n
    for row in correlations:
        if row.get("bf10_informed") is not None:
            sizes[row["wave"]] = max(sizes.get(row["wave"], 0), int(row["n"]))
    design = [
        {"wave": wave, **similarity_design(informed.prior.center, n, informed.prior, KAPPA)}
        for wave, n in sizes.items()
    ]

    run = {
        "command": "bayes-peer demo",
        "synthetic": True,
        "notice": NOTICE,
        "data": {"file": source.name, "sha256": data.sha256, "rows": data.n_rows},
        "demo_seed": DEMO_SEED,
        "mcmc_seed": None,
        "priors": {
            "correlation": correlation_prior_text(KAPPA),
            "kendall": kendall_prior_text(KAPPA),
            "regression": regression_prior_text(rscale, RSCALE_LABEL),
            "model_averaging": model_averaging_prior_text(
                rscale, RSCALE_LABEL, "uniform", ["the baseline score (where measured)"]
            ),
            "informed": informed.record_keys()["prior_informed"],
        },
        "similarity_design": design,
        "design": {
            "waves": list(WAVES),
            "constructs": list(CONSTRUCTS),
            "regressions": {
                f"{o}_{w}": regression_design(o, w, data.header) for w in WAVES for o in OUTCOMES
            },
        },
        "variables": data.variable_table(),
        "versions": library_versions(),
    }
    files = {
        "correlations.csv": correlations,
        "kendall.csv": kendall,
        "regression_blocks.csv": blocks,
        "regression_coefficients.csv": coefficients,
        "bma_inclusion.csv": inclusion,
        "dropped_rows.csv": dropped,
        "variables.csv": data.variable_table(),
    }

    for name, rows in files.items():
        write_csv(folder / name, rows)
    names = [*files, "run.json"]
    if summary is not None:
        (folder / "summary.md").write_text(summary(run, sections), encoding="utf-8")
        names.append("summary.md")
    run["seconds"] = round(time.perf_counter() - started, 3)
    write_json(folder / "run.json", run)
    return {
        "out": str(out),
        "files": sorted(names),
        "notice": NOTICE,
        "synthetic": True,
        "seconds": run["seconds"],
    }
