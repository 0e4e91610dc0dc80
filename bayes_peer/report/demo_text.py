"""``summary.md`` of the exact demo (``bayes-peer demo --exact``): its notice, data, priors and
every table, in the order the demo computed them."""

from __future__ import annotations

from bayes_peer.report.averaging_text import inclusion_table
from bayes_peer.report.claims import claims_markdown
from bayes_peer.report.informed_section import design_sentence
from bayes_peer.report.text import SYNTHETIC_NOTICE
from bayes_peer.report.text_tables import block_table, coefficient_table, correlation_table


def render_exact_demo(run: dict, sections: list[dict]) -> str:
    """``summary.md`` of the exact demo: its notice, data, priors and every table."""
    text = [
        f"# Demo reanalysis (exact + frequentist)\n\n**{SYNTHETIC_NOTICE}**\n",
        f"Data: `{run['data']['file']}`, {run['data']['rows']} participants, seed "
        f"{run['demo_seed']}.\n",
        f"Correlation prior: {run['priors']['correlation']}.\n",
        f"Regression prior: {run['priors']['regression']}.\n",
        f"Model-averaging prior: {run['priors']['model_averaging']}.\n",
    ]
    for section in sections:
        if section["kind"] == "claims":
            text.append(claims_markdown(section["correlations"], section["blocks"]))
            design = run.get("similarity_design")
            if design:
                text.append(
                    f"\nInformed prior of claim 4: {run['priors']['informed']}. "
                    + " ".join(design_sentence(d) for d in design)
                    + "\n"
                )
        elif section["kind"] == "correlations":
            text.append(
                f"\n## Correlations at {section['wave']} (n = pairwise-complete rows)\n\n```\n"
            )
            text.append(correlation_table(section["pairs"]) + "\n```\n")
        elif section["kind"] == "bma":
            forced = f"; {', '.join(section['forced'])} in every model" if section["forced"] else ""
            text.append(
                f"\n## {section['outcome']}: model averaging over "
                f"{', '.join(section['candidates'])} ({section['n_models']} models"
                f"{forced})\n\n```\n"
            )
            text.append(inclusion_table(section) + "\n```\n")
        elif section["kind"] == "kendall":
            text.append(
                f"\n## Kendall's tau-b at {section['wave']} (ranks, ties as tau-b; "
                f"prior: {run['priors']['kendall']})\n\n```\n"
            )
            text.append(correlation_table(section["pairs"]) + "\n```\n")
        else:
            text.append(
                f"\n## {section['outcome']}: blocked regression ({section['n_used']} of "
                f"{section['n_rows']} rows complete; {len(section['dropped'])} left out for "
                "missing values)\n\n```\n"
            )
            text.append(block_table(section["blocks"], ci_prob=0.95) + "\n\n")
            text.append(coefficient_table(section["coefficients"]) + "\n```\n")
    return "".join(text)
