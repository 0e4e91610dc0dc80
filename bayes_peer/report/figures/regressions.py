"""The report's regression figures, drawn by :mod:`bayes_peer.report.plots` (the functions
``Result.plot`` uses) and saved as PNG files of a results folder."""

from __future__ import annotations

from pathlib import Path

from bayes_peer.report.plots.canvas import save
from bayes_peer.report.plots.regressions import draw_delta_r2, forest, last_blocks
from bayes_peer.report.results import SpecResults


def coefficient_forest(results: SpecResults, path_for) -> list[Path]:
    """The full block models' coefficients: posterior CrI beside the OLS CI, one file."""
    if not results.coefficients:  # published R² values alone have no coefficients
        return []
    return [save(forest(results), path_for("coefficient_forest"))]


def delta_r2_posteriors(results: SpecResults, path_for) -> list[Path]:
    """The posterior of ΔR² per block, one file."""
    fig = draw_delta_r2(results)
    return [] if fig is None else [save(fig, path_for("delta_r2"))]


__all__ = ["coefficient_forest", "delta_r2_posteriors", "last_blocks"]
