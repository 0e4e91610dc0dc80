"""Text tables of Bayesian model averaging (``bayes-peer regress --bma``), as JASP's: the top
models, the inclusion table with model-averaged coefficients, and the forced covariates."""

from __future__ import annotations

from bayes_peer.report.format import fmt_bf, fmt_coef, fmt_num, level, term_text


def _interval(low, high) -> str:
    return f"[{fmt_coef(low)}, {fmt_coef(high)}]"


#: Models the text output lists (the JSON holds every model).
TOP_MODELS = 10


def render_bma(record: dict) -> str:
    """The text output of ``regress --bma`` for its record."""
    from bayes_peer.report.text_tables import table

    ci = level(record["ci_prob"])
    forced = record["forced"]
    lines = []
    if record.get("synthetic"):
        lines.append(
            "SYNTHETIC DATA: the shipped demo study is simulated; its numbers are not the paper's."
        )
    lines += [
        f"Bayesian model averaging: {record['outcome']} on {len(record['candidates'])} "
        f"candidates ({record['n_models']} models)"
        + (f", {', '.join(forced)} forced into every model" if forced else ""),
        f"Data: {record['source']}; {record['n_used']} of {record['n_rows']} rows complete "
        f"({len(record['dropped'])} left out for missing values); coefficients in "
        f"{record['units']} units",
        f"Prior: {record['prior']}",
        "",
        f"Top models (of {record['n_models']}; BF against the "
        + ("forced-only" if forced else "intercept-only")
        + " model):",
    ]
    rows = [
        [
            " + ".join(m["candidates"]) or ("(forced only)" if forced else "(null)"),
            fmt_num(m["prior_prob"]),
            fmt_num(m["post_prob"]),
            fmt_bf(m["bf_m"]),
            fmt_bf(m["bf"], m["log_bf"]),
            fmt_num(m["r2"]),
        ]
        for m in record["models"][:TOP_MODELS]
    ]
    lines.append(table(["model", "P(M)", "P(M|data)", "BF_M", "BF10", "R²"], rows))
    lines += [
        "",
        f"Inclusion and model-averaged coefficients ({ci} CrI, equal-tailed; the "
        "point mass at 0 of the models without the term included):",
    ]
    lines.append(inclusion_table(record))
    levels = [r for r in record.get("coefficients") or [] if r.get("level") and not r["forced"]]
    if levels:
        rows = [
            [
                term_text(r),
                f"vs {r['reference']}",
                fmt_coef(r["mean"]),
                fmt_coef(r["sd"]),
                _interval(r["ci_low"], r["ci_high"]),
            ]
            for r in levels
        ]
        lines += [
            "",
            "Model-averaged coefficients of the factors' levels:",
            table(["term", "reference", "mean", "SD", f"{ci} CrI"], rows),
        ]
    if record["forced_coefficients"]:
        rows = [
            [
                term_text(r),
                fmt_coef(r["mean"]),
                fmt_coef(r["sd"]),
                _interval(r["ci_low"], r["ci_high"]),
            ]
            for r in record["forced_coefficients"]
        ]
        lines += [
            "",
            "Forced covariates (in every model):",
            table(["term", "mean", "SD", f"{ci} CrI"], rows),
        ]
    if record["omitted_mass"] > 0:
        lines.append(
            f"The least probable models (together {record['omitted_mass']:.1e} "
            "of the posterior mass, at most 1e-8) are left out of the averaged "
            "coefficients."
        )
    return "\n".join(lines)


def inclusion_table(record: dict) -> str:
    """Inclusion probabilities and BFs with the model-averaged coefficients, one line per term."""
    from bayes_peer.report.text_tables import table

    rows = [
        [
            r["term"],
            fmt_num(r["p_prior"]),
            fmt_num(r["p_incl"]),
            fmt_bf(r["bf_incl"], r["log_bf_incl"]),
            fmt_coef(r["mean"]),
            fmt_coef(r["sd"]),
            _interval(r["ci_low"], r["ci_high"]),
        ]
        for r in record["inclusion"]
    ]
    return table(
        [
            "term",
            "P(incl)",
            "P(incl|data)",
            "BF_incl",
            "mean",
            "SD",
            f"{level(record['ci_prob'])} CrI",
        ],
        rows,
    )
