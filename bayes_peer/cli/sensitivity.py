"""``bayes-peer sensitivity SPEC... | --demo``: every small-sample sensitivity analysis."""

from __future__ import annotations

import argparse

from bayes_peer.cli.common import add_run_options, emit_json
from bayes_peer.errors import InputError


def add_parser(sub) -> None:
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
    v.add_argument(
        "--demo",
        action="store_true",
        help="the shipped specs with participant data, into results/demo",
    )
    v.add_argument("--data", help="participant CSV instead of the spec's")
    v.add_argument("--out", help="output folder (default results/<spec name>/sensitivity)")
    add_run_options(v, report="no report and no report update")
    v.add_argument("--workers", help="specs analysed in parallel processes (default 2)")
    v.add_argument(
        "--imputations",
        help="imputed data sets of the MNAR analysis (default 20; "
        "its Monte Carlo error is reported)",
    )
    v.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import bayes_peer as bp
    from bayes_peer.report.text import render_sensitivity
    from bayes_peer.runs.specs import load_spec, shipped_specs

    if args.demo == bool(args.spec):
        raise InputError("sensitivity: give one or more spec files, or --demo")
    out = args.out
    if args.demo:
        if args.data is not None:
            raise InputError("sensitivity: --demo uses the shipped demo study; drop --data")
        specs = [s for s in (load_spec(p) for p in shipped_specs()) if s.summary is None]
        out = "results/demo" if out is None else out
    else:
        specs = list(args.spec)
    result = bp.sensitivity(
        specs,
        data=args.data,
        out=out,
        seed=args.seed,
        force=args.force,
        report=not args.no_report,
        quiet=args.quiet,
        workers=2 if args.workers is None else args.workers,
        imputations=args.imputations,
    )
    if args.json:
        emit_json(result.to_dict())
    else:
        print(render_sensitivity(result.record))
    return result.record["exit_status"]
