"""The report's correlation figures, drawn by :mod:`bayes_peer.report.plots` (the functions
``Result.plot`` uses) and saved as PNG files of a results folder."""

from __future__ import annotations

from pathlib import Path

from bayes_peer.report.plots.canvas import save
from bayes_peer.report.plots.correlations import posterior
from bayes_peer.report.plots.matrix import (
    _waves,
    cell_text,
    draw_matrix,
    draw_wave_differences,
    matrix_flags,
    matrix_waves,
    pair_label,
)
from bayes_peer.report.results import SpecResults


def correlation_posteriors(results: SpecResults, path_for) -> list[Path]:
    """Per wave: each pair's posterior with its prior, the exact posterior and Pearson's CI."""
    paths = []
    for wave in _waves(results.correlations):
        stem = f"correlation_posteriors{f'_{wave}' if wave else ''}"
        paths.append(save(posterior(results, wave=wave), path_for(stem)))
    return paths


def correlation_matrix(results: SpecResults, path_for) -> list[Path]:
    """The correlation matrix as papers print it, one file per figure."""
    paths = []
    for chosen in matrix_waves(results):
        stem = "correlation_matrix" + "".join(f"_{w}" for w in chosen if w)
        paths.append(save(draw_matrix(results, chosen), path_for(stem)))
    return paths


def literature_comparison(results: SpecResults, path_for) -> list[Path]:
    """Each informed pair under both priors beside the literature's interval, one file."""
    from bayes_peer.report.plots.informed import draw_literature

    fig = draw_literature(results)
    return [] if fig is None else [save(fig, path_for("literature_comparison"))]


def wave_differences(results: SpecResults, path_for) -> list[Path]:
    """Change between waves, one file."""
    fig = draw_wave_differences(results)
    return [] if fig is None else [save(fig, path_for("wave_differences"))]


__all__ = [
    "cell_text",
    "correlation_matrix",
    "correlation_posteriors",
    "literature_comparison",
    "matrix_flags",
    "pair_label",
    "wave_differences",
]
