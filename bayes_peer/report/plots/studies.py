"""Plots that are not posteriors of one model (matplotlib Figures: arviz-plots has no such
plot): how a Bayes factor moves with the prior width, as participants accumulate or when one
is left out; what a sample size can show (design analysis); the calibration checks."""

from __future__ import annotations

import numpy as np

from bayes_peer.errors import InputError
from bayes_peer.report.plots.canvas import frame
from bayes_peer.report.style import WIDTH, pyplot

#: Jeffreys' evidence bounds drawn on every Bayes-factor axis.
BANDS = (1 / 10, 1 / 3, 3, 10)


def _entries(record: dict, key: str) -> list[tuple[str, dict]]:
    """(label, entry) of every pair or block of ``record`` that holds ``key``."""
    out = []
    for pair in record.get("pairs") or ([record] if "r" in record or "tau_b" in record else []):
        if key in pair:
            label = (
                f"{pair['var1']} ~ {pair['var2']}"
                if "var1" in pair
                else f"r = {pair.get('r', pair.get('tau_b')):g}, n = {pair['n']}"
            )
            out.append((label, pair))
    for block in record.get("blocks") or []:
        if key in block:
            out.append((f"{record.get('outcome') or 'model'}, block {block['block']}", block))
    return out


def _bf_axis(ax, ylabel: str) -> None:
    for level in BANDS:
        ax.axhline(level, color="0.75", lw=0.8, ls="--")
    ax.axhline(1, color="0.4", lw=0.8)
    ax.set_yscale("log")
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)


def _entries_and_axes(record: dict, key: str, missing: str):
    """The ``key`` entries of a record and one figure's axes (InputError naming the option
    when the analysis did not run it)."""
    entries = _entries(record, key)
    if not entries:
        raise InputError(f"{missing}: run the analysis with `{key}`")
    fig, axes = _figure()
    return entries, fig, axes[0, 0]


def _figure(panels: int = 1):
    plt = pyplot()
    return plt.subplots(1, panels, figsize=(WIDTH, 4.2), dpi=100, squeeze=False)


def robustness(record: dict, synthetic: bool):
    """Each pair's BF10 (or block's BF) over prior widths: kappa in (0, 2], or the JZS r, the
    maximum marked (a matplotlib Figure)."""
    entries, fig, ax = _entries_and_axes(record, "robustness", "no robustness curves")
    for i, (label, entry) in enumerate(entries):
        key = "kappa" if "kappa" in entry["robustness"][0] else "rscale"
        xs = [c[key] for c in entry["robustness"]]
        ys = [c.get("bf10", c.get("bf_block")) for c in entry["robustness"]]
        ax.plot(xs, ys, color=f"C{i % 10}", lw=1.4, label=label)
        top = entry.get("max_bf10", entry.get("max_bf_block"))
        at = entry.get("kappa_at_max", entry.get("rscale_at_max"))
        if top is not None and at is not None:
            ax.plot([at], [top], "o", color=f"C{i % 10}", ms=4)
    _bf_axis(ax, "Bayes factor (log scale)")
    width = "kappa (stretched beta)" if "kappa" in entries[0][1]["robustness"][0] else "JZS r"
    ax.set_xlabel(f"prior width: {width}", fontsize=8)
    return frame(
        fig,
        "Robustness: the Bayes factor over prior widths",
        "Dots: the maximum over the widths; dashed lines: Jeffreys' bounds 1/10, 1/3, 3 and 10.",
        synthetic,
    )


def sequential(record: dict, synthetic: bool):
    """Each pair's BF as participants accumulate: file order, and the 90% band of random
    orders (a matplotlib Figure)."""
    entries, fig, ax = _entries_and_axes(record, "sequential", "no sequential curves")
    for i, (label, entry) in enumerate(entries):
        color = f"C{i % 10}"
        spread = entry.get("sequential_random") or []
        if spread:
            ax.fill_between(
                [s["n"] for s in spread],
                [s["bf10_q05"] for s in spread],
                [s["bf10_q95"] for s in spread],
                color=color,
                alpha=0.15,
                lw=0,
            )
        ax.plot(
            [s["n"] for s in entry["sequential"]],
            [s["bf10"] for s in entry["sequential"]],
            color=color,
            lw=1.4,
            label=label,
        )
    _bf_axis(ax, "Bayes factor (log scale)")
    ax.set_xlabel("participants (complete pairs)", fontsize=8)
    return frame(
        fig,
        "Sequential evidence: the Bayes factor as participants accumulate",
        "Lines: file order; bands: 90% of 50 random orders.",
        synthetic,
    )


def influence(record: dict, synthetic: bool):
    """The BF with each participant left out, against the BF of all (a matplotlib Figure);
    those who change the conclusion are named."""
    entries, fig, ax = _entries_and_axes(record, "influence", "no leave-one-out results")
    for i, (label, entry) in enumerate(entries):
        value = "bf10" if "bf10" in entry["influence"][0] else "bf_block"
        ys = [r[value] for r in entry["influence"]]
        ax.plot(range(len(ys)), ys, "o", color=f"C{i % 10}", ms=3, label=label)
        ax.axhline(entry.get("bf10", entry.get("bf_block")), color=f"C{i % 10}", lw=0.8)
        for x, r in enumerate(entry["influence"]):
            if r["changes_conclusion"]:
                ax.annotate(
                    str(r["id"]),
                    (x, r[value]),
                    fontsize=7,
                    xytext=(3, 3),
                    textcoords="offset points",
                )
    _bf_axis(ax, "Bayes factor (log scale)")
    ax.set_xlabel("participant left out (data row order)", fontsize=8)
    return frame(
        fig,
        "Leave-one-out influence on the Bayes factor",
        "Horizontal lines: the BF of all participants; labelled points: leaving that "
        "participant out changes the conclusion.",
        synthetic,
    )


def design(record: dict):
    """What n participants can show: P(BF10 > 3), P(BF10 < 1/3) and P(inconclusive) over
    sample sizes under the record's true rho (or design prior), the chosen n marked
    (a matplotlib Figure; exact, :func:`bayes_peer.exact.design.design_analysis`)."""
    from bayes_peer.exact.design import design_analysis

    if record.get("n") is None or (record.get("rho") is None and not record.get("rho_beta")):
        raise InputError("the design plot needs a design analysis of `n` with `rho` or `rho_beta`")
    n = int(record["n"])
    sizes = np.unique(np.round(np.geomspace(5, max(200, 4 * n), 40)).astype(int))
    rho_beta = tuple(record["rho_beta"]) if record.get("rho_beta") else None
    rows = [design_analysis(int(m), record.get("rho"), record["kappa"], rho_beta) for m in sizes]
    fig, axes = _figure()
    ax = axes[0, 0]
    ax.plot(sizes, [r.p_bf10_gt_3 for r in rows], color="C0", lw=1.6, label="P(BF10 > 3)")
    ax.plot(sizes, [r.p_bf10_lt_third for r in rows], color="C3", lw=1.6, label="P(BF10 < 1/3)")
    ax.plot(
        sizes,
        [1 - r.p_bf10_gt_3 - r.p_bf10_lt_third for r in rows],
        color="0.4",
        lw=1.6,
        ls="--",
        label="P(1/3 < BF10 < 3): inconclusive",
    )
    ax.axvline(n, color="0.2", lw=0.8, ls=":")
    ax.annotate(f"n = {n}", (n, 0.97), fontsize=7.5, xytext=(3, 0), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_ylim(0, 1)
    ax.set_xlabel("sample size n (log scale)", fontsize=8)
    ax.set_ylabel("probability", fontsize=8)
    ax.tick_params(labelsize=7)
    truth = (
        f"rho = {record['rho']:g}"
        if record.get("rho") is not None
        else f"rho = 2B - 1, B ~ Beta{tuple(record['rho_beta'])}"
    )
    return frame(
        fig,
        f"What n can show: Bayes factor design analysis ({truth})",
        f"Exact probabilities of each conclusion when the truth is {truth}; the test's "
        f"prior: {record['prior']}.",
        False,
    )


def calibration(record: dict, ranks: list[dict] | None, model: str | None = None):
    """SBC: the ECDF differences of one model's PIT values with simultaneous bands; the
    frequentist study: coverage and width (matplotlib Figures of the calibration report)."""
    from bayes_peer.report.plots.calibration import coverage_figure, sbc_ecdf

    if "coverage" in record:
        return coverage_figure(record["coverage"], None)
    if not ranks:
        raise InputError(
            "the calibration plot needs the ranks: run calibrate with `out` or plot its folder"
        )
    models = record["models"]
    chosen = next((m for m in models if m["model"] == model), None) if model else None
    if model and chosen is None:
        names = ", ".join(m["model"] for m in models)
        raise InputError(f"`model` must be one of {names}, got {model!r}")
    chosen = chosen or next((m for m in models if not m["negative_control"]), models[0])
    rows = [r for r in record["sbc"] if r["model"] == chosen["model"]]
    pits: dict[str, list[float]] = {}
    for r in ranks:
        if r["model"] == chosen["model"]:
            pits.setdefault(r["quantity"], []).append(float(r["pit"]))
    return sbc_ecdf(
        chosen,
        rows,
        {q: np.array(v) for q, v in pits.items()},
        None,
        posterior=record.get("study") == "posterior",
    )
