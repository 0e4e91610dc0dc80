"""The report's figures (PNG), drawn from a results folder's tables and NetCDF posteriors.

Every figure states n, the prior behind what it shows and, for demo data, SYNTHETIC DATA.
Panels are small multiples at report width (about 1000 px). Trace and rank plots use ArviZ 1.x
(``plot_trace_dist``, ``plot_rank``); the others are matplotlib, because they overlay things
ArviZ does not know about (exact posteriors, frequentist intervals, the observed values of data
with holes).

References
----------
Gabry, J., Simpson, D., Vehtari, A., Betancourt, M., & Gelman, A. (2019). Visualization in
Bayesian workflow. *JRSS A*, 182(2), 389-402.
Vehtari, A., Gelman, A., Simpson, D., Carpenter, B., & Bürkner, P.-C. (2021). Rank-normalization,
folding, and localization: an improved R-hat. *Bayesian Analysis*, 16(2), 667-718.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np

from bayes_peer.report.compare import fmt_bf_text, fmt_stat
from bayes_peer.report.results import SpecResults

DPI = 100
WIDTH = 10.0  # inches: 1000 px at DPI
MCMC_COLOR, EXACT_COLOR, FREQ_COLOR, PRIOR_COLOR = "C0", "C3", "0.15", "0.55"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _grid(count: int, columns: int = 5, height: float = 2.1):
    plt = _pyplot()
    columns = min(columns, count)
    rows = math.ceil(count / columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(WIDTH, 1.5 + height * rows), dpi=DPI, squeeze=False
    )
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:count])


def _header(fig, title: str, subtitle: str, synthetic: bool, rows: int = 1) -> None:
    fig.text(0.01, 0.995, title, fontsize=11, weight="bold", va="top", ha="left")
    fig.text(
        0.01,
        0.995 - 0.3 / fig.get_figheight(),
        "\n".join(textwrap.wrap(subtitle, 150)),
        fontsize=7.5,
        va="top",
        ha="left",
        color="0.3",
    )
    if synthetic:
        fig.text(
            0.99,
            0.995,
            "SYNTHETIC DATA",
            fontsize=10,
            color="C3",
            weight="bold",
            va="top",
            ha="right",
        )
    top = 1 - 1.25 / fig.get_figheight()
    fig.subplots_adjust(top=top, hspace=0.75, wspace=0.3, left=0.06, right=0.98, bottom=0.08)


def _save(fig, path: Path) -> Path:
    fig.savefig(path)
    _pyplot().close(fig)
    return path


def _kde(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Gaussian kernel density on an evenly spaced ``grid`` (Silverman's bandwidth).

    The draws are binned on the grid and the counts convolved with the kernel: O(grid) after
    one histogram, against O(draws x grid) for the direct sum (display accuracy; mass outside
    the grid is dropped).
    """
    values = np.asarray(values, dtype=float).ravel()
    values = values[np.isfinite(values)]
    if values.size < 2 or np.std(values) == 0:
        return np.zeros_like(grid)
    bw = 1.06 * np.std(values) * values.size ** (-0.2)
    dx = grid[1] - grid[0]
    edges = np.append(grid - dx / 2, grid[-1] + dx / 2)
    counts, _ = np.histogram(values, edges)
    half = int(np.ceil(4 * bw / dx))
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) * dx / bw) ** 2)
    smooth = np.convolve(counts, kernel)[half : half + grid.size]
    return smooth / (values.size * bw * np.sqrt(2 * np.pi))


def _stretched_beta_density(rho: np.ndarray, kappa: float) -> np.ndarray:
    from scipy import stats

    a = 1.0 / kappa
    return stats.beta.pdf((rho + 1) / 2, a, a) / 2


def _pair_label(row: dict) -> str:
    return f"{row.get('construct1', row['var1'])} ~ {row.get('construct2', row['var2'])}"


def _waves(rows: list[dict]) -> list:
    return list(dict.fromkeys(r.get("wave") for r in rows))


def _rho_draws(results: SpecResults, rows: list[dict]) -> dict[tuple[str, str], np.ndarray]:
    """MCMC draws of each row's correlation (from the model's ``rho`` variable)."""
    out = {}
    for model in dict.fromkeys(r["model"] for r in rows):
        tree = results.tree(model)
        rho = tree["posterior"]["rho"]
        for label in rho["pair"].values:
            a, b = str(label).split(" ~ ")
            out[(a, b)] = rho.sel(pair=label).values.ravel()
        prior = tree["prior"]["rho"] if "prior" in tree.children else None
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
        fig, axes = _grid(len(subset))
        for ax, row in zip(axes, subset, strict=True):
            mcmc = draws[(row["var1"], row["var2"])]
            ax.plot(grid, _kde(mcmc, grid), color=MCMC_COLOR, lw=1.6, label="MCMC (joint model)")
            prior_kappa = row["mcmc_prior_kappa"]
            ax.fill_between(
                grid,
                _stretched_beta_density(grid, prior_kappa),
                color=PRIOR_COLOR,
                alpha=0.3,
                lw=0,
                label=f"prior of the joint model (kappa = {prior_kappa:g})",
            )
            exact = posterior_density(grid, row["r"], row["n"], kappa=row["kappa"])
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
            flag = "" if row.get("diagnostics") in (None, "pass") else f" [{row['diagnostics']}]"
            ax.set_title(
                f"{_pair_label(row)}{flag}\nn = {row['n']}, BF10 = {fmt_bf_text(row['bf10'])}",
                fontsize=8,
            )
            ax.set_xlim(-1, 1)
            ax.set_yticks([])
            ax.tick_params(labelsize=7)
        axes[0].legend(fontsize=6.5, loc="upper left", frameon=False)
        kappa = rows[0]["kappa"]
        _header(
            fig,
            f"Prior and posterior of each correlation{f' at {wave}' if wave else ''}",
            f"Blue: MCMC posterior of the joint model; grey: its prior on this correlation "
            f"({rows[0]['prior']}). Red dashed: exact "
            f"posterior under the stretched beta prior with kappa = {kappa:g} (the Bayes "
            f"factor's prior). Black: Pearson r with its Fisher-z {results.level} CI. "
            "n per panel = "
            f"complete pairs.",
            results.synthetic,
        )
        paths.append(_save(fig, path_for(f"correlation_posteriors{f'_{wave}' if wave else ''}")))
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
        if row.get("diagnostics") in ("warn", "fail"):
            used["!"] = "! the model behind the cell has diagnostics warnings or failures"
    return {flag: used[flag] for flag in ("*", "†", "‡", "!") if flag in used}


def cell_text(row: dict) -> tuple[str, str, str]:
    """The three lines of a matrix cell: r with stars, 95% CrI, BF10 with flags."""
    flags = ""
    if row["bf10"] is not None and row["bf10"] >= 3:
        flags += "†"
    if row["bf10"] is not None and row["bf10"] <= 1 / 3:
        flags += "‡"
    if row.get("diagnostics") in ("warn", "fail"):
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
    """Per wave: the lower triangle as papers print it (r, 95% CrI, BF10 per cell, flags)."""
    plt = _pyplot()
    rows = results.correlations
    paths = []
    for wave in _waves(rows):
        subset = [r for r in rows if r.get("wave") == wave]
        names = list(
            dict.fromkeys(
                [
                    n
                    for r in subset
                    for n in (r.get("construct1", r["var1"]), r.get("construct2", r["var2"]))
                ]
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
            if i < j:
                i, j = j, i
            value = row.get("mcmc_median", row["r"])
            ax.add_patch(
                plt.Rectangle(
                    (j - 0.5, i - 0.5), 1, 1, color=cmap((value + 1) / 2), alpha=0.55, lw=0
                )
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
        legend = "; ".join(matrix_flags(subset).values())
        n_range = sorted({r["n"] for r in subset})
        n_text = f"n = {n_range[0]}" if len(n_range) == 1 else f"n = {n_range[0]}-{n_range[-1]}"
        _header(
            fig,
            f"Correlation matrix{f' at {wave}' if wave else ''} ({n_text}, complete pairs)",
            f"Cell: Pearson r with its significance; {results.level} credible interval of the "
            "joint model "
            f"({subset[0]['prior']}); BF10 of the exact test (stretched beta prior, kappa = "
            f"{subset[0]['kappa']:g}). Colour: posterior median. {legend}",
            results.synthetic,
        )
        fig.subplots_adjust(left=0.14, bottom=0.1)
        paths.append(_save(fig, path_for(f"correlation_matrix{f'_{wave}' if wave else ''}")))
    return paths


def _forest(ax, labels: list[str], series: list[tuple[str, str, list, list, list]]) -> None:
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
    plt = _pyplot()
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
            f"{r['var1']} ~ {r['var2']}" + ("" if r["diagnostics"] == "pass" else " !")
            for r in corr
        ]
        _forest(
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
            f"{r['outcome']}: {r['term']}" + ("" if r["diagnostics"] == "pass" else " !")
            for r in coef
        ]
        _forest(
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
        ax.legend(fontsize=7, loc="best")
    _header(
        fig,
        f"Differences between waves ({waves[0]} vs {waves[1]})",
        "A difference whose interval excludes 0 is a change between the waves; 'significant at "
        "24 months but not at 12' is not itself evidence of a change. ! = the model has "
        "diagnostics warnings or failures.",
        results.synthetic,
    )
    fig.subplots_adjust(left=0.25)
    return [_save(fig, path_for("wave_differences"))]


def _last_blocks(rows: list[dict]) -> dict[tuple, int]:
    """The last block of each (outcome, wave)."""
    last: dict[tuple, int] = {}
    for r in rows:
        key = (r["outcome"], r.get("wave"))
        last[key] = max(last.get(key, 0), r["block"])
    return last


def coefficient_forest(results: SpecResults, path_for) -> list[Path]:
    """Forest plot of the last block's standardized coefficients: posterior vs OLS."""
    rows = results.coefficients
    last = _last_blocks(rows)
    chosen = [r for r in rows if r["block"] == last[(r["outcome"], r.get("wave"))]]
    outcomes = list(dict.fromkeys(r["outcome"] for r in chosen))
    fig, axes = _grid(
        len(outcomes),
        columns=2,
        height=0.45 * max(sum(1 for r in chosen if r["outcome"] == o) for o in outcomes) + 0.9,
    )
    for ax, outcome in zip(axes, outcomes, strict=True):
        subset = [r for r in chosen if r["outcome"] == outcome]
        labels = [
            f"{r['term'].removesuffix('_' + str(r.get('wave')))}"
            + (f" ({r['wave']})" if r.get("wave") else "")
            + ("" if r.get("diagnostics") == "pass" else " !")
            for r in subset
        ]
        _forest(
            ax,
            labels,
            [
                (
                    f"posterior median, {results.level} CrI",
                    MCMC_COLOR,
                    [r["posterior_median"] for r in subset],
                    [r["ci_low"] for r in subset],
                    [r["ci_high"] for r in subset],
                ),
                (
                    f"OLS beta, {results.level} CI",
                    FREQ_COLOR,
                    [r["beta_std"] for r in subset],
                    [r["beta_std_ci_low"] for r in subset],
                    [r["beta_std_ci_high"] for r in subset],
                ),
            ],
        )
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
    axes[0].legend(fontsize=7, loc="best")
    _header(
        fig,
        "Standardized coefficients of the full model: Bayesian vs OLS",
        f"Prior: {results.entry.get('priors', {}).get('regressions_mcmc', 'see methods')}. "
        f"OLS: standardized beta with its t-based {results.level} CI. "
        "! = diagnostics warnings/failures.",
        results.synthetic,
    )
    fig.subplots_adjust(left=0.17, wspace=0.75, hspace=0.35)
    return [_save(fig, path_for("coefficient_forest"))]


def delta_r2_posteriors(results: SpecResults, path_for) -> list[Path]:
    """Posterior of ΔR² per block (and wave), with the classical ΔR² marked."""
    blocks = [b for b in results.blocks if b["block"] >= 1]
    grid = np.linspace(0, 1, 400)
    outcomes = list(dict.fromkeys(b["outcome"] for b in blocks))
    fig, axes = _grid(len(outcomes), columns=2, height=2.4)
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
            dens = _kde(np.concatenate([draws, -draws]), grid) * 2  # reflected at 0
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
        ax.set_yticks([])
        ax.set_title(outcome, fontsize=9, loc="left")
        ax.legend(fontsize=6, frameon=False)
        ax.tick_params(labelsize=7)
    _header(
        fig,
        "Posterior of ΔR² per block (vertical lines: classical ΔR²)",
        "Bayesian ΔR² per draw = variance explained by the block's terms beyond the earlier "
        "blocks, var((I - P_prev) mu) / (var(mu) + sigma²), at each draw of the full block "
        f"model. Prior: {results.entry.get('priors', {}).get('regressions_mcmc', '')}.",
        results.synthetic,
    )
    return [_save(fig, path_for("delta_r2"))]


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

    paths = []
    for model in worst_models(results):
        tree = results.tree(model, ("posterior", "sample_stats"))
        var_names = _headline_vars(tree["posterior"])
        coords = _lowest_ess_coords(tree["posterior"], var_names)
        for kind, plot in (("trace", az.plot_trace_dist), ("rank", az.plot_rank)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                extra = {"compact": False} if kind == "trace" else {}
                pc = plot(tree, var_names=var_names, coords=coords, backend="matplotlib", **extra)
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
            paths.append(_save(fig, path_for(f"{kind}_{model}")))
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
            _kde(rep, grid),
            color=MCMC_COLOR,
            alpha=0.15,
            lw=0.7,
            label=label if i == 0 else None,
        )
    ax.plot(grid, _kde(observed, grid), color="black", lw=1.6, label="observed")
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
        last = _last_blocks(results.blocks)
        for row in results.blocks:
            outcome, wave = row["outcome"], row.get("wave")
            if row["block"] != last[(outcome, wave)]:
                continue
            model = row.get("model") or f"{outcome}_block{row['block']}"
            panels.append((f"{outcome}" + (f" ({wave})" if wave else ""), model, wave))
    return panels


def _trees_for(results: SpecResults, models) -> dict:
    return {m: results.tree(m) for m in dict.fromkeys(models)}


def posterior_predictive(results: SpecResults, path_for) -> list[Path]:
    """Densities of 50 replicated data sets against the observed values, per variable."""
    panels = _predictive_panels(results)
    trees = _trees_for(results, [m for _, m, _ in panels])
    panels = [p for p in panels if "posterior_predictive" in trees[p[1]].children]
    if not panels:
        return []
    fig, axes = _grid(len(panels), columns=4)
    for ax, (label, model, column) in zip(axes, panels, strict=True):
        observed, replicated = _observed_and_replicates(
            trees[model], "posterior_predictive", column
        )
        _density_check(ax, observed, replicated, "replicated")
        ax.set_title(f"{label}\nn = {observed.size} observed", fontsize=8)
    axes[0].legend(fontsize=6.5, frameon=False)
    _header(
        fig,
        "Posterior predictive check (standardized scale)",
        "Black: observed values; blue: 50 data sets replicated from the posterior (the fitted "
        "model's normal or t likelihood). Systematic misfit (skew, heavy tails, floor effects) "
        "shows as black outside the blue band. Correlation models: one panel per variable, from "
        "the first model that holds it; regressions: the full block model's outcome.",
        results.synthetic,
    )
    return [_save(fig, path_for("posterior_predictive"))]


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
        fig, axes = _grid(len(rows), columns=6, height=1.6)
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
                f"{_pair_label(row)}" + (f" {row['wave']}" if row.get("wave") else ""), fontsize=7
            )
            ax.set_yticks([])
            ax.tick_params(labelsize=6)
        _header(
            fig,
            "Prior predictive check: correlations",
            f"Grey: sample correlations in data sets of the observed n drawn from the joint "
            f"model's prior ({rows[0]['prior']}); black: the observed r. An observed r far in "
            f"the tail would mean the prior rules out what was seen.",
            results.synthetic,
        )
        paths.append(_save(fig, path_for("prior_predictive_correlations")))
    if results.blocks:
        panels = [
            p
            for p in _predictive_panels(results)
            if p[1].rsplit("_block", 1)[0] in {b["outcome"] for b in results.blocks}
        ]
        trees = _trees_for(results, [m for _, m, _ in panels])
        panels = [p for p in panels if "prior_predictive" in trees[p[1]].children]
        if panels:
            fig, axes = _grid(len(panels), columns=4)
            for ax, (label, model, column) in zip(axes, panels, strict=True):
                observed, replicated = _observed_and_replicates(
                    trees[model], "prior_predictive", column
                )
                _density_check(ax, observed, replicated, "from the prior")
                ax.set_title(label, fontsize=8)
            axes[0].legend(fontsize=6.5, frameon=False)
            _header(
                fig,
                "Prior predictive check: outcomes (standardized scale)",
                "Blue: outcomes of 50 data sets drawn from the regression prior "
                f"({results.entry.get('priors', {}).get('regressions_mcmc', '')}) with the "
                "observed predictors; black: observed. The prior should allow the observed "
                "spread without piling mass on impossible values.",
                results.synthetic,
            )
            paths.append(_save(fig, path_for("prior_predictive_outcomes")))
    return paths


#: Every figure function, in report order, with the analysis it belongs to.
FIGURES = (
    ("correlations", "correlation_matrix", correlation_matrix),
    ("correlations", "correlation_posteriors", correlation_posteriors),
    ("regressions", "coefficient_forest", coefficient_forest),
    ("regressions", "delta_r2", delta_r2_posteriors),
    ("waves", "wave_differences", wave_differences),
    ("checks", "posterior_predictive", posterior_predictive),
    ("checks", "prior_predictive", prior_predictive),
    ("checks", "trace_and_rank", trace_and_rank),
)

#: Caption of each figure in the report.
CAPTIONS = {
    "correlation_matrix": "Correlation matrix as papers print it: Pearson r with stars, the "
    "joint model's {level} credible interval and the exact BF10 per cell; only flags that occur "
    "are in the legend.",
    "correlation_posteriors": "Prior and posterior of each correlation: MCMC (joint model) "
    "and its prior, against the exact posterior and the Pearson estimate with its {level} CI.",
    "coefficient_forest": "Standardized coefficients of the full block model: posterior "
    "median and {level} CrI beside OLS beta and {level} CI.",
    "delta_r2": "Posterior of ΔR² for each block, with the classical ΔR² marked.",
    "wave_differences": "Change between the waves, with intervals.",
    "posterior_predictive": "Posterior predictive check.",
    "prior_predictive": "Prior predictive check.",
    "trace_and_rank": "Trace and rank plots (ArviZ).",
}
