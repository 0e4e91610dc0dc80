"""The correlation matrix as papers print it (r with stars, the credible interval and BF10
in each cell; two waves in one table, the first below the diagonal) and the change of each
correlation and coefficient between two waves (matplotlib Figures: no library draws these)."""

from __future__ import annotations

import numpy as np

from bayes_peer.report.format import fmt_bf_text, fmt_stat, term_text
from bayes_peer.report.plots.canvas import frame
from bayes_peer.report.results import SpecResults
from bayes_peer.report.style import (
    DPI,
    FREQ_COLOR,
    MCMC_COLOR,
    WIDTH,
    pyplot,
)


def pair_label(row: dict) -> str:
    return f"{row.get('construct1', row['var1'])} ~ {row.get('construct2', row['var2'])}"


def _waves(rows: list[dict]) -> list:
    return list(dict.fromkeys(r.get("wave") for r in rows))


def _stars(p: float | None) -> str:
    if p is None:
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def matrix_flags(rows: list[dict]) -> dict[str, str]:
    """The legend of the flags the matrix cells use: only flags that occur in ``rows``."""
    used = {}
    for row in rows:
        if _stars(row["p_value"]):
            used["*"] = "* p < .05, ** p < .01, *** p < .001 (Pearson, two-sided)"
        if row["bf10"] is not None and row["bf10"] >= 3:
            used["†"] = "† BF10 ≥ 3 (at least moderate evidence for a correlation)"
        if row["bf10"] is not None and row["bf10"] <= 1 / 3:
            used["‡"] = "‡ BF10 ≤ 1/3 (at least moderate evidence for no correlation)"
        if row.get("diagnostics") == "fail":
            used["!"] = "! the model behind the cell failed its diagnostics"
    return {flag: used[flag] for flag in ("*", "†", "‡", "!") if flag in used}


def cell_text(row: dict) -> tuple[str, str, str]:
    """The three lines of a matrix cell: r with stars, 95% CrI, BF10 with flags."""
    flags = ""
    if row["bf10"] is not None and row["bf10"] >= 3:
        flags += "†"
    if row["bf10"] is not None and row["bf10"] <= 1 / 3:
        flags += "‡"
    if row.get("diagnostics") == "fail":
        flags += "!"
    r_text = f"{fmt_stat(row['r'], 2, leading_zero=False)}{_stars(row['p_value'])}"
    if row.get("mcmc_ci_low") is not None:
        ci = (
            f"[{fmt_stat(row['mcmc_ci_low'], 2, leading_zero=False)}, "
            f"{fmt_stat(row['mcmc_ci_high'], 2, leading_zero=False)}]"
        )
    else:
        ci = (
            f"[{fmt_stat(row['ci_low'], 2, leading_zero=False)}, "
            f"{fmt_stat(row['ci_high'], 2, leading_zero=False)}]"
        )
    return r_text, ci, f"BF {fmt_bf_text(row['bf10'])}{flags}"


def matrix_waves(results: SpecResults) -> list[tuple]:
    """The wave sets of the matrix figures: two waves in one figure, else one per wave."""
    waves = _waves(results.correlations)
    return [tuple(waves[:2])] if len(waves) == 2 else [(w,) for w in waves]


def draw_matrix(results: SpecResults, chosen: tuple):
    """The correlation matrix as papers print it (r, 95% CrI, BF10 per cell, flags); with two
    waves in one figure, the first wave below the diagonal and the second above it (custom
    matplotlib: no library draws this paper-style table). Returns the Figure."""
    plt = pyplot()
    rows = results.correlations
    subset = [r for r in rows if r.get("wave") in chosen]
    names = list(
        dict.fromkeys(
            n
            for r in subset
            for n in (r.get("construct1", r["var1"]), r.get("construct2", r["var2"]))
        )
    )
    k = len(names)
    fig, ax = plt.subplots(figsize=(WIDTH, 1.9 + 0.85 * k), dpi=DPI)
    ax.set_xlim(-0.5, k - 0.5)
    ax.set_ylim(k - 0.5, -0.5)
    cmap = plt.get_cmap("RdBu_r")
    for row in subset:
        i = names.index(row.get("construct2", row["var2"]))
        j = names.index(row.get("construct1", row["var1"]))
        lower = row.get("wave") == chosen[0]
        if (i < j) == lower:  # first wave below the diagonal, second above
            i, j = j, i
        value = row.get("mcmc_median")
        value = row["r"] if value is None else value
        ax.add_patch(
            plt.Rectangle((j - 0.5, i - 0.5), 1, 1, color=cmap((value + 1) / 2), alpha=0.55, lw=0)
        )
        lines = cell_text(row)
        ax.text(j, i - 0.22, lines[0], ha="center", va="center", fontsize=10, weight="bold")
        ax.text(j, i + 0.03, lines[1], ha="center", va="center", fontsize=8)
        ax.text(j, i + 0.27, lines[2], ha="center", va="center", fontsize=8)
    for d in range(k):
        ax.text(d, d, "—", ha="center", va="center", fontsize=10, color="0.5")
    ax.set_xticks(range(k), names, fontsize=9, rotation=20)
    ax.set_yticks(range(k), names, fontsize=9)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if len(chosen) == 2:
        ax.set_title(
            f"below the diagonal (lower left): {chosen[0]}; above the diagonal "
            f"(upper right): {chosen[1]}",
            fontsize=9,
            loc="left",
            style="italic",
        )
    legend = "; ".join(matrix_flags(subset).values())
    n_range = sorted({r["n"] for r in subset})
    n_text = f"n = {n_range[0]}" if len(n_range) == 1 else f"n = {n_range[0]}-{n_range[-1]}"
    where = (
        f" at {chosen[0]} (below) and {chosen[1]} (above the diagonal)"
        if len(chosen) == 2
        else f" at {chosen[0]}"
        if chosen[0]
        else ""
    )
    frame(
        fig,
        f"Correlation matrix{where} ({n_text}, complete pairs)",
        f"Cell: Pearson r with its significance; {results.level} credible interval of the "
        + (
            f"joint model ({subset[0].get('prior', '')})"
            if subset[0].get("mcmc_median") is not None
            else "exact posterior"
        )
        + f"; BF10 of the exact test (stretched beta prior, kappa = {subset[0]['kappa']:g})."
        f" Colour: posterior median. {legend}",
        results.synthetic,
    )
    return fig


def forest(ax, labels: list[str], series: list[tuple[str, str, list, list, list]]) -> None:
    """Horizontal intervals: series of (name, colour, centre, low, high), offset per series."""
    y = np.arange(len(labels), dtype=float)
    step = 0.28 if len(series) > 1 else 0.0
    for s, (name, color, centre, low, high) in enumerate(series):
        offset = (s - (len(series) - 1) / 2) * step
        c = np.array([np.nan if v is None else v for v in centre], dtype=float)
        lo = np.array([np.nan if v is None else v for v in low], dtype=float)
        hi = np.array([np.nan if v is None else v for v in high], dtype=float)
        ax.errorbar(
            c,
            y + offset,
            xerr=[c - lo, hi - c],
            fmt="o" if s == 0 else "s",
            color=color,
            ms=4,
            capsize=2,
            lw=1.2,
            label=name,
            mfc=color if s == 0 else "white",
        )
    ax.axvline(0, color="0.6", lw=0.8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.tick_params(axis="x", labelsize=8)


def draw_wave_differences(results: SpecResults):
    """Change between waves: correlations (Bayes vs Steiger/Zou) and coefficients (Bayes);
    the Figure, or None without contrasts."""
    plt = pyplot()
    corr = results.correlation_contrasts or []
    coef = results.coefficient_contrasts or []
    sizes = [len(corr)] * bool(corr) + [len(coef)] * bool(coef)
    if not sizes:
        return None
    fig, axes = plt.subplots(
        len(sizes),
        1,
        dpi=DPI,
        squeeze=False,
        figsize=(WIDTH, 1.3 + 0.32 * sum(sizes) + 0.7 * len(sizes)),
        gridspec_kw={"height_ratios": sizes},
    )
    axes = list(axes.flat)
    waves = None
    if corr:
        waves = (corr[0]["wave_a"], corr[0]["wave_b"])
        labels = [
            f"{r['var1']} ~ {r['var2']}" + (" !" if r["diagnostics"] == "fail" else "")
            for r in corr
        ]
        forest(
            axes[0],
            labels,
            [
                (
                    f"posterior difference, {results.level} CrI (joint model)",
                    MCMC_COLOR,
                    [r["diff_median"] for r in corr],
                    [r["diff_ci_low"] for r in corr],
                    [r["diff_ci_high"] for r in corr],
                ),
                (
                    f"Pearson difference, {results.level} CI (Zou 2007)",
                    FREQ_COLOR,
                    [r["freq_diff"] for r in corr],
                    [r["freq_ci_low"] for r in corr],
                    [r["freq_ci_high"] for r in corr],
                ),
            ],
        )
        axes[0].set_title(
            f"Correlation at {waves[1]} minus correlation at {waves[0]}", fontsize=9, loc="left"
        )
    if coef:
        ax = axes[-1]
        waves = (coef[0]["wave_a"], coef[0]["wave_b"])
        labels = [
            f"{r['outcome']}: {term_text(r)}" + (" !" if r["diagnostics"] == "fail" else "")
            for r in coef
        ]
        forest(
            ax,
            labels,
            [
                (
                    f"posterior difference, {results.level} CrI (two-wave model)",
                    MCMC_COLOR,
                    [r["diff_median"] for r in coef],
                    [r["diff_ci_low"] for r in coef],
                    [r["diff_ci_high"] for r in coef],
                ),
            ],
        )
        ax.set_title(
            f"Standardized coefficient at {waves[1]} minus at {waves[0]} (last block)",
            fontsize=9,
            loc="left",
        )
    for ax in axes:
        ax.set_xlabel("difference", fontsize=8)
    # One legend under the panels and constrained layout: no label under a legend, no band of
    # blank space between the title and the panels.
    return frame(
        fig,
        f"Differences between waves ({waves[0]} vs {waves[1]})",
        "A difference whose interval excludes 0 is a change between the waves; 'significant at "
        "24 months but not at 12' is not itself evidence of a change. ! = the model failed its "
        "diagnostics.",
        results.synthetic,
    )
