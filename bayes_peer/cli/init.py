"""``bayes-peer init --data FILE [--out SPEC.toml]``: a starter spec for a CSV of one's own."""

from __future__ import annotations

import argparse

from bayes_peer.errors import InputError


def add_parser(sub) -> None:
    i = sub.add_parser(
        "init",
        help="write a commented starter spec for your own participant CSV",
        description="Looks at a participant CSV (numeric and categorical columns, the id "
        "column, wave suffixes) and writes a spec that `bayes-peer run` runs as it is: "
        "correlations of the numeric variables and one blocked regression, every choice "
        "explained in comments. Without --out the spec is printed.",
    )
    i.add_argument("--data", required=True, help="participant CSV (or demo)")
    i.add_argument("--out", help="spec file to write (refused if it exists)")
    i.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import bayes_peer as bp

    if args.out is None:
        print(bp.init_spec(args.data), end="")
        return 0
    written = bp.write_spec(args.data, args.out)
    print(f"Wrote {written}; run it with: bayes-peer run {written}")
    return 0


__all__ = ["InputError", "add_parser", "run"]
