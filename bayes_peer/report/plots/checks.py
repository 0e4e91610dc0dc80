"""Model checks: trace and rank plots of one fit in one figure (arviz-plots ``plot_trace`` and
``plot_rank`` drawn into one ``PlotCollection``, as ``plot_rank_dist`` combines its two), and
the posterior predictive check (``plot_ppc_dist``) of every variable, each against its own
observed rows (data with holes: a participant missing a value is not compared on it)."""

from __future__ import annotations

import numpy as np

from bayes_peer.errors import InputError
from bayes_peer.report.plots.canvas import frame
from bayes_peer.report.plots.regressions import last_blocks
from bayes_peer.report.results import SpecResults
from bayes_peer.report.style import MCMC_COLOR, kde

#: Every how many draws the trace plot shows (the same picture, a quarter of the ink).
TRACE_THIN = 4


def diagnostics(view: SpecResults, *, model: str | None = None):
    """Trace (left) and rank Δ-ECDF with its 99% simultaneous band (right) of one fit's
    headline parameters: ``model``, else every failed fit's first, else the lowest bulk ESS.

    Returns
    -------
    arviz_plots.PlotCollection
    """
    import warnings

    import arviz_plots as azp
    import xarray as xr

    if model is None:
        chosen = worst_models(view, limit=1)
        if not chosen:
            raise InputError("no MCMC model was fitted: there is nothing to diagnose")
        model = chosen[0]
    elif model not in {d["model"] for d in view.diagnostics}:
        names = ", ".join(d["model"] for d in view.diagnostics)
        raise InputError(f"`model` must be one of the fitted models ({names}), got {model!r}")
    tree = view.tree(model, ("posterior", "sample_stats"))
    var_names = _headline_vars(tree["posterior"])
    if "beta_std" in tree["posterior"] and tree["posterior"]["beta_std"].size:
        var_names = ["beta_std", "sigma"]  # the block's terms by name, not the padded slots
    coords = _lowest_ess_coords(tree["posterior"], var_names) or {}
    post = tree["posterior"].to_dataset()[var_names]
    if coords:
        post = post.sel(coords)
    data = xr.DataTree.from_dict({"posterior": post})
    thin = xr.DataTree.from_dict({"posterior": post.isel(draw=slice(None, None, TRACE_THIN))})
    dims = [d for d in post.dims if d not in ("chain", "draw")]
    pc = azp.PlotCollection.grid(
        post.expand_dims(column=2).assign_coords(column=["trace", "rank"]),
        cols=["column"],
        rows=["__variable__", *dims],
        backend="matplotlib",
        aes={"color": ["chain"], "overlay": ["chain"]},
        figure_kwargs={
            "figsize": (10.0, 1.9 * _panels(post, dims) + 1.2),
            "figsize_units": "inches",
            "sharey": False,
            "sharex": False,
        },
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pc.coords = {"column": "trace"}
        azp.plot_trace(thin, plot_collection=pc)
        pc.coords = {"column": "rank"}
        azp.plot_rank(data, plot_collection=pc, visuals={"title": False})
        pc.coords = None
    fig = pc.viz["figure"].item()
    for ax in fig.axes:
        ax.tick_params(labelsize=7)
        if not ax.get_xlabel():
            ax.set_xlabel(
                "draw (every 4th)"
                if ax.get_subplotspec().colspan.start == 0
                else "fractional rank",
                fontsize=7.5,
            )
    verdict = view.verdict(model)
    return frame(
        pc,
        f"Trace and rank plots: {model} (diagnostics: {verdict})",
        "Left: each chain's draws (every 4th); right: the difference between each "
        "chain's ECDF of fractional ranks and the uniform CDF (Säilynoja et al. 2022), "
        "with the p-value of arviz-stats' multiple-testing-corrected uniformity test: "
        "chains that mix stay near 0.",
        view.synthetic,
    )


def _panels(post, dims: list[str]) -> int:
    return sum(
        int(np.prod([v.sizes[d] for d in dims if d in v.dims])) for v in post.data_vars.values()
    )


def ppc(view: SpecResults, *, columns: int = 4):
    """Posterior predictive check of every variable (arviz-plots ``plot_ppc_dist``): 50
    replicated data sets against the observed values, each on its observed rows.

    Returns
    -------
    arviz_plots.PlotCollection
    """
    import arviz_plots as azp
    import xarray as xr

    panels = _predictive_panels(view)
    trees = _trees_for(view, [m for _, m, _ in panels])
    panels = [p for p in panels if "posterior_predictive" in trees[p[1]].children]
    if not panels:
        raise InputError("no posterior predictive draws: fit an MCMC model of participant rows")
    observed, replicated = {}, {}
    for label, model, column in panels:
        tree = trees[model]
        obs, rep = tree["observed_data"]["y"], tree["posterior_predictive"]["y"]
        if column is not None and obs.ndim == 2:
            dim = next(d for d in obs.dims if d != "participant")
            obs, rep = obs.sel({dim: column}), rep.sel({dim: column})
        keep = np.isfinite(obs.values)
        name = f"{label} (n = {int(keep.sum())})"
        rows = f"rows_{len(observed)}"
        observed[name] = ((rows,), obs.values[keep])
        values = rep.values[..., keep][:, :50]
        replicated[name] = (("chain", "draw", rows), values)
    tree = xr.DataTree.from_dict(
        {"observed_data": xr.Dataset(observed), "posterior_predictive": xr.Dataset(replicated)}
    )
    pc = azp.plot_ppc_dist(
        tree,
        backend="matplotlib",
        col_wrap=min(columns, len(observed)),
        figure_kwargs={
            "figsize": (10.0, 2.3 * -(-len(observed) // columns) + 1.2),
            "figsize_units": "inches",
        },
    )
    fig = pc.viz["figure"].item()
    for ax in fig.axes:
        ax.set_xlabel("standardized value", fontsize=7.5)
        ax.tick_params(labelsize=7)
        for child in ax.get_lines():
            if child.get_label() == "_child0":
                child.set_label("replicated")
    return frame(
        pc,
        "Posterior predictive check (standardized scale)",
        "Thin lines: data sets replicated from the posterior; thick: the observed "
        "values (each variable on the rows where it is observed). Systematic misfit "
        "shows as the observed curve outside the replicated ones.",
        view.synthetic,
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
