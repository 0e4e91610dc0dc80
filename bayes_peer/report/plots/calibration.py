"""Calibration figures: ECDF differences of the SBC ranks with simultaneous bands (one figure
per model, one panel per test quantity), and the frequentist study's coverage and width.

The band is the simultaneous 95 % band of the ECDF of uniform values (arviz-stats'
``ecdf_pit``, the method of Säilynoja, Bürkner & Vehtari 2022): under calibration the whole
curve stays inside it with probability .95.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bayes_peer.report.plots.canvas import frame
from bayes_peer.report.style import panel_grid, pyplot, save_figure

BAND_PROB = 0.95
BAND_SIMULATIONS = 1000


def sbc_ecdf(
    model: dict,
    rows: list[dict],
    ranks: dict[str, np.ndarray],
    path: Path | None,
    posterior: bool = False,
):
    """ECDF-difference panels of one model (``rows``: its sbc.csv rows; ``ranks``: quantity ->
    PIT values over simulations; ``posterior``: posterior SBC given the demo study); saved to
    ``path`` (returned), or, without one, the Figure."""
    from arviz_stats.ecdf_utils import compute_ecdf, ecdf_pit

    fig, axes = panel_grid(len(rows), columns=5, height=1.9)
    band = None  # the band depends only on the number of simulations: computed once
    for ax, row in zip(axes, rows, strict=True):
        pit = np.sort(ranks[row["quantity"]])
        if band is None or band[0].size != pit.size + 1:
            x, _, low, high = ecdf_pit(
                pit, BAND_PROB, BAND_SIMULATIONS, rng=np.random.default_rng(20261201)
            )
            band = (x, low, high)
        x, low, high = band
        ecdf = np.concatenate([[0.0], compute_ecdf(pit, x[1:-1]), [1.0]])
        ax.fill_between(x, low - x, high - x, step="post", color="0.85", lw=0)
        color = "C0" if row["calibrated"] else "C3"
        ax.step(x, ecdf - x, where="post", color=color, lw=1.2)
        ax.axhline(0, color="0.4", lw=0.6, ls="--")
        mark = "" if row["calibrated"] else "  (fails)"
        p_text = "p < 1e-16" if row["p_value"] < 1e-16 else f"p = {row['p_value']:.3g}"
        ax.set_title(f"{row['quantity']}\n{p_text}{mark}", fontsize=8.5, color=color)
        ax.tick_params(labelsize=7)
        ax.set_xlabel("PIT of the rank", fontsize=7.5)
    axes[0].set_ylabel("ECDF - uniform", fontsize=7.5)
    frame(
        fig,
        (
            f"Posterior SBC given the demo study: {model['model']} ({model['sims']} replicates)"
            if posterior
            else f"SBC: {model['model']} ({model['sims']} simulated studies of n = 46)"
        ),
        f"{model['description']}. Difference between the ECDF of each quantity's PIT values "
        f"and the uniform CDF; grey: simultaneous {BAND_PROB:.0%} band. Verdict: "
        f"{model['verdict']}.",
        synthetic=posterior,
    )
    return fig if path is None else save_figure(fig, path)


def coverage_figure(rows: list[dict], path: Path | None):
    """Coverage (with 2 MCSE bars) and mean width of each method over rho, one column per n."""
    plt = pyplot()
    ns = sorted({r["n"] for r in rows})
    fig, axes = plt.subplots(2, len(ns), figsize=(10, 5.6), dpi=100, squeeze=False, sharey="row")
    styles = {
        "exact": ("C3", "o", "exact posterior (kappa = 1)"),
        "fisher": ("0.15", "s", "Fisher z"),
    }
    for col, n in enumerate(ns):
        for method, (color, marker, label) in styles.items():
            sub = sorted(
                (r for r in rows if r["n"] == n and r["method"] == method), key=lambda r: r["rho"]
            )
            if not sub:
                continue
            rho = np.array([r["rho"] for r in sub])
            cover = np.array([r["coverage"] for r in sub])
            mcse = np.array([r["coverage_mcse"] for r in sub])
            axes[0, col].errorbar(
                rho,
                cover,
                yerr=2 * mcse,
                color=color,
                marker=marker,
                ms=4,
                lw=1,
                capsize=2,
                label=label,
            )
            axes[1, col].plot(
                rho, [r["width"] for r in sub], color=color, marker=marker, ms=4, lw=1, label=label
            )
        nominal = rows[0]["ci_prob"]
        axes[0, col].axhline(nominal, color="0.5", ls="--", lw=0.8)
        axes[0, col].set_title(f"n = {n}", fontsize=10)
        axes[1, col].set_xlabel("true rho", fontsize=9)
    axes[0, 0].set_ylabel(f"coverage of the {rows[0]['ci_prob']:.0%} interval", fontsize=9)
    axes[1, 0].set_ylabel("mean width", fontsize=9)
    axes[0, 0].legend(fontsize=8, loc="lower left")
    frame(
        fig,
        "Frequentist study of the correlation intervals",
        f"{rows[0]['reps']} simulated samples per cell; bars: ±2 Monte Carlo SE; "
        "dashed: nominal coverage.",
        synthetic=False,
        legend=[],
    )
    return fig if path is None else save_figure(fig, path)
