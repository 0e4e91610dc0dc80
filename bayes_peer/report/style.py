"""The look of the report's figures: size, colours, the header every figure carries (title,
n and prior, SYNTHETIC), saving, and a fast kernel density. Figures drawn by ArviZ
(``arviz-plots``) get their look from ArviZ; these helpers serve the custom matplotlib figures
that overlay what ArviZ does not know (exact posteriors, frequentist intervals)."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np

DPI = 100
WIDTH = 10.0  # inches: 1000 px at DPI
#: Colours: MCMC posterior, exact posterior, frequentist estimate, prior.
MCMC_COLOR, EXACT_COLOR, FREQ_COLOR, PRIOR_COLOR = "C0", "C3", "0.15", "0.55"


def pyplot():
    """matplotlib's pyplot, on the Agg backend (files, no window) except in a Jupyter kernel,
    whose inline backend shows the figures."""
    import sys

    import matplotlib

    if "ipykernel" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def panel_grid(count: int, columns: int = 5, height: float = 2.1):
    plt = pyplot()
    columns = min(columns, count)
    rows = math.ceil(count / columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(WIDTH, 1.5 + height * rows), dpi=DPI, squeeze=False
    )
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:count])


def figure_header(fig, title: str, subtitle: str, synthetic: bool, rows: int = 1) -> None:
    fig.text(0.01, 0.995, title, fontsize=11, weight="bold", va="top", ha="left")
    fig.text(
        0.01,
        0.995 - 0.3 / fig.get_figheight(),
        "\n".join(textwrap.wrap(subtitle, 150)),
        fontsize=7.5,
        va="top",
        ha="left",
        color="0.3",
    )
    if synthetic:
        fig.text(
            0.99,
            0.995,
            "SYNTHETIC DATA",
            fontsize=10,
            color="C3",
            weight="bold",
            va="top",
            ha="right",
        )
    top = 1 - 1.25 / fig.get_figheight()
    fig.subplots_adjust(top=top, hspace=0.75, wspace=0.3, left=0.06, right=0.98, bottom=0.08)


def save_figure(fig, path: Path) -> Path:
    fig.savefig(path)
    pyplot().close(fig)
    return path


def kde(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Gaussian kernel density on an evenly spaced ``grid`` (Silverman's bandwidth).

    The draws are binned on the grid and the counts convolved with the kernel: O(grid) after
    one histogram, against O(draws x grid) for the direct sum (display accuracy; mass outside
    the grid is dropped).
    """
    values = np.asarray(values, dtype=float).ravel()
    values = values[np.isfinite(values)]
    if values.size < 2 or np.std(values) == 0:
        return np.zeros_like(grid)
    bw = 1.06 * np.std(values) * values.size ** (-0.2)
    dx = grid[1] - grid[0]
    edges = np.append(grid - dx / 2, grid[-1] + dx / 2)
    counts, _ = np.histogram(values, edges)
    half = int(np.ceil(4 * bw / dx))
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) * dx / bw) ** 2)
    smooth = np.convolve(counts, kernel)[half : half + grid.size]
    return smooth / (values.size * bw * np.sqrt(2 * np.pi))


def header_legend(fig, ax, ncol: int = 4) -> None:
    """The legend of ``ax``'s series in one row under the figure's header, never over data:
    the panels move down to make room (call after :func:`figure_header`)."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    height = fig.get_figheight()
    fig.legend(
        handles,
        labels,
        fontsize=7,
        frameon=False,
        loc="upper left",
        ncol=ncol,
        bbox_to_anchor=(0.06, 1 - 1.2 / height),
    )
    fig.subplots_adjust(top=1 - 2.0 / height)
