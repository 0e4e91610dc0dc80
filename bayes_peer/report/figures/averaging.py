"""The report's model-averaging figure, drawn by :mod:`bayes_peer.report.plots`."""

from __future__ import annotations

from pathlib import Path

from bayes_peer.report.plots.canvas import save
from bayes_peer.report.plots.regressions import draw_inclusion
from bayes_peer.report.results import SpecResults


def inclusion_probabilities(results: SpecResults, path_for) -> list[Path]:
    """The model averaging's inclusion probabilities, one file."""
    fig = draw_inclusion(results)
    return [] if fig is None else [save(fig, path_for("inclusion_probabilities"))]
