"""``bayes-peer run SPEC`` and ``bayes-peer demo``: whole reanalyses into a results folder."""

from __future__ import annotations

import argparse

from bayes_peer.cli.common import add_run_options, emit_json

WORKERS_HELP = (
    "specs fitted in parallel worker processes (default: one per core, at most 4 and one per "
    "spec; the numbers do not depend on it)"
)


def add_parsers(sub) -> None:
    d = sub.add_parser(
        "demo",
        help="reanalyse the shipped SYNTHETIC demo study and write tables under results/",
        description="Every spec in models/ on the synthetic demo study into results/demo/ "
        "(with its report); --exact: the exact and frequentist tables only, in seconds.",
    )
    d.add_argument(
        "--out", help="output folder (default results/demo; with --exact results/demo-exact)"
    )
    add_run_options(d, report="skip report.html, report.md and figures/")
    d.add_argument("--workers", help=WORKERS_HELP)
    d.add_argument(
        "--exact",
        action="store_true",
        help="only the exact + frequentist tables (seconds, no MCMC)",
    )
    d.set_defaults(func=run_demo)

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
    add_run_options(u, report="skip report.html, report.md and figures/")
    u.add_argument("--workers", help=WORKERS_HELP)
    u.set_defaults(func=run_spec)


def _finish(args: argparse.Namespace, result) -> int:
    from bayes_peer.report.text import render_run

    if args.json:
        emit_json(result.to_dict())
    elif not args.quiet:
        print(render_run(result.record))
    return result.record["exit_status"]


def run_demo(args: argparse.Namespace) -> int:
    import bayes_peer as bp

    result = bp.demo(
        out=args.out,
        exact=args.exact,
        seed=args.seed,
        force=args.force,
        report=not args.no_report,
        quiet=args.quiet,
        workers=args.workers,
    )
    if not args.exact:
        return _finish(args, result)
    summary = result.record
    if args.json:
        emit_json(summary)
    else:
        print(summary["notice"])
        print(f"Wrote {len(summary['files'])} files to {summary['out']}:")
        for name in summary["files"]:
            print(f"  {name}")
    return 0


def run_spec(args: argparse.Namespace) -> int:
    import bayes_peer as bp

    result = bp.run(
        args.spec,
        data=args.data,
        out=args.out,
        seed=args.seed,
        force=args.force,
        report=not args.no_report,
        quiet=args.quiet,
        workers=args.workers,
    )
    return _finish(args, result)
