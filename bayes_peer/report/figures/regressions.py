"""Figures of the blocked regressions (custom matplotlib, beside OLS): the coefficient forest
and the posteriors of ΔR²."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bayes_peer.report.figures.correlations import forest
from bayes_peer.report.format import term_text
from bayes_peer.report.results import SpecResults
from bayes_peer.report.style import (
    FREQ_COLOR,
    MCMC_COLOR,
    figure_header,
    header_legend,
    kde,
    panel_grid,
    save_figure,
)


def last_blocks(rows: list[dict]) -> dict[tuple, int]:
    """The last block of each (outcome, wave)."""
    last: dict[tuple, int] = {}
    for r in rows:
        key = (r["outcome"], r.get("wave"))
        last[key] = max(last.get(key, 0), r["block"])
    return last


def coefficient_forest(results: SpecResults, path_for) -> list[Path]:
    """Forest plot of the last block's standardized coefficients: posterior vs OLS."""
    rows = results.coefficients
    if not rows:  # published R² values alone have no coefficients
        return []
    last = last_blocks(rows)
    chosen = [r for r in rows if r["block"] == last[(r["outcome"], r.get("wave"))]]
    outcomes = list(dict.fromkeys(r["outcome"] for r in chosen))
    fig, axes = panel_grid(
        len(outcomes),
        columns=2,
        height=0.45 * max(sum(1 for r in chosen if r["outcome"] == o) for o in outcomes) + 0.9,
    )
    for ax, outcome in zip(axes, outcomes, strict=True):
        subset = [r for r in chosen if r["outcome"] == outcome]
        labels = [
            f"{term_text(r).removesuffix('_' + str(r.get('wave')))}"
            + (f" ({r['wave']})" if r.get("wave") else "")
            + (" !" if r.get("diagnostics") == "fail" else "")
            for r in subset
        ]
        series = [
            (
                f"OLS beta, {results.level} CI",
                FREQ_COLOR,
                [r["beta_std"] for r in subset],
                [r["beta_std_ci_low"] for r in subset],
                [r["beta_std_ci_high"] for r in subset],
            ),
        ]
        if all(r.get("posterior_median") is not None for r in subset):  # an MCMC model ran
            series.insert(0, (
                f"posterior median, {results.level} CrI",
                MCMC_COLOR,
                [r["posterior_median"] for r in subset],
                [r["ci_low"] for r in subset],
                [r["ci_high"] for r in subset],
            ))  # fmt: skip
        forest(ax, labels, series)
        n = sorted(
            {
                r.get("n")
                for r in (results.blocks or [])
                if r["outcome"] == outcome and r.get("n") is not None
            }
        )
        ax.set_title(
            f"{outcome}" + (f" (n = {', '.join(map(str, n))})" if n else ""), fontsize=9, loc="left"
        )
    for ax in axes:
        ax.set_xlabel("standardized coefficient", fontsize=8)
    mcmc = "regressions_mcmc" in results.entry.get("priors", {})
    figure_header(
        fig,
        "Standardized coefficients of the full model" + (": Bayesian vs OLS" if mcmc else " (OLS)"),
        (f"Prior: {results.entry.get('priors', {}).get('regressions_mcmc')}. " if mcmc else "")
        +
        f"OLS: standardized beta with its t-based {results.level} CI. "
        "! = the model failed its diagnostics.",
        results.synthetic,
    )
    fig.subplots_adjust(left=0.17, wspace=0.75, hspace=0.35)
    header_legend(fig, axes[0])
    return [save_figure(fig, path_for("coefficient_forest"))]


def delta_r2_posteriors(results: SpecResults, path_for) -> list[Path]:
    """Posterior of ΔR² per block (and wave), with the classical ΔR² marked."""
    blocks = [b for b in results.blocks if b["block"] >= 1]
    grid = np.linspace(0, 1, 400)
    outcomes = list(dict.fromkeys(b["outcome"] for b in blocks))
    if not any(b.get("model") for b in blocks):  # the exact layer alone: no posterior
        return []
    fig, axes = panel_grid(len(outcomes), columns=1, height=1.9)
    for ax, outcome in zip(axes, outcomes, strict=True):
        rows = [b for b in blocks if b["outcome"] == outcome]
        waves = list(dict.fromkeys(b.get("wave") for b in rows))
        for row in rows:
            model = row.get("model") or f"{outcome}_block{row['block']}"
            delta = results.tree(model)["posterior"].get("delta_r2")
            if delta is None:
                continue
            if "wave" in delta.dims:
                delta = delta.sel(wave=row["wave"])
            draws = delta.values.ravel()
            color = f"C{row['block'] - 1}"
            style = "-" if waves.index(row.get("wave")) == 0 else "--"
            dens = kde(np.concatenate([draws, -draws]), grid) * 2  # reflected at 0
            wave = row.get("wave")
            ax.plot(
                grid,
                dens,
                color=color,
                ls=style,
                lw=1.4,
                label=f"block {row['block']}{f' ({wave})' if wave else ''}: "
                f"{str(row['terms']).replace(';', ', ')}",
            )
            ax.axvline(row["delta_r2"], color=color, ls=style, lw=0.8, alpha=0.7)
        ax.set_xlim(0, min(1, max(0.4, ax.get_xlim()[1])))
        # A block that adds nothing piles its ΔR² against 0: cap the axis at the other
        # curves' height (times 1.3) so that spike does not flatten them; it is marked.
        peaks = sorted(line.get_ydata()[grid > 0.03].max() for line in ax.get_lines()
                       if len(line.get_ydata()) == grid.size)  # fmt: skip
        tallest = max(line.get_ydata().max() for line in ax.get_lines()
                      if len(line.get_ydata()) == grid.size)  # fmt: skip
        cap = 1.3 * peaks[-1] if peaks else tallest
        if tallest > cap:
            ax.set_ylim(0, cap)
            ax.text(0.005, 0.97 * cap, "▲ clipped spike at 0", fontsize=6, va="top",
                    color="0.35")  # fmt: skip
        ax.set_yticks([])
        ax.set_xlabel("ΔR²", fontsize=8, labelpad=1)
        ax.set_title(outcome, fontsize=9, loc="left")
        ax.legend(fontsize=6, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.tick_params(labelsize=7)
    figure_header(
        fig,
        "Posterior of ΔR² per block (vertical lines: classical ΔR²)",
        "Bayesian ΔR² per draw = variance explained by the block's terms beyond the earlier "
        "blocks, var((I - P_prev) mu) / (var(mu) + sigma²), at each draw of the full block "
        f"model. Prior: {results.entry.get('priors', {}).get('regressions_mcmc', '')}.",
        results.synthetic,
    )
    fig.subplots_adjust(right=0.6, hspace=0.6)
    return [save_figure(fig, path_for("delta_r2"))]
