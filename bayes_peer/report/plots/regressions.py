"""Plots of blocked regressions: each coefficient's posterior in the full block model
(arviz-plots ``plot_dist``; its prior dashed; the OLS estimate and CI marked), a forest of the
coefficients (posterior CrI beside the OLS CI), and Bayesian model averaging's inclusion
probabilities."""

from __future__ import annotations

import numpy as np

from bayes_peer.report.format import fmt_bf_text, term_text
from bayes_peer.report.plots.canvas import (
    figure_kwargs,
    frame,
    interval_mark,
    line,
    overlay,
)
from bayes_peer.report.plots.correlations import interval_forest
from bayes_peer.report.results import SpecResults
from bayes_peer.report.style import FREQ_COLOR, MCMC_COLOR, PRIOR_COLOR, kde, panel_grid


def _full_model_rows(view: SpecResults, outcome: str | None) -> list[dict]:
    """The coefficient rows of each outcome's (and wave's) last block."""
    rows = view.coefficients or []
    last = last_blocks(rows)
    return [
        r
        for r in rows
        if r["block"] == last[(r["outcome"], r.get("wave"))]
        and (outcome is None or r["outcome"] == outcome)
    ]


def coefficient_name(row: dict) -> str:
    """``alliance (m24)``, ``site[south]``: a coefficient as the panels name it."""
    wave = row.get("wave")
    name = term_text(row).removesuffix(f"_{wave}") if wave else term_text(row)
    return f"{row['outcome']}: {name}" + (f" ({wave})" if wave else "")


def _model_of(view: SpecResults, row: dict) -> str | None:
    block = next(
        (
            b
            for b in view.blocks or []
            if b["outcome"] == row["outcome"]
            and b.get("wave") == row.get("wave")
            and b["block"] == row["block"]
        ),
        None,
    )
    return block.get("model") if block else None


def _coefficient_draws(view: SpecResults, rows: list[dict]):
    """(posterior, prior) draws per row (standardized slopes), or (None, None) without models."""
    post, prior = [], []
    for row in rows:
        model = _model_of(view, row)
        if not model:
            return None, None
        tree = view.tree(model)
        wave = row.get("wave")
        name = term_text(row).removesuffix(f"_{wave}") if wave else term_text(row)
        for group, out in (("posterior", post), ("prior", prior)):
            if group not in tree.children:
                out.append(None)
                continue
            ds = tree[group]
            var = ds["beta_std"] if "beta_std" in ds.data_vars else ds["beta"]
            sel = {"term": name} if "term" in var.dims else {}
            if "wave" in var.dims:
                sel["wave"] = wave
            out.append(var.sel(sel).values.ravel())
    return post, prior


def posterior(view: SpecResults, *, outcome: str | None = None, columns: int = 4):
    """Each standardized coefficient of the full block model: its MCMC posterior
    (arviz-plots ``plot_dist``), the prior's draws (dashed) and the OLS beta with its CI.

    Returns
    -------
    arviz_plots.PlotCollection
    """
    import arviz_plots as azp
    import xarray as xr

    from bayes_peer.errors import InputError

    rows = _full_model_rows(view, outcome)
    post, prior = _coefficient_draws(view, rows)
    if post is None:
        raise InputError(
            "the posterior of a coefficient needs an MCMC model (method='normal' "
            "or 'r2d2'); plot kind 'forest' shows the OLS intervals"
        )
    labels = [coefficient_name(r) for r in rows]
    size = min(p.size for p in post)
    tree = xr.DataTree.from_dict(
        {
            "posterior": xr.Dataset(
                {
                    "beta": (
                        ("chain", "draw", "coefficient"),
                        np.stack([p[:size] for p in post], -1)[None],
                    )
                },
                coords={"coefficient": labels},
            )
        }
    )
    pc = azp.plot_dist(
        tree,
        var_names=["beta"],
        kind="kde",
        backend="matplotlib",
        col_wrap=min(columns, len(rows)),
        figure_kwargs=figure_kwargs(len(rows), columns),
        visuals={
            "credible_interval": False,
            "point_estimate": False,
            "point_estimate_text": False,
            "dist": {"color": MCMC_COLOR, "label": "MCMC posterior"},
        },
    )
    coords = {"coefficient": labels}
    if all(p is not None for p in prior):
        lo = min(float(np.min(p)) for p in post) - 0.5
        hi = max(float(np.max(p)) for p in post) + 0.5
        grid = np.linspace(lo, hi, 300)
        dens = np.stack([kde(p, grid) for p in prior])
        overlay(
            pc,
            "prior_curve",
            "beta",
            ("coefficient", "grid"),
            dens,
            {**coords, "grid": grid},
            lambda da, target: line(
                target, grid, da.values, color=PRIOR_COLOR, ls="--", lw=1, label="prior (its draws)"
            ),
        )
    ols = np.array([[r["beta_std"], r["beta_std_ci_low"], r["beta_std_ci_high"]] for r in rows])
    overlay(
        pc,
        "ols",
        "beta",
        ("coefficient", "k"),
        ols,
        {**coords, "k": ["beta", "low", "high"]},
        lambda da, target: interval_mark(
            target, *da.values, 0.06, color=FREQ_COLOR, label=f"OLS beta, {view.level} CI"
        ),
    )
    overlay(
        pc, "labels", "beta", ("coefficient",), np.array(labels, dtype=object), coords, _label_panel
    )
    prior_text = view.entry.get("priors", {}).get("regressions_mcmc", "")
    return frame(
        pc,
        "Standardized coefficients of the full block model: posterior and OLS",
        f"Blue: MCMC posterior; dashed: the prior's draws; black: OLS beta with its "
        f"t-based {view.level} CI. Prior: {prior_text}",
        view.synthetic,
    )


def _label_panel(da, target):
    import textwrap

    target.set_title(textwrap.fill(str(da.item()), 40), fontsize=7.5)
    target.set_xlabel("standardized coefficient", fontsize=7.5)
    target.set_ylabel("density", fontsize=7)
    target.tick_params(labelsize=7)
    return target.title


def forest(view: SpecResults, *, outcome: str | None = None):
    """The full block models' standardized coefficients (arviz-plots ``plot_forest``): the
    posterior's CrI (with a model) beside the OLS beta's t-based CI.

    Returns
    -------
    arviz_plots.PlotCollection
    """
    rows = _full_model_rows(view, outcome)
    series = []
    if all(r.get("posterior_median") is not None for r in rows):
        series.append(("posterior (standardized)", "posterior_median", "ci_low", "ci_high"))
    series.append(("OLS beta", "beta_std", "beta_std_ci_low", "beta_std_ci_high"))
    prior_text = view.entry.get("priors", {}).get("regressions_mcmc")
    return interval_forest(
        [coefficient_name(r) for r in rows],
        rows,
        series,
        "standardized coefficient",
        "Coefficients of the full block model: credible and confidence intervals",
        f"{view.level} intervals; OLS: t-based CI"
        + (f"; prior: {prior_text}" if prior_text else "")
        + ".",
        view.synthetic,
        colors=[MCMC_COLOR, FREQ_COLOR][-len(series) :],
    )


def averaging(view: SpecResults):
    """Posterior inclusion probabilities of the model averaging (a matplotlib Figure: bars
    with the prior inclusion probability and the inclusion BF; arviz-plots has no such plot)."""
    return draw_inclusion(view)


def delta_r2(view: SpecResults):
    """Posterior ΔR² of each block (a matplotlib Figure), the classical ΔR² marked."""
    return draw_delta_r2(view)


def last_blocks(rows: list[dict]) -> dict[tuple, int]:
    """The last block of each (outcome, wave)."""
    last: dict[tuple, int] = {}
    for r in rows:
        key = (r["outcome"], r.get("wave"))
        last[key] = max(last.get(key, 0), r["block"])
    return last


def draw_delta_r2(results: SpecResults):
    """Posterior of ΔR² per block (and wave), with the classical ΔR² marked; the Figure, or
    None without a fitted model."""
    blocks = [b for b in results.blocks or [] if b["block"] >= 1]
    grid = np.linspace(0, 1, 400)
    outcomes = list(dict.fromkeys(b["outcome"] for b in blocks))
    if not any(b.get("model") for b in blocks):  # the exact layer alone: no posterior
        return None
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
        peaks = sorted(
            line.get_ydata()[grid > 0.03].max()
            for line in ax.get_lines()
            if len(line.get_ydata()) == grid.size
        )
        tallest = max(
            line.get_ydata().max() for line in ax.get_lines() if len(line.get_ydata()) == grid.size
        )
        cap = 1.3 * peaks[-1] if peaks else tallest
        if tallest > cap:
            ax.set_ylim(0, cap)
            ax.text(0.005, 0.97 * cap, "▲ clipped spike at 0", fontsize=6, va="top", color="0.35")
        ax.set_yticks([])
        ax.set_xlabel("ΔR²", fontsize=8, labelpad=1)
        ax.set_title(outcome, fontsize=9, loc="left")
        ax.legend(fontsize=6, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        ax.tick_params(labelsize=7)
    frame(
        fig,
        "Posterior of ΔR² per block (vertical lines: classical ΔR²)",
        "Bayesian ΔR² per draw = variance explained by the block's terms beyond the earlier "
        "blocks, var((I - P_prev) mu) / (var(mu) + sigma²), at each draw of the full block "
        f"model. Prior: {results.entry.get('priors', {}).get('regressions_mcmc', '')}.",
        results.synthetic,
        legend=[],  # each panel keeps its own legend (its blocks' terms)
    )
    return fig


def draw_inclusion(results: SpecResults):
    """Horizontal bars of P(incl | data) per term (one bar per wave), the prior inclusion
    probability as a dashed line, and the inclusion BF written beside each bar; the Figure, or
    None without model averaging."""
    rows = results.bma_inclusion or []
    if not rows:
        return None
    outcomes = list(dict.fromkeys(r["outcome"] for r in rows))
    terms = list(dict.fromkeys(r["construct"] for r in rows))
    waves = list(dict.fromkeys(r.get("wave") for r in rows))
    height = 0.32 * len(terms) * len(waves) + 0.8
    fig, axes = panel_grid(len(outcomes), columns=2, height=height)
    bar = 0.8 / len(waves)
    for ax, outcome in zip(axes, outcomes, strict=True):
        for w, wave in enumerate(waves):
            subset = {
                r["construct"]: r for r in rows if r["outcome"] == outcome and r.get("wave") == wave
            }
            y = np.arange(len(terms)) + (w - (len(waves) - 1) / 2) * bar
            p = [subset[t]["p_incl"] if t in subset else np.nan for t in terms]
            ax.barh(y, p, height=bar * 0.9, color=f"C{w}", label=wave or "p(incl | data)")
            for yi, t in zip(y, terms, strict=True):
                if t in subset:
                    bf = fmt_bf_text(subset[t]["bf_incl"])
                    ax.text(1.02, yi, f"BF {bf}", va="center", fontsize=6)
        prior = rows[0]["p_prior"]
        ax.axvline(prior, color="0.3", ls="--", lw=0.8)
        ax.set_yticks(np.arange(len(terms)), terms, fontsize=7)
        ax.set_xlim(0, 1)
        ax.invert_yaxis()
        ax.set_title(outcome, fontsize=9, loc="left")
        ax.set_xlabel("P(term in the model | data)", fontsize=8)
        ax.tick_params(labelsize=7)
    forced = sorted({r["forced"] for r in rows if r.get("forced")})
    frame(
        fig,
        "Which terms matter: posterior inclusion probabilities (Bayesian model averaging)",
        f"Every subset of the blocks' terms, n = complete rows per outcome and wave; dashed line: "
        f"prior inclusion probability {prior:.2g}; BF = inclusion Bayes factor. "
        + (f"Forced into every model: {', '.join(forced)}. " if forced else "")
        + f"Prior: {results.entry.get('priors', {}).get('model_averaging', 'see methods')}.",
        results.synthetic,
    )
    return fig
