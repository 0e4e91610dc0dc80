"""``--plot FILE`` on correlate, regress, design and calibrate, and ``bayes-peer plot FOLDER
--kind K --out FILE``: the figures of ``Result.plot`` from the command line."""

from __future__ import annotations

import argparse

PLOT_HELP = "also write the default figure of the result (.png, .svg or .pdf; a new file)"


def add_plot_option(parser: argparse.ArgumentParser) -> None:
    """``--plot FILE`` (checked before any work)."""
    parser.add_argument("--plot", metavar="FILE", help=PLOT_HELP)


def plot_target(args: argparse.Namespace):
    """The checked ``--plot`` target, or None (refused before any work when it cannot be
    written: a bad suffix, a missing or read-only folder, an existing file)."""
    if getattr(args, "plot", None) is None:
        return None
    from bayes_peer.report.plots.canvas import check_target

    return check_target(args.plot, "--plot")


def write_plot(result, target) -> None:
    """Draw the result's default figure into ``target`` (nothing when there is no target)."""
    if target is None:
        return
    from bayes_peer.report.plots.canvas import write

    write(result.plot(), target)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "plot",
        help="draw a figure from a results folder (run, demo, or a command's --out)",
        description="Draws one kind of figure from a results folder's tables and posteriors "
        "(no refitting), with the functions of the report and of Result.plot.",
    )
    p.add_argument("folder", help="results folder, e.g. results/demo")
    p.add_argument(
        "--kind",
        help="posterior, forest, matrix, contrast, bma, delta_r2, "
        "diagnostics or ppc (default: the folder's first)",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="the figure (.png, .svg, .pdf)")
    p.add_argument("--spec", help="which analysis of a folder with several (e.g. blocks)")
    p.add_argument("--wave", help="posterior, forest: one wave")
    p.add_argument("--outcome", help="posterior, forest of coefficients: one outcome")
    p.add_argument("--model", help="diagnostics: which fitted model")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bayes_peer.report.plots import plot_folder
    from bayes_peer.report.plots.canvas import check_target, write

    target = check_target(args.out, "--out")
    options = {
        k: getattr(args, k)
        for k in ("spec", "wave", "outcome", "model")
        if getattr(args, k) is not None
    }
    write(plot_folder(args.folder, args.kind, **options), target)
    print(f"Wrote {target}")
    return 0
