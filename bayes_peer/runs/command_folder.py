"""One command's ``--out`` folder as a results folder: the tables and ``run.json`` of a run.

``correlate --out`` and ``regress --out`` (exact or MCMC) write, beside the command's own
files (``result.json``, the NetCDF posteriors, the sensitivity figures), the layout of a spec's
results folder (``run.json``, ``correlations.csv``, ``blocks.csv``, ``coefficients.csv``,
``diagnostics.csv``, ``dropped_rows.csv``, ...), so that the one report builder writes its
report and ``bayes-peer report FOLDER`` rebuilds it. Nothing here draws or writes HTML.
"""

from __future__ import annotations

from pathlib import Path

from bayes_peer.runs.outputs import library_versions, write_csv, write_json

#: The name of a single command's analysis in its folder's ``run.json``.
COMMAND_NAMES = {"correlation": "correlate", "regression": "regress"}


def command_tables(result) -> dict[str, list[dict]]:
    """The run-layout tables of a correlate or regress :class:`~bayes_peer.results.Result`."""
    record = result.record
    if result.kind == "correlation":
        return _correlation_tables(record, result.fits)
    return _regression_tables(record, result.fits)


def model_names(result) -> dict[str, str]:
    """The model name (the ``posterior_<model>.nc`` stem) of each of the result's fits, as
    :func:`bayes_peer.runs.outputs.save_result` names the files."""
    record = result.record
    if result.kind == "correlation":
        return {key: key for key in result.fits}
    waves = "_waves" if record.get("waves") else ""
    return {key: f"{record['outcome']}{waves}_{key}" for key in result.fits}


def _diagnostics(fits: dict, names: dict[str, str]) -> list[dict]:
    from bayes_peer.mcmc.diagnostics import fit_diagnostics

    return [
        {**fit_diagnostics(names[key], tree), "model": names[key]} for key, tree in fits.items()
    ]


def _verdicts(rows: list[dict]) -> dict[str, str]:
    return {row["model"]: row["verdict"] for row in rows}


def _dropped(analysis: str, record: dict) -> list[dict]:
    rows = []
    for d in record.get("dropped") or []:
        missing = d.get("missing") or []
        rows.append(
            {
                "analysis": analysis,
                "wave": d.get("wave"),
                "row": d.get("row"),
                "line": d.get("line"),
                "id": d.get("id"),
                "missing": ";".join(missing) if isinstance(missing, list) else missing,
            }
        )
    return rows


def _correlation_tables(record: dict, fits: dict) -> dict[str, list[dict]]:
    names = {key: key for key in fits}
    diagnostics = _diagnostics(fits, names)
    verdict = _verdicts(diagnostics)
    pairs = record.get("pairs") or [{"var1": "x", "var2": "y", **record}]
    kendall = record.get("method") == "kendall"
    rows = []
    for pair in pairs:
        row = {
            k: v
            for k, v in pair.items()
            if k not in ("flags", "robustness", "sequential", "sequential_random", "influence")
        }
        if fits:
            model = "joint" if "joint" in fits else f"{pair['var1']}__{pair['var2']}"
            row.update(model=model, diagnostics=verdict.get(model), prior=record["prior"])
        else:
            row.update(model=None, diagnostics=None, prior=record["prior"])
        rows.append(row)
    tables = {
        "kendall" if kendall else "correlations": rows,
        "diagnostics": diagnostics,
        "dropped_rows": _dropped("correlate", record),
    }
    if record.get("contrasts"):
        model = "joint"
        tables["contrasts"] = [
            {**c, "model": model, "diagnostics": verdict.get(model)} for c in record["contrasts"]
        ]
    return tables


def _regression_tables(record: dict, fits: dict) -> dict[str, list[dict]]:
    outcome = record.get("outcome") or "model"
    if record.get("method") == "bma":
        return _averaging_tables(record)
    waves = record.get("waves")
    names = {key: f"{outcome}{'_waves' if waves else ''}_{key}" for key in fits}
    diagnostics = _diagnostics(fits, names)
    verdict = _verdicts(diagnostics)

    def model(block: int) -> str | None:
        return names.get(f"block{block}")

    blocks = []
    for row in record.get("blocks", []):
        clean = {k: v for k, v in row.items() if k not in ("flags", "robustness", "influence")}
        blocks.append(
            {
                "outcome": outcome,
                **clean,
                "model": model(row["block"]),
                "diagnostics": verdict.get(model(row["block"])),
                "rscale": record.get("rscale"),
            }
        )
    coefficients = [
        {
            "outcome": outcome,
            **{k: v for k, v in c.items() if k != "flags"},
            "diagnostics": verdict.get(model(c["block"])),
        }
        for c in record.get("coefficients", [])
    ]
    tables = {
        "blocks": blocks,
        "coefficients": coefficients,
        "diagnostics": diagnostics,
        "dropped_rows": _dropped(outcome, record),
    }
    if record.get("contrasts"):
        last = model(max(int(k.removeprefix("block")) for k in fits)) if fits else None
        tables["coefficient_contrasts"] = [
            {"outcome": outcome, **c, "diagnostics": verdict.get(last)} for c in record["contrasts"]
        ]
    return tables


def _averaging_tables(record: dict) -> dict[str, list[dict]]:
    outcome = record["outcome"]
    tag = {
        "outcome": outcome,
        "wave": None,
        "y": outcome,
        "n_used": record["n_used"],
        "forced": ";".join(record["forced"]),
        "model_prior": record["model_prior"],
    }
    inclusion = [
        {**tag, "construct": row["term"], "block": None, **row} for row in record["inclusion"]
    ]
    models = [
        {
            **tag,
            "rank": i,
            "terms": ";".join(m["terms"]),
            **{k: m[k] for k in ("size", "r2", "log_bf", "bf", "prior_prob", "post_prob", "bf_m")},
        }
        for i, m in enumerate(record["models"], start=1)
    ]
    return {
        "bma_inclusion": inclusion,
        "bma_models": models,
        "diagnostics": [],
        "dropped_rows": _dropped(outcome, record),
    }


def command_entry(result, command: str, call: dict, figures: list[str]) -> dict:
    """The ``run.json`` of a single command's folder: what ran (the command and the
    parameters it was called with), the data file and its hash, the priors, the sampler and
    seed, the verdicts; ``figures`` lists the command's own figures (sensitivity)."""
    record = result.record
    kind = COMMAND_NAMES[result.kind]
    source = record.get("source")
    priors = _priors(result)
    mcmc = bool(result.fits)
    tables = command_tables(result)
    verdicts = _verdicts(tables.get("diagnostics", []))
    return {
        "spec": None,
        "name": kind,
        "title": _title(result),
        "spec_sha256": None,
        "command": command,
        "call": call,
        "data": Path(str(source)).name if source is not None else "published values",
        "data_sha256": record.get("data_sha256"),
        "synthetic": bool(record.get("synthetic")),
        "n_rows": record.get("n_rows"),
        "sampler": record.get("sampler") if mcmc else "none (exact and frequentist layers)",
        "seed": record.get("seed") if mcmc else None,
        "ci_prob": record.get("ci_prob", 0.95),
        "priors": priors,
        "mcmc": mcmc,
        "verdicts": verdicts,
        "failed": [m for m, v in verdicts.items() if v == "fail"],
        "figures": figures,
        "versions": library_versions(),
        "exit_status": 0,
    }


def _title(result) -> str:
    record = result.record
    if result.kind == "correlation":
        pairs = record.get("pairs") or []
        names = list(dict.fromkeys(n for p in pairs for n in (p["var1"], p["var2"])))
        what = "Kendall's tau-b" if record.get("method") == "kendall" else "Correlations"
        if not pairs:
            return f"{what}: one reported value (n = {record.get('n')})"
        partial = record.get("partial_on")
        given = f" given {', '.join(partial)}" if partial else ""
        return f"{what}{given}: {', '.join(names[:8])}{', ...' if len(names) > 8 else ''}"
    if record.get("method") == "bma":
        return f"Model averaging: {record['outcome']}"
    return f"Blocked regression: {record.get('outcome') or 'published R²'}"


def _priors(result) -> dict[str, str]:
    from bayes_peer.exact.correlation import prior_description

    record = result.record
    priors: dict[str, str] = {}
    if result.kind == "correlation":
        if result.fits:
            priors["correlations_mcmc"] = record["prior"]
            priors["correlations_model"] = (
                "one joint model of every variable named"
                if record.get("model") == "joint"
                else "one bivariate model per pair, on the exact layer's prior"
            )
            priors["correlations_missing"] = record.get("missing", "")
        if record.get("kappa") is not None:
            key = (
                "correlations_kendall"
                if record.get("method") == "kendall"
                else ("correlations_exact")
            )
            priors[key] = (
                record.get("prior_exact")
                or record.get("prior")
                or prior_description(record["kappa"])
            )
        return priors
    if record.get("method") == "bma":
        priors["model_averaging"] = record["prior"]
        return priors
    priors["block_bf"] = record.get("prior_jzs") or record.get("prior", "")
    if result.fits:
        priors["regressions_mcmc"] = record["prior"]
        priors["regressions_model"] = (
            "both waves in one model per block, with correlated residuals"
            if record.get("waves")
            else "one model per block on the same rows"
        )
        priors["regressions_missing"] = str(
            record.get("missing") or record.get("missing_predictors") or ""
        )
    return priors


def write_command_tables(
    result, folder: Path, command: str, call: dict, figures: list[str]
) -> dict:
    """Write the run-layout tables and ``run.json`` of ``result`` into ``folder``; returns the
    ``run.json`` entry."""
    for name, rows in command_tables(result).items():
        if name == "dropped_rows" and not rows:
            (folder / "dropped_rows.csv").write_text(
                "analysis,wave,row,line,id,missing\n", encoding="utf-8"
            )
        elif rows or name == "diagnostics":
            write_csv(folder / f"{name}.csv", rows)
    entry = command_entry(result, command, call, figures)
    write_json(folder / "run.json", entry)
    return entry
