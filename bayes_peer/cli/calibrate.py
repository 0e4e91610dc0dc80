"""``bayes-peer calibrate``: simulation-based calibration of the models, or the frequentist
study of the correlation intervals."""

from __future__ import annotations

import argparse

from bayes_peer.cli.common import emit_json
from bayes_peer.cli.plot import add_plot_option, plot_target, write_plot
from bayes_peer.errors import InputError


def add_parser(sub) -> None:
    c = sub.add_parser(
        "calibrate",
        help="simulation-based calibration of the models (and a frequentist study)",
        description="Prior SBC of each model structure at n = 46: parameters drawn from the "
        "prior, a data set simulated, the model fitted with the toolkit's compiled structure, "
        "ranks of every parameter and of the log-likelihood tested for uniformity. Writes "
        "sbc.csv, ranks.csv, figures and a report. With --study frequentist: coverage, bias, "
        "RMSE and width of the correlation intervals (coverage.csv).",
    )
    c.add_argument("--list", action="store_true", help="name every model structure and exit")
    c.add_argument("--model", help="model(s) to check, comma-separated, or all")
    c.add_argument("--sims", dest="sbc_sims", help="simulations per model (default 200)")
    c.add_argument("--seed", help="seed of every simulation (default 0)")
    c.add_argument(
        "--workers",
        help="worker processes of a local Dask cluster (default: one "
        "per core with Dask installed, else 1; 1 runs in this process)",
    )
    c.add_argument(
        "--scheduler", help="run on the Dask scheduler at this address (tcp://HOST:PORT) instead"
    )
    c.add_argument(
        "--study",
        default="sbc",
        choices=["sbc", "posterior", "frequentist"],
        help="sbc (prior SBC, default), posterior (posterior SBC given the demo "
        "study) or frequentist",
    )
    c.add_argument(
        "--rho",
        dest="rho_list",
        help="frequentist: true correlations, comma-separated (default 0,.1,.3,.5,.7,.9)",
    )
    c.add_argument(
        "--n", dest="n_list", help="frequentist: sample sizes, comma-separated (default 20,46,100)"
    )
    c.add_argument("--reps", help="frequentist: samples per cell (default 2000)")
    c.add_argument(
        "--methods",
        help="frequentist: exact, fisher (default both), pairwise, "
        "joint (MCMC, one fit per sample: slow)",
    )
    c.add_argument("--kappa", help="frequentist: width of the exact posterior's prior (default 1)")
    c.add_argument("--out", help="results folder (default results/calibration)")
    c.add_argument(
        "--force", action="store_true", help="replace a calibration folder bayes-peer wrote"
    )
    c.add_argument("--quiet", action="store_true", help="no progress lines")
    c.add_argument("--no-report", action="store_true", help="tables only, no figures or report")
    add_plot_option(c)
    c.add_argument("--json", action="store_true", help="print one JSON object")
    c.set_defaults(func=run)


def _numbers(text: str | None, name: str, flag: str) -> list | None:
    from bayes_peer import params

    return None if text is None else params.parse_list(name, text, flag)


def _print_models(models: list[dict]) -> None:
    width = max(len(m["model"]) for m in models)
    for m in models:
        print(f"{m['model']:<{width}}  {m['description']}")


def _print_result(record: dict, out: str) -> None:
    if record["study"] == "frequentist":
        print(f"frequentist study: {len(record['coverage'])} rows written to {out}/coverage.csv")
        return
    for m in record["models"]:
        print(f"{m['model']}: {m['verdict']} ({m['sims']} simulations)")
    print(f"written to {out} (sbc.csv, report.html)")


def run(args: argparse.Namespace) -> int:
    import bayes_peer as bp

    if args.list:
        models = bp.calibration_models()
        if args.json:
            emit_json({"models": models})
        else:
            _print_models(models)
        return 0
    out = "results/calibration" if args.out is None else args.out
    seed = 0 if args.seed is None else args.seed
    target = plot_target(args)
    if args.study == "frequentist":
        sbc_only = (
            ("--model", args.model),
            ("--sims", args.sbc_sims),
            ("--scheduler", args.scheduler),
            ("--workers", args.workers),
        )
        for flag, value in sbc_only:
            if value is not None:
                raise InputError(
                    f"{flag} goes with --study sbc or posterior, not --study frequentist"
                )
        result = bp.calibrate(
            study="frequentist",
            seed=seed,
            out=out,
            force=args.force,
            rho=_numbers(args.rho_list, "rho", "--rho"),
            n=_numbers(args.n_list, "n", "--n"),
            reps=args.reps,
            kappa=1.0 if args.kappa is None else args.kappa,
            methods=args.methods,
            report=not args.no_report,
            quiet=args.quiet or args.json,
        )
    else:
        for flag, value in (
            ("--rho", args.rho_list),
            ("--n", args.n_list),
            ("--reps", args.reps),
            ("--kappa", args.kappa),
            ("--methods", args.methods),
        ):
            if value is not None:
                raise InputError(f"{flag} goes with --study frequentist")
        if args.model is None:
            raise InputError(
                "--model: name a model, several (comma-separated) or all; "
                "bayes-peer calibrate --list shows them"
            )
        result = bp.calibrate(
            args.model,
            study=args.study,
            sims=args.sbc_sims,
            seed=seed,
            out=out,
            force=args.force,
            workers=args.workers,
            scheduler=args.scheduler,
            report=not args.no_report,
            quiet=args.quiet or args.json,
        )
    write_plot(result, target)
    if args.json:
        emit_json(result.to_dict())
    else:
        _print_result(result.record, out)
    return 0
