"""``bayes-peer design``: what n can show (Bayes factor design analysis, retrodesign)."""

from __future__ import annotations

import argparse

from bayes_peer.cli.common import emit_json
from bayes_peer.cli.plot import add_plot_option, plot_target, write_plot


def add_parser(sub) -> None:
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
    add_plot_option(g)
    g.add_argument("--json", action="store_true", help="print one JSON object")
    g.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import bayes_peer as bp
    from bayes_peer.report.text import render_design

    options = {
        k: getattr(args, k)
        for k in ("n", "rho", "rho_beta", "target_prob", "sims", "seed", "effect", "se")
        if getattr(args, k) is not None
    }
    if args.plot is not None and (args.n is None or (args.rho is None and args.rho_beta is None)):
        from bayes_peer.errors import InputError

        raise InputError("design: --plot draws the design analysis of --n with --rho or --rho-beta")
    target = plot_target(args)
    result = bp.design(kappa=args.kappa, alpha=args.alpha, **options)
    write_plot(result, target)
    if args.json:
        emit_json(result.to_dict())
    else:
        print(render_design(result.record))
    return 0
