"""The model-averaging figure: posterior inclusion probability of each term, per outcome and
wave, against its prior inclusion probability."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bayes_peer.report.format import fmt_bf_text
from bayes_peer.report.results import SpecResults
from bayes_peer.report.style import figure_header, header_legend, panel_grid, save_figure


def inclusion_probabilities(results: SpecResults, path_for) -> list[Path]:
    """Horizontal bars of P(incl | data) per term (one bar per wave), the prior inclusion
    probability as a dashed line, and the inclusion BF written beside each bar."""
    rows = results.bma_inclusion or []
    if not rows:
        return []
    outcomes = list(dict.fromkeys(r["outcome"] for r in rows))
    terms = list(dict.fromkeys(r["construct"] for r in rows))
    waves = list(dict.fromkeys(r.get("wave") for r in rows))
    height = 0.32 * len(terms) * len(waves) + 0.8
    fig, axes = panel_grid(len(outcomes), columns=2, height=height)
    bar = 0.8 / len(waves)
    for ax, outcome in zip(axes, outcomes, strict=True):
        for w, wave in enumerate(waves):
            subset = {r["construct"]: r for r in rows
                      if r["outcome"] == outcome and r.get("wave") == wave}  # fmt: skip
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
    figure_header(
        fig,
        "Which terms matter: posterior inclusion probabilities (Bayesian model averaging)",
        f"Every subset of the blocks' terms, n = complete rows per outcome and wave; dashed line: "
        f"prior inclusion probability {prior:.2g}; BF = inclusion Bayes factor. "
        + (f"Forced into every model: {', '.join(forced)}. " if forced else "")
        + f"Prior: {results.entry.get('priors', {}).get('model_averaging', 'see methods')}.",
        results.synthetic,
    )
    fig.subplots_adjust(left=0.15, right=0.93, wspace=0.55, hspace=0.55)
    header_legend(fig, axes[0])
    return [save_figure(fig, path_for("inclusion_probabilities"))]
