"""The public Python API: every capability as one function returning a :class:`Result`.

This is the top layer. Each function validates its arguments (messages name the parameters),
calls the analysis, and, when asked for an output folder (``out``), opens it *before* any work
(checked, locked, probed for space; :mod:`bayes_peer.runs.folders`) and writes the result and
its figures into it atomically. The command line is a thin client of these functions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from bayes_peer.api.arguments import check_arguments, checked, refuse_inapplicable
from bayes_peer.api.calibration import calibrate, calibration_models
from bayes_peer.data import source as _source
from bayes_peer.errors import InputError
from bayes_peer.results import Result

__all__ = [
    "adopt_folder",
    "calibrate",
    "calibration_models",
    "correlate",
    "demo",
    "demo_data",
    "design",
    "init_spec",
    "read_csv",
    "read_summary",
    "rebuild_report",
    "regress",
    "run",
    "sensitivity",
    "write_spec",
]

#: Free space asked for before a single command writes its folder.
NEEDED_BYTES = 20 * 2**20


@contextlib.contextmanager
def _output(out, kind: str, force: bool, command: str) -> Iterator[Path | None]:
    """The staging folder of ``out`` (None without one), committed when the block succeeds."""
    if out is None:
        yield None
        return
    from bayes_peer.runs.folders import ResultsFolder

    with ResultsFolder(
        out, kind=kind, force=force, command=command, needed_bytes=NEEDED_BYTES
    ) as staging:
        yield staging


def _save(result: Result, folder: Path | None, command: str, call: dict) -> None:
    """Write a single command's result into ``folder`` as a results folder: its own files
    (``result.json``, posteriors, sensitivity figures), the tables and ``run.json`` of a run's
    layout, and the report (``report.html``, ``report.md``, ``figures/``)."""
    if folder is None:
        return
    from bayes_peer.report import build_report
    from bayes_peer.report.exact_figures import sensitivity_figures
    from bayes_peer.runs.command_folder import model_names, write_command_tables
    from bayes_peer.runs.outputs import save_result

    save_result(result, folder)
    figures = [Path(p).name for p in sensitivity_figures(result, folder)]
    entry = write_command_tables(result, folder, command, call, figures)
    names = model_names(result)
    build_report(folder, preloaded={entry["name"]: {names[k]: t for k, t in result.fits.items()}})


@contextlib.contextmanager
def _progress(quiet: bool) -> Iterator[None]:
    """Progress lines on stderr (a notebook shows them, a terminal or not): a structure's
    compile with its expected duration and elapsed time, each fit's sampling; none when
    ``quiet``."""
    if not isinstance(quiet, bool):
        raise InputError(f"`quiet` must be True or False, got {quiet!r:.40}")
    from bayes_peer.mcmc.sampler import compile_progress

    def line(text: str) -> None:
        import sys

        print(f"bayes-peer: {text}", file=sys.stderr, flush=True)

    with compile_progress(None if quiet else line, sampling=True):
        yield


def _kind(result_has_fits: bool) -> str:
    return "result" if result_has_fits else "exact-sensitivity"


def _call(arguments: dict) -> dict:
    """The parameters a command was called with, for its folder's ``run.json`` (data as its
    name, not its values)."""
    out = {}
    for key, value in arguments.items():
        if isinstance(value, Path):
            value = str(value)
        elif not isinstance(value, str | int | float | bool | list | tuple | dict | None):
            value = type(value).__name__
        out[key] = value
    return out


def _command(
    command: str,
    analyse: Callable,
    arguments: dict,
    options: dict,
    mcmc: bool,
    out,
    force: bool,
    quiet: bool,
) -> Result:
    """One analysis as a command: its output folder opened before any work, progress lines,
    the analysis (positional ``arguments``, then ``options``), and the folder written."""
    call = _call({**arguments, **options})
    with _output(out, _kind(mcmc), force, command) as folder, _progress(quiet):
        result = analyse(*arguments.values(), **options)
        _save(result, folder, command, call)
    return result


@checked
def correlate(
    data=None,
    vars: list[str] | str | None = None,
    *,
    out: str | Path | None = None,
    force: bool = False,
    quiet: bool = False,
    **options,
) -> Result:
    from bayes_peer.analyses.correlate import EXACT_METHODS
    from bayes_peer.analyses.correlate import correlate as analyse

    check_arguments(analyse, options, "correlate")
    mcmc = options.get("method", "exact") not in EXACT_METHODS
    refuse_inapplicable("correlate", options, mcmc, "'joint' or 'pairwise'")
    arguments = {"data": data, "vars": vars}
    return _command("bayes-peer correlate", analyse, arguments, options, mcmc, out, force, quiet)


@checked
def regress(
    data=None,
    outcome: str | None = None,
    blocks: list[list[str]] | None = None,
    *,
    out: str | Path | None = None,
    force: bool = False,
    quiet: bool = False,
    **options,
) -> Result:
    from bayes_peer.analyses.regress import regress as analyse

    check_arguments(analyse, options, "regress")
    mcmc = options.get("method", "exact") not in ("exact", "bma")
    refuse_inapplicable("regress", options, mcmc, "'normal' or 'r2d2'")
    arguments = {"data": data, "outcome": outcome, "blocks": blocks}
    return _command("bayes-peer regress", analyse, arguments, options, mcmc, out, force, quiet)


def design(**options) -> Result:
    from bayes_peer.analyses.design import design as analyse

    check_arguments(analyse, options, "design")
    return analyse(**options)


#: What every API function with an output folder adds to its analysis' docstring.
OUT_DOC = """
    out : str or pathlib.Path, optional
        Also write the result there as a results folder, atomically: ``result.json``, the
        tables (as a run writes them), the posteriors (MCMC), the sensitivity figures, and
        ``report.html`` with its figures (``bayes-peer report`` rebuilds it). The folder is
        opened (checked, locked, probed for space) before any work.
    force : bool
        Replace an ``out`` folder that bayes-peer wrote for this kind of command and nobody
        changed since (never anything else; see ``docs/results.md``).
    quiet : bool
        No progress lines on stderr (by default an MCMC method says when a model structure
        compiles, how long that is expected to take, how long it has taken, and each fit).
"""


def _document() -> None:
    """The API functions carry their analysis' numpydoc (parameters, returns, references)."""
    import inspect

    from bayes_peer.analyses import correlate as correlate_module
    from bayes_peer.analyses import design as design_module
    from bayes_peer.analyses import regress as regress_module

    extra = [
        inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None),
        inspect.Parameter("force", inspect.Parameter.KEYWORD_ONLY, default=False),
        inspect.Parameter("quiet", inspect.Parameter.KEYWORD_ONLY, default=False),
    ]
    for function, analysis, with_out in (
        (correlate, correlate_module.correlate, True),
        (regress, regress_module.regress, True),
        (design, design_module.design, False),
    ):
        signature = inspect.signature(analysis)
        doc = analysis.__doc__ or ""
        if with_out:
            doc = doc.replace("\n    Returns\n", OUT_DOC + "\n    Returns\n", 1)
            signature = signature.replace(parameters=[*signature.parameters.values(), *extra])
        function.__doc__ = doc
        function.__signature__ = signature


def _report_writer() -> Callable:
    from bayes_peer.report import build_report

    return lambda folder, fits, log: build_report(folder, log=log, preloaded=fits)


@checked
def run(
    spec: str | Path | list | tuple,
    *,
    data: str | Path | None = None,
    out: str | Path | None = None,
    seed: int | None = None,
    force: bool = False,
    report: bool = True,
    quiet: bool = True,
    workers: int | None = None,
) -> Result:
    """Run an analysis spec (``models/*.toml``) into a results folder.

    Parameters
    ----------
    spec : str, pathlib.Path or list of them
        The spec file(s); several specs write one sub-folder each.
    data : str or pathlib.Path, optional
        A participant CSV instead of the spec's ``[data] csv``.
    out : str or pathlib.Path, optional
        The results folder (default: the spec's ``[output] folder``, else
        ``results/<spec name>``).
    seed : int, optional
        MCMC seed of every model (default: each spec's).
    force : bool
        Replace a results folder bayes-peer wrote for an earlier run (never anything else).
    report : bool
        Also write ``report.html``, ``report.md`` and ``figures/``.
    quiet : bool
        No progress lines on stderr.
    workers : int, optional
        Several specs are fitted in this many worker processes (default: one per core, at
        most 4 and at most one per spec); the numbers do not depend on it.

    Returns
    -------
    Result
        ``record``: the run record (``run.json``) with ``exit_status`` (3 when a fit failed its
        diagnostics); ``table``: the diagnostics of every model; ``fits``: every posterior.
    """
    from bayes_peer.params import check
    from bayes_peer.runs.run import run_specs
    from bayes_peer.runs.specs import load_spec

    specs = [load_spec(s) for s in (spec if isinstance(spec, list | tuple) else [spec])]
    if out is None:
        out = specs[0].output or Path("results") / specs[0].name
    seed = None if seed is None else check("seed", seed, "`seed`")
    workers = None if workers is None else check("workers", workers, "`workers`")
    record, fits, diagnostics = run_specs(
        specs,
        out,
        data_path=data,
        seed=seed,
        force=force,
        quiet=quiet,
        command="bayes-peer run",
        report=_report_writer() if report else None,
        workers=workers,
    )
    return _run_result(record, fits, diagnostics)


@checked
def demo(
    *,
    out: str | Path | None = None,
    exact: bool = False,
    seed: int | None = None,
    force: bool = False,
    report: bool = True,
    quiet: bool = True,
    workers: int | None = None,
) -> Result:
    """Reanalyse the shipped SYNTHETIC demo study: every spec in ``models/`` into
    ``results/demo`` (default), or with ``exact`` the exact + frequentist tables only (seconds,
    no MCMC) into ``results/demo-exact``. ``force`` replaces only a folder of the same kind
    that bayes-peer wrote; ``workers`` as in :func:`run` (the specs in worker processes)."""
    if exact:
        from bayes_peer.runs.demo import EXACT_DEMO_FOLDER, run_demo

        if seed is not None or workers is not None:
            raise InputError("`seed` and `workers` go with the MCMC demo (without `exact`)")
        from bayes_peer.report.demo_text import render_exact_demo

        folder = EXACT_DEMO_FOLDER if out is None else out
        return Result("demo", run_demo(folder, force=force, summary=render_exact_demo))
    from bayes_peer.params import check
    from bayes_peer.runs.run import run_specs
    from bayes_peer.runs.specs import load_spec, shipped_specs

    specs = [load_spec(p) for p in shipped_specs()]
    seed = None if seed is None else check("seed", seed, "`seed`")
    workers = None if workers is None else check("workers", workers, "`workers`")
    record, fits, diagnostics = run_specs(
        specs,
        "results/demo" if out is None else out,
        seed=seed,
        force=force,
        quiet=quiet,
        command="bayes-peer demo",
        report=_report_writer() if report else None,
        workers=workers,
    )
    return _run_result(record, fits, diagnostics)


def _run_result(record: dict, fits: dict, diagnostics: list[dict]) -> Result:
    flat = {f"{spec}/{name}": tree for spec, trees in fits.items() for name, tree in trees.items()}
    return Result("run", record, fits=flat, tables_extra={"diagnostics": diagnostics})


@checked
def sensitivity(
    spec_or_result: str | Path | list | tuple | Result,
    *,
    data: str | Path | None = None,
    out: str | Path | None = None,
    seed: int | None = None,
    force: bool = False,
    report: bool = True,
    workers: int = 1,
    imputations: int | None = None,
    quiet: bool = True,
) -> Result:
    """Small-sample sensitivity.

    Given a spec (or several): every MCMC sensitivity analysis of it (prior grids by refits,
    power-scaling, normal vs Student-t, influential participants, listwise vs full information,
    MNAR tipping points), written to ``results/<spec>/sensitivity`` (or ``out``). Given a
    :class:`Result` of :func:`correlate` or :func:`regress`: how its Bayes factors move over
    prior widths (kappa, or the JZS scale), in the exact layer.

    Returns
    -------
    Result
        ``table``: every variant's estimate (specs), or the robustness curves (a Result).
    """
    if isinstance(spec_or_result, Result):
        from bayes_peer.analyses.sensitivity_exact import result_robustness

        if out is not None or data is not None:
            raise InputError("`out` and `data` go with a spec, not with a Result")
        return result_robustness(spec_or_result)
    from bayes_peer.params import check
    from bayes_peer.report import rebuild_report
    from bayes_peer.report.sensitivity import write_sensitivity_report
    from bayes_peer.runs.sensitivity import default_outs, run_sensitivity
    from bayes_peer.runs.specs import Spec, load_spec

    items = spec_or_result if isinstance(spec_or_result, list | tuple) else [spec_or_result]
    specs = [s if isinstance(s, Spec) else load_spec(s) for s in items]
    seed = None if seed is None else check("seed", seed, "`seed`")
    workers = check("workers", workers, "`workers`")
    imputations = (
        None if imputations is None else check("imputations", imputations, "`imputations`")
    )
    record = run_sensitivity(
        specs,
        default_outs(specs, out),
        data_path=data,
        seed=seed,
        force=force,
        quiet=quiet,
        workers=workers,
        imputations=imputations,
        command="bayes-peer sensitivity",
        report=write_sensitivity_report if report else None,
        refresh=rebuild_report if report else None,
    )
    return Result("sensitivity", record)


@checked
def init_spec(data, *, spec_folder: str | Path | None = None) -> str:
    """A commented starter spec (TOML text) for a participant CSV of one's own.

    Parameters
    ----------
    data : str or pathlib.Path
        The participant CSV (``"demo"``: the shipped SYNTHETIC demo study).
    spec_folder : str or pathlib.Path, optional
        The folder the spec will be saved in (its ``[data] csv`` is relative to it; default:
        the working folder).

    Returns
    -------
    str
        A spec that :func:`run` runs as written: the numeric and categorical columns found
        (and those left out, with the reason), correlations of the numeric variables (or
        constructs and two waves), one blocked regression with the categorical columns as
        ``factors``; every choice explained in comments (:mod:`bayes_peer.runs.starter`).

    Raises
    ------
    InputError
        For a file that cannot be read, or one with fewer than two usable numeric columns.
    """
    from bayes_peer.runs.starter import init_spec as starter

    return starter(data, spec_folder=spec_folder)


@checked
def write_spec(data, out: str | Path) -> str:
    """Write :func:`init_spec`'s spec for ``data`` to the new file ``out`` (never over an
    existing one); returns its path. InputError when ``out`` exists or cannot be written."""
    from bayes_peer.runs.starter import write_new_file

    if not isinstance(out, str | Path) or not str(out).strip():
        raise InputError(f"`out` must be a file name, got {out!r:.60}")
    target = Path(out)
    text = init_spec(data, spec_folder=target.parent)
    write_new_file(target, text)
    return str(target)


@checked
def rebuild_report(folder: str | Path) -> dict:
    """(Re)write ``report.html``, ``report.md`` and ``figures/`` of a results folder written by
    :func:`run` or :func:`demo` (no refitting; the folder must be unchanged since bayes-peer
    wrote it). Returns ``{"html", "markdown", "figures", "seconds"}``."""
    import os

    from bayes_peer.report import rebuild_report as rebuild

    return rebuild(os.path.expanduser(folder))  # '~' as for `out`


@checked
def adopt_folder(folder: str | Path) -> dict:
    """Sign a results folder's marker with this user's marker key, so that ``force`` may
    replace it (``bayes-peer adopt FOLDER``).

    For a folder bayes-peer wrote before markers were signed, or under another account or
    cache folder: its marker must list exactly the files in it, unchanged.

    Parameters
    ----------
    folder : str or pathlib.Path
        The results folder.

    Returns
    -------
    dict
        ``{"folder", "kind", "files"}``.

    Raises
    ------
    InputError
        When ``folder`` has no bayes-peer marker or a file differs from its listing.
    """
    import os

    from bayes_peer.runs.ownership import adopt

    return adopt(os.path.expanduser(folder))  # '~' as for `out`


#: The readers, with their arguments checked like every API function's.
read_csv = checked(_source.read_csv)
read_summary = checked(_source.read_summary)
demo_data = checked(_source.demo_data)

_document()
