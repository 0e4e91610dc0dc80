"""The "compared with non-peer care" figure: each informed pair's posterior under the default
prior and under the literature's informed prior, beside the Pearson CI and the literature's
interval (the informed prior's 95% on rho)."""

from __future__ import annotations

import math

from bayes_peer.report.plots.canvas import frame
from bayes_peer.report.plots.matrix import forest, pair_label
from bayes_peer.report.style import DPI, EXACT_COLOR, FREQ_COLOR, MCMC_COLOR, WIDTH, pyplot


def informed_rows(rows: list[dict] | None) -> list[dict]:
    """The correlation rows that carry the informed-prior keys."""
    return [r for r in rows or [] if r.get("bf10_informed") is not None]


def draw_literature(view):
    """Posterior of rho (default and informed prior) beside the literature's interval."""
    plt = pyplot()
    rows = informed_rows(view.correlations)
    if not rows:
        return None
    mu, sd = rows[0]["informed_prior_mu"], rows[0]["informed_prior_sd"]
    low, centre, high = (math.tanh(mu + k * 1.96 * sd) for k in (-1, 0, 1))
    fig, ax = plt.subplots(figsize=(WIDTH, 1.6 + 0.42 * len(rows)), dpi=DPI)
    ax.axvspan(low, high, color="0.88", zorder=0, label="the literature's 95% interval (prior)")
    ax.axvline(centre, color="0.45", lw=1.0, ls="--", label=f"literature: rho = {centre:.3f}")
    labels = [pair_label(r) + (f" ({r['wave']})" if r.get("wave") else "") for r in rows]
    level = view.level
    forest(
        ax,
        labels,
        [
            (
                f"posterior, default prior (exact), {level} CrI",
                EXACT_COLOR,
                [r["posterior_median"] for r in rows],
                [r["ci_low"] for r in rows],
                [r["ci_high"] for r in rows],
            ),
            (
                f"posterior, informed prior (exact), {level} CrI",
                MCMC_COLOR,
                [r["informed_median"] for r in rows],
                [r["informed_ci_low"] for r in rows],
                [r["informed_ci_high"] for r in rows],
            ),
            (
                f"Pearson r, {level} CI",
                FREQ_COLOR,
                [r["r"] for r in rows],
                [r.get("freq_ci_low") for r in rows],
                [r.get("freq_ci_high") for r in rows],
            ),
        ],
    )
    ax.set_xlim(-1, 1)
    ax.set_xlabel("rho", fontsize=8)
    n = sorted({int(r["n"]) for r in rows})
    subtitle = (
        f"Informed prior: Fisher's z ~ Normal({mu:.4g}, {sd:.4g}²); n = "
        f"{', '.join(map(str, n))}; BF(informed vs default) and P(similar) in the "
        "table"
    )
    return frame(
        fig,
        "Correlations beside the literature's value",
        subtitle,
        bool(getattr(view, "synthetic", False)),
    )
