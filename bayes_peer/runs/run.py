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

import hashlib
import itertools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bayes_peer.data.participants import read_header, read_participants
from bayes_peer.data.resources import demo_csv_path
from bayes_peer.mcmc.sampler import SamplerSettings
from bayes_peer.runs.outputs import (
    library_versions,
    posterior_file,
    write_csv,
    write_json,
    write_netcdf,
)
from bayes_peer.runs.spec_fits import SpecFit, fit_spec
from bayes_peer.runs.specs import Spec

#: Exit status of run/demo when any fit failed its diagnostics (after writing everything).
EXIT_DIAGNOSTICS_FAILED = 3
#: Interval probability of every table a run writes.
CI_PROB = 0.95
#: Free space asked for before a spec's run starts (its folder is 20-70 MB today).
NEEDED_BYTES_PER_SPEC = 100 * 2**20


class Progress:
    """'[k/n] what (elapsed)' lines on stderr; silent when quiet. ``start`` (``time.time()``)
    lets a worker process count from the start of the run that spawned it."""

    def __init__(self, total: int, quiet: bool, start: float | None = None):
        self.total, self.quiet, self.done = total, quiet, 0
        self.start = time.time() if start is None else start

    def note(self, what: str) -> None:
        """A progress line without a step count."""
        if not self.quiet:
            elapsed = time.time() - self.start
            print(f"  {what} ({elapsed:.0f} s elapsed)", file=sys.stderr, flush=True)

    def step(self, what: str) -> None:
        self.done += 1
        if not self.quiet:
            elapsed = time.time() - self.start
            print(
                f"[{self.done}/{self.total}] {what} ({elapsed:.0f} s elapsed)",
                file=sys.stderr,
                flush=True,
            )


def _settings(spec: Spec, seed: int | None) -> SamplerSettings:
    values = dict(spec.sampler)
    if seed is not None:
        values["seed"] = seed
    return SamplerSettings(**values)


def spec_columns(spec: Spec, header: list[str]) -> list[str]:
    """The columns a spec uses (only these are parsed, so other columns may hold text); a
    regression term without wave columns is its own column at every wave."""
    from bayes_peer.analyses.regress_waves import wave_column

    columns: list[str] = []
    if spec.correlations:
        c = spec.correlations
        waves = c["waves"] or [None]
        columns += [f"{k}_{w}" if w else k for w in waves for k in c["constructs"]]
    if spec.regressions:
        r = spec.regressions
        terms = [t for b in r["blocks"] for t in b]
        if r["waves"]:
            columns += [f"{o}_{w}" for w in r["waves"] for o in r["outcomes"]]
            columns += [wave_column(header, t, w) for w in r["waves"] for t in terms]
            if r["baseline"]:
                columns += [
                    f"{o}_{r['baseline']}"
                    for o in r["outcomes"]
                    if f"{o}_{r['baseline']}" in header
                ]
        else:
            columns += [*r["outcomes"], *terms]
    return list(dict.fromkeys(columns))


def spec_coding(spec: Spec) -> tuple[list[str], dict[str, str]]:
    """The factors a spec declares and their reference levels (``[regressions]``)."""
    r = spec.regressions or {}
    return list(r.get("factors") or []), dict(r.get("reference") or {})


def data_source(spec: Spec, data_path: str | Path | None = None) -> tuple[str, Path]:
    """(key, path) of a spec's participant CSV: ``data_path`` (``--data``: a path or a shipped
    name such as ``demo``) wins over the spec's ``[data] csv``; the key is ``"demo"`` for the
    shipped demo study."""
    from bayes_peer.data.resources import data_path as shipped

    source = spec.data if data_path is None else Path(shipped(data_path))
    if source is None or source == demo_csv_path():
        return "demo", demo_csv_path()
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


def load_sources(specs: list[Spec], data_path: str | Path | None = None) -> dict[str, object]:
    """Every spec's data, read and validated before any model is compiled: participant data
    (one read per file, all the columns the specs use) or {wave: table}."""
    from bayes_peer.data.summary import read_summary

    datasets, sources = {}, {}
    keys: dict[str, tuple] = {}
    for spec in specs:
        if spec.summary is not None and data_path is None:
            sources[spec.name] = {w: read_summary(p) for w, p in spec.summary.items()}
            continue
        key, path = data_source(spec, data_path)
        factors, reference = spec_coding(spec)
        keys[spec.name] = (key, tuple(factors), tuple(sorted(reference.items())))
        needed = spec_columns(spec, read_header(path))
        if keys[spec.name] in datasets:
            needed = list(dict.fromkeys([*datasets[keys[spec.name]].header_used, *needed]))
        datasets[keys[spec.name]] = _Dataset(path, needed, factors, reference, spec.path)
    for spec in specs:
        if spec.name not in sources:
            sources[spec.name] = datasets[keys[spec.name]].read()
    return sources


class _Dataset:
    """One participant file as the specs that share it read it (their columns together)."""

    def __init__(
        self, path: Path, columns: list[str], factors: list[str], reference: dict, spec: Path
    ):
        self.path, self.header_used = path, columns
        self.factors, self.reference, self.spec = factors, reference, spec
        self._data = None

    def read(self):
        if self._data is None:
            data = read_participants(self.path, self.header_used, self.factors or None)
            label = f"{self.spec}: key 'regressions.reference'"
            self._data = data.with_references(self.reference, label)
        return self._data


def _source_keys(source) -> tuple[dict, int]:
    """The run.json keys of a spec's data (file names and hashes) and its row count."""
    if isinstance(source, dict):
        listed = [
            {
                "wave": w,
                "path": Path(t.path).name,
                "sha256": t.sha256,
                "n": t.n,
                "warnings": t.warnings,
            }
            for w, t in source.items()
        ]
        digest = hashlib.sha256("".join(t["sha256"] for t in listed).encode()).hexdigest()
        synthetic = any(t.synthetic for t in source.values())
        keys = {
            "data": "; ".join(t["path"] for t in listed),
            "data_sha256": digest,
            "tables": listed,
            "synthetic": synthetic,
        }
        return keys, max(t.n for t in source.values())
    keys = {
        "data": Path(source.path).name,
        "data_sha256": source.sha256,
        "synthetic": source.synthetic,
    }
    return keys, source.n_rows


def default_workers() -> int:
    """Worker processes of a run of several specs: one per core, at most 4 (each compiles and
    holds its own structures). On 2 cores the warm demo took 73 s in one process and 49.5 s in
    two (BENCHMARKS.md)."""
    return max(1, min(os.cpu_count() or 1, 4))


def _budget_since(before: dict[str, dict]) -> dict[str, dict]:
    """The structure budget of this process since ``before`` (one job's compiles and fits)."""
    from bayes_peer.mcmc.sampler import structure_budget

    spent = {}
    for name, now in structure_budget().items():
        then = before.get(name)
        fits = now["fits"] - (then["fits"] if then else 0)
        if then is None or fits:
            compiled = now["compile_seconds"] if then is None else 0.0
            spent[name] = {**now, "fits": fits, "compile_seconds": compiled}
    return spent


def _merge_budgets(budgets: list[dict[str, dict]]) -> dict[str, dict]:
    """Structure budgets of several jobs (processes): fits and compile seconds added up."""
    merged: dict[str, dict] = {}
    for budget in budgets:
        for name, spent in budget.items():
            if name not in merged:
                merged[name] = dict(spent)
                continue
            merged[name]["fits"] += spent["fits"]
            merged[name]["compile_seconds"] = (merged[name]["compile_seconds"] or 0.0) + (
                spent["compile_seconds"] or 0.0
            )
    return merged


def fit_and_write(
    spec: Spec, source, settings: SamplerSettings, target: Path, progress: Progress
) -> dict:
    """Fit one spec, write its sub-folder ``target``; return what the run record and the
    report need (picklable: the posteriors, not the compiled structures)."""
    from bayes_peer.mcmc.sampler import structure_budget

    before = structure_budget()
    fitted = fit_spec(spec, source, settings, progress)
    target.mkdir(exist_ok=True)
    write_spec_folder(target, spec, fitted, rows=not isinstance(source, dict))
    return {
        "idata": {name: fit.idata for name, fit in fitted.fits.items()},
        "diagnostics": fitted.tables["diagnostics"],
        "priors": fitted.priors,
        "timings": fitted.timings,
        "failed": fitted.failed,
        "structures": _budget_since(before),
    }


def _worker_job(
    spec: Spec, source, settings: SamplerSettings, target: Path, quiet: bool, start: float
) -> dict:
    return fit_and_write(spec, source, settings, target, Progress(_steps(spec), quiet, start))


def _worker_start() -> None:
    """Worker processes ignore SIGINT (the parent stops them on Ctrl-C) and use the
    collector thresholds of the command line (:data:`bayes_peer.runtime.GC_THRESHOLDS`)."""
    import gc
    import signal

    from bayes_peer.runtime import GC_THRESHOLDS

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.set_threshold(*GC_THRESHOLDS)


def in_worker_processes(job: Callable, arguments: list[tuple], workers: int) -> list:
    """``job(*args)`` for each tuple of ``arguments`` in ``workers`` spawned processes (each
    compiles its own structures: compiled models cannot be pickled); the results in the order
    of ``arguments``. On Ctrl-C or a failed job the other workers are stopped at once and the
    exception is raised again."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_start)
    try:
        futures = [pool.submit(job, *args) for args in arguments]
        done = [future.result() for future in futures]
    except BaseException:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return done


def write_spec_folder(target: Path, spec: Spec, fitted: SpecFit, rows: bool) -> None:
    """The CSV tables, one NetCDF posterior per model and the spec's copy, into ``target``."""
    (target / "spec.toml").write_text(spec.text, encoding="utf-8")
    for name, fit in fitted.fits.items():
        write_netcdf(fit.idata, target / posterior_file(name))
    for table, rows_ in fitted.tables.items():
        if table == "dropped_rows":
            if not rows:
                continue  # a published table has no rows to leave out
            if not rows_:
                (target / "dropped_rows.csv").write_text(
                    "analysis,wave,row,line,id,missing\n", encoding="utf-8"
                )
                continue
        if rows_ or table in ("correlations", "blocks", "coefficients", "diagnostics"):
            write_csv(target / f"{table}.csv", rows_)


def run_specs(
    specs: list[Spec],
    out: str | Path,
    *,
    data_path: str | Path | None = None,
    seed: int | None = None,
    force: bool = False,
    quiet: bool = False,
    command: str = "bayes-peer run",
    report: Callable | None = None,
    workers: int | None = 1,
) -> tuple[dict, dict, list[dict]]:
    """Run specs into ``out`` (one sub-folder per spec when there are several).

    With ``workers`` > 1 (``None``: :func:`default_workers`) and several specs, the specs are
    fitted in that many spawned worker processes, each compiling its own structures and
    writing its spec's sub-folder; the numbers do not depend on it (every fit has its own
    seed and the compiled code is the same).

    The data are read and the folder is opened (checked, locked, probed) before any model is
    compiled. Returns the run record (also written as ``run.json``) with ``exit_status``: 0,
    or :data:`EXIT_DIAGNOSTICS_FAILED` when any fit failed its diagnostics; the fits by spec
    name; and every model's diagnostics. ``report(folder, fits, log)``, when given, writes the
    report into the folder before it is moved into place and returns ``{"html", "seconds"}``;
    a failing report keeps the tables and posteriors and sets ``report_error`` (exit status 1).
    """
    from bayes_peer.runs.folders import ResultsFolder

    sources = load_sources(specs, data_path)
    progress = Progress(sum(_steps(s) for s in specs), quiet)
    started = time.perf_counter()
    record: dict = {"command": command, "versions": library_versions(), "specs": []}
    in_memory: dict[str, dict] = {}  # the fits, handed to the report
    diagnostics_rows: list[dict] = []
    workers = max(1, min(workers if workers is not None else default_workers(), len(specs)))
    record["workers"] = workers
    with ResultsFolder(
        out,
        kind="run",
        force=force,
        command=command,
        needed_bytes=NEEDED_BYTES_PER_SPEC * len(specs),
    ) as folder:
        jobs = [
            (
                spec,
                sources[spec.name],
                _settings(spec, seed),
                folder / spec.name if len(specs) > 1 else folder,
            )
            for spec in specs
        ]
        if workers > 1:
            done = in_worker_processes(
                _worker_job, [(*job, quiet, progress.start) for job in jobs], workers
            )
        else:
            done = [fit_and_write(*job, progress) for job in jobs]
        for (spec, source, settings, target), fitted in zip(jobs, done, strict=True):
            source_keys, n_rows = _source_keys(source)
            in_memory[spec.name] = fitted["idata"]
            diagnostics = fitted["diagnostics"]
            diagnostics_rows += [{"spec": spec.name, **d} for d in diagnostics]
            entry = {
                "spec": Path(spec.path).name,
                "name": spec.name,
                "title": spec.title,
                "spec_sha256": spec.sha256,
                **source_keys,
                "sampler": settings.describe(),
                "seed": settings.seed,
                "ci_prob": CI_PROB,
                "priors": fitted["priors"],
                "n_rows": n_rows,
                "timings_seconds": fitted["timings"],
                "verdicts": {d["model"]: d["verdict"] for d in diagnostics},
                "failed": fitted["failed"],
            }
            record["specs"].append(entry)
            write_json(target / "run.json", {**entry, "versions": record["versions"]})
        failed = [m for e in record["specs"] for m in e["failed"]]
        record["exit_status"] = EXIT_DIAGNOSTICS_FAILED if failed else 0
        record["structures"] = _merge_budgets([fitted["structures"] for fitted in done])
        record["seconds"] = time.perf_counter() - started
        record["synthetic"] = any(e["synthetic"] for e in record["specs"])
        if len(specs) > 1:
            write_json(folder / "run.json", record)
        if report is not None:
            try:
                built = report(folder, in_memory, None if quiet else progress.note)
            except Exception as exc:  # the fits are kept; the report can be rebuilt alone
                record["report_error"] = f"{type(exc).__name__}: {exc}"
                record["exit_status"] = 1
                print(
                    f"error: internal failure while writing the report ({exc}); the tables "
                    f"and posteriors are written: retry with `bayes-peer report {out}`",
                    file=sys.stderr,
                )
            else:
                record["report"] = str(Path(out) / Path(built["html"]).name)
                record["report_seconds"] = built["seconds"]
            record["seconds"] = time.perf_counter() - started
    record["out"] = str(out)
    return record, in_memory, diagnostics_rows
