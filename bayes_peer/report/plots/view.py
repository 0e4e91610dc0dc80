"""What a plot draws from: the tables and posteriors of one analysis, whether the analysis is a
:class:`~bayes_peer.results.Result` still in memory or a results folder on disk.

Both become a :class:`~bayes_peer.report.results.SpecResults` (the report's view of one spec's
folder): a single command's Result through the run-layout tables of
:mod:`bayes_peer.runs.command_folder` with its posteriors in memory, a run's Result or a folder
through :func:`~bayes_peer.report.results.load_results`. So the report and ``Result.plot`` draw
with the same functions from the same rows.
"""

from __future__ import annotations

from pathlib import Path

from bayes_peer.errors import InputError
from bayes_peer.report.results import SpecResults, load_results


def view_of(result) -> SpecResults:
    """The plotting view of a correlate or regress Result (its posteriors in memory)."""
    from bayes_peer.runs.command_folder import command_entry, command_tables, model_names

    tables = command_tables(result)
    names = model_names(result)
    entry = command_entry(result, f"bayes-peer {result.kind}", {}, [])
    return SpecResults(
        folder=Path("."),
        entry=entry,
        correlations=tables.get("correlations"),
        correlation_contrasts=tables.get("contrasts"),
        kendall=tables.get("kendall"),
        bma_inclusion=tables.get("bma_inclusion"),
        bma_models=tables.get("bma_models"),
        blocks=tables.get("blocks"),
        coefficients=tables.get("coefficients"),
        coefficient_contrasts=tables.get("coefficient_contrasts"),
        diagnostics=tables.get("diagnostics") or [],
        dropped=tables.get("dropped_rows"),
        preloaded={names[key]: tree for key, tree in result.fits.items()},
    )


def exact_demo_view(folder: str | Path) -> SpecResults:
    """The view of ``demo --exact``'s folder (its own table names; no model was fitted)."""
    import json

    from bayes_peer.report.results import read_table

    folder = Path(folder)
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    priors = run.get("priors", {})
    correlations = read_table(folder / "correlations.csv") or []
    for row in correlations:
        row["prior"] = priors.get("correlation", "")
    entry = {
        "name": "demo-exact",
        "title": "The exact demo",
        "synthetic": True,
        "ci_prob": 0.95,
        "mcmc": False,
        "priors": {
            "correlations_exact": priors.get("correlation", ""),
            "block_bf": priors.get("regression", ""),
        },
    }
    return SpecResults(
        folder=folder,
        entry=entry,
        correlations=correlations,
        coefficients=read_table(folder / "regression_coefficients.csv"),
        blocks=read_table(folder / "regression_blocks.csv"),
    )


def folder_views(folder: str | Path, preloaded: dict | None = None) -> list[SpecResults]:
    """Every spec's view of a results folder (a run, the demo, or one command's ``--out``)."""
    _, specs = load_results(folder)
    for spec in specs:
        spec.preloaded = (preloaded or {}).get(spec.name, {})
    return specs


def choose(views: list[SpecResults], spec: str | None, wants) -> SpecResults:
    """The view named ``spec``, or the first for which ``wants(view)`` holds."""
    if spec is not None:
        for view in views:
            if view.name == spec:
                return view
        names = ", ".join(v.name for v in views)
        raise InputError(f"`spec` must name one of the folder's analyses ({names}), got {spec!r}")
    for view in views:
        if wants(view):
            return view
    return views[0]
