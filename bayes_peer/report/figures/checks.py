"""The report's model checks: trace and rank plots of the fits with the worst diagnostics and
the posterior predictive check (drawn by :mod:`bayes_peer.report.plots.checks`, the functions
``Result.plot`` uses), and the prior predictive checks (custom matplotlib: the sample
correlations data drawn from the prior would show, and outcomes with holes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bayes_peer.report.plots.canvas import save
from bayes_peer.report.plots.checks import (
    _density_check,
    _observed_and_replicates,
    _predictive_panels,
    _trees_for,
    diagnostics,
    ppc,
    worst_models,
)
from bayes_peer.report.plots.matrix import pair_label
from bayes_peer.report.results import SpecResults
from bayes_peer.report.style import (
    PRIOR_COLOR,
    figure_header,
    header_legend,
    panel_grid,
    save_figure,
)


def trace_and_rank(results: SpecResults, path_for) -> list[Path]:
    """Trace and rank plots (one figure each) of the models :func:`worst_models` picks."""
    return [
        save(diagnostics(results, model=model), path_for(f"diagnostics_{model}"))
        for model in worst_models(results)
    ]


def posterior_predictive(results: SpecResults, path_for) -> list[Path]:
    """Replicated data sets against the observed values, per variable, one file."""
    from bayes_peer.errors import InputError

    try:
        plot = ppc(results)
    except InputError:  # no predictive draws (a published table)
        return []
    return [save(plot, path_for("posterior_predictive"))]


def prior_predictive(results: SpecResults, path_for) -> list[Path]:
    """What the priors predict before seeing data.

    Correlations: the sample correlation each pair would show in data sets drawn from the
    prior (at the observed n), against the observed r. Regressions: densities of the outcome
    replicated from the prior against the observed (standardized) values.
    """
    paths = []
    rows = results.correlations or []
    trees = _trees_for(results, [r["model"] for r in rows])
    if any("prior_predictive" in trees[r["model"]].children for r in rows):
        fig, axes = panel_grid(len(rows), columns=5, height=1.7)
        for ax, row in zip(axes, rows, strict=True):
            tree = trees[row["model"]]
            if "prior_predictive" not in tree.children:
                ax.set_visible(False)
                continue
            rep = tree["prior_predictive"]["y"]
            a = rep.sel(variable=row["var1"]).values.reshape(-1, rep.sizes["participant"])
            b = rep.sel(variable=row["var2"]).values.reshape(-1, rep.sizes["participant"])
            a, b = a[:, : row["n"]], b[:, : row["n"]]
            ac, bc = a - a.mean(1, keepdims=True), b - b.mean(1, keepdims=True)
            r_rep = (ac * bc).sum(1) / np.sqrt((ac**2).sum(1) * (bc**2).sum(1))
            ax.hist(r_rep, bins=np.linspace(-1, 1, 21), color=PRIOR_COLOR, alpha=0.7)
            ax.axvline(row["r"], color="black", lw=1.5)
            ax.set_title(
                f"{pair_label(row)}" + (f"\n{row['wave']}" if row.get("wave") else ""),
                fontsize=7,
            )
            ax.set_yticks([])
            ax.set_xlabel("sample r", fontsize=6.5)
            ax.tick_params(labelsize=6)
        figure_header(
            fig,
            "Prior predictive check: correlations",
            f"Grey: sample correlations in data sets of the observed n drawn from the joint "
            f"model's prior ({rows[0]['prior']}); black: the observed r. An observed r far in "
            f"the tail would mean the prior rules out what was seen.",
            results.synthetic,
        )
        fig.subplots_adjust(hspace=1.05, wspace=0.3)
        paths.append(save_figure(fig, path_for("prior_predictive_correlations")))
    if results.blocks:
        panels = [
            p
            for p in _predictive_panels(results)
            if p[1].rsplit("_block", 1)[0] in {b["outcome"] for b in results.blocks}
        ]
        trees = _trees_for(results, [m for _, m, _ in panels])
        panels = [p for p in panels if "prior_predictive" in trees[p[1]].children]
        if panels:
            fig, axes = panel_grid(len(panels), columns=4)
            for ax, (label, model, column) in zip(axes, panels, strict=True):
                observed, replicated = _observed_and_replicates(
                    trees[model], "prior_predictive", column
                )
                _density_check(ax, observed, replicated, "from the prior")
                ax.set_title(label, fontsize=8)
                ax.set_xlabel("standardized value", fontsize=7)
            figure_header(
                fig,
                "Prior predictive check: outcomes (standardized scale)",
                "Blue: outcomes of 50 data sets drawn from the regression prior "
                f"({results.entry.get('priors', {}).get('regressions_mcmc', '')}) with the "
                "observed predictors; black: observed. The prior should allow the observed "
                "spread without piling mass on impossible values.",
                results.synthetic,
            )
            header_legend(fig, axes[0])
            paths.append(save_figure(fig, path_for("prior_predictive_outcomes")))
    return paths


__all__ = ["posterior_predictive", "prior_predictive", "trace_and_rank", "worst_models"]
