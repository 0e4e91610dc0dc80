"""``regress --bma``: Bayesian model averaging over every subset of ``--candidates`` (exact,
JZS), the ``--block`` terms forced into every model."""

from __future__ import annotations

import argparse

from bayes_peer.cli.common import factor_options, names
from bayes_peer.errors import InputError


def add_bma_options(r: argparse.ArgumentParser) -> None:
    """The options on the ``regress`` parser."""
    r.add_argument("--bma", action="store_true", help="Bayesian model averaging over --candidates")
    r.add_argument("--candidates", help="BMA: comma-separated predictors (every --block forced in)")
    r.add_argument("--model-prior", choices=["uniform", "beta-binomial"], help="BMA model prior")


def run_bma(args: argparse.Namespace):
    """``regress --bma``: every subset of --candidates, --block terms forced in."""
    import bayes_peer as bp

    if args.candidates is None:
        raise InputError("regress: --bma needs --candidates (the predictors to average over)")
    given = [
        flag
        for flag, value in (
            ("--r2", args.r2),
            ("--waves", args.waves),
            ("--prior", args.prior),
            ("--robustness", args.robustness),
            ("--influence", args.influence),
            ("--rounding-sensitivity", args.rounding_sensitivity),
        )
        if value not in (None, False)
    ]
    if given:
        raise InputError(f"regress: {given[0]} does not go with --bma")
    if args.outcome is None:
        raise InputError("regress: --outcome is required with --data or --summary")
    return bp.regress(
        args.data if args.data is not None else args.summary,
        args.outcome,
        [names(b, "--block") for b in args.block or []],
        method="bma",
        candidates=names(args.candidates, "--candidates"),
        model_prior=args.model_prior or "uniform",
        rscale=args.rscale,
        ci_prob=args.ci_prob,
        nearest_correlation=args.nearest_correlation,
        out=args.out,
        force=args.force,
        quiet=True,
        **factor_options(args),
    )
