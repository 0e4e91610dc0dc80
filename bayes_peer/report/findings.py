"""The report's first section: the few headline numbers of every analysis, each with its prior
and interval, where the Bayesian and frequentist readings agree or disagree, and the
diagnostics verdict, before any detail.

Headlines are chosen by rule, not by hand: the correlations with at least moderate evidence
either way (BF10 >= 3 or <= 1/3, Jeffreys' bounds) and every disagreement with the p-value;
changes between waves whose interval excludes 0; the last block of every blocked regression
(the paper's question) with its model-averaged inclusion probability when averaging ran.
"""

from __future__ import annotations

from bayes_peer.report.compare import (
    block_comparison,
    correlation_comparison,
    evidence_category,
)
from bayes_peer.report.comparison_sections import verdict_of
from bayes_peer.report.format import (
    cell_estimate,
    cell_p,
    cell_prob,
    fmt_bf_text,
    fmt_p_apa,
    fmt_stat,
)
from bayes_peer.report.render import table_row
from bayes_peer.report.results import SpecResults

#: Correlations named per analysis before the rest are counted.
NAMED = 4


def _at(row: dict) -> str:
    return f" at {row['wave']}" if row.get("wave") else ""


def _correlation_line(row: dict) -> str:
    c = correlation_comparison(row)
    text = f"{c['pair']}{_at(row)}: r = {fmt_stat(c['r'], 2, False)}, {fmt_p_apa(c['p_value'])}"
    if c["median"] is not None:
        text += f"; ρ = {cell_estimate(c['median'], c['cri_low'], c['cri_high'], 2, False)}"
    return text + f"; BF10 = {fmt_bf_text(c['bf10'])}"


def correlation_findings(spec: SpecResults) -> list[str]:
    """Bullet lines on the correlations: evidence for, evidence against, disagreements."""
    rows = spec.correlations or []
    if not rows:
        return []
    kappa = rows[0]["kappa"]
    strong = sorted((r for r in rows if r["bf10"] >= 3), key=lambda r: -r["bf10"])
    null = [r for r in rows if r["bf10"] <= 1 / 3]
    lines = [
        f"{len(strong)} of {len(rows)} correlations have at least moderate evidence for a "
        f"correlation (BF10 ≥ 3; exact BF, stretched beta prior kappa = {kappa:g}) and "
        f"{len(null)} at least moderate evidence for none (BF10 ≤ 1/3); the rest are "
        "inconclusive at this n."
    ]
    if strong:
        named = "; ".join(_correlation_line(r) for r in strong[:NAMED])
        more = f" (and {len(strong) - NAMED} more)" if len(strong) > NAMED else ""
        lines.append(f"Strongest: {named}{more}.")
    differ = ("Disagree", "Partly")
    disagree = [r for r in rows if correlation_comparison(r)["reading"].startswith(differ)]
    if disagree:
        lines.append(
            f"Bayesian and frequentist readings differ for {len(disagree)}: "
            + "; ".join(_correlation_line(r) for r in disagree[:NAMED])
            + (f" (and {len(disagree) - NAMED} more)" if len(disagree) > NAMED else "")
            + ". A p below .05 with a BF under 3 is weak evidence, not a finding."
        )
    else:
        lines.append("The Bayesian and frequentist readings agree for every pair.")
    changes = [
        r for r in spec.correlation_contrasts or [] if r["diff_ci_low"] > 0 or r["diff_ci_high"] < 0
    ]
    if spec.correlation_contrasts:
        named = "; ".join(
            f"{r['var1']} ~ {r['var2']}: {r['wave_b']} − {r['wave_a']} = "
            f"{cell_estimate(r['diff_median'], r['diff_ci_low'], r['diff_ci_high'], 2, False)}"
            for r in changes
        )
        lines.append(
            f"Change between waves: {len(changes)} of {len(spec.correlation_contrasts)} "
            f"correlations changed ({spec.level} CrI of the difference excludes 0)"
            + (f": {named}." if changes else ".")
            + " 'Significant at one wave, not at the other' is not itself a change."
        )
    return lines


def regression_findings(spec: SpecResults) -> list[tuple]:
    """A table of the last block of every regression (ΔR², F-change p, block BF, and the
    inclusion probability of its terms when model averaging ran)."""
    blocks = [b for b in spec.blocks or [] if b["block"] >= 1]
    if not blocks:
        return []
    last: dict[tuple, dict] = {}
    for b in blocks:
        key = (b["outcome"], b.get("wave"))
        if b["block"] > last.get(key, {"block": 0})["block"]:
            last[key] = b
    inclusion = {(r["outcome"], r.get("wave"), r["construct"]): r for r in spec.bma_inclusion or []}
    rows = []
    for (outcome, wave), b in last.items():
        terms = str(b["terms"]).split(";")
        names = [t.removesuffix(f"_{wave}") if wave else t for t in terms]
        incl = [inclusion.get((outcome, wave, n)) for n in names]
        p_incl = ", ".join(cell_prob(i["p_incl"]) for i in incl if i) or "—"
        c_bf = fmt_bf_text(b["bf_block"])
        verdict = verdict_of(block_comparison(b)["reading"])
        verdict += f": {evidence_category(b['bf_block'])}"
        rows.append(
            table_row(
                [
                    outcome,
                    wave or "",
                    ", ".join(names),
                    b["n"],
                    fmt_stat(b["delta_r2"], 3, False),
                    cell_p(b["p_change"]),
                    c_bf,
                    p_incl,
                    verdict,
                    b.get("diagnostics") or "",
                ],
                b.get("diagnostics"),
            )
        )
    rscale = blocks[0].get("rscale")
    prior = f"JZS r = {rscale:.3g}" if rscale else "JZS"
    return [
        (
            "p",
            f"The last block of each blocked regression: its ΔR² and F-change p beside its "
            f"Bayes factor ({prior}) and, with model averaging, the posterior probability that "
            "the term belongs in the model whatever the block order.",
        ),
        (
            "table",
            [
                "outcome",
                "wave",
                "last block",
                "n",
                "ΔR²",
                "p",
                "BF10 (block)",
                "P(incl | data)",
                "reading",
                "fit",
            ],
            rows,
        ),
    ]


def diagnostics_line(specs: list[SpecResults]) -> str:
    """How many fits passed, warned and failed, and what the warnings are about."""
    rows = [d for s in specs for d in s.diagnostics]
    if not rows:
        return (
            "No MCMC model was fitted: every number comes from the exact and frequentist "
            "layers (no sampler diagnostics apply)."
        )
    counts = {v: sum(1 for d in rows if d["verdict"] == v) for v in ("pass", "warn", "fail")}
    loo_only = all(
        "Pareto k" in str(d.get("reasons") or "") for d in rows if d["verdict"] == "warn"
    )
    text = (
        f"Diagnostics: {len(rows)} fitted models, {counts['pass']} pass, {counts['warn']} "
        f"warn, {counts['fail']} fail."
    )
    if counts["warn"] and loo_only:
        text += (
            " Every warning is a PSIS-LOO Pareto k above its threshold: LOO is unreliable "
            "for a few participants of those models; their posteriors are not affected "
            "(details under each analysis' model checks)."
        )
    if counts["fail"]:
        text += " Numbers from failed fits are marked 'fail' wherever they appear."
    return text


def key_findings(specs: list[SpecResults]) -> list[tuple]:
    """The Key findings section."""
    blocks: list[tuple] = [("h2", "Key findings"), ("p", diagnostics_line(specs))]
    for spec in specs:
        title = spec.entry.get("title") or spec.name
        lines = correlation_findings(spec)
        table = regression_findings(spec)
        if not lines and not table:
            continue
        blocks.append(("h3", title))
        if lines:
            blocks.append(("list", lines))
        blocks += table
    return blocks
