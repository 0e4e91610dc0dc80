"""The text output of every command (its tables from :mod:`bayes_peer.report.text_tables`,
numbers formatted by :mod:`bayes_peer.report.format`)."""

from __future__ import annotations

from bayes_peer.report.format import (
    bf_name,
    fmt_bf,
    term_text,
)
from bayes_peer.report.informed_text import informed_lines
from bayes_peer.report.text_tables import (
    block_table,
    coefficient_table,
    contrast_table,
    correlation_table,
    mcmc_coefficient_table,
    mcmc_correlation_table,
)

SYNTHETIC_NOTICE = (
    "SYNTHETIC DATA: the shipped demo study is simulated from a documented generating "
    "process; its numbers are not the paper's."
)
SYNTHETIC_TABLE_NOTICE = (
    "SYNTHETIC DATA: the table says its numbers are synthetic (the shipped tables are derived "
    "from the simulated demo study); they are not the paper's."
)


# ------------------------------------------------------------------------------ whole results
def _lines(*groups) -> str:
    return "\n".join(line for group in groups for line in group)


def fit_notes(record: dict, alternative: str = "two-sided") -> list[str]:
    """What the reader of an MCMC table must know: refits, diagnostics that are not a pass
    (the one policy, E-BFMI and tree depth included), and the sidedness of the comparison."""
    lines = [f"Note: {note}" for fit in record.get("fits", []) for note in fit["notes"]]
    for fit in record.get("fits", []):
        if fit.get("verdict") == "fail":
            lines.append(
                f"WARNING: fit {fit['fit']} failed its diagnostics ({fit['reasons']}); "
                "its numbers are flagged"
            )
        elif fit.get("verdict") == "warn":
            lines.append(f"Warning: fit {fit['fit']}: {fit['reasons']}")
    if not record.get("diagnostics_ok", True) and not any("WARNING" in x for x in lines):
        lines.append("WARNING: some fits failed convergence checks; see the flags column")
    if alternative != "two-sided":
        lines.append(
            f"{bf_name(alternative)} is one-sided; the MCMC posterior and the exact median "
            "beside it are two-sided (the models' priors on rho are two-sided)"
        )
    return lines


def _from_table(record: dict) -> bool:
    """True when the record's data are a published table (its ``data_kind``)."""
    if "data_kind" in record:
        return record["data_kind"] == "summary"
    return "likelihood_source" in record or str(record.get("source", "")).endswith(".toml")


def _notice(record: dict) -> list[str]:
    if not record.get("synthetic"):
        return []
    table = _from_table(record)
    return [SYNTHETIC_TABLE_NOTICE if table else SYNTHETIC_NOTICE]


def _rounding(record: dict, keys: tuple[str, ...]) -> list[str]:
    block = record.get("rounding_sensitivity")
    if not block:
        return []
    lines = [
        "",
        f"Rounding sensitivity: {block['matrices']} tables with every correlation moved "
        f"within +/-{block['half_width']:g} (seed {block['seed']})",
    ]
    for row in block["rows"]:
        parts = [
            f"{key} {row[key + '_min']:.3f} to {row[key + '_max']:.3f}"
            for key in keys
            if row.get(key + "_min") is not None
        ]
        flag = "  CONCLUSION CHANGES" if row["conclusion_changes"] else ""
        lines.append(f"  {row['label']}: " + "; ".join(parts) + flag)
    return lines


def _sensitivity_lines(pairs: list[dict], alternative: str) -> list[str]:
    """One line per exact-layer sensitivity analysis of each pair."""
    named = (1 / 3, 0.5, 1.0, 1.5, 2.0)
    lines = []
    for pair in pairs:
        if "var1" in pair:
            label = f"{pair['var1']} ~ {pair['var2']}"
        else:
            label = f"tau = {pair['tau_b']:g}" if "tau_b" in pair else f"r = {pair['r']:g}"
        if "robustness" in pair:
            at_named = [
                fmt_bf(c["bf10"], c["log_bf10"])
                for c in pair["robustness"]
                if any(abs(c["kappa"] - k) < 1e-12 for k in named)
            ]
            lines.append(
                f"{label}: max BF = {fmt_bf(pair['max_bf10'], pair['log_max_bf10'])} at kappa "
                f"= {pair['kappa_at_max']:.3g}; BF at kappa 1/3, 1/2, 1, 3/2, 2: "
                + ", ".join(at_named)
            )
        if "sequential" in pair:
            steps = pair["sequential"]
            half = steps[len(steps) // 2]
            lines.append(
                f"{label}: sequential {bf_name(alternative)} {fmt_bf(steps[0]['bf10'])} at n = "
                f"{steps[0]['n']}, {fmt_bf(half['bf10'])} at n = {half['n']}, "
                f"{fmt_bf(steps[-1]['bf10'])} at n = {steps[-1]['n']}"
            )
        if "influence" in pair:
            who = ", ".join(f"id {f['id']}" for f in pair["influential"]) or "no one"
            lines.append(f"{label}: leaving out {who} changes the conclusion")
    return ["", *lines] if lines else []


def render_correlation(record: dict) -> str:
    """The text output of ``bayes-peer correlate`` for its record."""
    alternative = record.get("alternative", "two-sided")
    if "pairs" not in record:  # one correlation from r and n
        value = (
            f"Kendall's tau-b = {record['tau_b']:g}"
            if "tau_b" in record
            else f"Correlation r = {record['r']:g}"
        )
        head = [f"{value}, n = {record['n']}", f"Prior: {record['prior']}"]
        return _lines(
            head,
            [""],
            [correlation_table([record])],
            _sensitivity_lines([record], alternative),
            informed_lines(record, [record]),
        )
    table = _from_table(record)
    mcmc = "model" in record
    if table:
        head = [
            f"Summary statistics: {record['source']} (n = {record['n_rows']})"
            + (f"; {record['likelihood_source']}" if mcmc else "")
        ]
        head += [f"Warning: {w}" for w in record.get("warnings", [])]
    elif mcmc:
        head = [
            f"Data: {record['source']}; model: {record['model']}; "
            f"{record['missing_policy']}; {record['n_used']} participants used",
            f"Missing values: {record['missing']}",
        ]
    else:
        missing = [f"{v['name']}: {v['n_missing']}" for v in record["variables"] if v["n_missing"]]
        kendall = record.get("method") == "kendall"
        head = [
            f"Data: {record['source']} ({record['n_rows']} rows); "
            + (
                "Kendall's tau-b (ties as tau-b; p exact without ties and n < 50, else normal); "
                if kendall
                else ""
            )
            + "n per pair = pairwise-complete rows",
            "Missing values: " + (", ".join(missing) if missing else "none"),
        ]
    if mcmc:
        head += [
            f"MCMC prior: {record['prior']}",
            f"Exact layer prior: {record['prior_exact']}",
            f"Sampler: {record['sampler']}; divergences: {record['divergences']}",
            *fit_notes(record, alternative),
        ]
        body = [mcmc_correlation_table(record["pairs"])]
        if record.get("contrasts"):
            body += ["", contrast_table(record["contrasts"], record["ci_prob"])]
        keys = ("mcmc_median", "mcmc_ci_low", "mcmc_ci_high", "p_positive", "bf10")
    else:
        head.append(f"Prior: {record['prior']}")
        body = [correlation_table(record["pairs"])]
        keys = ("posterior_median", "ci_low", "ci_high", "bf10")
    return _lines(
        _notice(record),
        head,
        [""],
        body,
        _rounding(record, keys),
        _sensitivity_lines(record["pairs"], alternative),
        informed_lines(record, record["pairs"]),
    )


def render_regression(record: dict) -> str:
    """The text output of ``bayes-peer regress`` for its record."""
    if record.get("method") == "bma":
        from bayes_peer.report.averaging_text import render_bma

        return render_bma(record)
    ci = record.get("ci_prob", 0.95)
    mcmc = "sampler" in record
    if record.get("outcome") is None:
        head = [f"Blocks from published R² (N = {record['n_used']})", f"Prior: {record['prior']}"]
        body = [block_table(record["blocks"], ci_prob=ci)]
    elif record.get("waves"):
        waves, outcome = record["waves"], record["outcome"]
        base = record.get("baseline")
        head = [
            f"Data: {record['source']}; outcome {outcome} at waves {', '.join(waves)}"
            + (f", baseline {outcome}_{base} in block 1" if base else ""),
            f"Missing values: {record['missing']}",
            f"Block BF prior: {record['prior_jzs']}",
        ]
        if mcmc:
            head += [
                f"Slope prior: {record['prior']}",
                f"Sampler: {record['sampler']}; divergences: {record['divergences']}",
                *fit_notes(record),
            ]
        body = []
        for w in waves:
            body += [
                f"Wave {w}",
                block_table([b for b in record["blocks"] if b["wave"] == w], mcmc=mcmc, ci_prob=ci),
                "",
                coefficient_table([c for c in record["coefficients"] if c["wave"] == w], ci),
                "",
            ]
        for c in record.get("contrasts") or []:
            body.append(
                f"Contrast {term_text(c)} ({c['wave_b']} - {c['wave_a']}, standardized): "
                f"{c['diff_median']:.3f} [{c['diff_ci_low']:.3f}, {c['diff_ci_high']:.3f}], "
                f"P(> 0) = {c['p_positive']:.3f}"
            )
    else:
        table = _from_table(record)
        if table:
            scale = (
                ""
                if record["coefficients"] and record["coefficients"][0]["b"] is not None
                else " (no SDs: raw b and SE unavailable)"
            )
            head = [
                f"Summary statistics: {record['source']}; outcome {record['outcome']}; "
                f"n = {record['n_used']}{scale}"
                + (f"; {record['likelihood_source']}" if mcmc else "")
            ]
            head += [f"Warning: {w}" for w in record["warnings"]]
        else:
            head = [
                f"Data: {record['source']}; outcome {record['outcome']}; "
                f"{record['n_used']} of {record['n_rows']} rows complete on every variable "
                "(the same rows for every block)"
            ]
            if record["dropped"]:
                head.append(
                    "Left out (missing values): "
                    + "; ".join(
                        f"row {d['row']} (id {d['id']}): {', '.join(d['missing'])}"
                        for d in record["dropped"]
                    )
                )
            if mcmc:
                head.append(
                    f"Missing predictors: {record['missing_predictors']}; the MCMC "
                    f"model uses {record['n_mcmc']} rows, {record['n_imputed']} values "
                    "imputed"
                )
        if mcmc:
            head += [
                f"Slope prior: {record['prior']}",
                f"Block BF prior: {record['prior_jzs']}",
                f"Sampler: {record['sampler']}; divergences: {record['divergences']}",
                *fit_notes(record),
            ]
            body = [
                block_table(record["blocks"], mcmc=True, ci_prob=ci),
                "",
                mcmc_coefficient_table(record["coefficients"], ci),
            ]
        else:
            head.append(f"Prior: {record['prior']}")
            body = [block_table(record["blocks"], ci_prob=ci)]
            if record["coefficients"]:
                body += ["", coefficient_table(record["coefficients"], ci)]
    keys = ("posterior_median", "ci_low", "ci_high", "p_direction")
    lines = []
    for block in record["blocks"]:
        if "robustness" in block:
            lines.append(
                f"block {block['block']}: max BF = {fmt_bf(block['max_bf_block'])} at "
                f"JZS r = {block['rscale_at_max']:.3g} (BF at the chosen r: "
                f"{fmt_bf(block['bf_block'])})"
            )
        if "influence" in block:
            who = ", ".join(f"id {i}" for i in block["influential"]) or "no one"
            lines.append(f"block {block['block']}: leaving out {who} changes the conclusion")
    return _lines(
        _notice(record), head, [""], body, _rounding(record, keys), ["", *lines] if lines else []
    )


def render_design(record: dict) -> str:
    """The text output of ``bayes-peer design``."""
    if "effect" in record:
        return (
            f"Retrodesign for a true effect {record['effect']:g} estimated with SE "
            f"{record['se']:g} (two-sided alpha = {record['alpha']:g}):\n"
            f"  power {record['power']:.4f}; type S error rate {record['type_s']:.4f}; "
            f"exaggeration ratio {record['exaggeration']:.2f}"
        )
    what = (
        f"rho = {record['rho']:g}"
        if record["rho"] is not None
        else f"rho = 2 Beta{tuple(record['rho_beta'])} - 1"
    )
    lines = [f"Bayes factor design analysis: n = {record['n']}, {what}; {record['prior']}"]
    keys = (
        "p_bf10_gt_3",
        "p_bf10_gt_10",
        "p_bf10_lt_third",
        "p_inconclusive",
        "median_bf10",
        "max_bf01",
        "r_for_bf10_3",
        "r_for_bf10_10",
        "n_for_target",
    )
    for key in keys:
        if key in record:
            value = record[key]
            shown = value if value is None or isinstance(value, int) else f"{value:.4g}"
            lines.append(f"  {key:16s} {shown}")
    if "retrodesign" in record:
        retro = record["retrodesign"]
        lines.append(
            f"  retrodesign (Fisher z, alpha {record.get('alpha', 0.05):g}): power "
            f"{retro['power']:.3f}, type S {retro['type_s']:.2g}, exaggeration "
            f"{retro['exaggeration']:.2f}"
        )
    if "simulation" in record:
        sim = record["simulation"]
        lines.append(
            f"  simulation ({sim['sims']} data sets, seed {sim['seed']}): P(BF10 > 3) "
            f"{sim['p_bf10_gt_3']:.4f}, P(inconclusive) "
            f"{sim['p_inconclusive']:.4f}"
        )
    return "\n".join(lines)


def render_run(record: dict) -> str:
    """The text summary of ``bayes-peer run`` / ``demo``."""
    lines = [SYNTHETIC_NOTICE] if record["synthetic"] else []
    lines.append(f"Wrote {record['out']} in {record['seconds']:.0f} s")
    if record.get("report"):
        lines.append(f"Report: {record['report']}")
    for entry in record["specs"]:
        counts = {v: list(entry["verdicts"].values()).count(v) for v in ("pass", "warn", "fail")}
        failed = f" (failed: {', '.join(entry['failed'])})" if entry["failed"] else ""
        lines.append(
            f"  {entry['name']}: {counts['pass']} pass, {counts['warn']} warn, "
            f"{counts['fail']} fail{failed}"
        )
    return "\n".join(lines)


def render_sensitivity(record: dict) -> str:
    """The text summary of ``bayes-peer sensitivity``."""
    lines = [SYNTHETIC_NOTICE] if record["synthetic"] else []
    for entry in record["specs"]:
        s = entry["summary"]
        lines.append(
            f"{entry['name']}: {s['variants']} estimates -> {entry['out']} "
            f"({entry['seconds']:.0f} s)"
        )
        changed = s["conclusions_changed"]
        lines.append(f"  conclusions that change under a variant: {len(changed)}")
        for c in changed:
            flag = " [fit failed its diagnostics]" if c["diagnostics"] == "fail" else ""
            lines.append(f"    {c['model']} {c['quantity']} ({c['wave']}): {c['setting']}{flag}")
        if s["failed_variants"]:
            lines.append(
                f"  variant estimates from fits that failed diagnostics: {s['failed_variants']}"
            )
        over = len(s["pareto_k_over_threshold"])
        lines.append(
            f"  power-scaling flags: {len(s['power_scaling_flags'])}; participants "
            f"with Pareto k above the threshold: {over}"
        )
        for t in s["tipping_points"]:
            tips = [
                f"delta = {t[f'tipping_{side}']:+g}"
                + (
                    f" ({100 * t[f'tipping_{side}_agreement']:.0f}% of Monte Carlo resamples agree)"
                    if t.get(f"tipping_{side}_agreement") is not None
                    else ""
                )
                for side in ("low", "high")
                if t[f"tipping_{side}"] is not None
            ]
            lines.append(
                f"  MNAR {t['model']} ({t['wave']}): {t['conclusion_mar']} under MAR; "
                f"tipping point {' / '.join(tips) or 'none within +/-1 SD'} "
                f"({t.get('imputations')} imputations)"
            )
    for report in record.get("reports", []):
        lines.append(f"Report with the sensitivity section: {report}")
    lines.append(f"Done in {record['seconds']:.0f} s")
    return "\n".join(lines)
