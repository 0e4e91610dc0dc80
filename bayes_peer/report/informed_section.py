"""The report's "Compared with non-peer care" section: for every correlation with an informed
prior (an ``[informed]`` spec table, or ``--prior-rho``), the evidence for "as in the
literature" against rho = 0 and against "anything" (the default prior), the posterior under the
literature's prior, how probable a similar rho is, what n can tell at all (the design analysis
at the literature's value), and the figure."""

from __future__ import annotations

from bayes_peer.analyses.sensitivity_exact import evidence_category
from bayes_peer.report.format import cell_estimate, cell_prob, fmt_bf_text
from bayes_peer.report.plots.informed import informed_rows
from bayes_peer.report.plots.matrix import pair_label
from bayes_peer.report.render import table_row


def similarity_reading(bf: float | None) -> str:
    """BF(informed vs default) in words (Jeffreys' bands at 3 and 1/3)."""
    if bf is None:
        return ""
    return {
        "H1": "favours 'as in non-peer care'",
        "H0": "favours 'anything' over 'as in non-peer care'",
        "inconclusive": "cannot tell them apart",
    }[evidence_category(bf)]


def design_sentence(row: dict) -> str:
    """One design-analysis row in words."""
    wave = f" ({row['wave']})" if row.get("wave") else ""
    return (
        f"At n = {row['n']}{wave}, if rho were the literature's {row['rho']:.3f}, the "
        f"informed-vs-default BF would exceed {row['threshold']:g} with probability "
        f"{row['p_bf_gt']:.2f} and fall below 1/{row['threshold']:g} with probability "
        f"{row['p_bf_lt_inverse']:.2f} (inconclusive otherwise: {row['p_inconclusive']:.2f})."
    )


def informed_section(spec, add_figures) -> list[tuple]:
    """The section's blocks (none without informed rows)."""
    rows = informed_rows(spec.correlations)
    if not rows:
        return []
    prior = spec.entry.get("priors", {}).get("correlations_informed", "")
    first = rows[0]
    blocks: list[tuple] = [
        ("h3", "Compared with non-peer care"),
        (
            "p",
            "Is the peer alliance tied to outcomes as the alliance is in non-peer care? "
            f"Hypotheses about rho: 'as in the literature' ({prior or 'the informed prior'}), "
            "'anything' (the default prior of the Bayes factors above) and rho = 0. "
            "BF(inf vs 0) and BF(inf vs default) are exact; P(similar) is the default "
            f"posterior's probability that |rho - {first['similar_center']:.3f}| < "
            f"{first['similar_delta']:g}.",
        ),
    ]
    table = []
    for r in rows:
        wave = r.get("wave") or ""
        table.append(
            table_row(
                [
                    pair_label(r),
                    wave,
                    f"{r['r']:.2f}".replace("0.", ".", 1),
                    fmt_bf_text(r["bf10"]),
                    fmt_bf_text(r["bf10_informed"]),
                    fmt_bf_text(r["bf_informed_default"]),
                    cell_estimate(
                        r["informed_median"],
                        r["informed_ci_low"],
                        r["informed_ci_high"],
                        leading_zero=False,
                    ),
                    cell_prob(r["p_similar"]),
                    similarity_reading(r["bf_informed_default"]),
                ]
            )
        )
    header = [
        "pair",
        "wave",
        "r",
        "BF10 (default)",
        "BF(inf vs 0)",
        "BF(inf vs default)",
        f"informed posterior [{spec.level} CrI]",
        "P(similar)",
        "reading",
    ]
    blocks.append(("table", header, table))
    design = spec.similarity_design or []
    if design:
        blocks.append(
            (
                "p",
                "What these samples can tell: "
                + " ".join(design_sentence(d) for d in design)
                + " These are the chances when rho equals the "
                "literature's value; the default prior also spreads mass over large |rho|, which "
                "data of a weak correlation refute, so a BF(inf vs default) above 3 says 'closer "
                "to the literature than to anything', not that rho equals .278.",
            )
        )
    blocks += add_figures("informed")
    return blocks
