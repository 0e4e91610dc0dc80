"""The report's model-averaging section: inclusion probabilities and BFs per term beside the
blocked analysis, with a reading of what the block order assumed."""

from __future__ import annotations

from bayes_peer.report.format import cell_num, cell_prob, fmt_bf_text, fmt_coef
from bayes_peer.report.render import table_row
from bayes_peer.report.results import SpecResults


def _terms(value) -> list[str]:
    if isinstance(value, list):
        return value
    return [t for t in str(value or "").split(";") if t]


def _strip(term: str, wave) -> str:
    return term.removesuffix(f"_{wave}") if wave else term


def block_order_reading(spec: SpecResults, outcome: str, wave) -> str | None:
    """'The block order enters X last, after Y; its block BF is b. Averaging over every subset
    gives ...' for one outcome and wave (None without a blocked analysis to compare)."""
    rows = [
        r for r in spec.bma_inclusion or [] if r["outcome"] == outcome and r.get("wave") == wave
    ]
    blocks = sorted(
        (b for b in spec.blocks or [] if b["outcome"] == outcome and b.get("wave") == wave),
        key=lambda b: b["block"],
    )
    if not rows or len(blocks) < 2:
        return None
    last, earlier = blocks[-1], blocks[:-1]
    last_terms = [_strip(t, wave) for t in _terms(last["terms"])]
    before = [_strip(t, wave) for b in earlier for t in _terms(b["terms"])]
    by_term = {r["construct"]: r for r in rows}
    averaged = "; ".join(
        f"{t}: P(incl | data) = {by_term[t]['p_incl']:.2f}, BF_incl = "
        f"{fmt_bf_text(by_term[t]['bf_incl'])}"
        for t in last_terms
        if t in by_term
    )
    best = next(
        (
            m
            for m in spec.bma_models or []
            if m["outcome"] == outcome and m.get("wave") == wave and m["rank"] == 1
        ),
        None,
    )
    top = ""
    if best is not None:
        names = [_strip(t, wave) for t in _terms(best["terms"])]
        top = (
            f" The most probable model holds {', '.join(names) or 'no term'} "
            f"(P = {best['post_prob']:.2f})."
        )
    where = f" at {wave}" if wave else ""
    subsets = 2 ** len(rows)
    return (
        f"{outcome}{where}: the block order enters {', '.join(last_terms)} last, after "
        f"{', '.join(before)}, and its block BF is {fmt_bf_text(last['bf_block'])}; "
        f"averaging over all {subsets} subsets of the terms gives {averaged}." + top
    )


def averaging_section(spec: SpecResults, add_figures) -> list[tuple]:
    """Inclusion table, readings and the inclusion-probability figure."""
    rows = spec.bma_inclusion or []
    if not rows:
        return []
    table = [
        table_row(
            [
                r["outcome"],
                r.get("wave") or "",
                r["construct"],
                r["n_used"],
                cell_num(r["p_prior"], 2),
                cell_prob(r["p_incl"]),
                fmt_bf_text(r["bf_incl"]),
                f"{fmt_coef(r['mean'])} [{fmt_coef(r['ci_low'])}, {fmt_coef(r['ci_high'])}]",
            ]
        )
        for r in rows
    ]
    keys = list(dict.fromkeys((r["outcome"], r.get("wave")) for r in rows))
    readings = [text for o, w in keys if (text := block_order_reading(spec, o, w))]
    forced = sorted({r["forced"] for r in rows if r.get("forced")})
    prior = spec.entry.get("priors", {}).get("model_averaging", "")
    blocks = [
        ("h3", "Which predictors matter: Bayesian model averaging"),
        (
            "p",
            "A blocked regression answers one question in one order. Model averaging weighs "
            "every subset of the blocks' terms by its posterior probability instead (exact "
            f"enumeration; {prior}). P(incl | data): posterior inclusion probability; BF_incl: "
            "change from prior to posterior inclusion odds; mean and CrI: the model-averaged "
            f"coefficient (raw units), its {spec.level} interval including the point mass at 0 of "
            "the models without the term"
            + (f"; forced into every model: {', '.join(forced)}." if forced else "."),
        ),
    ]
    if readings:
        blocks.append(("list", readings))
    blocks += add_figures("averaging")
    blocks.append(
        (
            "details",
            "Inclusion probabilities, inclusion BFs and model-averaged "
            "coefficients of every term (table)",
            [
                (
                    "table",
                    [
                        "outcome",
                        "wave",
                        "term",
                        "n",
                        "P(incl)",
                        "P(incl | data)",
                        "BF_incl",
                        f"mean [{spec.level} CrI]",
                    ],
                    table,
                )
            ],
        )
    )
    return blocks
