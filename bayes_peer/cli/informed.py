"""``correlate``'s informed-prior and replication options (the paper's fourth claim):
``--prior-rho``, ``--similar-delta``, ``--similar-center`` and ``--replication-of``."""

from __future__ import annotations

import argparse

from bayes_peer.errors import InputError


def add_informed_options(c: argparse.ArgumentParser) -> None:
    """The options on the ``correlate`` parser."""
    c.add_argument(
        "--prior-rho",
        help="informed prior: znormal(MU,SD) on Fisher's z, or "
        "flueckiger2018 (non-peer alliance-outcome r = .278): BF against rho = 0 and "
        "against the default prior",
    )
    c.add_argument("--similar-delta", help="with --prior-rho: |rho - centre| of 'similar' (0.1)")
    c.add_argument(
        "--similar-center",
        help="with --prior-rho: the rho 'similar' is measured from (default: the prior's centre)",
    )
    c.add_argument(
        "--replication-of",
        metavar="R0,N0",
        help="an original study's r and n: the replication Bayes factor of these data",
    )


def informed_options(args: argparse.Namespace) -> dict:
    """--prior-rho, --similar-delta and --replication-of as API options (those given)."""
    from bayes_peer import params

    options: dict = {}
    if args.prior_rho is not None:
        options["prior_rho"] = args.prior_rho
    if args.similar_delta is not None:
        options["similar_delta"] = args.similar_delta
    if args.similar_center is not None:
        options["similar_center"] = args.similar_center
    if args.replication_of is not None:
        items = [item.strip() for item in args.replication_of.split(",")]
        if len(items) != 2:
            raise InputError(
                f"--replication-of: expected R0,N0 (the original study's r and n), "
                f"got {args.replication_of!r}"
            )
        options["replication_of"] = (
            params.parse("r", items[0], "--replication-of R0"),
            params.parse("n", items[1], "--replication-of N0"),
        )
    return options
