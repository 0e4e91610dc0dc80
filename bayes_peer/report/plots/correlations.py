"""Plots of correlations: each correlation's posterior (arviz-plots ``plot_dist`` of the MCMC
draws, or the exact posterior alone) with its prior dashed, the exact posterior curve and the
Pearson estimate with its CI; and a forest of every pair (``plot_forest``: the MCMC and exact
credible intervals beside the Fisher-z confidence interval)."""

from __future__ import annotations

import numpy as np

from bayes_peer.report.format import fmt_bf_text
from bayes_peer.report.plots.canvas import (
    figure_kwargs,
    frame,
    interval_mark,
    line,
    overlay,
)
from bayes_peer.report.results import SpecResults
from bayes_peer.report.style import EXACT_COLOR, FREQ_COLOR, MCMC_COLOR, PRIOR_COLOR

#: Facets per row.
COLUMNS = 5


def pair_name(row: dict) -> str:
    """``alliance ~ qol (m12)``: the pair, with its wave when there are waves."""
    wave = row.get("wave")
    suffix = f"_{wave}" if wave else ""
    first = row.get("construct1") or str(row["var1"]).removesuffix(suffix)
    second = row.get("construct2") or str(row["var2"]).removesuffix(suffix)
    return f"{first} ~ {second} ({wave})" if wave else f"{first} ~ {second}"


def _rows(view: SpecResults, wave: str | None) -> list[dict]:
    rows = view.correlations or []
    return [r for r in rows if wave is None or r.get("wave") == wave]


def _stretched_beta(grid: np.ndarray, kappa: float) -> np.ndarray:
    from scipy import stats

    a = 1.0 / kappa
    return stats.beta.pdf((grid + 1) / 2, a, a) / 2


def rho_draws(results: SpecResults, rows: list[dict]) -> dict[tuple[str, str], np.ndarray]:
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


def _draws(view: SpecResults, rows: list[dict]) -> np.ndarray | None:
    """(1, draws, pairs) MCMC draws of every row's correlation, or None without a model."""
    if not all(r.get("model") for r in rows):
        return None
    draws = rho_draws(view, rows)
    columns = [draws[(r["var1"], r["var2"])] for r in rows]
    size = min(c.size for c in columns)
    return np.stack([c[:size] for c in columns], axis=-1)[None, :, :]


def posterior(view: SpecResults, *, wave: str | None = None, columns: int = COLUMNS):
    """Each correlation's posterior: the MCMC draws (arviz-plots ``plot_dist``) where a model
    was fitted, the exact posterior under the Bayes factor's prior (red, dotted), the prior
    behind the curve drawn (dashed) and Pearson's r with its Fisher-z CI (black).

    Returns
    -------
    arviz_plots.PlotCollection
    """
    import arviz_plots as azp
    import xarray as xr

    from bayes_peer.exact.correlation import posterior_density

    rows = _rows(view, wave)
    labels = [pair_name(r) for r in rows]
    grid = np.linspace(-0.995, 0.995, 400)
    draws = _draws(view, rows)
    layout = {
        "col_wrap": min(columns, len(rows)),
        "figure_kwargs": figure_kwargs(len(rows), columns),
    }
    exact = np.stack(
        [
            posterior_density(grid, r["r"], int(r.get("n_effective") or r["n"]), kappa=r["kappa"])
            for r in rows
        ]
    )
    coords = {"pair": labels, "grid": grid}
    curves = xr.Dataset({"rho": (("pair", "grid"), exact)}, coords=coords)
    if draws is not None:
        tree = xr.DataTree.from_dict(
            {
                "posterior": xr.Dataset(
                    {"rho": (("chain", "draw", "pair"), draws)}, coords={"pair": labels}
                )
            }
        )
        pc = azp.plot_dist(
            tree,
            var_names=["rho"],
            kind="kde",
            backend="matplotlib",
            visuals={
                "credible_interval": False,
                "point_estimate": False,
                "point_estimate_text": False,
                "dist": {"color": MCMC_COLOR, "label": "MCMC posterior"},
            },
            **layout,
        )
        prior_kappa = [r.get("mcmc_prior_kappa") or r["kappa"] for r in rows]
        prior_label = "prior of the model (its marginal on ρ)"
    else:
        pc = azp.PlotCollection.wrap(curves, cols=["pair"], backend="matplotlib", **layout)
        prior_kappa = [r["kappa"] for r in rows]
        prior_label = "prior (stretched beta)"
    priors = np.stack([_stretched_beta(grid, k) for k in prior_kappa])
    overlay(
        pc,
        "prior_curve",
        "rho",
        ("pair", "grid"),
        priors,
        coords,
        lambda da, target: line(
            target, grid, da.values, color=PRIOR_COLOR, ls="--", lw=1, label=prior_label
        ),
    )
    style = ":" if draws is not None else "-"  # alone, the exact posterior is the posterior
    overlay(
        pc,
        "exact_curve",
        "rho",
        ("pair", "grid"),
        exact,
        coords,
        lambda da, target: line(
            target,
            grid,
            da.values,
            color=EXACT_COLOR,
            ls=style,
            lw=1.4,
            label="exact posterior (BF's prior)",
        ),
    )
    freq = np.array([[r["r"], r["freq_ci_low"], r["freq_ci_high"]] for r in rows])
    overlay(
        pc,
        "frequentist",
        "rho",
        ("pair", "k"),
        freq,
        {"pair": labels, "k": ["r", "low", "high"]},
        lambda da, target: _pearson(target, da.values, view.level),
    )
    titles = np.array(
        [f"{pair_name(r)}\nn = {r['n']}, BF10 = {fmt_bf_text(r['bf10'])}" for r in rows],
        dtype=object,
    )
    overlay(pc, "labels", "rho", ("pair",), titles, {"pair": labels}, _label_panel)
    model = "MCMC posterior of the model fitted; " if draws is not None else ""
    where = f" at {wave}" if wave else ""
    return frame(
        pc,
        f"Prior and posterior of each correlation{where}",
        f"{model}exact posterior under the stretched beta prior of width kappa = "
        f"{rows[0]['kappa']:g} (the Bayes factor's prior); dashed: the prior of the curve "
        f"drawn; black: Pearson r with its Fisher-z {view.level} CI. Prior: "
        f"{rows[0].get('prior', '')}.",
        view.synthetic,
    )


def _pearson(target, values, level: str):
    r, low, high = values
    return interval_mark(target, r, low, high, 0.06, label=f"Pearson r, {level} CI")


def _label_panel(da, target):
    import textwrap

    lines = [textwrap.fill(line, 34) for line in str(da.item()).splitlines()]
    target.set_title("\n".join(lines), fontsize=7.5)
    target.set_xlabel("ρ", fontsize=8)
    target.set_ylabel("density", fontsize=7)
    target.set_xlim(-1, 1)
    target.tick_params(labelsize=7)
    return target.title


def forest(view: SpecResults, *, wave: str | None = None):
    """Every pair's interval (arviz-plots ``plot_forest``): the MCMC posterior's CrI (when a
    model was fitted), the exact posterior's CrI and Pearson's Fisher-z CI, each with its point
    estimate (posterior median, r).

    Returns
    -------
    arviz_plots.PlotCollection
    """
    rows = _rows(view, wave)
    series = []
    if all(r.get("mcmc_median") is not None for r in rows):
        series.append(("MCMC posterior", "mcmc_median", "mcmc_ci_low", "mcmc_ci_high"))
    series += [
        ("exact posterior", "posterior_median", "ci_low", "ci_high"),
        ("Pearson r (Fisher z)", "r", "freq_ci_low", "freq_ci_high"),
    ]
    where = f" at {wave}" if wave else ""
    return interval_forest(
        [pair_name(r) for r in rows],
        rows,
        series,
        "ρ",
        f"Correlations{where}: credible and confidence intervals",
        f"{view.level} equal-tailed intervals. Exact posterior: stretched beta prior, kappa = "
        f"{rows[0]['kappa']:g}; Pearson: Fisher-z CI. {rows[0].get('prior', '')}.",
        view.synthetic,
        colors=[MCMC_COLOR, EXACT_COLOR, FREQ_COLOR][-len(series) :],
    )


def interval_forest(
    labels, rows, series, xlabel: str, title: str, subtitle: str, synthetic: bool, colors
):
    """``plot_forest`` of intervals given as numbers: ``series`` of (name, centre key, low key,
    high key) read from each of ``rows``; the ``model`` dimension tells the series apart."""
    import arviz_plots as azp
    import xarray as xr

    names = [s[0] for s in series]
    placeholder = {
        name: xr.DataTree.from_dict(
            {
                "posterior": xr.Dataset(
                    {"value": (("chain", "draw", "entry"), np.zeros((1, 2, len(labels))))},
                    coords={"entry": labels},
                )
            }
        )
        for name in names
    }

    def values(key):
        return [np.nan if r.get(key) is None else float(r[key]) for r in rows]

    twig = xr.Dataset(
        {
            "value": (
                ("model", "entry", "ci_bound"),
                np.array([np.stack([values(low), values(high)], -1) for _, _, low, high in series]),
            )
        },
        coords={"model": names, "entry": labels, "ci_bound": ["lower", "upper"]},
    )
    point = xr.Dataset(
        {"value": (("model", "entry"), np.array([values(centre) for _, centre, _, _ in series]))},
        coords={"model": names, "entry": labels},
    )
    height = 1.4 + 0.28 * len(labels) * max(1, len(series) - 1)
    if len(series) == 1:  # one series: no model dimension (arviz-plots needs two to offset)
        placeholder = placeholder[names[0]]
        twig, point = twig.isel(model=0, drop=True), point.isel(model=0, drop=True)
    pc = azp.plot_forest(
        placeholder,
        var_names=["value"],
        labels=["entry"],
        stats={"twig": twig, "point_estimate": point},
        visuals={"trunk": False},
        backend="matplotlib",
        figure_kwargs={"figsize": (10.0, height), "figsize_units": "inches"},
        **({"color": colors} if len(series) > 1 else {}),
    )
    fig = pc.viz["figure"].item()
    labels_axis = fig.axes[0]  # its x tick names the label column's dimension: not for a reader
    labels_axis.set_xticks([])
    labels_axis.spines["bottom"].set_visible(False)
    fig.axes[-1].set_xlabel(xlabel, fontsize=8)
    fig.axes[-1].axvline(0, color="0.6", lw=0.8)
    from matplotlib.lines import Line2D

    legend = [
        (Line2D([0], [0], color=c if len(series) > 1 else "C0", marker="o", mfc="white"), name)
        for c, name in zip(colors, names, strict=True)
    ]
    return frame(pc, title, subtitle, synthetic, legend=legend)
