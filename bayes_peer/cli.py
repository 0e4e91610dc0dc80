"""The ``bayes-peer`` command line.

Exit status: 0 success; 2 bad input or arguments (one ``error:`` line on stderr, nothing
written); 1 internal failure. ``--json`` prints exactly one JSON object on stdout. Without
``--model`` (correlate) or ``--prior`` (regress) nothing here imports PyMC.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import warnings
from pathlib import Path

from bayes_peer import __version__
from bayes_peer.errors import InputError


class _Parser(argparse.ArgumentParser):
    """argparse that raises InputError instead of printing usage and exiting."""

    def error(self, message: str):  # type: ignore[override]
        raise InputError(f"{self.prog}: {message}")


def _seed(args: argparse.Namespace, default: int | None) -> int | None:
    """``--seed`` (checked when read), or ``default``."""
    return default if args.seed is None else args.seed


def _split(text: str, what: str) -> list[str]:
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise InputError(f"{what}: expected a comma-separated list, got {text!r}")
    return items


def _csv_list(text: str, what: str) -> list[str]:
    items = _split(text, what)
    for item in items:
        if items.count(item) > 1:
            raise InputError(f"{what}: '{item}' is named twice")
    return items


#: Numeric options: (argparse attribute, parameter in bayes_peer.params, flag, kind) where kind
#: is "number", "fraction" (a/b allowed) or "list". Every one is parsed and checked against its
#: documented range as soon as the command line is read, before any file or model is touched.
NUMERIC_OPTIONS = (
    ("r", "r", "--r", "number"),
    ("n", "n", "--n", "number"),
    ("kappa", "kappa", "--kappa", "fraction"),
    ("ci_prob", "ci_prob", "--ci-prob", "number"),
    ("eta", "eta", "--eta", "number"),
    ("rope", "rope", "--rope", "number"),
    ("seed", "seed", "--seed", "number"),
    ("draws", "draws", "--draws", "number"),
    ("tune", "tune", "--tune", "number"),
    ("chains", "chains", "--chains", "number"),
    ("rounding_sensitivity", "rounding_sensitivity", "--rounding-sensitivity", "number"),
    ("decimals", "decimals", "--decimals", "number"),
    ("prior_scale", "prior_scale", "--prior-scale", "number"),
    ("mean_r2", "mean_r2", "--mean-r2", "number"),
    ("prec_r2", "prec_r2", "--prec-r2", "number"),
    ("cons_d2", "cons_d2", "--cons-d2", "number"),
    ("r2", "r2", "--r2", "list"),
    ("p", "p", "--p", "list"),
    ("rho", "rho", "--rho", "number"),
    ("rho_beta", "rho_beta", "--rho-beta", "list"),
    ("target_prob", "target_prob", "--target-prob", "number"),
    ("sims", "sims", "--sims", "number"),
    ("effect", "effect", "--effect", "number"),
    ("se", "se", "--se", "number"),
    ("alpha", "alpha", "--alpha", "number"),
    ("workers", "workers", "--workers", "number"),
    ("imputations", "imputations", "--imputations", "number"),
)


def _read_numbers(args: argparse.Namespace) -> None:
    """Parse and check every numeric option given (see :data:`NUMERIC_OPTIONS`)."""
    from bayes_peer import params

    for attr, name, flag, kind in NUMERIC_OPTIONS:
        text = getattr(args, attr, None)
        if not isinstance(text, str):
            continue
        if kind == "list":
            value = params.parse_list(name, text, flag)
        else:
            value = params.parse(name, text, flag, fraction=kind == "fraction")
        setattr(args, attr, value)


def _emit_json(obj: dict) -> None:
    from bayes_peer.numbers import json_safe

    sys.stdout.write(json.dumps(json_safe(obj), allow_nan=False) + "\n")


def _print_header(lines: list[str]) -> None:
    for line in lines:
        print(line)
    print()


# ---------------------------------------------------------------------------------- correlate
def cmd_correlate(args: argparse.Namespace) -> int:
    from bayes_peer.analyses.correlate import (
        correlate_data,
        correlate_summary,
        correlation_prior_text,
        correlation_record,
    )
    from bayes_peer.report.text import SYNTHETIC_NOTICE, SYNTHETIC_TABLE_NOTICE, correlation_table

    sources = [args.r is not None, args.data is not None, args.summary is not None]
    if sum(sources) != 1:
        raise InputError("correlate: give exactly one of --r (with --n), --data or --summary")
    _check_summary_options(args)
    prior = correlation_prior_text(args.kappa)
    common = {"kappa": args.kappa, "alternative": args.alternative, "ci_prob": args.ci_prob}

    mcmc_only = {
        "--eta": args.eta,
        "--seed": args.seed,
        "--draws": args.draws,
        "--chains": args.chains,
        "--tune": args.tune,
        "--rope": args.rope,
        "--out": args.out,
        "--missing": args.missing,
        "--waves": args.waves,
        "--partial-on": args.partial_on,
        "--robust": args.robust or None,
    }
    sensitivity = args.robustness or args.sequential or args.influence
    if args.model is None:
        given = [
            flag for flag, value in mcmc_only.items()
            if value is not None and not (flag == "--out" and sensitivity)
        ]  # fmt: skip
        if given:
            raise InputError(f"correlate: {given[0]} goes with --model joint|pairwise")
    elif args.data is None and args.summary is None:
        raise InputError(
            "correlate: --model needs participant data (--data FILE.csv) or summary statistics "
            "(--summary FILE.toml)"
        )
    elif sensitivity:
        raise InputError(
            "correlate: --robustness, --sequential and --influence use the exact layer; "
            "run them without --model"
        )
    if (args.sequential or args.influence) and args.data is None:
        raise InputError("correlate: --sequential and --influence need participant data (--data)")
    _open_out(args, "result" if args.model else "exact-sensitivity")

    if args.r is not None:
        r = args.r
        if args.n is None:
            raise InputError("correlate: --r needs --n (the number of pairs)")
        n = args.n
        if args.vars is not None:
            raise InputError("correlate: --vars goes with --data or --summary, not --r")
        record = correlation_record(r, n, **common)
        lines = _correlation_sensitivity(args, [record], None, False)
        if args.json:
            _emit_json({**record, "prior": prior})
        else:
            _print_header([f"Correlation r = {r:g}, n = {n}", f"Prior: {prior}"])
            print(correlation_table([record]))
            _print_lines(lines)
        return 0

    if args.n is not None:
        raise InputError("correlate: --n goes with --r; with --data or --summary n is counted")
    names = _csv_list(args.vars, "--vars") if args.vars is not None else None
    if args.summary is not None and (
        args.model is not None or args.rounding_sensitivity or args.nearest_correlation
    ):
        return _correlate_summary(args, names, prior_exact=prior)
    if args.model is not None:
        return _correlate_mcmc(args, names, prior_exact=prior)
    if args.data is not None:
        from bayes_peer.data.participants import read_participants

        _check_count(args, names, mcmc=False)
        data = read_participants(args.data, names)
        names = list(data.columns)
        pairs = correlate_data(data, names, **common)
        meta = {
            "source": data.path,
            "synthetic": data.synthetic,
            "n_rows": data.n_rows,
            "variables": data.variable_table(),
        }
        notice = [SYNTHETIC_NOTICE] if data.synthetic else []
        head = [f"Data: {data.path} ({data.n_rows} rows); n per pair = pairwise-complete rows"]
        missing = [
            f"{v['name']}: {v['n_missing']}" for v in data.variable_table() if v["n_missing"]
        ]
        head.append("Missing values: " + (", ".join(missing) if missing else "none"))
    else:
        from bayes_peer.data.summary import read_summary

        summary = read_summary(args.summary)
        names = names or list(summary.variables)
        for name in names:
            summary.index(name)
        pairs = correlate_summary(summary, names, **common)
        meta = {"source": summary.path, "synthetic": summary.synthetic, "n_rows": summary.n}
        notice = [SYNTHETIC_TABLE_NOTICE] if summary.synthetic else []
        head = [f"Summary statistics: {summary.path} (n = {summary.n})"]
    lines = _correlation_sensitivity(
        args, pairs, data if args.data is not None else None, meta["synthetic"]
    )
    if args.json:
        _emit_json({**meta, **common, "prior": prior, "pairs": pairs})
    else:
        _print_header([*notice, *head, f"Prior: {prior}"])
        print(correlation_table(pairs))
        _print_lines(lines)
    return 0


def _check_count(args: argparse.Namespace, names: list[str] | None, *, mcmc: bool) -> None:
    """Refuse more variables than the documented limits, before the file is parsed."""
    from bayes_peer.data.participants import read_header
    from bayes_peer.params import check_variable_count

    if names is None:
        header = read_header(args.data)
        names = [h for h in header if h.lower() != "id"]
    check_variable_count(len(names), named=args.vars is not None, mcmc=mcmc)


def _fit_notes(doc: dict, alternative: str = "two-sided") -> list[str]:
    """What the reader of an MCMC table must know: refits, diagnostics that are not a pass
    (the one policy, E-BFMI and tree depth included), and the sidedness of the comparison."""
    from bayes_peer.report.text import bf_name

    lines = [f"Note: {note}" for fit in doc["fits"] for note in fit["notes"]]
    for fit in doc["fits"]:
        if fit.get("verdict") == "fail":
            lines.append(f"WARNING: fit {fit['fit']} failed its diagnostics ({fit['reasons']}); "
                         "its numbers are flagged")  # fmt: skip
        elif fit.get("verdict") == "warn":
            lines.append(f"Warning: fit {fit['fit']}: {fit['reasons']}")
    if not doc.get("diagnostics_ok", True) and not any("WARNING" in x for x in lines):
        lines.append("WARNING: some fits failed convergence checks; see the flags column")
    if alternative != "two-sided":
        lines.append(
            f"{bf_name(alternative)} is one-sided; the MCMC posterior and the exact median "
            "beside it are two-sided (the models' priors on rho are two-sided)"
        )
    return lines


def _print_lines(lines: list[str]) -> None:
    if lines:
        print()
        for line in lines:
            print(line)


def _correlation_sensitivity(args, pairs: list[dict], data, synthetic: bool) -> list[str]:
    """Add robustness / sequential / influence keys to each pair; write figures to --out."""
    if not (args.robustness or args.sequential or args.influence):
        return []
    import numpy as np

    from bayes_peer.analyses.sensitivity_exact import (
        correlation_robustness,
        influence,
        sequential,
    )
    from bayes_peer.exact.correlation import prior_description
    from bayes_peer.report.text import bf_name, fmt_bf

    named = (1 / 3, 0.5, 1.0, 1.5, 2.0)
    lines, figures = [], []
    for pair in pairs:
        label = f"{pair['var1']} ~ {pair['var2']}" if "var1" in pair else f"r = {pair['r']:g}"
        tag = f"{pair['var1']}__{pair['var2']}" if "var1" in pair else "r"
        subtitle = f"n = {pair['n']}, r = {pair['r']:.3f}; {prior_description(args.kappa)}"
        if args.robustness:
            pair.update(correlation_robustness(pair["r"], pair["n"], args.alternative))
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
            figures.append(("robustness", f"robustness_{tag}.png", pair, label, subtitle))
        if args.sequential or args.influence:
            xy = data.matrix([pair["var1"], pair["var2"]])
            keep = ~np.isnan(xy).any(axis=1)
            x, y = xy[keep, 0], xy[keep, 1]
            ids = [i for i, k in zip(data.ids, keep, strict=True) if k]
            if args.sequential:
                pair.update(sequential(x, y, args.kappa, args.alternative))
                steps = pair["sequential"]
                half = steps[len(steps) // 2]
                lines.append(
                    f"{label}: sequential {bf_name(args.alternative)} "
                    f"{fmt_bf(steps[0]['bf10'])} at n = "
                    f"{steps[0]['n']}, {fmt_bf(half['bf10'])} at n = {half['n']}, "
                    f"{fmt_bf(steps[-1]['bf10'])} at n = {steps[-1]['n']}"
                )
                figures.append(("sequential", f"sequential_{tag}.png", pair, label, subtitle))
            if args.influence:
                pair.update(influence(x, y, ids, args.kappa, args.ci_prob, args.alternative))
                flagged = pair["influential"]
                who = ", ".join(f"id {f['id']}" for f in flagged) if flagged else "no one"
                lines.append(f"{label}: leaving out {who} changes the conclusion")
                figures.append(("influence", f"influence_{tag}.png", pair, label, subtitle))
    if args.out is not None:
        from bayes_peer.report import exact_figures as plots
        from bayes_peer.runs.outputs import write_json

        def fill(folder):
            for kind, name, pair, label, subtitle in figures:
                common = {"label": label, "subtitle": subtitle, "path": folder / name,
                          "synthetic": synthetic}  # fmt: skip
                if kind == "robustness":
                    plots.plot_robustness(pair["robustness"], pair["max_bf10"],
                                          pair["kappa_at_max"], key="kappa", **common)  # fmt: skip
                elif kind == "sequential":
                    plots.plot_sequential(pair["sequential"], pair["sequential_random"],
                                          bf_name=bf_name(args.alternative), **common)  # fmt: skip
                else:
                    plots.plot_influence(pair["influence"], pair["bf10"], value="bf10", **common)
            write_json(folder / "sensitivity.json", {"pairs": pairs})

        _fill_out(args, fill)
        lines.append(f"Wrote {len(figures)} figures and sensitivity.json to {args.out}")
    return lines


def _sampler_settings(args: argparse.Namespace):
    from bayes_peer.mcmc.sampler import DEFAULT_SEED, SamplerSettings
    from bayes_peer.params import check_total_draws

    values = {attr: getattr(args, attr) for attr in ("draws", "chains", "tune")
              if getattr(args, attr) is not None}  # fmt: skip
    settings = SamplerSettings(seed=_seed(args, DEFAULT_SEED), **values)
    check_total_draws(settings.draws, settings.chains, "--draws x --chains")
    return settings


# ------------------------------------------------------------------- summary statistics + MCMC
#: Options that need the participants' rows, refused with --summary and --model / --prior.
RAW_ONLY = {
    "--robust": "the Student-t likelihood has no sufficient statistics",
    "--missing": "a published table is the complete-case summary; FIML needs the rows",
    "--waves": "give one table per wave (each with its own n) and fit them one by one",
    "--partial-on": "not available from a table yet",
    "--impute": "imputation needs the rows",
    "--likelihood": "the Student-t likelihood has no sufficient statistics",
}


def _correlation_mcmc_options(args: argparse.Namespace):
    """Sampler settings, --eta and --rope of the correlation models, validated."""
    settings = _sampler_settings(args)
    eta = 1.0 if args.eta is None else args.eta
    rope = 0.1 if args.rope is None else args.rope
    return settings, eta, rope


def _open_out(args: argparse.Namespace, kind: str) -> None:
    """Open ``--out`` (checked, locked, a staging folder made) before any work; the command's
    writers fill it with :func:`_fill_out`. Closed (committed, or removed on any failure) by
    ``main``."""
    if getattr(args, "out", None) is None:
        args.holder = None
        return
    from bayes_peer.runs.folders import ResultsFolder

    holder = ResultsFolder(
        args.out, kind=kind, force=args.force, command=f"bayes-peer {args.command}",
        needed_bytes=20 * 2**20,
    )  # fmt: skip
    args.folders.enter_context(holder)
    args.holder = holder


def _fill_out(args: argparse.Namespace, fill) -> None:
    """Write the results into the opened ``--out`` (``fill(staging)``) and move it into place."""
    holder = getattr(args, "holder", None)
    if holder is None:
        return
    fill(holder.staging)
    holder.commit()


def _write_result_folder(args: argparse.Namespace, write_posteriors, doc: dict) -> None:
    """``--out``: the posteriors (``write_posteriors(folder)``) and ``result.json``."""
    from bayes_peer.runs.outputs import write_json

    def fill(folder):
        write_posteriors(folder)
        write_json(folder / "result.json", doc)

    _fill_out(args, fill)


def _check_summary_options(args: argparse.Namespace) -> None:
    """Refuse raw-data options with --summary; summary-only options without it."""
    summary_only = {"--nearest-correlation": args.nearest_correlation or None,
                    "--rounding-sensitivity": args.rounding_sensitivity,
                    "--decimals": args.decimals}  # fmt: skip
    if args.summary is None:
        given = [flag for flag, value in summary_only.items() if value is not None]
        if given:
            raise InputError(f"{given[0]} goes with --summary FILE.toml")
        return
    for flag, reason in RAW_ONLY.items():
        value = getattr(args, flag[2:].replace("-", "_"), None)
        if flag == "--likelihood" and value == "normal":
            continue
        if value:
            raise InputError(f"{flag} needs participant data (--data): {reason}")


def _summary_extras(summary) -> dict:
    """Warnings about a table and, when it was repaired, what moved."""
    extras: dict = {"warnings": summary.warnings}
    if summary.repair is not None:
        extras["matrix_repair"] = summary.repair
    return extras


def _rounding_options(args: argparse.Namespace) -> tuple[int, int] | None:
    if args.rounding_sensitivity is None:
        if args.decimals is not None:
            raise InputError("--decimals goes with --rounding-sensitivity K")
        return None
    count = args.rounding_sensitivity
    decimals = 2 if args.decimals is None else args.decimals
    return count, decimals


def _print_rounding(block: dict, keys: tuple[str, ...]) -> None:
    print()
    print(f"Rounding sensitivity: {block['matrices']} tables with every correlation moved "
          f"within +/-{block['half_width']:g} (seed {block['seed']})")  # fmt: skip
    for row in block["rows"]:
        parts = [f"{key} {row[key + '_min']:.3f} to {row[key + '_max']:.3f}" for key in keys
                 if row.get(key + "_min") is not None]  # fmt: skip
        flag = "  CONCLUSION CHANGES" if row["conclusion_changes"] else ""
        print(f"  {row['label']}: " + "; ".join(parts) + flag)


def _correlate_summary(args: argparse.Namespace, names: list[str] | None, prior_exact: str) -> int:
    """``correlate --summary FILE --model joint|pairwise`` (and/or --rounding-sensitivity)."""
    from bayes_peer.analyses.correlate import correlate_summary
    from bayes_peer.analyses.summary_mcmc import correlate_summary_mcmc, rounding_sensitivity
    from bayes_peer.data.summary import read_summary
    from bayes_peer.report.text import (
        SYNTHETIC_TABLE_NOTICE,
        correlation_table,
        mcmc_correlation_table,
    )

    summary = read_summary(args.summary, nearest=args.nearest_correlation)
    names = names or list(summary.variables)
    for name in names:
        summary.index(name)
    rounding = _rounding_options(args)
    common = {"kappa": args.kappa, "alternative": args.alternative, "ci_prob": args.ci_prob}
    if args.model is not None:
        from bayes_peer.params import check_variable_count

        check_variable_count(len(names), named=True, mcmc=True)
        settings, eta, rope = _correlation_mcmc_options(args)

        def refit(table):
            return correlate_summary_mcmc(table, names, args.model, settings, eta=eta,
                                          rope=rope, **common).result["pairs"]  # fmt: skip

        outcome = correlate_summary_mcmc(summary, names, args.model, settings, eta=eta,
                                         rope=rope, **common)  # fmt: skip
        variables = [{"name": v, "n_observed": summary.n, "n_missing": 0} for v in names]
        doc = {"source": summary.path, "synthetic": summary.synthetic, "n_rows": summary.n,
               "variables": variables, **common, "prior_exact": prior_exact, **outcome.result,
               **_summary_extras(summary)}  # fmt: skip
        keys = ("mcmc_median", "mcmc_ci_low", "mcmc_ci_high", "p_positive", "bf10")
    else:
        outcome = None

        def refit(table):
            return correlate_summary(table, names, **common)

        doc = {"source": summary.path, "synthetic": summary.synthetic, "n_rows": summary.n,
               **common, "prior": prior_exact, "pairs": refit(summary),
               **_summary_extras(summary)}  # fmt: skip
        keys = ("posterior_median", "ci_low", "ci_high", "bf10")
    if rounding is not None:
        count, decimals = rounding
        seed = 1 if args.seed is None else args.seed
        doc["rounding_sensitivity"] = rounding_sensitivity(
            summary, refit, lambda row: f"{row['var1']} ~ {row['var2']}", keys,
            decimals=decimals, count=count, seed=seed,
        )  # fmt: skip
    if args.model is not None:
        from bayes_peer.analyses.correlate_mcmc import write_posteriors

        _write_result_folder(args, lambda f: write_posteriors(f, outcome), doc)
    if args.json:
        _emit_json(doc)
        return 0
    notice = [SYNTHETIC_TABLE_NOTICE] if summary.synthetic else []
    head = [
        f"Summary statistics: {summary.path} (n = {summary.n}); "
        + doc.get("likelihood_source", "exact layer")
    ]
    head += [f"Warning: {w}" for w in doc["warnings"]]
    if args.model is not None:
        head += [f"MCMC prior: {doc['prior']}", f"Exact layer prior: {prior_exact}",
                 f"Sampler: {doc['sampler']}; divergences: {doc['divergences']}",
                 *_fit_notes(doc, args.alternative)]  # fmt: skip
    else:
        head.append(f"Prior: {prior_exact}")
    _print_header([*notice, *head])
    print(mcmc_correlation_table(doc["pairs"]) if args.model else correlation_table(doc["pairs"]))
    if "rounding_sensitivity" in doc:
        _print_rounding(doc["rounding_sensitivity"], keys)
    return 0


def _correlate_mcmc(args: argparse.Namespace, names: list[str] | None, prior_exact: str) -> int:
    from bayes_peer.data.participants import read_participants
    from bayes_peer.report.text import (
        SYNTHETIC_NOTICE,
        contrast_table,
        mcmc_correlation_table,
    )

    settings, eta, rope = _correlation_mcmc_options(args)
    waves = _csv_list(args.waves, "--waves") if args.waves is not None else None
    partial_on = _csv_list(args.partial_on, "--partial-on") if args.partial_on else None
    if waves is not None:
        if names is None:
            raise InputError("--waves needs --vars naming the constructs (e.g. alliance,qol)")
        if len(waves) < 2:
            raise InputError("--waves needs at least two waves, e.g. m12,m24")
        if partial_on:
            raise InputError("--partial-on cannot be combined with --waves")
        columns = [f"{c}_{w}" for w in waves for c in names]
    else:
        columns = names
    if columns is not None and partial_on:
        columns = [*columns, *partial_on]
    _check_count(args, columns, mcmc=True)
    data = read_participants(args.data, columns)
    if names is None:
        names = [c for c in data.columns if c not in (partial_on or [])]
    from bayes_peer.analyses.correlate_mcmc import correlate_mcmc, write_posteriors

    outcome = correlate_mcmc(
        data, names, args.model, settings, kappa=args.kappa, eta=eta,
        alternative=args.alternative, ci_prob=args.ci_prob, rope=rope,
        missing=args.missing or "fiml", robust=args.robust, partial_on=partial_on, waves=waves,
    )  # fmt: skip
    doc = {
        "source": data.path,
        "synthetic": data.synthetic,
        "n_rows": data.n_rows,
        "variables": data.variable_table(),
        "kappa": args.kappa,
        "alternative": args.alternative,
        "ci_prob": args.ci_prob,
        "prior_exact": prior_exact,
        **outcome.result,
    }
    _write_result_folder(args, lambda f: write_posteriors(f, outcome), doc)
    if args.json:
        _emit_json(doc)
    else:
        notice = [SYNTHETIC_NOTICE] if data.synthetic else []
        head = [
            f"Data: {data.path}; model: {args.model}; {doc['missing_policy']}; "
            f"{doc['n_used']} participants used",
            f"MCMC prior: {doc['prior']}",
            f"Exact layer prior: {prior_exact}",
            f"Sampler: {doc['sampler']}; divergences: {doc['divergences']}",
        ]
        head += _fit_notes(doc, args.alternative)
        head.insert(1, f"Missing values: {doc['missing']}")
        _print_header([*notice, *head])
        print(mcmc_correlation_table(doc["pairs"]))
        if doc.get("contrasts"):
            print()
            print(contrast_table(doc["contrasts"], args.ci_prob))
    return 0


# ------------------------------------------------------------------------------------ regress
def cmd_regress(args: argparse.Namespace) -> int:
    from bayes_peer.analyses.regress import (
        regress_data,
        regress_r2,
        regress_summary,
        regression_prior_text,
    )
    from bayes_peer.exact.regression import resolve_rscale
    from bayes_peer.report.text import (
        SYNTHETIC_NOTICE,
        SYNTHETIC_TABLE_NOTICE,
        block_table,
        coefficient_table,
    )

    try:
        rscale, label = resolve_rscale(args.rscale)
    except ValueError as exc:
        raise InputError(f"--rscale: {exc}") from None
    prior = regression_prior_text(rscale, label)
    sources = [args.data is not None, args.summary is not None, args.r2 is not None]
    if sum(sources) != 1:
        raise InputError("regress: give exactly one of --data, --summary or --r2 (with --n, --p)")
    mcmc_only = {"--prior-scale": args.prior_scale, "--seed": args.seed, "--draws": args.draws,
                 "--chains": args.chains, "--tune": args.tune, "--rope": args.rope,
                 "--out": args.out, "--likelihood": args.likelihood, "--mean-r2": args.mean_r2,
                 "--prec-r2": args.prec_r2, "--cons-d2": args.cons_d2,
                 "--impute": args.impute or None}  # fmt: skip
    sensitivity = args.robustness or args.influence
    if args.baseline is not None and args.waves is None:
        raise InputError("regress: --baseline goes with --waves")
    if args.waves is not None:
        if args.data is None:
            raise InputError("regress: --waves needs participant data (--data FILE.csv)")
        if sensitivity:
            raise InputError("regress: --robustness and --influence run without --waves")
        given = [flag for flag, value in mcmc_only.items() if value is not None and flag != "--out"]
        if args.prior is None and given:
            raise InputError(f"regress: {given[0]} goes with --prior normal|r2d2")
        if args.impute:
            raise InputError("regress: --impute is available for one wave (without --waves)")
        return _regress_waves(args, rscale, label)
    if args.prior is None:
        _check_summary_options(args)
        if args.rounding_sensitivity is not None:
            raise InputError("regress: --rounding-sensitivity goes with --prior normal|r2d2")
        given = [
            flag for flag, value in mcmc_only.items()
            if value is not None and not (flag == "--out" and sensitivity)
        ]  # fmt: skip
        if given:
            raise InputError(f"regress: {given[0]} goes with --prior normal")
        _open_out(args, "exact-sensitivity")
    else:
        if args.data is None and args.summary is None:
            raise InputError(
                "regress: --prior needs participant data (--data FILE.csv) or summary "
                "statistics (--summary FILE.toml)"
            )
        if sensitivity:
            raise InputError("regress: --robustness and --influence run without --prior")
        _check_summary_options(args)
        return _regress_mcmc(args, rscale, label)
    notice: list[str] = []
    meta: dict = {}
    if args.r2 is not None:
        if args.n is None or args.p is None:
            raise InputError("regress: --r2 needs --n and --p (one predictor count per R²)")
        if args.outcome is not None or args.block:
            raise InputError("regress: --outcome and --block go with --data or --summary")
        n = args.n
        result = regress_r2(n, args.r2, args.p, rscale)
        result.update({"n_used": n, "n_rows": n, "dropped": []})
        head = [f"Blocks from published R² (N = {n})"]
        outcome = None
    else:
        if args.n is not None or args.p is not None:
            raise InputError("regress: --n and --p go with --r2")
        if args.outcome is None:
            raise InputError("regress: --outcome is required with --data or --summary")
        outcome = args.outcome.strip()
        blocks = [_csv_list(b, "--block") for b in args.block or []]
        if args.data is not None:
            from bayes_peer.analyses.regress import check_blocks
            from bayes_peer.data.participants import read_participants

            terms = check_blocks(outcome, blocks)
            data = read_participants(args.data, [outcome, *terms])
            result = regress_data(data, outcome, blocks, rscale, args.ci_prob)
            meta = {"source": data.path, "synthetic": data.synthetic}
            notice = [SYNTHETIC_NOTICE] if data.synthetic else []
            head = [
                f"Data: {data.path}; outcome {outcome}; {result['n_used']} of "
                f"{result['n_rows']} rows complete on every variable (the same rows for every "
                "block)"
            ]
            if result["dropped"]:
                head.append(
                    "Left out (missing values): "
                    + "; ".join(
                        f"row {d['row']} (id {d['id']}): {', '.join(d['missing'])}"
                        for d in result["dropped"]
                    )
                )
        else:
            from bayes_peer.data.summary import read_summary

            summary = read_summary(args.summary, nearest=args.nearest_correlation)
            result = regress_summary(summary, outcome, blocks, rscale, args.ci_prob)
            meta = {"source": summary.path, "synthetic": summary.synthetic,
                    **_summary_extras(summary)}  # fmt: skip
            notice = [SYNTHETIC_TABLE_NOTICE] if summary.synthetic else []
            scale_note = "" if summary.sds is not None else " (no SDs: raw b and SE unavailable)"
            head = [
                f"Summary statistics: {summary.path}; outcome {outcome}; "
                f"n = {summary.n}{scale_note}"
            ]
    lines = _block_sensitivity(args, result, data if args.data is not None else None,
                               outcome, blocks if args.r2 is None else None, rscale,
                               meta.get("synthetic", False))  # fmt: skip
    out = {
        **meta,
        "outcome": outcome,
        "rscale": rscale,
        "rscale_label": label,
        "prior": prior,
        "ci_prob": args.ci_prob,
        **result,
    }
    if args.json:
        _emit_json(out)
    else:
        _print_header([*notice, *head, f"Prior: {prior}"])
        print(block_table(result["blocks"], ci_prob=args.ci_prob))
        if result["coefficients"]:
            print()
            print(coefficient_table(result["coefficients"], args.ci_prob))
        _print_lines(lines)
    return 0


def _block_sensitivity(args, result, data, outcome, blocks, rscale, synthetic) -> list[str]:
    """Add JZS-scale robustness and leave-one-out influence to the blocks; figures to --out."""
    if not (args.robustness or args.influence):
        return []
    from bayes_peer.analyses.regress import complete_rows
    from bayes_peer.analyses.sensitivity_exact import block_influence, block_robustness
    from bayes_peer.report.text import fmt_bf

    lines, figures = [], []
    steps = result["blocks"]
    n = steps[0]["n"]
    if args.robustness:
        curves = block_robustness(n, [b["r2"] for b in steps], [b["p"] for b in steps])
        for block, curve in zip(steps, curves, strict=True):
            block.update(curve)
            lines.append(
                f"block {block['block']}: max BF = {fmt_bf(block['max_bf_block'])} at JZS r = "
                f"{block['rscale_at_max']:.3g} (BF at the chosen r: {fmt_bf(block['bf_block'])})"
            )
            figures.append(("robustness", block))
    if args.influence:
        if data is None:
            raise InputError("regress: --influence needs participant data (--data)")
        terms = [t for b in blocks for t in b]
        values = data.matrix([outcome, *terms])
        keep = complete_rows(values)
        ids = [i for i, k in zip(data.ids, keep, strict=True) if k]
        per_block = block_influence(values[keep, 0], values[keep, 1:], terms,
                                    [len(b) for b in blocks], ids, rscale)  # fmt: skip
        for block, rows in zip(steps, per_block, strict=True):
            block["influence"] = rows
            block["influential"] = [r["id"] for r in rows if r["changes_conclusion"]]
            who = ", ".join(f"id {i}" for i in block["influential"]) or "no one"
            lines.append(f"block {block['block']}: leaving out {who} changes the conclusion")
            figures.append(("influence", block))
    if args.out is not None:
        from bayes_peer.exact.regression import jzs_prior_description
        from bayes_peer.report import exact_figures as plots
        from bayes_peer.runs.outputs import write_json

        def fill(folder):
            for kind, block in figures:
                label = f"{outcome or 'model'}, block {block['block']}"
                subtitle = f"n = {block['n']}, ΔR² = {block['delta_r2']:.3f}; " + (
                    jzs_prior_description(rscale)
                )
                path = folder / f"{kind}_block{block['block']}.png"
                if kind == "robustness":
                    plots.plot_robustness(
                        block["robustness"],
                        block["max_bf_block"],
                        block["rscale_at_max"],
                        key="rscale",
                        label=label,
                        subtitle=subtitle,
                        path=path,
                        synthetic=synthetic,
                    )
                else:
                    plots.plot_influence(block["influence"], block["bf_block"], value="bf_block",
                                         label=label, subtitle=subtitle, path=path,
                                         synthetic=synthetic)  # fmt: skip
            write_json(folder / "sensitivity.json", {"blocks": steps})

        _fill_out(args, fill)
        lines.append(f"Wrote {len(figures)} figures and sensitivity.json to {args.out}")
    return lines


def _regression_prior_options(args) -> tuple[float, float, tuple[float, float, float]]:
    """--prior-scale, --rope and the R2-D2 settings, validated."""
    from bayes_peer.mcmc.models.regression import R2D2_CONS, R2D2_MEAN, R2D2_PREC

    prior_scale = 1.0 if args.prior_scale is None else args.prior_scale
    if args.prior == "r2d2" and args.prior_scale is not None:
        raise InputError("--prior-scale goes with --prior normal (R2-D2 takes --mean-r2 ...)")
    rope = 0.1 if args.rope is None else args.rope
    r2d2 = [R2D2_MEAN, R2D2_PREC, R2D2_CONS]
    for i, (flag, value) in enumerate(
        (("--mean-r2", args.mean_r2), ("--prec-r2", args.prec_r2), ("--cons-d2", args.cons_d2))
    ):
        if value is None:
            continue
        if args.prior != "r2d2":
            raise InputError(f"{flag} goes with --prior r2d2")
        r2d2[i] = value
    return prior_scale, rope, tuple(r2d2)


def _regress_waves(args: argparse.Namespace, rscale: float, label: str) -> int:
    from bayes_peer.analyses.regress import regression_prior_text
    from bayes_peer.analyses.regress_waves import (
        MISSING_TEXT,
        regress_waves_exact,
        regress_waves_mcmc,
        wave_blocks,
    )
    from bayes_peer.data.participants import read_participants
    from bayes_peer.report.text import (
        SYNTHETIC_NOTICE,
        block_table,
        coefficient_table,
    )

    if args.outcome is None:
        raise InputError("regress: --outcome (a construct, e.g. recovery) is required")
    waves = _csv_list(args.waves, "--waves")
    blocks = [_csv_list(b, "--block") for b in args.block or []]
    if not blocks:
        raise InputError("give at least one --block of constructs")
    baseline = args.baseline.strip() if args.baseline else None
    outcome = args.outcome.strip()
    columns = [f"{outcome}_{w}" for w in waves] + [f"{c}_{w}" for b in blocks for c in b
                                                   for w in waves]  # fmt: skip
    if baseline:
        columns.append(f"{outcome}_{baseline}")
    data = read_participants(args.data, list(dict.fromkeys(columns)))
    design = wave_blocks(data.header, outcome, waves, baseline, blocks)
    _open_out(args, "result")
    meta = {"source": data.path, "synthetic": data.synthetic, "outcome": outcome,
            "waves": waves, "baseline": baseline, "rscale": rscale, "rscale_label": label,
            "prior_jzs": regression_prior_text(rscale, label), "ci_prob": args.ci_prob}  # fmt: skip
    if args.prior is None:
        result = regress_waves_exact(data, design, rscale, args.ci_prob)
        result["missing"] = "each wave: rows complete on the outcome and that wave's predictors"
        fitted = None
    else:
        settings = _sampler_settings(args)
        prior_scale, rope, r2d2 = _regression_prior_options(args)
        if len(waves) != 2:
            raise InputError("regress: the joint MCMC model takes exactly two waves")
        fitted = regress_waves_mcmc(
            data, design, rscale, settings, prior=args.prior, prior_scale=prior_scale,
            likelihood=args.likelihood or "normal", r2d2=r2d2, ci_prob=args.ci_prob, rope=rope,
        )  # fmt: skip
        result = fitted.result
        result["missing"] = MISSING_TEXT
    doc = {**meta, **result}
    if args.out is not None:
        from bayes_peer.runs.outputs import write_csv, write_json

        def fill(folder):
            if fitted is not None:
                for k, fit in fitted.fits.items():
                    fit.idata.to_netcdf(folder / f"posterior_{outcome}_waves_block{k}.nc",
                                        engine="h5netcdf")  # fmt: skip
            write_csv(folder / "blocks.csv", doc["blocks"])
            write_csv(folder / "coefficients.csv", doc["coefficients"])
            if doc.get("contrasts"):
                write_csv(folder / "contrasts.csv", doc["contrasts"])
            write_json(folder / "result.json", doc)

        _fill_out(args, fill)
    if args.json:
        _emit_json(doc)
    else:
        notice = [SYNTHETIC_NOTICE] if data.synthetic else []
        head = [f"Data: {data.path}; outcome {outcome} at waves {', '.join(waves)}"
                + (f", baseline {outcome}_{baseline} in block 1" if baseline else ""),
                f"Missing values: {doc['missing']}",
                f"Block BF prior: {doc['prior_jzs']}"]  # fmt: skip
        if fitted is not None:
            head += [f"Slope prior: {doc['prior']}",
                     f"Sampler: {doc['sampler']}; divergences: {doc['divergences']}",
                     *_fit_notes(doc)]  # fmt: skip
        _print_header([*notice, *head])
        for w in waves:
            print(f"Wave {w}")
            wave_blocks_ = [b for b in doc["blocks"] if b["wave"] == w]
            print(block_table(wave_blocks_, mcmc=fitted is not None, ci_prob=args.ci_prob))
            print()
            coefs = [c for c in doc["coefficients"] if c["wave"] == w]
            print(coefficient_table(coefs, args.ci_prob))
            print()
        if doc.get("contrasts"):
            for c in doc["contrasts"]:
                print(
                    f"Contrast {c['term']} ({c['wave_b']} - {c['wave_a']}, standardized): "
                    f"{c['diff_median']:.3f} [{c['diff_ci_low']:.3f}, {c['diff_ci_high']:.3f}], "
                    f"P(> 0) = {c['p_positive']:.3f}"
                )
    return 0


def _regress_mcmc(args: argparse.Namespace, rscale: float, label: str) -> int:
    """``regress --prior normal|r2d2`` on participant rows (--data) or a table (--summary)."""
    from bayes_peer.analyses.regress import check_blocks, regression_prior_text
    from bayes_peer.analyses.regress_mcmc import write_regression_posteriors
    from bayes_peer.report.text import (
        SYNTHETIC_NOTICE,
        SYNTHETIC_TABLE_NOTICE,
        block_table,
        mcmc_coefficient_table,
    )

    settings = _sampler_settings(args)
    prior_scale, rope, r2d2 = _regression_prior_options(args)
    source = "--summary" if args.summary is not None else "--data"
    if args.outcome is None:
        raise InputError(f"regress: --outcome is required with {source}")
    outcome = args.outcome.strip()
    blocks = [_csv_list(b, "--block") for b in args.block or []]
    terms = check_blocks(outcome, blocks)
    rounding = _rounding_options(args)
    _open_out(args, "result")
    options = {
        "prior": args.prior,
        "prior_scale": prior_scale,
        "ci_prob": args.ci_prob,
        "rope": rope,
        "r2d2": r2d2,
    }
    summary = None
    if args.summary is not None:
        from bayes_peer.analyses.summary_mcmc import regress_summary_mcmc
        from bayes_peer.data.summary import read_summary

        summary = read_summary(args.summary, nearest=args.nearest_correlation)
        fitted = regress_summary_mcmc(summary, outcome, blocks, rscale, settings, **options)
        source_keys = {"source": summary.path, "synthetic": summary.synthetic}
        extras = _summary_extras(summary)
        notice = SYNTHETIC_TABLE_NOTICE
        head = [
            f"Summary statistics: {summary.path}; outcome {outcome}; n = {summary.n}; "
            f"{fitted.result['likelihood_source']}",
            f"Scale: {fitted.result['scale']}",
            *[f"Warning: {w}" for w in extras["warnings"]],
        ]
    else:
        from bayes_peer.analyses.regress_mcmc import regress_mcmc
        from bayes_peer.data.participants import read_participants

        data = read_participants(args.data, [outcome, *terms])
        likelihood = args.likelihood or "normal"
        fitted = regress_mcmc(
            data,
            outcome,
            blocks,
            rscale,
            settings,
            likelihood=likelihood,
            impute=args.impute,
            **options,
        )
        source_keys = {"source": data.path, "synthetic": data.synthetic}
        extras = {}
        notice = SYNTHETIC_NOTICE
        result = fitted.result
        head = [
            f"Data: {data.path}; outcome {outcome}; {result['n_used']} of {result['n_rows']} "
            "rows complete on every variable (the same rows for every block)",
            f"Missing predictors: {result['missing_predictors']}; the MCMC model uses "
            f"{result['n_mcmc']} rows, {result['n_imputed']} values imputed",
        ]
    doc = {
        **source_keys,
        "outcome": outcome,
        "rscale": rscale,
        "rscale_label": label,
        "prior_jzs": regression_prior_text(rscale, label),
        "ci_prob": args.ci_prob,
        **fitted.result,
        **extras,
    }
    keys = ("posterior_median", "ci_low", "ci_high", "p_direction")
    if rounding is not None:  # only with --summary (_check_summary_options refuses it else)
        from bayes_peer.analyses.summary_mcmc import regress_summary_mcmc, rounding_sensitivity

        count, decimals = rounding
        seed = 1 if args.seed is None else args.seed

        def refit(table):
            refitted = regress_summary_mcmc(table, outcome, blocks, rscale, settings, **options)
            return refitted.result["coefficients"]

        doc["rounding_sensitivity"] = rounding_sensitivity(
            summary,
            refit,
            lambda row: f"block {row['block']}: {row['term']}",
            keys,
            decimals=decimals,
            count=count,
            seed=seed,
        )
    _write_result_folder(args, lambda f: write_regression_posteriors(f, outcome, fitted), doc)
    if args.json:
        _emit_json(doc)
        return 0
    head += [
        f"Slope prior: {doc['prior']}",
        f"Block BF prior: {doc['prior_jzs']}",
        f"Sampler: {doc['sampler']}; divergences: {doc['divergences']}",
        *_fit_notes(doc),
    ]
    _print_header([*([notice] if doc["synthetic"] else []), *head])
    print(block_table(doc["blocks"], mcmc=True, ci_prob=args.ci_prob))
    print()
    print(mcmc_coefficient_table(doc["coefficients"], args.ci_prob))
    if "rounding_sensitivity" in doc:
        _print_rounding(doc["rounding_sensitivity"], keys)
    return 0


# ------------------------------------------------------------------------------------- design
def cmd_design(args: argparse.Namespace) -> int:
    from bayes_peer.exact.correlation import prior_description

    if args.effect is not None or args.se is not None:
        if args.effect is None or args.se is None:
            raise InputError("design: --effect and --se go together (retrodesign)")
        if args.n is not None or args.rho is not None or args.rho_beta is not None:
            raise InputError("design: give either --effect/--se or --n with --rho/--rho-beta")
        from bayes_peer.exact.design import retrodesign

        effect, se = args.effect, args.se
        if effect == 0:
            raise InputError(
                "--effect must be non-zero (power and exaggeration need a true effect)"
            )
        res = retrodesign(effect, se, args.alpha)
        doc = {"effect": effect, "se": se, "alpha": args.alpha, "power": res.power,
               "type_s": res.type_s, "exaggeration": res.exaggeration,
               "method": "exact normal integrals (Gelman & Carlin 2014)"}  # fmt: skip
        if args.json:
            _emit_json(doc)
        else:
            print(f"Retrodesign for a true effect {effect:g} estimated with SE {se:g} "
                  f"(two-sided alpha = {args.alpha:g}):")  # fmt: skip
            print(f"  power {res.power:.4f}; type S error rate {res.type_s:.4f}; exaggeration "
                  f"ratio {res.exaggeration:.2f}")  # fmt: skip
        return 0
    if args.n is None or (args.rho is None) == (args.rho_beta is None):
        raise InputError(
            "design: give --n with exactly one of --rho or --rho-beta (or --effect/--se)"
        )
    n = args.n
    rho = rho_beta = None
    if args.rho is not None:
        rho = args.rho
    else:
        values = args.rho_beta
        if len(values) != 2:
            raise InputError("--rho-beta takes two positive numbers a,b: rho = 2 Beta(a, b) - 1")
        rho_beta = (values[0], values[1])
    from bayes_peer.exact.design import (
        design_analysis,
        n_for_target,
        retrodesign,
        simulate_design,
    )

    res = design_analysis(n, rho, args.kappa, rho_beta)
    doc = {
        "n": n, "rho": rho, "rho_beta": list(rho_beta) if rho_beta else None,
        "kappa": args.kappa, "prior": prior_description(args.kappa),
        "method": "exact: BF10 is monotone in |r|; probabilities integrate the exact "
        "sampling density of r",
        "p_bf10_gt_3": res.p_bf10_gt_3, "p_bf10_gt_10": res.p_bf10_gt_10,
        "p_bf10_lt_third": res.p_bf10_lt_third, "p_inconclusive": res.p_inconclusive,
        "median_bf10": res.median_bf10, "log_median_bf10": res.log_median_bf10,
        "max_bf01": res.max_bf01,
        "r_for_bf10_3": res.r_for_bf10_3, "r_for_bf10_10": res.r_for_bf10_10,
    }  # fmt: skip
    if rho is not None and rho != 0:
        import math

        retro = retrodesign(math.atanh(rho), 1 / math.sqrt(n - 3), args.alpha)
        doc["retrodesign"] = {
            "scale": "Fisher z",
            "power": retro.power,
            "type_s": retro.type_s,
            "exaggeration": retro.exaggeration,
        }
    if args.target_prob is not None:
        target = args.target_prob
        doc["target_prob"] = target
        doc["n_for_target"] = n_for_target(target, rho, args.kappa, rho_beta)
    if args.sims is not None:
        if rho is None:
            raise InputError("design: --sims needs a point --rho")
        sims = args.sims
        from bayes_peer.params import MAX_SIMULATED_VALUES

        if sims * n > MAX_SIMULATED_VALUES:
            raise InputError(
                f"--sims x --n = {sims * n:,} simulated values; at most {MAX_SIMULATED_VALUES:,}"
            )
        seed = 1 if args.seed is None else args.seed
        doc["simulation"] = {"sims": sims, "seed": seed,
                             **simulate_design(n, rho, args.kappa, sims, seed)}  # fmt: skip
    elif args.seed is not None:
        raise InputError("design: --seed goes with --sims")
    if args.json:
        _emit_json(doc)
    else:
        what = f"rho = {rho:g}" if rho is not None else f"rho = 2 Beta{rho_beta} - 1"
        print(f"Bayes factor design analysis: n = {n}, {what}; {doc['prior']}")
        for key in ("p_bf10_gt_3", "p_bf10_gt_10", "p_bf10_lt_third", "p_inconclusive",
                    "median_bf10", "max_bf01", "r_for_bf10_3", "r_for_bf10_10",
                    "n_for_target"):  # fmt: skip
            if key in doc:
                value = doc[key]
                shown = value if value is None or isinstance(value, int) else f"{value:.4g}"
                print(f"  {key:16s} {shown}")
        if "retrodesign" in doc:
            retro = doc["retrodesign"]
            print(
                f"  retrodesign (Fisher z, alpha {args.alpha:g}): power {retro['power']:.3f}, "
                f"type S {retro['type_s']:.2g}, exaggeration {retro['exaggeration']:.2f}"
            )
        if "simulation" in doc:
            sim = doc["simulation"]
            print(
                f"  simulation ({sim['sims']} data sets, seed {sim['seed']}): P(BF10 > 3) "
                f"{sim['p_bf10_gt_3']:.4f}, P(inconclusive) {sim['p_inconclusive']:.4f}"
            )
    return 0


# --------------------------------------------------------------------------------------- demo
def cmd_demo(args: argparse.Namespace) -> int:
    if args.exact:
        from bayes_peer.runs.demo import EXACT_DEMO_FOLDER, run_demo

        summary = run_demo(EXACT_DEMO_FOLDER if args.out is None else args.out, force=args.force)
        if args.json:
            _emit_json(summary)
        else:
            print(summary["notice"])
            print(f"Wrote {len(summary['files'])} files to {summary['out']}:")
            for name in summary["files"]:
                print(f"  {name}")
        return 0
    from bayes_peer.runs.specs import load_spec, shipped_specs

    specs = [load_spec(p) for p in shipped_specs()]
    if args.out is None:
        args.out = "results/demo"
    return _run(args, specs, data=None, command="bayes-peer demo")


def cmd_run(args: argparse.Namespace) -> int:
    from bayes_peer.runs.specs import load_spec

    spec = load_spec(args.spec)
    if args.out is None:
        args.out = str(spec.output or Path("results") / spec.name)
    return _run(args, [spec], data=args.data, command="bayes-peer run")


def cmd_report(args: argparse.Namespace) -> int:
    """``bayes-peer report FOLDER``: write the report of an existing results folder."""
    from bayes_peer.report import rebuild_report

    built = rebuild_report(args.folder)
    if args.json:
        _emit_json(built)
    else:
        print(f"Wrote {built['html']} and {built['markdown']} ({len(built['figures'])} figures, "
              f"{built['seconds']:.1f} s)")  # fmt: skip
    return 0


def cmd_cache(args: argparse.Namespace) -> int:
    """``bayes-peer cache info|clear``."""
    from bayes_peer.mcmc import cache

    if args.action == "clear":
        done = cache.clear()
        if args.json:
            _emit_json(done)
        else:
            print(f"Removed {done['root']} ({done['removed_files']} files, "
                  f"{done['removed_bytes'] / 1e6:.1f} MB)")  # fmt: skip
        return 0
    doc = cache.info()
    if args.json:
        _emit_json(doc)
        return 0
    print(f"Compile cache: {doc['dir']}" + (" (empty)" if not doc["exists"] else ""))
    if doc["moved_by"]:
        print(f"  moved by {doc['moved_by']}")
    if doc["pytensor_flags_override"]:
        print(f"  PYTENSOR_FLAGS sets base_compiledir={doc['pytensor_flags_override']}: "
              "this cache is not used")  # fmt: skip
    print(f"  {doc['files']} files, {doc['size_bytes'] / 1e6:.1f} MB; libraries: "
          f"{doc['versions_key']}")  # fmt: skip
    for name, entry in sorted(doc["structures"].items()):
        seconds = ", ".join(f"{t:.1f}" for t in entry["compile_seconds"])
        print(f"  structure {name}: compiled {entry['compiles']}x ({seconds} s)")
    for other in doc["other_versions"]:
        print(f"  other library versions: {other['dir']} ({other['size_bytes'] / 1e6:.1f} MB)")
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """``bayes-peer sensitivity SPEC... | --demo``: every sensitivity analysis of the specs."""
    from bayes_peer.runs.sensitivity import run_sensitivity
    from bayes_peer.runs.specs import load_spec, shipped_specs

    if args.demo == bool(args.spec):
        raise InputError("sensitivity: give one or more spec files, or --demo")
    seed = _seed(args, None)
    if args.demo:
        if args.data is not None:
            raise InputError("sensitivity: --demo uses the shipped demo study; drop --data")
        specs = [s for s in (load_spec(p) for p in shipped_specs()) if s.summary is None]
        if args.out is not None and not args.out.strip():
            raise InputError("--out is empty; name a folder such as results/demo")
        base = Path("results/demo" if args.out is None else args.out)
        outs = [base / s.name / "sensitivity" for s in specs]
    else:
        specs = [load_spec(p) for p in args.spec]
        if args.out is not None and len(specs) > 1:  # the layout of a multi-spec run folder
            outs = [Path(args.out) / s.name / "sensitivity" for s in specs]
        elif args.out is not None:
            outs = [Path(args.out)]
        else:
            outs = [(s.output or Path("results") / s.name) / "sensitivity" for s in specs]
    workers = 2 if args.workers is None else args.workers
    record = run_sensitivity(specs, outs, data_path=args.data, seed=seed, force=args.force,
                             quiet=args.quiet, report=not args.no_report, workers=workers,
                             imputations=args.imputations,
                             command="bayes-peer sensitivity")  # fmt: skip
    if args.json:
        _emit_json(record)
    else:
        print_sensitivity(record)
    return record["exit_status"]


def print_sensitivity(record: dict) -> None:
    """The plain-text summary of a ``sensitivity`` record."""
    from bayes_peer.report.text import SYNTHETIC_NOTICE

    if record["synthetic"]:
        print(SYNTHETIC_NOTICE)
    for entry in record["specs"]:
        s = entry["summary"]
        print(f"{entry['name']}: {s['variants']} estimates -> {entry['out']} "
              f"({entry['seconds']:.0f} s)")  # fmt: skip
        changed = s["conclusions_changed"]
        print(f"  conclusions that change under a variant: {len(changed)}")
        for c in changed:
            flag = " [fit failed its diagnostics]" if c["diagnostics"] == "fail" else ""
            print(f"    {c['model']} {c['quantity']} ({c['wave']}): {c['setting']}{flag}")
        if s["failed_variants"]:
            print(f"  variant estimates from fits that failed diagnostics: {s['failed_variants']}")
        print(f"  power-scaling flags: {len(s['power_scaling_flags'])}; participants with "
              f"Pareto k > 0.7: {len(s['pareto_k_over_0_7'])}")  # fmt: skip
        for t in s["tipping_points"]:
            tips = [
                f"delta = {t[f'tipping_{side}']:+g}"
                + (f" ({100 * t[f'tipping_{side}_agreement']:.0f}% of Monte Carlo resamples "
                   "agree)" if t.get(f"tipping_{side}_agreement") is not None else "")
                for side in ("low", "high") if t[f"tipping_{side}"] is not None
            ]  # fmt: skip
            print(f"  MNAR {t['model']} ({t['wave']}): {t['conclusion_mar']} under MAR; "
                  f"tipping point {' / '.join(tips) or 'none within +/-1 SD'} "
                  f"({t.get('imputations')} imputations)")  # fmt: skip
    for report in record.get("reports", []):
        print(f"Report with the sensitivity section: {report}")
    print(f"Done in {record['seconds']:.0f} s")


def _run(args: argparse.Namespace, specs, data, command: str) -> int:
    from bayes_peer.report.text import SYNTHETIC_NOTICE
    from bayes_peer.runs.run import run_specs

    seed = _seed(args, None)
    record = run_specs(specs, args.out, data_path=data, seed=seed, force=args.force,
                       quiet=args.quiet, command=command, report=not args.no_report)  # fmt: skip
    if args.json:
        _emit_json(record)
    elif not args.quiet:
        if record["synthetic"]:
            print(SYNTHETIC_NOTICE)
        print(f"Wrote {record['out']} in {record['seconds']:.0f} s")
        if record.get("report"):
            print(f"Report: {record['report']}")
        for entry in record["specs"]:
            counts = {
                v: list(entry["verdicts"].values()).count(v) for v in ("pass", "warn", "fail")
            }
            print(f"  {entry['name']}: {counts['pass']} pass, {counts['warn']} warn, "
                  f"{counts['fail']} fail" + (f" (failed: {', '.join(entry['failed'])})"
                                              if entry["failed"] else ""))  # fmt: skip
    return record["exit_status"]


def _add_mcmc_options(parser: argparse.ArgumentParser, *, rope: str, out: str) -> None:
    """Sampler, ROPE and output options shared by the MCMC commands."""
    parser.add_argument("--seed", help="MCMC seed (default 20261126)")
    parser.add_argument("--draws", help="draws per chain after warm-up (default 1000)")
    parser.add_argument("--tune", help="warm-up steps per chain (default 1000)")
    parser.add_argument("--chains", help="chains (default 4)")
    parser.add_argument("--rope", help=rope)
    parser.add_argument("--out", help=out)
    parser.add_argument("--force", action="store_true", help="replace an existing --out folder")


def _add_run_options(parser: argparse.ArgumentParser, *, report: str) -> None:
    """Seed, folder, progress, report and JSON options of the spec commands (run, demo,
    sensitivity); ``report`` is the help of ``--no-report``."""
    parser.add_argument("--seed", help="MCMC seed for every model (default: each spec's)")
    parser.add_argument("--force", action="store_true", help="replace an existing output folder")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.add_argument("--no-report", action="store_true", help=report)
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _add_summary_options(parser: argparse.ArgumentParser) -> None:
    """Options of a published table (with --summary)."""
    parser.add_argument(
        "--nearest-correlation", action="store_true",
        help="replace a matrix that is not positive definite (e.g. after rounding) by the "
        "nearest correlation matrix (Higham 2002); the changes are reported",
    )  # fmt: skip
    parser.add_argument(
        "--rounding-sensitivity", metavar="K",
        help="refit on K tables with every correlation moved within its rounding interval",
    )  # fmt: skip
    parser.add_argument(
        "--decimals", help="decimals the table was rounded to (default 2; rounding sensitivity)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``bayes-peer`` and its sub-commands."""
    parser = _Parser(
        prog="bayes-peer",
        description="Bayesian reanalysis of small-sample correlational studies.",
    )
    parser.add_argument("--version", action="version", version=f"bayes-peer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    c = sub.add_parser(
        "correlate",
        help="Bayesian and frequentist correlations (from r and n, a CSV or summary statistics)",
        description="Exact Bayes factors and posteriors of correlations beside Pearson's r, p "
        "and CI. Give --r with --n, or --data FILE.csv, or --summary FILE.toml.",
    )
    c.add_argument("--r", help="a sample correlation")
    c.add_argument("--n", help="number of complete pairs behind --r")
    c.add_argument("--data", help="participant CSV (one row per participant)")
    c.add_argument("--summary", help="summary statistics TOML (n, variables, correlations)")
    _add_summary_options(c)
    c.add_argument("--vars", help="comma-separated variables (default: all)")
    c.add_argument(
        "--kappa",
        default="1",
        help="width of the stretched-beta prior on rho (default 1 = uniform, JASP)",
    )
    c.add_argument("--alternative", choices=["two-sided", "greater", "less"], default="two-sided")
    c.add_argument(
        "--ci-prob",
        default="0.95",
        help="probability of equal-tailed intervals (default 0.95)",
    )
    c.add_argument(
        "--model",
        choices=["joint", "pairwise"],
        help="also fit a PyMC model by MCMC (nutpie): joint LKJ or pairwise",
    )
    c.add_argument("--eta", help="LKJ shape of the joint model (default 1)")
    _add_mcmc_options(
        c,
        rope="half-width of the ROPE around 0 (default 0.1)",
        out="folder for NetCDF posteriors and a CSV summary",
    )
    c.add_argument(
        "--robustness",
        action="store_true",
        help="BF over prior widths kappa in (0, 2] and its maximum (exact layer)",
    )
    c.add_argument(
        "--sequential",
        action="store_true",
        help="BF10 as participants accumulate, file order and random orders",
    )
    c.add_argument(
        "--influence",
        action="store_true",
        help="each participant left out in turn; who changes the conclusion",
    )
    c.add_argument(
        "--waves",
        help="waves (column suffixes) to model jointly, e.g. m12,m24; "
        "--vars then names constructs, and 'contrasts' compare the waves",
    )
    c.add_argument(
        "--missing",
        choices=["fiml", "listwise"],
        help="joint model: full-information likelihood (default, MAR) or listwise",
    )
    c.add_argument(
        "--robust", action="store_true", help="joint model: multivariate Student-t likelihood"
    )
    c.add_argument("--partial-on", help="joint model: partial correlations given these columns")
    c.add_argument("--json", action="store_true", help="print one JSON object")
    c.set_defaults(func=cmd_correlate)

    r = sub.add_parser(
        "regress",
        help="hierarchical (blocked) regression: OLS, F-change and JZS block Bayes factors",
        description="Blocks entered in order; every block's model uses the same rows. Give "
        "--data FILE.csv or --summary FILE.toml with --outcome and --block (repeat), or "
        "published R² values with --n, --r2 and --p.",
    )
    r.add_argument("--data", help="participant CSV")
    r.add_argument("--summary", help="summary statistics TOML")
    _add_summary_options(r)
    r.add_argument("--outcome", help="outcome column")
    r.add_argument("--block", action="append", help="comma-separated terms of a block (repeat)")
    r.add_argument("--n", help="N behind published R² values")
    r.add_argument("--r2", help="R² of each block's model, comma-separated")
    r.add_argument("--p", help="total number of predictors of each block's model")
    r.add_argument(
        "--rscale",
        default="medium",
        help="JZS scale: medium (sqrt(2)/4, default), wide (1/2), ultrawide "
        "(sqrt(2)/2) or a positive number",
    )
    r.add_argument("--ci-prob", default="0.95", help="probability of intervals (0.95)")
    r.add_argument(
        "--robustness",
        action="store_true",
        help="block BFs over JZS scales r in (0, 2] and their maxima (exact layer)",
    )
    r.add_argument(
        "--influence",
        action="store_true",
        help="each participant left out in turn: ΔR² and block BF",
    )
    r.add_argument("--waves", help="waves of <construct>_<wave> columns, e.g. m12,m24: --outcome "
                   "and --block then name constructs")  # fmt: skip
    r.add_argument("--baseline", help="wave of the outcome's baseline score added to block 1 (m0)")
    r.add_argument(
        "--likelihood",
        choices=["normal", "student"],
        help="residual distribution of the MCMC model (default normal)",
    )
    r.add_argument(
        "--impute",
        action="store_true",
        help="impute missing predictor values in the model (MAR); default listwise",
    )
    r.add_argument("--mean-r2", help="R2-D2: prior mean of R² (0.5)")
    r.add_argument("--prec-r2", help="R2-D2: prior precision of R² (2)")
    r.add_argument("--cons-d2", help="R2-D2: Dirichlet concentration (0.5, as brms >= 2.20)")
    r.add_argument(
        "--prior",
        choices=["normal", "r2d2"],
        help="also fit each block's model by MCMC with this slope prior",
    )
    r.add_argument("--prior-scale", help="SD of the normal prior on standardized slopes (1)")
    _add_mcmc_options(
        r,
        rope="half-width of the ROPE for standardized slopes (0.1)",
        out="folder for NetCDF posteriors and CSV tables",
    )
    r.add_argument("--json", action="store_true", help="print one JSON object")
    r.set_defaults(func=cmd_regress)

    g = sub.add_parser(
        "design",
        help="what n can show: Bayes factor design analysis, retrodesign",
        description="Bayes factor design analysis for an assumed rho (or a stretched Beta "
        "prior on rho) at n, by exact integration; or Gelman & Carlin's retrodesign from "
        "--effect and --se.",
    )
    g.add_argument("--n", help="sample size")
    g.add_argument("--rho", help="assumed true correlation")
    g.add_argument("--rho-beta", help="a,b: design prior rho = 2 Beta(a, b) - 1 instead of --rho")
    g.add_argument("--kappa", default="1", help="width of the analysis prior (1)")
    g.add_argument("--target-prob", help="also the n with P(BF10 > 3) >= this probability")
    g.add_argument("--sims", help="also estimate by simulation with this many data sets")
    g.add_argument("--seed", help="seed of the simulation (default 1)")
    g.add_argument("--effect", help="retrodesign: assumed true effect")
    g.add_argument("--se", help="retrodesign: standard error of its estimate")
    g.add_argument("--alpha", default="0.05", help="significance level (0.05)")
    g.add_argument("--json", action="store_true", help="print one JSON object")
    g.set_defaults(func=cmd_design)

    d = sub.add_parser(
        "demo",
        help="reanalyse the shipped SYNTHETIC demo study and write tables under results/",
        description="Exact and frequentist reanalysis of the synthetic demo study: correlations "
        "at 12 and 24 months and blocked regressions of each outcome on the alliance after the "
        "covariates (and baseline score).",
    )
    d.add_argument("--out", help="output folder (default results/demo; with --exact "
                   "results/demo-exact)")  # fmt: skip
    _add_run_options(d, report="skip report.html, report.md and figures/")
    d.add_argument(
        "--exact",
        action="store_true",
        help="only the exact + frequentist tables (seconds, no MCMC)",
    )
    d.set_defaults(func=cmd_demo)

    u = sub.add_parser(
        "run",
        help="run one analysis spec (models/*.toml) into a results folder",
        description="Runs a spec: MCMC models, exact and frequentist numbers side by side, "
        "diagnostics with pass/warn/fail. Exit status 3 when any fit failed its diagnostics "
        "(after writing everything).",
    )
    u.add_argument("spec", help="spec file, e.g. models/blocks.toml")
    u.add_argument("--data", help="participant CSV instead of the spec's")
    u.add_argument("--out", help="results folder (default results/<spec name>)")
    _add_run_options(u, report="skip report.html, report.md and figures/")
    u.set_defaults(func=cmd_run)

    v = sub.add_parser(
        "sensitivity",
        help="small-sample sensitivity of a spec: priors, likelihood, influence, missing data",
        description="Refits each model of a spec (compiled once) under a prior grid, the "
        "other likelihood, listwise deletion and without influential participants; "
        "power-scaling; delta-adjusted MNAR tipping points; exact-layer robustness and "
        "leave-one-out. Writes CSV tables, figures and a report to <results>/sensitivity and "
        "adds a section to the spec's report when its results folder exists.",
    )
    v.add_argument("spec", nargs="*", help="spec file(s), e.g. models/correlations.toml")
    v.add_argument("--demo", action="store_true",
                   help="the shipped specs with participant data, into results/demo")  # fmt: skip
    v.add_argument("--data", help="participant CSV instead of the spec's")
    v.add_argument("--out", help="output folder (default results/<spec name>/sensitivity)")
    _add_run_options(v, report="no report and no report update")
    v.add_argument("--workers", help="specs analysed in parallel processes (default 2)")
    v.add_argument("--imputations", help="imputed data sets of the MNAR analysis (default 20; "
                   "its Monte Carlo error is reported)")  # fmt: skip
    v.set_defaults(func=cmd_sensitivity)

    k = sub.add_parser(
        "cache",
        help="show or empty the persistent compile cache",
        description="The compile cache (PyTensor's compiled graphs, keyed by library versions) "
        "under the user cache folder; BAYES_PEER_CACHE_DIR moves it.",
    )
    k.add_argument("action", choices=["info", "clear"], help="info: location, size, "
                   "structures compiled; clear: remove it")  # fmt: skip
    k.add_argument("--json", action="store_true", help="print one JSON object")
    k.set_defaults(func=cmd_cache)

    p = sub.add_parser(
        "report",
        help="(re)write report.html, report.md and figures/ for a results folder",
        description="Builds the report of a folder written by `run` or `demo` from its tables "
        "and NetCDF posteriors (no refitting).",
    )
    p.add_argument("folder", help="results folder, e.g. results/demo")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_report)
    return parser


def _dispatch(args: argparse.Namespace) -> int:
    if args.command is None:
        raise InputError(
            "no command given: use correlate, regress, design, run, demo, sensitivity, "
            "report or cache (bayes-peer --help)"
        )
    if args.command != "cache":
        from bayes_peer.mcmc.cache import configure

        configure()  # PyTensor's compile directory -> the persistent cache (before import)
    return args.func(args)


def main(argv: list[str] | None = None) -> int:
    """Run ``bayes-peer``; return the exit status.

    0 success; 2 bad input (one ``error:`` line naming the file, column, row, value, flag or
    spec key; nothing written); 1 internal failure (one ``error: internal failure`` line);
    3 from ``run``/``demo`` when a fit failed its diagnostics (after writing everything);
    130 interrupted (Ctrl-C; nothing written at ``--out``).
    """
    warnings.simplefilter("ignore", RuntimeWarning)
    from bayes_peer.runs.folders import COMMITTED

    committed_before = list(COMMITTED)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        _read_numbers(args)
        with contextlib.ExitStack() as folders:  # output folders opened by the command
            args.folders = folders
            return _dispatch(args)
    except InputError as exc:
        message = " ".join(str(exc).split())
        print(f"error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        from bayes_peer.runs.folders import COMMITTED

        done = [folder for folder in COMMITTED if folder not in committed_before]
        where = (f"after writing {', '.join(done)}" if done else
                 "nothing was written")  # fmt: skip
        print(f"error: interrupted ({where})", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("BAYES_PEER_DEBUG"):
            raise
        message = " ".join(f"{type(exc).__name__}: {exc}".split())
        print(
            f"error: internal failure ({message}); rerun with BAYES_PEER_DEBUG=1 for a traceback",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
