"""Model checks: trace and rank plots (ArviZ 1.x, ``plot_trace_dist`` and ``plot_rank``) of the
models with the worst diagnostics, and posterior and prior predictive checks (custom: the
observed values of data with holes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bayes_peer.report.figures.correlations import pair_label
from bayes_peer.report.figures.regressions import last_blocks
from bayes_peer.report.results import SpecResults
from bayes_peer.report.style import (
    MCMC_COLOR,
    PRIOR_COLOR,
    figure_header,
    header_legend,
    kde,
    panel_grid,
    save_figure,
)


def worst_models(results: SpecResults, limit: int = 3) -> list[str]:
    """Models whose trace and rank plots the report shows: every failed one (up to ``limit``),
    else the one with the lowest bulk ESS."""
    diags = results.diagnostics
    failed = [d["model"] for d in diags if d["verdict"] == "fail"][:limit]
    if failed:
        return failed
    if not diags:
        return []
    return [min(diags, key=lambda d: d["ess_bulk_min"])["model"]]


def _headline_vars(post) -> list[str]:
    """The variables a trace plot shows: correlations, or slopes and residual SD (non-empty)."""
    for names in (["rho"], ["beta", "sigma"], ["beta_std", "sigma"]):
        if all(n in post for n in names):
            return [n for n in names if post[n].size]
    return [n for n, v in post.data_vars.items() if v.size][:2]


#: Most coordinates of one variable a trace or rank plot shows (those with the lowest ESS).
TRACE_MAX_COORDS = 6


def _lowest_ess_coords(post, var_names: list[str]) -> dict | None:
    """For a variable with one dimension of more than :data:`TRACE_MAX_COORDS` entries (e.g.
    the 15 correlations of a 6-variable model), the entries with the lowest bulk ESS."""
    import arviz as az

    for name in var_names:
        var = post[name]
        dims = [d for d in var.dims if d not in ("chain", "draw")]
        if len(dims) == 1 and var.sizes[dims[0]] > TRACE_MAX_COORDS:
            ess = np.asarray(az.ess(var.to_dataset(name=name))[name].values)
            keep = np.sort(np.argsort(ess)[:TRACE_MAX_COORDS])
            return {dims[0]: list(var[dims[0]].values[keep])}
    return None


def trace_and_rank(results: SpecResults, path_for) -> list[Path]:
    """ArviZ trace (with densities) and rank plots of the models :func:`worst_models` picks."""
    import warnings

    import arviz as az
    import xarray as xr

    paths = []
    for model in worst_models(results):
        tree = results.tree(model, ("posterior", "sample_stats"))
        var_names = _headline_vars(tree["posterior"])
        coords = _lowest_ess_coords(tree["posterior"], var_names)
        for kind, plot in (("trace", az.plot_trace_dist), ("rank", az.plot_rank)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # rank: ECDF differences of the fractional ranks with their simultaneous 99%
                # uniformity band (Säilynoja et al. 2022); trace: one row per coordinate.
                extra = ({"compact": False} if kind == "trace" else
                         {"method": "envelope", "envelope_prob": 0.99})  # fmt: skip
                data = tree
                if kind == "trace":  # every 4th draw: the same picture, a quarter of the ink
                    every_4th = slice(None, None, 4)
                    data = xr.DataTree.from_dict({g: tree[g].to_dataset().isel(draw=every_4th)
                                                  for g in tree.children})  # fmt: skip
                pc = plot(data, var_names=var_names, coords=coords, backend="matplotlib", **extra)
            fig = pc.viz["figure"].item()
            rows = len({round(ax.get_position().y0, 3) for ax in fig.axes if ax.get_visible()})
            fig.set_layout_engine(None)
            fig.set_size_inches(fig.get_figwidth(), 2.4 * rows + 0.9)
            fig.subplots_adjust(
                top=1 - 0.8 / fig.get_figheight(),
                bottom=0.5 / fig.get_figheight(),
                hspace=0.9,
                wspace=0.25,
            )
            verdict = results.verdict(model)
            fig.suptitle(
                f"{kind.title()} plot: {model} (diagnostics: {verdict})"
                + ("   SYNTHETIC DATA" if results.synthetic else ""),
                fontsize=10,
            )
            paths.append(save_figure(fig, path_for(f"{kind}_{model}")))
    return paths


def _observed_and_replicates(tree, group: str, column=None):
    obs = tree["observed_data"]["y"]
    rep = tree[group]["y"]
    if column is not None and obs.ndim == 2:  # a one-wave model's outcome has no column
        dim = next(d for d in obs.dims if d != "participant")
        obs, rep = obs.sel({dim: column}), rep.sel({dim: column})
    observed = obs.values.ravel()
    replicated = rep.values.reshape(-1, obs.sizes["participant"])
    return observed[np.isfinite(observed)], replicated


def _density_check(ax, observed: np.ndarray, replicated: np.ndarray, label: str) -> None:
    lo = min(np.nanmin(observed), np.nanpercentile(replicated, 0.5))
    hi = max(np.nanmax(observed), np.nanpercentile(replicated, 99.5))
    grid = np.linspace(lo, hi, 200)
    for i, rep in enumerate(replicated[:50]):
        ax.plot(
            grid,
            kde(rep, grid),
            color=MCMC_COLOR,
            alpha=0.15,
            lw=0.7,
            label=label if i == 0 else None,
        )
    ax.plot(grid, kde(observed, grid), color="black", lw=1.6, label="observed")
    ax.set_yticks([])
    ax.tick_params(labelsize=7)


def _predictive_panels(results: SpecResults) -> list[tuple[str, str, object]]:
    """(label, model, column) for each panel of the predictive checks."""
    panels = []
    if results.correlations:
        seen = set()
        for row in results.correlations:
            for var in (row["var1"], row["var2"]):
                if var not in seen:
                    seen.add(var)
                    panels.append((var, row["model"], var))
    if results.blocks:
        last = last_blocks(results.blocks)
        for row in results.blocks:
            outcome, wave = row["outcome"], row.get("wave")
            if row["block"] != last[(outcome, wave)]:
                continue
            model = row.get("model") or f"{outcome}_block{row['block']}"
            panels.append((f"{outcome}" + (f" ({wave})" if wave else ""), model, wave))
    return sorted(panels, key=_wave_order)


def _wave_order(panel: tuple) -> tuple:
    """Panels in wave order (every m12 panel before the m24 ones), then as listed."""
    label = str(panel[0])
    if label.endswith(")"):
        return (label.rsplit("(", 1)[-1].rstrip(")"),)
    return (label.rsplit("_", 1)[-1] if "_" in label else "",)


def _trees_for(results: SpecResults, models) -> dict:
    return {m: results.tree(m) for m in dict.fromkeys(models)}


def posterior_predictive(results: SpecResults, path_for) -> list[Path]:
    """Densities of 50 replicated data sets against the observed values, per variable."""
    panels = _predictive_panels(results)
    trees = _trees_for(results, [m for _, m, _ in panels])
    panels = [p for p in panels if "posterior_predictive" in trees[p[1]].children]
    if not panels:
        return []
    fig, axes = panel_grid(len(panels), columns=4)
    for ax, (label, model, column) in zip(axes, panels, strict=True):
        observed, replicated = _observed_and_replicates(
            trees[model], "posterior_predictive", column
        )
        _density_check(ax, observed, replicated, "replicated")
        ax.set_title(f"{label}\nn = {observed.size} observed", fontsize=8)
        ax.set_xlabel("standardized value", fontsize=7)
    figure_header(
        fig,
        "Posterior predictive check (standardized scale)",
        "Black: observed values; blue: 50 data sets replicated from the posterior (the fitted "
        "model's normal or t likelihood). Systematic misfit (skew, heavy tails, floor effects) "
        "shows as black outside the blue band. Correlation models: one panel per variable, from "
        "the first model that holds it; regressions: the full block model's outcome.",
        results.synthetic,
    )
    header_legend(fig, axes[0])
    return [save_figure(fig, path_for("posterior_predictive"))]


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
