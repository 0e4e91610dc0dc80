"""Every Result draws itself: ``Result.plot(kind)`` and ``bayes-peer plot`` (one home for the
figures of the report, the API and the command line).

A plot is an arviz-plots ``PlotCollection`` where arviz-plots has the plot (posteriors:
``plot_dist``; intervals: ``plot_forest``; trace and rank: ``plot_trace`` + ``plot_rank``;
predictive checks: ``plot_ppc_dist``), with what arviz-plots does not know drawn on it through
``PlotCollection.map`` (the exact posterior, the prior of the curve, the frequentist estimate
and interval); else a matplotlib ``Figure`` (the paper-style correlation matrix, the wave
contrasts, model averaging, Bayes factors over prior widths or participants, design analysis,
calibration). :data:`KINDS` lists them; :func:`plot_kinds` says which apply to a Result.
"""

from __future__ import annotations

from pathlib import Path

from bayes_peer.errors import InputError

#: Every kind of plot and what it shows.
KINDS = {
    "posterior": "each correlation's or coefficient's posterior, its prior dashed, the exact "
    "posterior where one exists, the frequentist estimate and CI",
    "forest": "every pair or coefficient: Bayesian credible intervals beside the frequentist CI",
    "matrix": "the correlation matrix as papers print it (two waves in one)",
    "contrast": "the change of each correlation or coefficient between two waves",
    "robustness": "the Bayes factor over prior widths",
    "sequential": "the Bayes factor as participants accumulate",
    "influence": "the Bayes factor with each participant left out",
    "bma": "model averaging: posterior inclusion probabilities",
    "delta_r2": "the posterior of each block's ΔR²",
    "diagnostics": "trace and rank plots of one fit",
    "ppc": "the posterior predictive check of every variable",
    "sensitivity": "how the headline estimates move under each sensitivity variant",
    "calibration": "SBC: ECDF differences with simultaneous bands (or the coverage study)",
    "design": "what n can show: probabilities of each Bayes-factor conclusion over n",
    "literature": "each correlation under the default and the informed prior beside the "
    "literature's interval (with --prior-rho or an [informed] spec table)",
}

#: The default kind of each kind of Result (the first that applies).
DEFAULTS = {
    "correlation": ("posterior", "robustness", "sequential", "influence"),
    "regression": ("forest", "bma", "robustness", "influence"),
    "run": ("matrix", "forest", "bma", "diagnostics"),
    "demo": ("matrix", "forest"),
    "sensitivity": ("sensitivity", "robustness", "influence"),
    "calibration": ("calibration",),
    "design": ("design",),
}

RECORD_KINDS = ("robustness", "sequential", "influence")


def _view_kinds(view) -> list[str]:
    kinds = []
    mcmc = bool(view.diagnostics)
    if view.correlations:
        kinds += ["posterior", "forest", "matrix"]
        if any(r.get("bf10_informed") is not None for r in view.correlations):
            kinds.append("literature")
    if view.coefficients:
        kinds += ["forest"]
        if mcmc and any(c.get("posterior_median") is not None for c in view.coefficients):
            kinds += ["posterior"]
    if view.correlation_contrasts or view.coefficient_contrasts:
        kinds.append("contrast")
    if view.bma_inclusion:
        kinds.append("bma")
    if mcmc and view.blocks:
        kinds.append("delta_r2")
    if mcmc:
        kinds += ["diagnostics", "ppc"]
    return list(dict.fromkeys(kinds))


def _record_kinds(record: dict) -> list[str]:
    from bayes_peer.report.plots.studies import _entries

    return [k for k in RECORD_KINDS if _entries(record, k)]


def _views(result) -> list:
    """The plotting views of a Result: one for a single command, one per spec for a run."""
    from bayes_peer.report.plots.view import folder_views, view_of

    if result.kind in ("correlation", "regression"):
        return [view_of(result)]
    if result.kind == "demo" and result.record.get("out"):
        from bayes_peer.report.plots.view import exact_demo_view

        return [exact_demo_view(result.record["out"])]
    if result.kind == "run" and result.record.get("out"):
        trees: dict[str, dict] = {}
        for key, tree in result.fits.items():
            spec, _, model = key.partition("/")
            trees.setdefault(spec, {})[model] = tree
        return folder_views(result.record["out"], trees)
    return []


def plot_kinds(result) -> list[str]:
    """The kinds of plot that apply to ``result`` (the first is its default)."""
    kinds: list[str] = []
    if result.kind in ("correlation", "regression", "run", "demo"):
        for view in _views(result):
            kinds += _view_kinds(view)
    if result.kind in ("correlation", "regression", "sensitivity"):
        kinds += _record_kinds(result.record)
    if result.kind == "sensitivity" and result.record.get("specs"):
        kinds.append("sensitivity")
    if result.kind == "design" and result.record.get("n") is not None:
        kinds.append("design")
    if result.kind == "calibration":
        kinds.append("calibration")
    kinds = list(dict.fromkeys(kinds))
    first = [k for k in DEFAULTS.get(result.kind, ()) if k in kinds][:1]
    return first + [k for k in kinds if k not in first]


def plot(result, kind: str | None = None, **options):
    """Draw ``kind`` (default: :func:`plot_kinds`' first) of ``result``.

    Parameters
    ----------
    result : Result
    kind : str, optional
        One of :func:`plot_kinds` (``result``); see :data:`KINDS`.
    **options
        ``wave`` (posterior, forest: one wave only), ``outcome`` (coefficients of one
        outcome), ``model`` (diagnostics: which fit; calibration: which model), ``spec`` (a
        run: which analysis), ``columns`` (facets per row).

    Returns
    -------
    arviz_plots.PlotCollection or matplotlib.figure.Figure

    Raises
    ------
    InputError
        For a kind that does not apply (the message lists those that do) or an option the
        kind does not take.
    """
    from bayes_peer.report.style import pyplot

    pyplot()  # the backend: files (Agg), or a notebook's inline figures
    kinds = plot_kinds(result)
    if kind is None:
        if not kinds:
            raise InputError(f"no plot applies to this {result.kind} result")
        kind = kinds[0]
    if kind not in kinds:
        known = "" if kind in KINDS else f" (kinds: {', '.join(KINDS)})"
        applies = ", ".join(kinds) or "none"
        raise InputError(
            f"`kind` {kind!r} does not apply to this {result.kind} result{known}; "
            f"these do: {applies}"
        )
    synthetic = bool(result.record.get("synthetic"))
    if kind in RECORD_KINDS:
        from bayes_peer.report.plots import studies

        _no_options(kind, options)
        return getattr(studies, kind)(result.record, synthetic)
    if kind == "design":
        from bayes_peer.report.plots.studies import design

        _no_options(kind, options)
        return design(result.record)
    if kind == "calibration":
        return _calibration(result, options)
    if kind == "sensitivity":
        return _sensitivity(result, options)
    return draw_view(_pick(_views(result), kind, options.pop("spec", None)), kind, **options)


def _no_options(kind: str, options: dict) -> None:
    if options:
        raise InputError(f"plot kind {kind!r} takes no options, got {', '.join(options)}")


def _pick(views: list, kind: str, spec: str | None):
    from bayes_peer.report.plots.view import choose

    return choose(views, spec, lambda view: kind in _view_kinds(view))


def draw_view(view, kind: str, **options):
    """Draw ``kind`` from one analysis' view (a Result's or a results folder's tables)."""
    from bayes_peer.report.figures.correlations import (
        draw_matrix,
        draw_wave_differences,
        matrix_waves,
    )
    from bayes_peer.report.plots import checks, correlations, regressions

    allowed = {
        "posterior": {"wave", "outcome", "columns"},
        "forest": {"wave", "outcome"},
        "diagnostics": {"model"},
        "ppc": {"columns"},
    }.get(kind, set())
    extra = set(options) - allowed
    if extra:
        raise InputError(
            f"plot kind {kind!r} does not take {', '.join(sorted(extra))} "
            f"(it takes: {', '.join(sorted(allowed)) or 'no options'})"
        )
    if kind not in _view_kinds(view):
        applies = ", ".join(_view_kinds(view)) or "none"
        raise InputError(f"`kind` {kind!r} does not apply to {view.name}; these do: {applies}")
    if kind in ("posterior", "forest"):
        module = correlations if view.correlations else regressions
        keep = {"wave", "columns"} if view.correlations else {"outcome", "columns"}
        if kind == "forest":
            keep -= {"columns"}
        bad = set(options) - keep
        if bad:
            raise InputError(
                f"plot kind {kind!r} of {'correlations' if view.correlations else 'coefficients'} "
                f"does not take {', '.join(sorted(bad))}"
            )
        return getattr(module, kind)(view, **options)
    if kind == "matrix":
        return draw_matrix(view, matrix_waves(view)[0])
    if kind == "contrast":
        return draw_wave_differences(view)
    if kind == "literature":
        from bayes_peer.report.plots.informed import draw_literature

        return draw_literature(view)
    if kind == "bma":
        return regressions.averaging(view)
    if kind == "delta_r2":
        return regressions.delta_r2(view)
    if kind == "diagnostics":
        return checks.diagnostics(view, **options)
    return checks.ppc(view, **options)


def _calibration(result, options: dict):
    from bayes_peer.report.plots.studies import calibration

    extra = set(options) - {"model"}
    if extra:
        raise InputError(f"plot kind 'calibration' takes `model` only, got {', '.join(extra)}")
    ranks = result.tables_extra.get("ranks")
    if ranks is None and result.record.get("out"):
        from bayes_peer.report.results import read_table

        ranks = read_table(Path(result.record["out"]) / "ranks.csv")
    return calibration(result.record, ranks, options.get("model"))


def _sensitivity(result, options: dict):
    from bayes_peer.report.plots.sensitivity import sensitivity_forest
    from bayes_peer.report.sensitivity import load_sensitivity

    outs = result.record.get("outs") or [s.get("out") for s in result.record.get("specs", [])]
    spec = options.pop("spec", None)
    _no_options("sensitivity", options)
    for entry, out in zip(result.record.get("specs", []), outs, strict=False):
        if out and (spec is None or entry.get("name") == spec):
            record, tables = load_sensitivity(Path(out))
            figure = sensitivity_forest(record, tables, None)
            if figure is not None:
                return figure
    raise InputError("no sensitivity variants to plot (run `bayes-peer sensitivity` to a folder)")


def _check_files(folder: Path) -> None:
    """A folder bayes-peer signed is drawn only while every file its marker lists is there
    and unchanged (a folder without a valid marker, copied from a colleague say, is read as
    it is)."""
    from bayes_peer.runs.ownership import changed_entry, missing_entry, read_marker

    if not folder.is_dir() or read_marker(folder) is None:
        return
    missing = missing_entry(folder)
    if missing is not None:
        raise InputError(f"{folder}: not drawn: '{missing}' is missing (listed in its marker)")
    why = changed_entry(folder)
    if why is not None:
        raise InputError(f"{folder}: not drawn: {why}")


def plot_folder(folder: str | Path, kind: str | None = None, **options):
    """Draw ``kind`` from a results folder (a run, the demo, or one command's ``--out``);
    ``spec`` picks the analysis of a folder with several."""
    from bayes_peer.report.plots.view import folder_views

    _check_files(Path(folder))
    views = folder_views(folder)  # the folder is checked before matplotlib loads
    from bayes_peer.report.style import pyplot

    pyplot()
    spec = options.pop("spec", None)
    if kind is None:
        kinds = [k for v in views for k in _view_kinds(v)]
        if not kinds:
            raise InputError(f"{folder}: no plot applies to this folder")
        kind = next((k for k in DEFAULTS["run"] if k in kinds), kinds[0])
    if kind not in KINDS:
        raise InputError(f"`kind` must be one of {', '.join(KINDS)}, got {kind!r}")
    view = _pick(views, kind, spec)
    return draw_view(view, kind, **options)


__all__ = ["KINDS", "draw_view", "plot", "plot_folder", "plot_kinds"]
