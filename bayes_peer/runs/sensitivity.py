"""``bayes-peer sensitivity SPEC``: every small-sample sensitivity analysis of a spec, in one
folder (CSV tables, figures, ``sensitivity.json``, a report) and in the spec's report.

Part 1 (exact layer, no MCMC): Bayes factors over prior widths with their maximum, and each
participant left out in turn (who changes a conclusion). Part 2 (MCMC, refits of compiled
structures): prior grids, power-scaling, normal vs Student-t, PSIS-LOO Pareto k with exact
refits, listwise vs full information, and the delta-adjusted MNAR tipping point
(:mod:`bayes_peer.analyses.sensitivity_mcmc`).

Output folder (default ``results/<spec name>/sensitivity``, i.e. inside the spec's results
folder, so that ``bayes-peer report results/<spec name>`` shows it; ``--demo`` writes
``results/demo/<spec name>/sensitivity``):

- ``variants.csv``: one row per model, headline quantity and variant (kind: spec, prior,
  likelihood, missing data, influence) with median, 95% interval, P(> 0), conclusion,
  ``changed`` and the diagnostics of that fit;
- ``power_scaling.csv``, ``pareto_k.csv``, ``mnar.csv``, ``tipping_points.csv``,
  ``exact.csv``; ``sensitivity.json`` (versions, seed, spec and data hashes, grids, timings);
  ``figures/``, ``report.html``, ``report.md``.
"""

from __future__ import annotations

import itertools
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bayes_peer.analyses.missing_mnar import IMPUTATIONS
from bayes_peer.data.participants import read_header, read_participants
from bayes_peer.errors import InputError
from bayes_peer.mcmc.sampler import compile_progress, structure_budget
from bayes_peer.runs.outputs import library_versions, write_csv, write_json
from bayes_peer.runs.run import (
    CI_PROB,
    Progress,
    _settings,
    _steps,
    data_source,
    in_worker_processes,
    spec_coding,
    spec_columns,
)
from bayes_peer.runs.specs import Spec

TABLES = ("variants", "power_scaling", "pareto_k", "mnar", "tipping_points", "exact")


def _exact_correlations(spec: Spec, data) -> list[dict]:
    """Part 1 for every pair and wave: BF at the spec's kappa, its maximum, who changes it."""
    from bayes_peer.analyses.sensitivity_exact import correlation_robustness, influence
    from bayes_peer.exact.correlation import log_bayes_factors, prior_description

    c = spec.correlations
    rows = []
    for a, b in itertools.combinations(c["constructs"], 2):
        for w in c["waves"] or [None]:
            cols = [f"{a}_{w}", f"{b}_{w}"] if w else [a, b]
            values = data.matrix(cols)
            keep = ~np.isnan(values).any(axis=1)
            x, y = values[keep, 0], values[keep, 1]
            ids = [data.ids[i] for i in np.flatnonzero(keep)]
            r = float(np.corrcoef(x, y)[0, 1])
            robust = correlation_robustness(r, int(keep.sum()))
            loo = influence(x, y, ids, c["kappa"])
            rows.append(
                {
                    "model": f"{a}__{b}",
                    "quantity": "rho",
                    "wave": w,
                    "n": int(keep.sum()),
                    "r": r,
                    "prior": prior_description(c["kappa"]),
                    "bf10": math.exp(log_bayes_factors(r, int(keep.sum()), c["kappa"])[0]),
                    "max_bf10": robust["max_bf10"],
                    "width_at_max": robust["kappa_at_max"],
                    "influential": len(loo["influential"]),
                    "influential_ids": [f["id"] for f in loo["influential"]],
                }
            )
    return rows


def _exact_blocks(spec: Spec, data, outcome: str, design: dict) -> list[dict]:
    """Part 1 for the last block at each wave: JZS BF, its maximum over r, who changes it."""
    from bayes_peer.analyses.blocks import complete_rows
    from bayes_peer.analyses.sensitivity_exact import block_influence, block_robustness
    from bayes_peer.analyses.terms import model_columns
    from bayes_peer.exact.regression import log_block_bfs
    from bayes_peer.frequentist import hierarchical_ols

    rscale = spec.regressions["rscale"][0]
    rows = []
    for w, (y_name, blocks) in design.items():
        column_blocks = model_columns(data, blocks)  # a factor: its indicator columns
        terms = [c for b in column_blocks for c in b]
        values = data.matrix([y_name, *terms])
        keep = complete_rows(values)
        y, x = values[keep, 0], values[keep, 1:]
        ids = [data.ids[i] for i in np.flatnonzero(keep)]
        sizes = [len(b) for b in column_blocks]
        ols = hierarchical_ols(y, x, terms, sizes)
        r2s, ps = [s.r2 for s in ols.steps], [s.p for s in ols.steps]
        n = int(keep.sum())
        log_bf = log_block_bfs(n, r2s, ps, rscale)[-1]
        robust = block_robustness(n, r2s, ps)[-1]
        loo = block_influence(y, x, terms, sizes, ids, rscale)[-1]
        changes = [r["id"] for r in loo if r["changes_conclusion"]]
        rows.append(
            {
                "model": outcome,
                "quantity": f"block {len(blocks)} ({', '.join(blocks[-1])})",
                "wave": w,
                "n": n,
                "r": None,
                "prior": f"JZS, r scale = {rscale:g}",
                "bf10": math.exp(log_bf),
                "max_bf10": robust["max_bf_block"],
                "width_at_max": robust["rscale_at_max"],
                "influential": len(changes),
                "influential_ids": changes,
            }
        )
    return rows


def _summary(tables: dict[str, list[dict]]) -> dict:
    """What a reader needs first: the conclusions that change, and the flags."""
    changed = [
        {k: r[k] for k in ("model", "quantity", "wave", "kind", "setting", "diagnostics")}
        for r in tables["variants"]
        if r["changed"]
    ]
    return {
        "variants": len(tables["variants"]),
        "conclusions_changed": changed,
        "failed_variants": sum(r["diagnostics"] == "fail" for r in tables["variants"]),
        "power_scaling_flags": [
            {k: r[k] for k in ("model", "quantity", "wave", "diagnosis")}
            for r in tables["power_scaling"]
            if r["diagnosis"] != "none"
        ],
        "pareto_k_over_0_7": [
            {k: r[k] for k in ("model", "id", "pareto_k", "elpd_loo_psis", "elpd_loo_exact")}
            for r in tables["pareto_k"]
            if r["pareto_k"] > 0.7
        ],
        "pareto_k_over_threshold": [
            {
                k: r[k]
                for k in (
                    "model",
                    "id",
                    "pareto_k",
                    "pareto_k_threshold",
                    "elpd_loo_psis",
                    "elpd_loo_exact",
                )
            }
            for r in tables["pareto_k"]
            if r["pareto_k"] > r["pareto_k_threshold"]
        ],
        "tipping_points": [
            {
                k: r.get(k)
                for k in (
                    "model",
                    "wave",
                    "conclusion_mar",
                    "tipping_low",
                    "tipping_high",
                    "tipping_low_agreement",
                    "tipping_high_agreement",
                    "imputations",
                )
            }
            for r in tables["tipping_points"]
        ],
    }


def sensitivity_spec(
    spec: Spec, data, settings, progress: Progress, imputations: int | None = None
) -> tuple[dict, dict]:
    """All analyses of one spec: (tables by name, timings in seconds)."""
    from bayes_peer.analyses.regress_waves import wave_blocks
    from bayes_peer.analyses.sensitivity_mcmc import correlation_pair, regression_outcome

    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    timings: dict[str, float] = {}

    def collect(name: str, result, start: float) -> None:
        tables["variants"] += result.variants
        tables["power_scaling"] += result.power_scaling
        tables["pareto_k"] += result.influence
        tables["mnar"] += result.mnar
        tables["tipping_points"] += result.tipping
        timings[name] = time.perf_counter() - start
        progress.step(f"{spec.name}: {name} ({result.fits} fits)")

    if spec.correlations:
        c = spec.correlations
        tables["exact"] += _exact_correlations(spec, data)
        for a, b in itertools.combinations(c["constructs"], 2):
            start = time.perf_counter()
            result = correlation_pair(
                data,
                a,
                b,
                c["waves"],
                settings,
                eta=c["eta"],
                missing=c["missing"],
                robust=c["robust"],
                imputations=imputations or IMPUTATIONS,
            )
            collect(f"{a}__{b}", result, start)
    if spec.regressions:
        r = spec.regressions
        for outcome in r["outcomes"]:
            start = time.perf_counter()
            baseline = r["baseline"]
            if baseline and f"{outcome}_{baseline}" not in data.header:
                baseline = None
            design = wave_blocks(data.header, outcome, r["waves"], baseline, r["blocks"])
            tables["exact"] += _exact_blocks(spec, data, outcome, design)
            result = regression_outcome(
                data,
                outcome,
                design,
                settings,
                prior=r["prior"],
                prior_scale=r["prior_scale"],
                likelihood=r["likelihood"],
                r2d2=r["r2d2"],
            )
            collect(outcome, result, start)
    return tables, timings


def check_spec(spec: Spec) -> None:
    """Refuse what the MCMC sensitivity cannot do (exit 2, one line)."""
    if spec.summary is not None:
        raise InputError(
            f"{spec.path}: sensitivity needs participant rows, and this spec reads published "
            "tables (for tables use correlate/regress --summary ... --rounding-sensitivity K)"
        )
    r = spec.regressions
    if r and len(r["waves"] or []) != 2:
        raise InputError(
            f"{spec.path}: the regression sensitivity analyses the joint two-wave model; give "
            "[regressions] waves = [two waves]"
        )


def _analyse(
    spec: Spec, data_path, seed: int | None, quiet: bool, imputations: int | None = None
) -> tuple[dict, dict]:
    """Fit and tabulate one spec (also the body of a worker process): (tables, entry)."""
    path = data_source(spec, data_path)[1]
    factors, reference = spec_coding(spec)
    data = read_participants(path, spec_columns(spec, read_header(path)), factors or None)
    data = data.with_references(reference, f"{spec.path}: key 'regressions.reference'")
    settings = _settings(spec, seed)
    start = time.perf_counter()
    progress = Progress(_steps(spec), quiet)
    with compile_progress(None if quiet else progress.note):
        tables, timings = sensitivity_spec(spec, data, settings, progress, imputations)
    entry = {
        "spec": Path(spec.path).name,
        "name": spec.name,
        "title": spec.title,
        "spec_sha256": spec.sha256,
        "data": Path(data.path).name,
        "data_sha256": data.sha256,
        "synthetic": data.synthetic,
        "sampler": settings.describe(),
        "seed": settings.seed,
        "ci_prob": CI_PROB,
        "grids": _grids(imputations),
        "timings_seconds": timings,
        "seconds": time.perf_counter() - start,
        "summary": _summary(tables),
        "structures": structure_budget(),
    }
    return tables, entry


def run_sensitivity(
    specs: list[Spec],
    outs: list[Path],
    *,
    data_path: str | Path | None = None,
    seed: int | None = None,
    force: bool = False,
    quiet: bool = False,
    workers: int = 1,
    imputations: int | None = None,
    command: str = "bayes-peer sensitivity",
    report: Callable | None = None,
    refresh: Callable | None = None,
) -> dict:
    """Run every spec into its folder; returns the record printed by ``--json``.

    Every output folder is opened (checked, locked, probed) before any model is fitted. With
    ``workers`` > 1 and several specs, the specs are analysed in that many worker processes
    (spawned; each compiles its own structures, since compiled models cannot be pickled). The
    folders are written afterwards, one by one; ``report(folder)`` writes a sensitivity
    folder's report into it, and ``refresh(run_folder, log=...)`` rebuilds the report of a run
    folder that holds a sensitivity folder.
    """
    import contextlib

    from bayes_peer.runs.folders import ResultsFolder

    for spec in specs:
        check_spec(spec)
    for out in outs:
        if (Path(out) / "run.json").is_file():
            raise InputError(
                f"{out}: is the results folder of a run, which --force would replace; the "
                f"sensitivity folder goes inside it: --out {Path(out) / 'sensitivity'}"
            )
    started = time.perf_counter()
    versions = library_versions()
    record: dict = {"command": command, "versions": versions, "workers": 1, "specs": []}
    with contextlib.ExitStack() as stack:
        stagings = [
            stack.enter_context(
                ResultsFolder(
                    out, kind="sensitivity", force=force, command=command, needed_bytes=20 * 2**20
                )
            )
            for out in outs
        ]
        if workers > 1 and len(specs) > 1:
            record["workers"] = min(workers, len(specs))
            arguments = [(spec, data_path, seed, quiet, imputations) for spec in specs]
            analysed = in_worker_processes(_analyse, arguments, record["workers"])
        else:
            analysed = [_analyse(spec, data_path, seed, quiet, imputations) for spec in specs]
        for spec, out, folder, (tables, entry) in zip(specs, outs, stagings, analysed, strict=True):
            (folder / "spec.toml").write_text(spec.text, encoding="utf-8")
            for name in TABLES:
                if tables[name]:
                    write_csv(folder / f"{name}.csv", tables[name])
            write_json(folder / "sensitivity.json", {**entry, "versions": versions})
            if report is not None:
                entry["report_seconds"] = report(folder)["seconds"]
            entry["out"] = str(out)
            record["specs"].append(entry)
    record["synthetic"] = any(e["synthetic"] for e in record["specs"])
    if refresh is not None:
        record["reports"] = _refresh_run_reports(outs, refresh, quiet, Progress(0, quiet))
    record["seconds"] = time.perf_counter() - started
    record["exit_status"] = 0
    return record


def default_outs(specs: list[Spec], out: str | Path | None) -> list[Path]:
    """Each spec's sensitivity folder: inside its run's folder (``results/<spec>/sensitivity``,
    or the spec's ``[output] folder``); with several specs ``out`` is the run folder of all
    (``out/<spec>/sensitivity``), with one the folder itself."""
    if out is not None and not str(out).strip():
        raise InputError("the output folder is empty; name a folder such as results/demo")
    if out is not None and len(specs) > 1:  # the layout of a multi-spec run folder
        return [Path(out) / s.name / "sensitivity" for s in specs]
    if out is not None:
        return [Path(out)]
    return [(s.output or Path("results") / s.name) / "sensitivity" for s in specs]


def _refresh_run_reports(
    outs: list[Path], rebuild_report: Callable, quiet: bool, progress: Progress
) -> list[str]:
    """Rebuild the report of each results folder that holds a sensitivity folder."""
    tops: list[Path] = []
    for out in outs:
        spec_folder, top = out.parent, out.parent.parent
        if (
            (top / "run.json").is_file()
            and (top / spec_folder.name / "run.json").is_file()
            and (spec_folder.name in _spec_names(top))
        ):
            folder = top  # a demo folder: its report covers every spec folder
        elif (spec_folder / "run.json").is_file():
            folder = spec_folder
        else:
            continue
        if folder not in tops:
            tops.append(folder)
    written = []
    for folder in tops:
        try:
            built = rebuild_report(folder, log=None if quiet else progress.note)
        except Exception as exc:  # the sensitivity folder is written; the report can be redone
            print(
                f"error: the report of {folder} was not rebuilt ({exc}); retry with "
                f"`bayes-peer report {folder}`",
                file=sys.stderr,
            )
            continue
        written.append(built["html"])
    return written


def _spec_names(folder: Path) -> list[str]:
    import json

    try:
        record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [e.get("name") for e in record.get("specs", []) if isinstance(e, dict)]


def _grids(imputations: int | None = None) -> dict:
    from bayes_peer.analyses import missing_mnar, sensitivity_checks, sensitivity_mcmc

    return {
        "lkj_eta": list(sensitivity_mcmc.ETA_GRID),
        "normal_slope_sd": list(sensitivity_mcmc.PRIOR_SCALE_GRID),
        "r2d2_mean_r2": list(sensitivity_mcmc.R2D2_MEAN_GRID),
        "pareto_k_refit": sensitivity_checks.PARETO_K_REFIT,
        "max_refits_per_model": sensitivity_checks.MAX_REFITS,
        "psense_threshold": sensitivity_checks.PSENSE_THRESHOLD,
        "mnar_deltas": list(missing_mnar.DELTAS),
        "mnar_imputations": imputations or missing_mnar.IMPUTATIONS,
        "mnar_mc_replicates": missing_mnar.MC_REPLICATES,
    }
