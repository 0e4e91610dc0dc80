"""The informed-prior and replication lines of the text output (``bayes-peer correlate
--prior-rho ... --replication-of ...``): each pair's evidence for "as in the literature"
against rho = 0 and against the default prior, the posterior under the informed prior, how
probable a similar rho is, and the replication Bayes factor, with the priors in words."""

from __future__ import annotations

from bayes_peer.report.format import fmt_bf_text, fmt_interval, fmt_num


def informed_lines(record: dict, pairs: list[dict]) -> list[str]:
    """The lines (empty when no informed prior or original study was given)."""
    lines: list[str] = []
    if record.get("prior_informed"):
        lines += ["", record["prior_informed"][0].upper() + record["prior_informed"][1:]]
        for pair in pairs:
            label = f"{pair['var1']} ~ {pair['var2']}" if "var1" in pair else "r"
            lines.append(
                f"{label}: BF(informed vs rho = 0) = {fmt_bf_text(pair['bf10_informed'])}; "
                f"BF(informed vs default) = {fmt_bf_text(pair['bf_informed_default'])}; "
                f"informed posterior median {fmt_num(pair['informed_median'])} "
                f"{fmt_interval(pair['informed_ci_low'], pair['informed_ci_high'])}; "
                f"P(|rho - {pair['similar_center']:.3f}| < {pair['similar_delta']:g} | data) = "
                f"{fmt_num(pair['p_similar'])} under the default prior"
            )
    if record.get("prior_replication"):
        lines += ["", record["prior_replication"][0].upper() + record["prior_replication"][1:]]
        for pair in pairs:
            label = f"{pair['var1']} ~ {pair['var2']}" if "var1" in pair else "r"
            lines.append(f"{label}: BF_rep = {fmt_bf_text(pair['bf_rep'])}")
    return lines
