"""The "The paper's claims" table at the top of a demo report (and of ``demo --exact``'s
``summary.md``): each of the abstract's four claims, the analysis that tests it and its
evidence in one line (:func:`bayes_peer.analyses.claims.paper_claims`)."""

from __future__ import annotations

from bayes_peer.analyses.claims import paper_claims
from bayes_peer.report.render import table_row

INTRO = (
    "The abstract's four claims, the analysis of this report that tests each, and what it "
    "shows (evidence words: Jeffreys' bands, BF > 3 and < 1/3)."
)


def claims_blocks(specs) -> list[tuple]:
    """The section's blocks from a results folder's specs (participant rows only); none when
    the tables lack the alliance ~ contacts pair."""
    correlations, blocks, contrasts = [], [], []
    for spec in specs:
        if spec.entry.get("tables"):  # published tables: no cross-wave or participant rows
            continue
        correlations += spec.correlations or []
        blocks += spec.blocks or []
        contrasts += spec.correlation_contrasts or []
    rows = paper_claims(correlations, blocks, contrasts)
    if not rows:
        return []
    table = [table_row([r["claim"], r["analysis"], r["evidence"]]) for r in rows]
    return [
        ("h2", "The paper's claims"),
        ("p", INTRO),
        ("table", ["claim", "tested by", "evidence"], table),
    ]


def claims_markdown(correlations: list[dict], blocks: list[dict]) -> str:
    """The same table in Markdown (``summary.md`` of the exact demo)."""
    rows = paper_claims(correlations, blocks)
    if not rows:
        return ""
    lines = [
        "\n## The paper's claims\n",
        INTRO + "\n",
        "| claim | tested by | evidence |",
        "|---|---|---|",
    ]
    lines += [f"| {r['claim']} | {r['analysis']} | {r['evidence']} |" for r in rows]
    return "\n".join(lines) + "\n"
