"""Figures of the correlations (custom matplotlib: they overlay the exact posterior and
Pearson's interval on the MCMC posterior, and print the matrix as papers do): the correlation
matrix, each correlation's prior and posterior, and the change between waves."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bayes_peer.report.format import fmt_bf_text, fmt_stat, term_text
from bayes_peer.report.results import SpecResults
from bayes_peer.report.style import (
    DPI,
    EXACT_COLOR,
    FREQ_COLOR,
    MCMC_COLOR,
    PRIOR_COLOR,
    WIDTH,
    figure_header,
    header_legend,
    kde,
    panel_grid,
    pyplot,
    save_figure,
)


def _stretched_beta_density(rho: np.ndarray, kappa: float) -> np.ndarray:
    from scipy import stats

    a = 1.0 / kappa
    return stats.beta.pdf((rho + 1) / 2, a, a) / 2


def pair_label(row: dict) -> str:
    return f"{row.get('construct1', row['var1'])} ~ {row.get('construct2', row['var2'])}"


def _waves(rows: list[dict]) -> list:
    return list(dict.fromkeys(r.get("wave") for r in rows))


def _rho_draws(results: SpecResults, rows: list[dict]) -> dict[tuple[str, str], np.ndarray]:
    """MCMC draws of each row's correlation (from the model's ``rho`` variable)."""
    out = {}
    for model in dict.fromkeys(r.get("model") for r in rows):
        if not model:  # the exact layer alone: no draws
            continue
        tree = results.tree(model)
        rho = tree["posterior"]["rho"]
        prior = tree["prior"]["rho"] if "prior" in tree.children else None
        if "pair" not in rho.dims:  # a pairwise model: one correlation, the row's pair
            row = next(r for r in rows if r.get("model") == model)
            out[(row["var1"], row["var2"])] = rho.values.ravel()
            if prior is not None:
                out[("prior", row["var1"], row["var2"])] = prior.values.ravel()
            continue
        for label in rho["pair"].values:
            a, b = str(label).split(" ~ ")
            out[(a, b)] = rho.sel(pair=label).values.ravel()
        if prior is not None:
            for label in prior["pair"].values:
                a, b = str(label).split(" ~ ")
                out[("prior", a, b)] = prior.sel(pair=label).values.ravel()
    return out


def correlation_posteriors(results: SpecResults, path_for) -> list[Path]:
    """Per wave: each pair's MCMC posterior, the exact posterior, Pearson r and its CI."""
    from bayes_peer.exact.correlation import posterior_density

    rows = results.correlations
    draws = _rho_draws(results, rows)
    grid = np.linspace(-0.995, 0.995, 400)
    paths = []
    for wave in _waves(rows):
        subset = [r for r in rows if r.get("wave") == wave]
        fig, axes = panel_grid(len(subset))
        for ax, row in zip(axes, subset, strict=True):
            mcmc = draws.get((row["var1"], row["var2"]))
            if mcmc is not None:
                ax.plot(grid, kde(mcmc, grid), color=MCMC_COLOR, lw=1.6, label="MCMC (joint model)")
            prior_kappa = row.get("mcmc_prior_kappa") or row["kappa"]
            whose = "the joint model" if mcmc is not None else "the exact posterior"
            ax.fill_between(
                grid,
                _stretched_beta_density(grid, prior_kappa),
                color=PRIOR_COLOR,
                alpha=0.3,
                lw=0,
                label=f"prior of {whose} (kappa = {prior_kappa:g})",
            )
            n_exact = int(row.get("n_effective") or row["n"])  # a partial r: n - controls
            exact = posterior_density(grid, row["r"], n_exact, kappa=row["kappa"])
            ax.plot(grid, exact, color=EXACT_COLOR, lw=1.1, ls="--", label="exact (kappa prior)")
            top = ax.get_ylim()[1]
            ax.errorbar(
                row["r"],
                0.08 * top,
                xerr=[[row["r"] - row["freq_ci_low"]], [row["freq_ci_high"] - row["r"]]],
                fmt="o",
                color=FREQ_COLOR,
                ms=3,
                capsize=2,
                lw=1,
                label=f"Pearson r, {results.level} CI",
            )
            flag = " [fail]" if row.get("diagnostics") == "fail" else ""
            ax.set_title(
                f"{pair_label(row)}{flag}\nn = {row['n']}, BF10 = {fmt_bf_text(row['bf10'])}",
                fontsize=8,
            )
            ax.set_xlim(-1, 1)
            ax.set_yticks([])
            ax.set_xlabel("ρ", fontsize=7, labelpad=1)
            ax.tick_params(labelsize=7)
        kappa = rows[0]["kappa"]
        model = (
            f"Blue: MCMC posterior of the joint model; grey: its prior on this correlation "
            f"({rows[0]['prior']}). "
            if draws
            else f"Grey: the prior (stretched beta, kappa = {kappa:g}). "
        )
        figure_header(
            fig,
            f"Prior and posterior of each correlation{f' at {wave}' if wave else ''}",
            f"{model}Red dashed: exact "
            f"posterior under the stretched beta prior with kappa = {kappa:g} (the Bayes "
            f"factor's prior). Black: Pearson r with its Fisher-z {results.level} CI. "
            "n per panel = "
            f"complete pairs.",
            results.synthetic,
        )
        header_legend(fig, axes[0])
        stem = f"correlation_posteriors{f'_{wave}' if wave else ''}"
        paths.append(save_figure(fig, path_for(stem)))
    return paths


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


def correlation_matrix(results: SpecResults, path_for) -> list[Path]:
    """The correlation matrix as papers print it (r, 95% CrI, BF10 per cell, flags); with two
    waves in one figure, the first wave below the diagonal and the second above it (custom
    matplotlib: no library draws this paper-style table)."""
    plt = pyplot()
    rows = results.correlations
    waves = _waves(rows)
    pairs = [tuple(waves[:2])] if len(waves) == 2 else [(w,) for w in waves]
    paths = []
    for chosen in pairs:
        subset = [r for r in rows if r.get("wave") in chosen]
        names = list(dict.fromkeys(
            n for r in subset for n in (r.get("construct1", r["var1"]),
                                        r.get("construct2", r["var2"]))
        ))  # fmt: skip
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
            ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, color=cmap((value + 1) / 2),
                                       alpha=0.55, lw=0))  # fmt: skip
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
            ax.set_title(f"below the diagonal (lower left): {chosen[0]}; above the diagonal "
                         f"(upper right): {chosen[1]}", fontsize=9, loc="left",
                         style="italic")  # fmt: skip
        legend = "; ".join(matrix_flags(subset).values())
        n_range = sorted({r["n"] for r in subset})
        n_text = f"n = {n_range[0]}" if len(n_range) == 1 else f"n = {n_range[0]}-{n_range[-1]}"
        where = (f" at {chosen[0]} (below) and {chosen[1]} (above the diagonal)"
                 if len(chosen) == 2 else f" at {chosen[0]}" if chosen[0] else "")  # fmt: skip
        figure_header(
            fig,
            f"Correlation matrix{where} ({n_text}, complete pairs)",
            f"Cell: Pearson r with its significance; {results.level} credible interval of the "
            + (f"joint model ({subset[0]['prior']})" if subset[0].get("mcmc_median") is not None
               else "exact posterior")
            + f"; BF10 of the exact test (stretched beta prior, kappa = {subset[0]['kappa']:g})."
            f" Colour: posterior median. {legend}",
            results.synthetic,
        )
        fig.subplots_adjust(left=0.14, bottom=0.1)
        stem = "correlation_matrix" + "".join(f"_{w}" for w in chosen if w)
        paths.append(save_figure(fig, path_for(stem)))
    return paths


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


def wave_differences(results: SpecResults, path_for) -> list[Path]:
    """Change between waves: correlations (Bayes vs Steiger/Zou) and coefficients (Bayes)."""
    plt = pyplot()
    corr = results.correlation_contrasts or []
    coef = results.coefficient_contrasts or []
    sizes = [len(corr)] * bool(corr) + [len(coef)] * bool(coef)
    if not sizes:
        return []
    fig, axes = plt.subplots(
        len(sizes),
        1,
        dpi=DPI,
        squeeze=False,
        figsize=(WIDTH, 1.6 + 0.32 * sum(sizes) + 0.6 * len(sizes)),
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
    for ax in axes:  # legend below the panel, never over the intervals
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2,
                  frameon=False)  # fmt: skip
        ax.set_xlabel("difference", fontsize=8, labelpad=1)
    figure_header(
        fig,
        f"Differences between waves ({waves[0]} vs {waves[1]})",
        "A difference whose interval excludes 0 is a change between the waves; 'significant at "
        "24 months but not at 12' is not itself evidence of a change. ! = the model failed its "
        "diagnostics.",
        results.synthetic,
    )
    fig.subplots_adjust(left=0.25, hspace=0.6, bottom=0.16)
    return [save_figure(fig, path_for("wave_differences"))]
