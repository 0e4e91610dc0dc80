"""A Result as a notebook shows it: ``Result._repr_html_()`` and a short ``repr``.

The main table keeps the columns a reader needs (never ``var1 var2 ... mcmc_ci_high``) with
numbers formatted for reading: three significant digits, Bayes factors as the report writes
them (0.300, 13.5, 269), p as ``< .001``; then the prior in one line, the diagnostics verdict,
the warnings, and SYNTHETIC where the data are the demo study's.
"""

from __future__ import annotations

import html
import math

from bayes_peer.report.format import cell_p, fmt_bf_text, level, term_text


def sig3(value) -> str:
    """Three significant digits, trailing zeros kept (0.300, 13.5, 0.0412); em dash if missing."""
    if value is None or isinstance(value, bool):
        return "—" if value is None else str(value)
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return "—"
    if value == 0:
        return "0"
    if abs(value) >= 1e5 or abs(value) < 1e-3:
        return f"{value:.2e}"
    text = f"{value:#.3g}".rstrip(".")
    return "0" if float(text) == 0 else text


def interval(low, high) -> str:
    return f"[{sig3(low)}, {sig3(high)}]"


def _correlation_rows(record: dict) -> tuple[list[str], list[list[str]]]:
    pairs = record.get("pairs") or [record]
    lv = level(record.get("ci_prob", 0.95))
    kendall = record.get("method") == "kendall" or "tau_b" in pairs[0]
    mcmc = "mcmc_median" in pairs[0]
    stat = "tau-b" if kendall else "r"
    headers = ["pair", "n", stat, "p", f"{lv} CI", "BF10", "median", f"{lv} CrI"]
    if mcmc:
        headers += ["MCMC median", f"MCMC {lv} CrI", "fit"]
    rows = []
    for p in pairs:
        name = f"{p['var1']} ~ {p['var2']}" if "var1" in p else stat
        if p.get("wave"):
            name += f" ({p['wave']})"
        cells = [
            name,
            str(p["n"]),
            sig3(p.get("tau_b", p.get("r"))),
            cell_p(p.get("p_value")),
            interval(p.get("freq_ci_low"), p.get("freq_ci_high")),
            fmt_bf_text(p["bf10"]),
            sig3(p["posterior_median"]),
            interval(p["ci_low"], p["ci_high"]),
        ]
        if mcmc:
            ok = "ok" if p.get("diagnostics_ok", True) else "check"
            cells += [sig3(p["mcmc_median"]), interval(p["mcmc_ci_low"], p["mcmc_ci_high"]), ok]
        rows.append(cells)
    return headers, rows


def _regression_rows(record: dict) -> tuple[list[str], list[list[str]]]:
    lv = level(record.get("ci_prob", 0.95))
    if record.get("method") == "bma":
        headers = ["term", "P(incl)", "P(incl | data)", "BF_incl", "mean", f"{lv} CrI"]
        rows = [
            [
                r["term"],
                sig3(r["p_prior"]),
                sig3(r["p_incl"]),
                fmt_bf_text(r["bf_incl"]),
                sig3(r["mean"]),
                interval(r["ci_low"], r["ci_high"]),
            ]
            for r in record["inclusion"]
        ]
        return headers, rows
    mcmc = any("delta_r2_median" in b for b in record["blocks"])
    headers = ["block", "terms", "n", "R²", "ΔR²", "F-change", "p", "BF (block)"]
    if mcmc:
        headers += [f"posterior ΔR² [{lv} CrI]"]
    if record.get("waves"):
        headers.insert(0, "wave")
    rows = []
    for b in record["blocks"]:
        terms = ", ".join(b["terms"]) if isinstance(b.get("terms"), list) else str(b.get("terms"))
        cells = [
            str(b["block"]),
            terms,
            str(b["n"]),
            sig3(b["r2"]),
            sig3(b["delta_r2"]),
            f"F({b['df1']}, {b['df2']}) = {sig3(b['f_change'])}",
            cell_p(b["p_change"]),
            fmt_bf_text(b["bf_block"]),
        ]
        if mcmc:
            cells.append(
                f"{sig3(b.get('delta_r2_median'))} "
                f"{interval(b.get('delta_r2_ci_low'), b.get('delta_r2_ci_high'))}"
            )
        if record.get("waves"):
            cells.insert(0, str(b.get("wave")))
        rows.append(cells)
    return headers, rows


def _coefficient_rows(record: dict) -> tuple[list[str], list[list[str]]] | None:
    rows = record.get("coefficients") or []
    if not rows or record.get("method") == "bma":
        return None
    last = max(r["block"] for r in rows)
    lv = level(record.get("ci_prob", 0.95))
    mcmc = "posterior_median" in rows[0]
    headers = ["term", "b", "p", f"beta [{lv} CI]"] + ([f"posterior [{lv} CrI]"] if mcmc else [])
    out = []
    for r in rows:
        if r["block"] != last:
            continue
        cells = [
            term_text(r) + (f" ({r['wave']})" if r.get("wave") else ""),
            sig3(r["b"]),
            cell_p(r["p_value"]),
            f"{sig3(r['beta_std'])} {interval(r['beta_std_ci_low'], r['beta_std_ci_high'])}",
        ]
        if mcmc:
            cells.append(f"{sig3(r['posterior_median'])} {interval(r['ci_low'], r['ci_high'])}")
        out.append(cells)
    return headers, out


#: The design analysis' keys in words.
DESIGN_KEYS = (
    ("p_bf10_gt_3", "P(BF10 > 3)"),
    ("p_bf10_gt_10", "P(BF10 > 10)"),
    ("p_bf10_lt_third", "P(BF10 < 1/3)"),
    ("p_inconclusive", "P(1/3 < BF10 < 3)"),
    ("median_bf10", "median BF10"),
    ("max_bf01", "largest possible BF01 at this n"),
    ("r_for_bf10_3", "r needed for BF10 = 3"),
    ("r_for_bf10_10", "r needed for BF10 = 10"),
)


def main_table(result) -> tuple[list[str], list[list[str]]] | None:
    """The headers and formatted rows of a Result's main table (None when it has none)."""
    record = result.record
    if result.kind == "correlation":
        return _correlation_rows(record)
    if result.kind == "regression":
        return _regression_rows(record)
    if result.kind == "design":
        rows = [
            [label, fmt_bf_text(record[k]) if "bf" in k and "p_" not in k else sig3(record[k])]
            for k, label in DESIGN_KEYS
            if k in record
        ]
        return ["quantity", "value"], rows
    if result.kind == "calibration" and record.get("sbc"):
        return ["model", "quantity", "p-value", "calibrated"], [
            [r["model"], r["quantity"], sig3(r["p_value"]), "yes" if r["calibrated"] else "NO"]
            for r in record["sbc"]
        ]
    if result.kind == "run":
        rows = [
            [d.get("spec", ""), d["model"], d["verdict"], d.get("reasons") or ""]
            for d in result.tables_extra.get("diagnostics", [])
        ]
        return ["spec", "model", "verdict", "reasons"], rows
    return None


def _notes(result) -> list[str]:
    record = result.record
    notes = []
    if result.synthetic:
        notes.append("SYNTHETIC DATA: the shipped demo study; its numbers are not the paper's.")
    prior = record.get("prior")
    if prior:
        notes.append(f"Prior: {prior}")
    if record.get("prior_jzs") and record.get("prior_jzs") != prior:
        notes.append(f"Block BFs: {record['prior_jzs']}")
    verdict = result.diagnostics["verdict"]
    if verdict is not None:
        notes.append(f"Diagnostics: {verdict}")
    notes += [f"Warning: {w}" for w in result.warnings]
    return notes


def html_repr(result) -> str:
    """The Result as an HTML fragment for Jupyter."""
    table = main_table(result)
    parts = [f"<div class='bayes-peer'><p><b>bayes_peer {html.escape(result.kind)} result</b>"]
    if result.synthetic:
        parts.append(" <span style='color:#b22;font-weight:bold'>SYNTHETIC DATA</span>")
    parts.append("</p>")
    if table is not None:
        headers, rows = table
        parts.append(
            "<table><thead><tr>"
            + "".join(f"<th>{html.escape(h)}</th>" for h in headers)
            + "</tr></thead><tbody>"
        )
        for row in rows:
            parts.append(
                "<tr>"
                + "".join(f"<td style='text-align:right'>{html.escape(c)}</td>" for c in row)
                + "</tr>"
            )
        parts.append("</tbody></table>")
    parts += [f"<p style='font-size:90%'>{html.escape(n)}</p>" for n in _notes(result)]
    kinds = _plot_kinds(result)
    if kinds:
        parts.append(
            f"<p style='font-size:90%'>Plots: {html.escape(', '.join(kinds))} "
            "(<code>res.plot(kind)</code>)</p>"
        )
    return "".join(parts) + "</div>"


def _plot_kinds(result) -> list[str]:
    from bayes_peer.report.plots import plot_kinds

    try:
        return plot_kinds(result)
    except Exception:  # a repr never raises: a folder that moved away has no plots
        return []


def text_table(result) -> str:
    """The main table as aligned text (what ``print(result)`` shows)."""
    from bayes_peer.report.text_tables import table

    formatted = main_table(result)
    lines = [repr(result)]  # Result.__repr__: kind, table size, diagnostics, SYNTHETIC
    if formatted is not None:
        lines.append(table(*formatted))
    lines += _notes(result)
    return "\n".join(lines)
