"""The report's rank-correlation section: Kendall's tau-b beside Pearson's r for each pair."""

from __future__ import annotations

from bayes_peer.analyses.sensitivity_exact import evidence_category
from bayes_peer.report.format import cell_estimate, cell_p, fmt_bf_text
from bayes_peer.report.render import table_row
from bayes_peer.report.results import SpecResults

_WORDS = {
    "H1": "evidence for a correlation",
    "H0": "evidence for none",
    "inconclusive": "inconclusive",
}


def rank_reading(pearson_bf: float | None, kendall_bf: float) -> str:
    """Whether the rank correlation tells the same story as Pearson's (evidence categories at
    BF 3 and 1/3)."""
    rank = evidence_category(kendall_bf)
    if pearson_bf is None:
        return _WORDS[rank]
    linear = evidence_category(pearson_bf)
    if rank == linear:
        return f"agrees with Pearson: {_WORDS[rank]}"
    return f"differs: Pearson {_WORDS[linear]}, Kendall {_WORDS[rank]}"


def kendall_section(spec: SpecResults) -> list[tuple]:
    """Kendall's tau-b (exact Bayes factor and posterior, frequentist tau-b and p) per pair and
    wave, with Pearson's exact BF beside it and whether the two agree."""
    rows = spec.kendall or []
    if not rows:
        return []
    pearson = {(r["var1"], r["var2"]): r for r in spec.correlations or []}
    table = []
    for row in rows:
        linear = pearson.get((row["var1"], row["var2"]))
        pearson_bf = linear["bf10"] if linear else None
        pair = (
            f"{row['construct1']} ~ {row['construct2']}"
            if row.get("construct1")
            else f"{row['var1']} ~ {row['var2']}"
        )
        table.append(
            table_row(
                [
                    pair,
                    row.get("wave") or "",
                    row["n"],
                    cell_estimate(row["tau_b"], row["freq_ci_low"], row["freq_ci_high"], 2, False),
                    cell_p(row["p_value"]),
                    cell_estimate(row["posterior_median"], row["ci_low"], row["ci_high"], 2, False),
                    fmt_bf_text(row["bf10"]),
                    fmt_bf_text(pearson_bf),
                    rank_reading(pearson_bf, row["bf10"]),
                ]
            )
        )
    differ = sum(1 for r in table if "differs" in r["cells"][-1])
    return [
        ("h3", "Rank correlations: Kendall's tau-b beside Pearson's r"),
        (
            "p",
            "A rank correlation is the usual check when a variable is a count with ties and "
            "outliers (the number of contacts). tau-b: Kendall's tau with ties, Fieller-Hartley-"
            f"Pearson {spec.level} CI and the p of R's cor.test (exact without ties and n < 50, "
            f"else normal); τ: exact posterior median and {spec.level} CrI; BF10 (τ): van Doorn, "
            f"Ly, Marsman & Wagenmakers (2018), stretched beta prior of width kappa = "
            f"{rows[0]['kappa']:g} carried over from ρ to τ; BF10 (r): Pearson's exact BF with "
            "the same width. "
            + (
                f"{differ} of {len(rows)} pairs change evidence category between the two."
                if differ
                else "Every pair tells the same story under both."
            ),
        ),
        *(
            [
                (
                    "list",
                    [
                        f"{r['cells'][0]}{' at ' + r['cells'][1] if r['cells'][1] else ''}: "
                        f"{r['cells'][-1]} (BF10 {r['cells'][6]} for τ, {r['cells'][7]} for r)"
                        for r in table
                        if "differs" in r["cells"][-1]
                    ],
                )
            ]
            if differ
            else []
        ),
        (
            "details",
            "Kendall's tau-b of every pair (table)",
            [
                (
                    "table",
                    [
                        "pair",
                        "wave",
                        "n",
                        f"tau-b [{spec.level} CI]",
                        "p",
                        f"τ [{spec.level} CrI]",
                        "BF10 (τ)",
                        "BF10 (r)",
                        "reading",
                    ],
                    table,
                )
            ],
        ),
    ]
