"""The sensitivity analyses' figures: how the headline estimates move under each variant
(prior grid, likelihood, missing-data handling, influential participants) and the
delta-adjusted MNAR curves, drawn from a sensitivity folder's tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bayes_peer.report import style
from bayes_peer.report.plots.canvas import frame


def level_of(record: dict) -> str:
    """The interval label of a sensitivity folder (its ``ci_prob``; 95% when not recorded)."""
    return f"{100 * float(record.get('ci_prob') or 0.95):g}%"


def model_label(name: str) -> str:
    """``alliance__qol`` (the model's name in the tables) -> ``alliance ~ qol``."""
    return name.replace("__", " ~ ")


KIND_COLORS = {
    "spec": "k",
    "prior": "C0",
    "likelihood": "C1",
    "missing data": "C2",
    "influence": "C3",
}


def sensitivity_forest(record: dict, tables: dict, path: Path | None):
    """Per model: each variant's median and 95% interval of the wave-specific quantities;
    saved to ``path`` (returned), or, without one, the Figure (None without variants)."""
    rows = [
        r
        for r in tables["variants"]
        if "change" not in r["quantity"] and r["quantity"] != "delta_r2"
    ]
    if not rows:
        return None
    plt = style.pyplot()
    models = list(dict.fromkeys(r["model"] for r in rows))
    fig, axes = style.panel_grid(
        len(models), columns=4 if len(models) > 4 else len(models), height=2.6
    )
    series = list(dict.fromkeys((r["quantity"], r["wave"]) for r in rows))
    for ax, model in zip(axes, models, strict=True):
        mine = [r for r in rows if r["model"] == model]
        labels = list(dict.fromkeys(r["label"] for r in mine))
        for k, key in enumerate(series):
            offset = (k - (len(series) - 1) / 2) * 0.25
            for r in mine:
                if (r["quantity"], r["wave"]) != key:
                    continue
                yv = labels.index(r["label"]) + offset
                color = KIND_COLORS.get(r["kind"], "0.5")
                marker = "o" if k == 0 else "s"
                face = "white" if r["diagnostics"] == "fail" else color
                ax.plot([r["ci_low"], r["ci_high"]], [yv, yv], color=color, lw=1)
                ax.plot(r["median"], yv, marker=marker, color=color, mfc=face, ms=4)
        ax.axvline(0, color="0.6", lw=0.8, ls=":")
        ax.set_yticks(range(len(labels)))
        ax.set_yticklabels(labels, fontsize=6.5)
        ax.invert_yaxis()
        ax.set_title(model_label(model), fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    legend = ", ".join(
        f"{'circle' if k == 0 else 'square'} = {q} {w}" for k, (q, w) in enumerate(series[:2])
    )
    frame(
        fig,
        "How the headline estimates move under each variant",
        f"Median and {level_of(record)} interval; {legend}; black = spec, blue = prior grid, "
        "orange = likelihood, green = missing-data handling, red = without an influential "
        "participant; open markers = fit failed its diagnostics.",
        bool(record.get("synthetic")),
        legend=[],
    )
    if path is None:
        return fig
    style.save_figure(fig, path)
    plt.close("all")
    return path


def mnar_curves(record: dict, tables: dict, path: Path) -> Path | None:
    """MNAR posterior of each pair's follow-up correlation over the shift delta."""
    rows = tables["mnar"]
    if not rows:
        return None
    models = list(dict.fromkeys(r["model"] for r in rows))
    tips = {t["model"]: t for t in tables["tipping_points"]}
    fig, axes = style.panel_grid(len(models), columns=5)
    for ax, model in zip(axes, models, strict=True):
        mine = sorted((r for r in rows if r["model"] == model), key=lambda r: r["delta"])
        d = np.array([r["delta"] for r in mine])
        ax.fill_between(
            d,
            [r["ci_low"] for r in mine],
            [r["ci_high"] for r in mine],
            color="C0",
            alpha=0.25,
            lw=0,
        )
        ax.plot(d, [r["median"] for r in mine], color="C0", lw=1.2)
        ax.axhline(0, color="0.4", lw=0.8, ls=":")
        ax.axvline(0, color="0.7", lw=0.6)
        tip = tips.get(model, {})
        for key in ("tipping_low", "tipping_high"):
            if tip.get(key) is not None:
                ax.axvline(tip[key], color="C3", lw=1, ls="--")
        ax.set_title(model_label(model) + f" ({mine[0]['wave']})", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_ylim(-1, 1)
        ax.set_xlabel("shift delta (SD)", fontsize=7)
    style.figure_header(
        fig,
        "Missing not at random: correlation at follow-up against the shift of missing values",
        f"Posterior median and {level_of(record)} interval of rho when the imputed follow-up "
        "values of the second "
        "variable are shifted by delta SDs (0 = MAR); dashed red = tipping point.",
        bool(record.get("synthetic")),
    )
    style.save_figure(fig, path)
    return path
