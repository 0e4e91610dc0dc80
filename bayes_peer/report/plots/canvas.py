"""The frame every plot of :mod:`bayes_peer.report.plots` shares: a title with n and the prior,
SYNTHETIC where it applies, one legend for the curves that overlay each other, and a layout
that keeps every label inside the canvas (matplotlib's constrained layout).

A plot is an arviz-plots ``PlotCollection`` where arviz-plots has the plot, else a matplotlib
``Figure``; :func:`figure_of` gives the Figure of either, :func:`save` writes and closes it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from bayes_peer.report.style import FREQ_COLOR, WIDTH, pyplot

#: Height of one row of panels (inches); the width, colours and backend are the report's
#: (:mod:`bayes_peer.report.style`).
ROW_HEIGHT = 2.3


def figure_of(plot):
    """The matplotlib Figure of a PlotCollection (or the Figure itself)."""
    viz = getattr(plot, "viz", None)
    if viz is not None:
        return viz["figure"].item()
    return plot


def figure_kwargs(panels: int, columns: int, extra: float = 1.2) -> dict:
    """arviz-plots ``figure_kwargs`` for ``panels`` facets in rows of ``columns``."""
    rows = -(-panels // max(1, columns))
    return {"figsize": (WIDTH, ROW_HEIGHT * rows + extra), "figsize_units": "inches"}


def frame(plot, title: str, subtitle: str, synthetic: bool, legend: list | None = None):
    """Title (with the subtitle wrapped under it), SYNTHETIC DATA, one legend under the
    panels, constrained layout; returns ``plot``.

    ``legend`` is a list of (handle, label); None collects every panel's labelled artists
    (the first of each label) into one figure legend; an empty list keeps the panels' own.
    """
    fig = figure_of(plot)
    fig.set_layout_engine("constrained")
    text = title + ("    [SYNTHETIC DATA]" if synthetic else "")
    if subtitle:
        text += "\n" + "\n".join(textwrap.wrap(subtitle, 118))
    fig.suptitle(text, fontsize=9, x=0.01, ha="left")
    if legend is None:
        legend = _labelled(fig)
    if legend:
        handles, labels = zip(*legend, strict=True)
        fig.legend(
            handles,
            labels,
            loc="outside lower center",
            ncols=min(4, len(labels)),
            fontsize=7.5,
            frameon=False,
        )
    return plot


def _labelled(fig) -> list:
    """(handle, label) of the artists with a label, the first of each label."""
    seen: dict[str, object] = {}
    for ax in fig.axes:
        handles, labels = ax.get_legend_handles_labels()
        for handle, label in zip(handles, labels, strict=True):
            if label and not label.startswith("_") and label not in seen:
                seen[label] = handle
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    for legend in list(fig.legends):
        legend.remove()
    return [(h, lab) for lab, h in seen.items()]


#: The file types a plot is written as.
SUFFIXES = (".png", ".svg", ".pdf")


def check_target(path: str | Path, label: str = "`plot`") -> Path:
    """The file a plot will be written to, checked before any work: a .png, .svg or .pdf
    name in an existing, writable folder, not an existing file (bayes-peer writes over no
    file) and no control characters.

    Raises
    ------
    InputError
        Naming ``label`` and the reason.
    """
    import os

    from bayes_peer.data.files import path_problem
    from bayes_peer.errors import InputError

    text = str(path)
    if not text.strip() or not text.isprintable():
        raise InputError(f"{label}: {text!a} is not a file name")
    if (problem := path_problem(text, writing=True)) is not None:
        raise InputError(f"{label}: the file {problem}")
    target = Path(os.path.expanduser(text))
    if target.suffix.lower() not in SUFFIXES:
        raise InputError(f"{label}: {text!r} must end in .png, .svg or .pdf")
    folder = target.parent
    if not folder.is_dir():
        raise InputError(f"{label}: the folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{label}: the folder {str(folder)!r} is not writable")
    if target.exists() or target.is_symlink():
        raise InputError(
            f"{label}: {text!r} exists; bayes-peer writes over no file (choose "
            "another name or remove it)"
        )
    return target


def write(plot, target: Path) -> Path:
    """Write a plot to a checked ``target`` (:func:`check_target`) atomically: to a hidden
    temporary file beside it, then renamed (never over a file that appeared meanwhile)."""
    import os
    import tempfile

    from bayes_peer.errors import InputError

    fig = figure_of(plot)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent
    )
    os.close(handle)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(temporary, 0o666 & ~mask)  # ordinary permissions, not mkstemp's 0600
    try:
        fig.savefig(temporary, dpi=100)
        try:
            os.link(temporary, target)  # fails if the target appeared: nothing is replaced
        except FileExistsError:
            raise InputError(
                f"{target}: the file appeared while the plot was drawn; not written"
            ) from None
    finally:
        os.unlink(temporary)
        pyplot().close(fig)
    return target


def save(plot, path: str | Path) -> Path:
    """Write a plot (PNG, SVG or PDF by the suffix) and close its figure."""
    fig = figure_of(plot)
    fig.savefig(path, dpi=100)
    pyplot().close(fig)
    return Path(path)


def overlay(pc, name: str, var: str, dims: tuple, values, coords: dict, draw) -> None:
    """Draw on every panel of ``pc`` (``PlotCollection.map``): ``draw(da, target)`` with ``da``
    the panel's slice of ``values`` (an array over ``dims``, the panels' dimension first),
    whatever the collection's colour and line-style aesthetics."""
    import xarray as xr

    data = xr.Dataset({var: (dims, values)}, coords=coords)
    pc.map(draw, name, data=data, ignore_aes={"color", "linestyle"})


def line(target, x, y, **kwargs):
    """``target.plot(x, y)`` returning the one Line2D (the artist arviz-plots stores)."""
    return target.plot(x, y, **kwargs)[0]


def interval_mark(target, centre: float, low: float, high: float, height: float, **kwargs):
    """A point with a horizontal interval at ``height`` (a fraction of the y range)."""
    bottom, top = target.get_ylim()
    y = bottom + height * (top - bottom)
    color = kwargs.pop("color", FREQ_COLOR)
    target.plot([low, high], [y, y], color=color, lw=1.3)
    return target.plot([centre], [y], "o", color=color, ms=4, **kwargs)[0]
