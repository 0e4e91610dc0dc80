"""Figures (PNG, matplotlib Agg). Every figure names n, the prior and, for the demo, SYNTHETIC."""

from __future__ import annotations

from pathlib import Path

#: Evidence bands of Jeffreys (1961) as used by JASP.
BANDS = (1 / 10, 1 / 3, 3, 10)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _bands(ax) -> None:
    for level in BANDS:
        ax.axhline(level, color="0.7", lw=0.8, ls="--")
    ax.axhline(1, color="0.4", lw=0.8)
    ax.set_yscale("log")


def _title(fig, title: str, subtitle: str, synthetic: bool) -> None:
    """Title, a wrapped subtitle (n, prior) and the SYNTHETIC label, above the axes."""
    import textwrap

    fig.text(0.02, 0.97, title, fontsize=10.5, weight="bold", va="top", ha="left")
    fig.text(0.02, 0.915, "\n".join(textwrap.wrap(subtitle, 105)), fontsize=7.5, va="top",
             ha="left", color="0.3")  # fmt: skip
    if synthetic:
        fig.text(0.98, 0.97, "SYNTHETIC DATA", fontsize=9, color="C3", weight="bold", va="top",
                 ha="right")  # fmt: skip
    fig.subplots_adjust(top=0.8, bottom=0.13)


def _figure():
    """A new figure and axes of the shared size."""
    plt = _pyplot()
    return plt.subplots(figsize=(7.0, 4.4), dpi=110)


def _finish(
    fig, ax, *, xlabel: str, ylabel: str, title: str, subtitle: str, synthetic: bool, path: Path
) -> Path:
    """Evidence bands, labels, legend, title block; save and close."""  # fmt: skip
    _bands(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    _title(fig, title, subtitle, synthetic)
    fig.savefig(path)
    _pyplot().close(fig)
    return path


def plot_robustness(
    curve: list[dict],
    max_bf: float | None,
    at: float,
    *,
    key: str,
    label: str,
    subtitle: str,
    path: Path,
    synthetic: bool = False,
) -> Path:
    """BF against the prior width (kappa or JZS r) with the maximum marked."""  # fmt: skip
    fig, ax = _figure()
    xs = [c[key] for c in curve]
    ys = [c.get("bf10", c.get("bf_block")) for c in curve]
    ax.plot(xs, ys, color="C0")
    if max_bf is not None:
        ax.plot([at], [max_bf], "o", color="C3", label=f"max BF = {max_bf:.3g} at {at:.3g}")
    return _finish(fig, ax, xlabel="prior width (" + ("kappa" if key == "kappa" else "JZS scale r")
                   + ")", ylabel="Bayes factor (log scale)", title=f"Robustness: {label}",
                   subtitle=subtitle, synthetic=synthetic, path=path)  # fmt: skip


def plot_sequential(
    seq: list[dict],
    spread: list[dict],
    *,
    label: str,
    subtitle: str,
    path: Path,
    synthetic: bool = False,
    bf_name: str = "BF10",
) -> Path:
    """The BF as participants accumulate (file order), 90% band over random orders."""  # fmt: skip
    fig, ax = _figure()
    ns = [s["n"] for s in spread]
    ax.fill_between(ns, [s["bf10_q05"] for s in spread], [s["bf10_q95"] for s in spread],
                    color="C0", alpha=0.2, label="90% of random orders")  # fmt: skip
    ax.plot([s["n"] for s in seq], [s["bf10"] for s in seq], color="C0", label="file order")
    return _finish(fig, ax, xlabel="participants (complete pairs)", ylabel=f"{bf_name} (log scale)",
                   title=f"Sequential evidence: {label}", subtitle=subtitle, synthetic=synthetic,
                   path=path)  # fmt: skip


def plot_influence(
    rows: list[dict],
    full_bf: float,
    *,
    value: str,
    label: str,
    subtitle: str,
    path: Path,
    synthetic: bool = False,
) -> Path:
    """The BF after leaving out each participant, against the full-data BF."""  # fmt: skip
    fig, ax = _figure()
    xs = range(len(rows))
    ys = [r[value] for r in rows]
    colors = ["C3" if r["changes_conclusion"] else "C0" for r in rows]
    ax.scatter(xs, ys, c=colors, s=14)
    ax.axhline(full_bf, color="C2", lw=1.2, label=f"all participants: {full_bf:.3g}")
    for x, r in zip(xs, rows, strict=True):
        if r["changes_conclusion"]:
            ax.annotate(str(r["id"]), (x, r[value]), fontsize=7, xytext=(3, 3),
                        textcoords="offset points")  # fmt: skip
    return _finish(fig, ax, xlabel="participant left out (file order); red = changes the "
                   "conclusion", ylabel="Bayes factor (log scale)",
                   title=f"Leave-one-out influence: {label}", subtitle=subtitle,
                   synthetic=synthetic, path=path)  # fmt: skip


def sensitivity_figures(result, folder: Path) -> list[Path]:
    """The figures of an exact-layer sensitivity analysis (robustness over prior widths,
    sequential evidence, leave-one-out influence) of a correlate or regress result, labelled
    with n, the prior and SYNTHETIC where it applies."""
    from bayes_peer.exact.correlation import prior_description
    from bayes_peer.exact.kendall import prior_description as kendall_prior
    from bayes_peer.exact.regression import jzs_prior_description
    from bayes_peer.report.text import bf_name

    record = result.record
    synthetic = bool(record.get("synthetic"))
    written: list[Path] = []
    if result.kind == "correlation":
        alternative = record.get("alternative", "two-sided")
        for pair in record.get("pairs", [record]):
            named = "var1" in pair
            kendall = "tau_b" in pair
            symbol, value = ("tau-b", pair["tau_b"]) if kendall else ("r", pair["r"])
            label = f"{pair['var1']} ~ {pair['var2']}" if named else f"{symbol} = {value:g}"
            tag = f"{pair['var1']}__{pair['var2']}" if named else ("tau" if kendall else "r")
            describe = kendall_prior if kendall else prior_description
            common = {"label": label, "synthetic": synthetic,
                      "subtitle": f"n = {pair['n']}, {symbol} = {value:.3f}; "
                      f"{describe(pair['kappa'])}"}  # fmt: skip
            if "robustness" in pair:
                written.append(plot_robustness(pair["robustness"], pair["max_bf10"],
                                               pair["kappa_at_max"], key="kappa",
                                               path=folder / f"robustness_{tag}.png",
                                               **common))  # fmt: skip
            if "sequential" in pair:
                written.append(plot_sequential(pair["sequential"], pair["sequential_random"],
                                               bf_name=bf_name(alternative),
                                               path=folder / f"sequential_{tag}.png",
                                               **common))  # fmt: skip
            if "influence" in pair:
                written.append(plot_influence(pair["influence"], pair["bf10"], value="bf10",
                                              path=folder / f"influence_{tag}.png",
                                              **common))  # fmt: skip
        return written
    for block in record.get("blocks", []):
        common = {"label": f"{record.get('outcome') or 'model'}, block {block['block']}",
                  "subtitle": f"n = {block['n']}, ΔR² = {block['delta_r2']:.3f}; "
                  + jzs_prior_description(record["rscale"]), "synthetic": synthetic}  # fmt: skip
        if "robustness" in block:
            written.append(plot_robustness(block["robustness"], block["max_bf_block"],
                                           block["rscale_at_max"], key="rscale",
                                           path=folder / f"robustness_block{block['block']}.png",
                                           **common))  # fmt: skip
        if "influence" in block:
            written.append(plot_influence(block["influence"], block["bf_block"],
                                          value="bf_block",
                                          path=folder / f"influence_block{block['block']}.png",
                                          **common))  # fmt: skip
    return written
