"""``bayes-peer regress``: hierarchical (blocked) regression, OLS and F-change beside JZS block
Bayes factors, and by MCMC with a slope prior."""

from __future__ import annotations

import argparse

from bayes_peer.cli.bma import add_bma_options, run_bma
from bayes_peer.cli.common import (
    add_factor_options,
    add_sampler_options,
    add_table_options,
    assignments,
    emit_json,
    factor_options,
    names,
    refuse_unless,
    sampler_options,
    table_options,
)
from bayes_peer.cli.plot import add_plot_option, plot_target, write_plot
from bayes_peer.errors import InputError


def add_parser(sub) -> None:
    r = sub.add_parser(
        "regress",
        help="hierarchical (blocked) regression: OLS, F-change and JZS block Bayes factors",
        description="Blocks entered in order; every block's model uses the same rows. Give "
        "--data FILE.csv or --summary FILE.toml with --outcome and --block (repeat), or "
        "published R² values with --n, --r2 and --p.",
    )
    r.add_argument("--data", help="participant CSV")
    r.add_argument("--summary", help="summary statistics TOML")
    add_table_options(r)
    r.add_argument("--outcome", help="outcome column")
    r.add_argument("--block", action="append", help="comma-separated terms of a block (repeat)")
    r.add_argument("--n", help="N behind published R² values")
    r.add_argument("--r2", help="R² of each block's model, comma-separated")
    r.add_argument("--p", help="total number of predictors of each block's model")
    r.add_argument(
        "--rscale",
        default="medium",
        help="JZS scale: medium (sqrt(2)/4, default), wide (1/2), ultrawide "
        "(sqrt(2)/2) or a number in [0.01, 10]",
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
    r.add_argument(
        "--waves",
        help="waves of <construct>_<wave> columns, e.g. m12,m24: "
        "--outcome and --block then name constructs",
    )
    r.add_argument("--baseline", help="wave of the outcome's baseline score added to block 1")
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
    r.add_argument(
        "--prior-coefficient",
        action="append",
        metavar="TERM=normal(MU,SD)",
        help="with --prior normal: an informed prior on one term's standardized "
        "slope (repeat); every coefficient gets a Savage-Dickey BF10",
    )
    add_sampler_options(
        r,
        rope="half-width of the ROPE for standardized slopes (0.1)",
        out="results folder: tables, report.html with figures, result.json (and the NetCDF "
        "posteriors with --prior)",
    )
    add_bma_options(r)
    add_factor_options(r, used="predictors")
    add_plot_option(r)
    r.add_argument("--json", action="store_true", help="print one JSON object")
    r.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import bayes_peer as bp
    from bayes_peer.report.text import render_regression

    if sum(x is not None for x in (args.data, args.summary, args.r2)) != 1:
        raise InputError("regress: give exactly one of --data, --summary or --r2 (with --n, --p)")
    if args.plot is not None and args.r2 is not None and not args.robustness:
        raise InputError(
            "regress: --plot with published R² values needs --robustness (there "
            "are no coefficients to draw)"
        )
    target = plot_target(args)
    if not args.bma and (args.candidates is not None or args.model_prior is not None):
        raise InputError("regress: --candidates and --model-prior go with --bma")
    if args.bma:
        result = run_bma(args)
        write_plot(result, target)
        if args.json:
            emit_json(result.to_dict())
        else:
            print(render_regression(result.record))
            if args.out is not None:
                print(f"Wrote {args.out} (report: {args.out}/report.html)")
        return 0
    sensitivity = args.robustness or args.influence
    mcmc_flags = {
        "--prior-scale": args.prior_scale,
        "--seed": args.seed,
        "--draws": args.draws,
        "--chains": args.chains,
        "--tune": args.tune,
        "--rope": args.rope,
        "--likelihood": args.likelihood,
        "--mean-r2": args.mean_r2,
        "--prec-r2": args.prec_r2,
        "--cons-d2": args.cons_d2,
        "--impute": args.impute,
        "--prior-coefficient": args.prior_coefficient,
    }
    refuse_unless(mcmc_flags, args.prior is not None, "--prior normal|r2d2", "regress")
    if args.baseline is not None and args.waves is None:
        raise InputError("regress: --baseline goes with --waves")
    if args.waves is not None and args.data is None:
        raise InputError("regress: --waves needs participant data (--data FILE.csv)")
    if args.prior is not None and args.r2 is not None:
        raise InputError(
            "regress: --prior needs participant data (--data FILE.csv) or summary "
            "statistics (--summary FILE.toml)"
        )
    if args.prior is not None and sensitivity:
        raise InputError("regress: --robustness and --influence run without --prior")
    if args.influence and args.data is None:
        raise InputError("regress: --influence needs participant data (--data)")
    options = {
        "rscale": args.rscale,
        "ci_prob": args.ci_prob,
        "robustness": args.robustness,
        "influence": args.influence,
        "out": args.out,
        "force": args.force,
        "quiet": True,  # the command line reports its own progress (on a terminal)
    }
    if args.r2 is not None:
        if args.n is None or args.p is None:
            raise InputError("regress: --r2 needs --n and --p (one predictor count per R²)")
        if args.outcome is not None or args.block:
            raise InputError("regress: --outcome and --block go with --data or --summary")
        if args.factor is not None or args.reference is not None:
            raise InputError("regress: --factor and --reference go with --data")
        if len(args.r2) != len(args.p):
            raise InputError(
                f"--r2 and --p need the same number of values (one per block), got "
                f"{len(args.r2)} and {len(args.p)}"
            )
        result = bp.regress(r2=args.r2, p=args.p, n=args.n, **options)
    else:
        if args.n is not None or args.p is not None:
            raise InputError("regress: --n and --p go with --r2")
        if args.outcome is None:
            raise InputError("regress: --outcome is required with --data or --summary")
        if not args.block:
            raise InputError("give at least one --block of predictors")
        options.update(table_options(args))
        if args.summary is not None:
            for flag, value in (
                ("--likelihood", args.likelihood not in (None, "normal")),
                ("--impute", args.impute),
            ):
                if value:
                    raise InputError(
                        f"{flag} needs participant data (--data): the Student-t "
                        "likelihood and imputation need the rows"
                    )
        if args.rounding_sensitivity is not None and args.prior is None:
            raise InputError("regress: --rounding-sensitivity goes with --prior normal|r2d2")
        if args.prior is not None:
            options.update(
                method=args.prior,
                likelihood=args.likelihood or "normal",
                impute=args.impute,
                **sampler_options(args),
            )
            for key in ("prior_scale", "mean_r2", "prec_r2", "cons_d2", "rope"):
                if getattr(args, key) is not None:
                    options[key] = getattr(args, key)
            if args.prior_coefficient:
                options["prior_coefficient"] = assignments(
                    args.prior_coefficient, "--prior-coefficient", "TERM=normal(MU,SD)"
                )
        if args.waves is not None:
            options["waves"] = names(args.waves, "--waves")
            if args.baseline is not None:
                options["baseline"] = args.baseline
        blocks = [names(b, "--block") for b in args.block]
        source = args.data if args.data is not None else args.summary
        result = bp.regress(source, args.outcome, blocks, **options, **factor_options(args))
    write_plot(result, target)
    if args.json:
        emit_json(result.to_dict())
        return 0
    print(render_regression(result.record))
    if target is not None:
        print(f"Wrote {target}")
    if args.out is not None:
        print(f"Wrote {args.out} (report: {args.out}/report.html)")
    return 0
