"""``bayes-peer correlate``: Bayesian and frequentist correlations (from r and n, a CSV or a
published table), exact or by MCMC."""

from __future__ import annotations

import argparse

from bayes_peer.cli.common import (
    add_factor_options,
    add_sampler_options,
    add_table_options,
    emit_json,
    factor_options,
    names,
    refuse_unless,
    sampler_options,
    table_options,
)
from bayes_peer.cli.informed import add_informed_options, informed_options
from bayes_peer.cli.plot import add_plot_option, plot_target, write_plot
from bayes_peer.errors import InputError


def add_parser(sub) -> None:
    c = sub.add_parser(
        "correlate",
        help="Bayesian and frequentist correlations (from r and n, a CSV or summary statistics)",
        description="Exact Bayes factors and posteriors of correlations beside Pearson's r, p "
        "and CI. Give --r with --n, or --data FILE.csv, or --summary FILE.toml.",
    )
    c.add_argument("--r", help="a sample correlation")
    c.add_argument("--tau", help="a sample Kendall's tau (implies --method kendall)")
    c.add_argument("--n", help="number of complete pairs behind --r or --tau")
    c.add_argument(
        "--method",
        choices=["pearson", "kendall"],
        help="Pearson's r (default) or Kendall's tau-b (ranks; ties as tau-b)",
    )
    c.add_argument("--data", help="participant CSV (one row per participant)")
    c.add_argument("--summary", help="summary statistics TOML (n, variables, correlations)")
    add_table_options(c)
    c.add_argument("--vars", help="comma-separated variables (default: all)")
    c.add_argument(
        "--kappa",
        default="1",
        help="width of the stretched-beta prior on rho (default 1 = uniform, JASP)",
    )
    c.add_argument("--alternative", choices=["two-sided", "greater", "less"], default="two-sided")
    c.add_argument(
        "--ci-prob", default="0.95", help="probability of equal-tailed intervals (default 0.95)"
    )
    c.add_argument(
        "--model",
        choices=["joint", "pairwise"],
        help="also fit a PyMC model by MCMC (nutpie): joint LKJ or pairwise",
    )
    c.add_argument("--eta", help="LKJ shape of the joint model (default 1)")
    add_sampler_options(
        c,
        rope="half-width of the ROPE around 0 (default 0.1)",
        out="results folder: tables, report.html with figures, result.json (and the NetCDF "
        "posteriors with --model)",
    )
    c.add_argument(
        "--robustness",
        action="store_true",
        help="BF over prior widths kappa in (0, 2] and its maximum (exact layer)",
    )
    c.add_argument(
        "--sequential",
        action="store_true",
        help="BF as participants accumulate, file order and random orders",
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
    c.add_argument(
        "--partial-on",
        help="partial correlations given these columns (numeric or categorical; exact layer or "
        "joint model)",
    )
    add_factor_options(c, used="controls of --partial-on")
    add_informed_options(c)
    add_plot_option(c)
    c.add_argument("--json", action="store_true", help="print one JSON object")
    c.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import bayes_peer as bp
    from bayes_peer.report.text import render_correlation

    if sum(x is not None for x in (args.r, args.tau, args.data, args.summary)) != 1:
        raise InputError(
            "correlate: give exactly one of --r or --tau (with --n), --data or --summary"
        )
    target = plot_target(args)
    kendall = args.method == "kendall" or args.tau is not None
    if kendall and (args.r is not None or args.summary is not None or args.model is not None):
        raise InputError(
            "correlate: Kendall's tau comes from participant ranks (--data) or --tau with --n; "
            "not with --r, --summary or --model"
        )
    if args.tau is not None and args.method == "pearson":
        raise InputError("correlate: --tau is Kendall's tau; use --r for Pearson's r")
    sensitivity = args.robustness or args.sequential or args.influence
    mcmc_flags = {
        "--eta": args.eta,
        "--seed": args.seed,
        "--draws": args.draws,
        "--chains": args.chains,
        "--tune": args.tune,
        "--rope": args.rope,
        "--missing": args.missing,
        "--waves": args.waves,
        "--robust": args.robust,
    }
    refuse_unless(mcmc_flags, args.model is not None, "--model joint|pairwise", "correlate")
    refuse_unless(
        {"--factor": args.factor, "--reference": args.reference},
        args.partial_on is not None,
        "--partial-on",
        "correlate",
    )
    if args.model is not None and args.r is not None:
        raise InputError(
            "correlate: --model needs participant data (--data FILE.csv) or "
            "summary statistics (--summary FILE.toml)"
        )
    if args.model is not None and sensitivity:
        raise InputError(
            "correlate: --robustness, --sequential and --influence use the exact "
            "layer; run them without --model"
        )
    if (args.sequential or args.influence) and args.data is None:
        raise InputError("correlate: --sequential and --influence need participant data (--data)")
    options = {
        "kappa": args.kappa,
        "alternative": args.alternative,
        "ci_prob": args.ci_prob,
        "robustness": args.robustness,
        "sequential": args.sequential,
        "influence": args.influence,
        "out": args.out,
        "force": args.force,
        "quiet": True,  # the command line reports its own progress (on a terminal)
    }
    if kendall:
        options["method"] = "kendall"
    options.update(informed_options(args))
    if args.r is not None or args.tau is not None:
        flag = "--r" if args.r is not None else "--tau"
        if args.n is None:
            raise InputError(f"correlate: {flag} needs --n (the number of pairs)")
        if args.vars is not None:
            raise InputError(f"correlate: --vars goes with --data or --summary, not {flag}")
        if args.r is not None:
            result = bp.correlate(r=args.r, n=args.n, **options)
        else:
            result = bp.correlate(tau=args.tau, n=args.n, **options)
    else:
        if args.n is not None:
            raise InputError(
                "correlate: --n goes with --r or --tau; with --data or --summary n is counted"
            )
        options.update(table_options(args))
        if args.summary is not None:
            for flag, value in (
                ("--robust", args.robust),
                ("--missing", args.missing),
                ("--waves", args.waves),
                ("--partial-on", args.partial_on),
            ):
                if value:
                    raise InputError(
                        f"{flag} needs participant data (--data): a published "
                        "table is the complete-case summary of one wave"
                    )
        if args.model is not None:
            options.update(
                method=args.model,
                missing=args.missing or "fiml",
                robust=args.robust,
                **sampler_options(args),
            )
            if args.eta is not None:
                options["eta"] = args.eta
            if args.rope is not None:
                options["rope"] = args.rope
            if args.waves is not None:
                options["waves"] = names(args.waves, "--waves")
        if args.partial_on:
            options["partial_on"] = names(args.partial_on, "--partial-on")
            options.update(factor_options(args))
        vars_ = names(args.vars, "--vars") if args.vars is not None else None
        result = bp.correlate(
            args.data if args.data is not None else args.summary, vars_, **options
        )
    write_plot(result, target)
    if args.json:
        emit_json(result.to_dict())
        return 0
    print(render_correlation(result.record))
    if target is not None:
        print(f"Wrote {target}")
    if args.out is not None:
        print(f"Wrote {args.out} (report: {args.out}/report.html)")
    return 0
