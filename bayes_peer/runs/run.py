"""``bayes-peer run SPEC`` and ``bayes-peer demo``: whole reanalyses into one results folder.

A results folder holds, per analysis, tidy CSV tables (every number beside its frequentist
counterpart and its diagnostics), one NetCDF posterior per fitted model, ``diagnostics.csv``
(pass / warn / fail per model) and ``run.json`` (versions, seed, spec and data hashes, timings,
verdicts). It is written to a temporary sibling and renamed at the end, so an interrupted run
leaves no results folder; an existing folder is replaced only with ``--force``.

Diagnostics per fitted model follow the one policy of :mod:`bayes_peer.mcmc.diagnostics`
(pass / warn / fail). A failed fit is flagged in every table row that shows its numbers
(``diagnostics`` column), and the command exits with status :data:`EXIT_DIAGNOSTICS_FAILED`
after writing everything.
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

from bayes_peer.data.demo import demo_path
from bayes_peer.data.participants import read_header, read_participants
from bayes_peer.mcmc.sampler import SamplerSettings
from bayes_peer.runs.outputs import library_versions, write_csv, write_json
from bayes_peer.runs.specs import Spec

#: Exit status of run/demo when any fit failed its diagnostics (after writing everything).
EXIT_DIAGNOSTICS_FAILED = 3
#: Interval probability of every table a run writes.
CI_PROB = 0.95
#: Free space asked for before a spec's run starts (its folder is 20-70 MB today).
NEEDED_BYTES_PER_SPEC = 100 * 2**20


class Progress:
    """'[k/n] what (elapsed)' lines on stderr; silent when quiet."""

    def __init__(self, total: int, quiet: bool):
        self.total, self.quiet, self.done = total, quiet, 0
        self.start = time.perf_counter()

    def note(self, what: str) -> None:
        """A progress line without a step count."""
        if not self.quiet:
            elapsed = time.perf_counter() - self.start
            print(f"  {what} ({elapsed:.0f} s elapsed)", file=sys.stderr, flush=True)

    def step(self, what: str) -> None:
        self.done += 1
        if not self.quiet:
            elapsed = time.perf_counter() - self.start
            print(f"[{self.done}/{self.total}] {what} ({elapsed:.0f} s elapsed)", file=sys.stderr,
                  flush=True)  # fmt: skip


def structure_budget() -> dict[str, dict]:
    """The compiled structures this process used: compile seconds and number of fits."""
    from bayes_peer.mcmc.sampler import compiled_structures

    return {name: {"compile_seconds": s.compile_seconds, "fits": s.fits}
            for name, s in compiled_structures().items()}  # fmt: skip


def _settings(spec: Spec, seed: int | None) -> SamplerSettings:
    values = dict(spec.sampler)
    if seed is not None:
        values["seed"] = seed
    return SamplerSettings(**values)


def _run_correlations(spec, data, settings, progress, folder, diagnostics, timings, trees) -> dict:
    from bayes_peer.analyses.correlate_mcmc import correlate_mcmc

    c = spec.correlations
    pairs, contrasts, dropped = [], [], []
    for a, b in itertools.combinations(c["constructs"], 2):
        start = time.perf_counter()
        outcome = correlate_mcmc(
            data, [a, b], "joint", settings, kappa=c["kappa"], eta=c["eta"],
            missing=c["missing"], robust=c["robust"], waves=c["waves"],
        )  # fmt: skip
        name = f"{a}__{b}"
        _save_fit(name, outcome.fits["joint"], folder, diagnostics, trees)
        diag = diagnostics[-1]
        dropped += [_dropped_row(name, None, d) for d in outcome.result["dropped"]]
        for row in outcome.result["pairs"]:
            row.pop("flags", None)
            pairs.append({**row, "model": name, "diagnostics": diag["verdict"],
                          "prior": outcome.result["prior"]})  # fmt: skip
        for row in outcome.result.get("contrasts", []):
            contrasts.append({**row, "model": name, "diagnostics": diag["verdict"]})
        timings[name] = time.perf_counter() - start
        progress.step(f"{spec.name}: {a} ~ {b} ({diag['verdict']})")
    write_csv(folder / "correlations.csv", pairs)
    if contrasts:
        write_csv(folder / "contrasts.csv", contrasts)
    _append_dropped(folder, dropped)
    from bayes_peer.exact.correlation import prior_description

    return {
        "correlations_mcmc": outcome.result["prior"],
        "correlations_exact": prior_description(c["kappa"]),
        "correlations_missing": outcome.result["missing"],
    }


def _run_regressions(spec, data, settings, progress, folder, diagnostics, timings, trees) -> dict:
    from bayes_peer.analyses.regress_mcmc import regress_mcmc
    from bayes_peer.analyses.regress_waves import regress_waves_mcmc, wave_blocks

    r = spec.regressions
    rscale = r["rscale"][0]
    blocks_out, coefs_out, contrasts_out, dropped = [], [], [], []
    options = {"prior": r["prior"], "prior_scale": r["prior_scale"],
               "likelihood": r["likelihood"], "r2d2": r["r2d2"]}  # fmt: skip
    for outcome in r["outcomes"]:
        start = time.perf_counter()
        if r["waves"]:
            baseline = r["baseline"]
            if baseline and f"{outcome}_{baseline}" not in data.header:
                baseline = None  # e.g. satisfaction has no baseline score
            design = wave_blocks(data.header, outcome, r["waves"], baseline, r["blocks"])
            fitted = regress_waves_mcmc(data, design, rscale, settings, **options)
        else:
            fitted = regress_mcmc(data, outcome, r["blocks"], rscale, settings, **options)
        verdicts = {}
        for k, fit in fitted.fits.items():
            verdicts[k] = _save_fit(f"{outcome}_block{k}", fit, folder, diagnostics, trees)
        dropped += [_dropped_row(outcome, d.get("wave"), d) for d in fitted.result["dropped"]]
        for row in fitted.result["blocks"]:
            row.pop("flags", None)
            blocks_out.append({"outcome": outcome, **row, "diagnostics": verdicts[row["block"]],
                               "model": f"{outcome}_block{row['block']}",
                               "rscale": rscale})  # fmt: skip
        for row in fitted.result["coefficients"]:
            row.pop("flags", None)
            coefs_out.append({"outcome": outcome, **row, "diagnostics": verdicts[row["block"]]})
        last = max(verdicts)
        for row in fitted.result.get("contrasts", []):
            contrasts_out.append({"outcome": outcome, **row, "diagnostics": verdicts[last]})
        timings[outcome] = time.perf_counter() - start
        worst = (
            "fail"
            if "fail" in verdicts.values()
            else "warn"
            if "warn" in verdicts.values()
            else "pass"
        )
        progress.step(f"{spec.name}: {outcome} ({worst})")
    write_csv(folder / "blocks.csv", blocks_out)
    write_csv(folder / "coefficients.csv", coefs_out)
    if contrasts_out:
        write_csv(folder / "coefficient_contrasts.csv", contrasts_out)
    _append_dropped(folder, dropped)
    missing = fitted.result.get("missing") or fitted.result.get("missing_predictors", "")
    return {
        "regressions_mcmc": fitted.result["prior"],
        "block_bf": f"JZS (Zellner-Siow Cauchy) prior on the block's standardized slopes, "
        f"r scale = {rscale:g}",
        "regressions_missing": str(missing),
    }


def _dropped_row(analysis: str, wave: str | None, record: dict) -> dict:
    """One row a model left out: which analysis, the participant and the values it misses."""
    return {"analysis": analysis, "wave": wave, "row": record["row"], "line": record["line"],
            "id": record["id"], "missing": ";".join(record["missing"])}  # fmt: skip


def _append_dropped(folder: Path, rows: list[dict]) -> None:
    """Add rows to ``dropped_rows.csv`` (written even when empty: nothing was left out)."""
    from bayes_peer.report.results import read_table

    path = folder / "dropped_rows.csv"
    previous = read_table(path) or []
    everything = [*previous, *rows]
    if everything:
        write_csv(path, everything)
    else:
        path.write_text("analysis,wave,row,line,id,missing\n", encoding="utf-8")


def _table_for(tables: dict, wave: str | None):
    return tables[wave] if wave in tables else tables[None]


def _save_fit(name, fit, folder, diagnostics, trees) -> str:
    """Write one fit's NetCDF, keep it for the report, append its diagnostics; its verdict."""
    fit.idata.to_netcdf(folder / f"posterior_{name}.nc", engine="h5netcdf")
    trees[name] = fit.idata
    diag = fit.diagnostics(name)
    diagnostics.append(diag)
    return diag["verdict"]


def _run_correlations_summary(spec, tables, settings, progress, folder, diagnostics, timings,
                              trees) -> dict:  # fmt: skip
    """Per wave, one joint model of every construct from that wave's table."""
    from bayes_peer.analyses.summary_mcmc import correlate_summary_mcmc
    from bayes_peer.exact.correlation import prior_description

    c = spec.correlations
    pairs = []
    prior = ""
    for wave in c["waves"] or [None]:
        start = time.perf_counter()
        table = _table_for(tables, wave)
        names = [f"{k}_{wave}" if wave else k for k in c["constructs"]]
        outcome = correlate_summary_mcmc(table, names, "joint", settings, kappa=c["kappa"],
                                         eta=c["eta"])  # fmt: skip
        name = f"joint_{wave}" if wave else "joint"
        verdict = _save_fit(name, outcome.fits["joint"], folder, diagnostics, trees)
        prior = outcome.result["prior"]
        for row in outcome.result["pairs"]:
            row.pop("flags", None)
            a, b = row["var1"], row["var2"]
            extra = {"wave": wave, "construct1": a.removesuffix(f"_{wave}"),
                     "construct2": b.removesuffix(f"_{wave}")} if wave else {}  # fmt: skip
            pairs.append({"var1": a, "var2": b, **extra, **{k: v for k, v in row.items()
                          if k not in ("var1", "var2")}, "model": name, "diagnostics": verdict,
                          "prior": prior})  # fmt: skip
        timings[name] = time.perf_counter() - start
        progress.step(f"{spec.name}: correlations{f' at {wave}' if wave else ''} ({verdict})")
    write_csv(folder / "correlations.csv", pairs)
    return {
        "correlations_model": "per wave, one joint model of every construct, fitted to that "
        "wave's published table (n, correlations; likelihood on sufficient statistics); the "
        "change between waves needs the cross-wave correlations, which per-wave tables lack",
        "correlations_mcmc": prior,
        "correlations_exact": prior_description(c["kappa"]),
        "correlations_missing": "each table's complete cases, as published",
    }


def _run_regressions_summary(spec, tables, settings, progress, folder, diagnostics, timings,
                             trees) -> dict:  # fmt: skip
    """Per outcome and wave, the blocked regression from that wave's table."""
    from bayes_peer.analyses.regress_waves import wave_blocks
    from bayes_peer.analyses.summary_mcmc import regress_summary_mcmc

    r = spec.regressions
    rscale = r["rscale"][0]
    blocks_out, coefs_out = [], []
    prior = ""
    for outcome in r["outcomes"]:
        start = time.perf_counter()
        verdicts = []
        for wave in r["waves"] or [None]:
            table = _table_for(tables, wave)
            if wave:
                baseline = r["baseline"]
                if baseline and f"{outcome}_{baseline}" not in table.variables:
                    baseline = None
                y_name, blocks = wave_blocks(table.variables, outcome, [wave, wave], baseline,
                                             r["blocks"])[wave]  # fmt: skip
            else:
                y_name, blocks = outcome, r["blocks"]
            fitted = regress_summary_mcmc(
                table, y_name, blocks, rscale, settings, prior=r["prior"],
                prior_scale=r["prior_scale"], r2d2=r["r2d2"],
            )  # fmt: skip
            prior = fitted.result["prior"]
            stem = f"{outcome}_{wave}" if wave else outcome
            verdict = {k: _save_fit(f"{stem}_block{k}", fit, folder, diagnostics, trees)
                       for k, fit in fitted.fits.items()}  # fmt: skip
            verdicts += list(verdict.values())
            for row in fitted.result["blocks"]:
                row.pop("flags", None)
                blocks_out.append({"outcome": outcome, "wave": wave, **row,
                                   "diagnostics": verdict[row["block"]],
                                   "model": f"{stem}_block{row['block']}",
                                   "rscale": rscale})  # fmt: skip
            for row in fitted.result["coefficients"]:
                row.pop("flags", None)
                coefs_out.append({"outcome": outcome, "wave": wave, **row,
                                  "diagnostics": verdict[row["block"]]})  # fmt: skip
        timings[outcome] = time.perf_counter() - start
        worst = "fail" if "fail" in verdicts else "warn" if "warn" in verdicts else "pass"
        progress.step(f"{spec.name}: {outcome} ({worst})")
    write_csv(folder / "blocks.csv", blocks_out)
    write_csv(folder / "coefficients.csv", coefs_out)
    return {
        "regressions_model": "one model per outcome, wave and block, fitted to that wave's "
        "published table (likelihood on sufficient statistics; standardized scale, raw "
        "coefficients from the published SDs)",
        "regressions_mcmc": prior,
        "block_bf": f"JZS (Zellner-Siow Cauchy) prior on the block's standardized slopes, "
        f"r scale = {rscale:g}",
        "regressions_missing": "each table's complete cases, as published",
    }


def spec_columns(spec: Spec, header: list[str]) -> list[str]:
    """The columns a spec uses (only these are parsed, so other columns may hold text)."""
    columns: list[str] = []
    if spec.correlations:
        c = spec.correlations
        waves = c["waves"] or [None]
        columns += [f"{k}_{w}" if w else k for w in waves for k in c["constructs"]]
    if spec.regressions:
        r = spec.regressions
        terms = [t for b in r["blocks"] for t in b]
        if r["waves"]:
            columns += [f"{k}_{w}" for w in r["waves"] for k in [*r["outcomes"], *terms]]
            if r["baseline"]:
                columns += [f"{o}_{r['baseline']}" for o in r["outcomes"]
                            if f"{o}_{r['baseline']}" in header]  # fmt: skip
        else:
            columns += [*r["outcomes"], *terms]
    return list(dict.fromkeys(columns))


def data_source(spec: Spec, data_path: str | Path | None = None) -> tuple[str, Path]:
    """(key, path) of a spec's participant CSV: ``data_path`` (``--data``) wins over the
    spec's ``[data] csv``; the key is ``"demo"`` for the shipped demo study."""
    source = Path(data_path) if data_path is not None else spec.data
    if source is None:
        return "demo", Path(str(demo_path()))
    return str(source), source


def _steps(spec: Spec) -> int:
    n = 0
    if spec.correlations and spec.summary is not None:
        n += len(spec.correlations["waves"] or [None])
    elif spec.correlations:
        n += len(list(itertools.combinations(spec.correlations["constructs"], 2)))
    if spec.regressions:
        n += len(spec.regressions["outcomes"])
    return n


def run_specs(
    specs: list[Spec],
    out: str | Path,
    *,
    data_path: str | Path | None = None,
    seed: int | None = None,
    force: bool = False,
    quiet: bool = False,
    command: str = "bayes-peer run",
    report: bool = True,
) -> dict:
    """Run specs into ``out`` (one sub-folder per spec when there are several).

    Returns the run record (also written as ``run.json``) with ``exit_status``: 0, or
    :data:`EXIT_DIAGNOSTICS_FAILED` when any fit failed its diagnostics. With ``report`` the
    folder also gets ``report.html``, ``report.md`` and ``figures/`` (see
    :func:`bayes_peer.report.build_report`); the record then has ``report`` (its path).
    """
    datasets = {}
    tables: dict[str, dict] = {}
    for spec in specs:
        if spec.summary is not None and data_path is None:
            from bayes_peer.data.summary import read_summary

            tables[spec.name] = {w: read_summary(p) for w, p in spec.summary.items()}
            continue
        key, path = data_source(spec, data_path)
        needed = spec_columns(spec, read_header(path))
        if key in datasets:
            needed = list(dict.fromkeys([*datasets[key].columns, *needed]))
        datasets[key] = read_participants(path, needed)
    progress = Progress(sum(_steps(s) for s in specs), quiet)
    started = time.perf_counter()
    record: dict = {"command": command, "versions": library_versions(), "specs": []}

    in_memory: dict[str, dict] = {}  # the fits, handed to the report

    def _source(spec: Spec) -> tuple[dict, int, tuple]:
        """The run.json keys of a spec's data, its row count and the runners with their data."""
        if spec.name in tables:
            import hashlib

            spec_tables = tables[spec.name]
            listed = [{"wave": w, "path": Path(t.path).name, "sha256": t.sha256, "n": t.n,
                       "warnings": t.warnings} for w, t in spec_tables.items()]  # fmt: skip
            keys = {
                "data": "; ".join(t["path"] for t in listed),
                "data_sha256": hashlib.sha256("".join(t["sha256"] for t in listed).encode())
                .hexdigest(),
                "tables": listed,
                "synthetic": any(t.synthetic for t in spec_tables.values()),
            }  # fmt: skip
            n_rows = max(t.n for t in spec_tables.values())
            return keys, n_rows, (spec_tables, _run_correlations_summary, _run_regressions_summary)
        data = datasets[data_source(spec, data_path)[0]]
        keys = {"data": Path(data.path).name, "data_sha256": data.sha256,
                "synthetic": data.synthetic}  # fmt: skip
        return keys, data.n_rows, (data, _run_correlations, _run_regressions)

    def fill(folder: Path) -> None:
        for spec in specs:
            source_keys, n_rows, (data, run_correlations, run_regressions) = _source(spec)
            settings = _settings(spec, seed)
            target = folder / spec.name if len(specs) > 1 else folder
            target.mkdir(exist_ok=True)
            (target / "spec.toml").write_text(spec.text, encoding="utf-8")
            diagnostics: list[dict] = []
            timings: dict[str, float] = {}
            priors: dict[str, str] = {}
            trees = in_memory.setdefault(spec.name, {})
            args = (spec, data, settings, progress, target, diagnostics, timings, trees)
            if spec.correlations:
                priors.update(run_correlations(*args))
            if spec.regressions:
                priors.update(run_regressions(*args))
            write_csv(target / "diagnostics.csv", diagnostics)
            entry = {
                "spec": Path(spec.path).name, "name": spec.name, "title": spec.title,
                "spec_sha256": spec.sha256, **source_keys, "sampler": settings.describe(),
                "seed": settings.seed, "ci_prob": CI_PROB, "priors": priors, "n_rows": n_rows,
                "timings_seconds": timings,
                "verdicts": {d["model"]: d["verdict"] for d in diagnostics},
                "failed": [d["model"] for d in diagnostics if d["verdict"] == "fail"],
            }  # fmt: skip
            record["specs"].append(entry)
            write_json(target / "run.json", {**entry, "versions": record["versions"]})
        failed = [m for e in record["specs"] for m in e["failed"]]
        record["exit_status"] = EXIT_DIAGNOSTICS_FAILED if failed else 0
        record["structures"] = structure_budget()
        record["seconds"] = time.perf_counter() - started
        record["synthetic"] = any(e["synthetic"] for e in record["specs"])
        if len(specs) > 1:
            write_json(folder / "run.json", record)
        if report:
            from bayes_peer.report import build_report

            try:
                built = build_report(
                    folder, log=None if quiet else progress.note, preloaded=in_memory
                )
            except Exception as exc:  # the fits are kept; the report can be rebuilt alone
                record["report_error"] = f"{type(exc).__name__}: {exc}"
                record["exit_status"] = 1
                print(f"error: internal failure while writing the report ({exc}); the tables "
                      f"and posteriors are written: retry with `bayes-peer report {out}`",
                      file=sys.stderr)  # fmt: skip
            else:
                record["report"] = str(Path(out) / Path(built["html"]).name)
                record["report_seconds"] = built["seconds"]
            record["seconds"] = time.perf_counter() - started

    from bayes_peer.runs.folders import ResultsFolder

    with ResultsFolder(out, kind="run", force=force, command=command,
                       needed_bytes=NEEDED_BYTES_PER_SPEC * len(specs)) as folder:  # fmt: skip
        fill(folder)
    record["out"] = str(out)
    return record
