"""What every command of the command line shares: the parser that reports errors as one line,
numeric options read and checked up front, the mapping of API parameter names to flags, and
JSON output."""

from __future__ import annotations

import argparse
import json
import re
import sys

from bayes_peer.errors import InputError


class Parser(argparse.ArgumentParser):
    """argparse that raises InputError instead of printing usage and exiting."""

    def error(self, message: str):  # type: ignore[override]
        raise InputError(f"{self.prog}: {message}")


#: Numeric options: (argparse attribute, parameter in bayes_peer.params, flag, kind) where kind
#: is "number", "fraction" (a/b allowed) or "list". Every one is parsed and checked against its
#: documented range as soon as the command line is read, before any file or model is touched.
NUMERIC_OPTIONS = (
    ("r", "r", "--r", "number"),
    ("tau", "tau", "--tau", "number"),
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
    ("sbc_sims", "sbc_sims", "--sims", "number"),
    ("reps", "reps", "--reps", "number"),
    ("effect", "effect", "--effect", "number"),
    ("se", "se", "--se", "number"),
    ("alpha", "alpha", "--alpha", "number"),
    ("workers", "workers", "--workers", "number"),
    ("imputations", "imputations", "--imputations", "number"),
    ("similar_delta", "similar_delta", "--similar-delta", "number"),
    ("similar_center", "r", "--similar-center", "number"),
)


def read_numbers(args: argparse.Namespace) -> None:
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


def names(text: str, what: str) -> list[str]:
    """A comma-separated list of names, each named once."""
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise InputError(f"{what}: expected a comma-separated list, got {text!r}")
    for item in items:
        if items.count(item) > 1:
            raise InputError(f"{what}: '{item}' is named twice")
    return items


def assignments(text: str | list[str], what: str, shape: str = "FACTOR=LEVEL,...") -> dict:
    """``name=value`` pairs, comma-separated (``--reference site=B,sex=m``) or one per list item."""
    out: dict[str, str] = {}
    items = [t.strip() for t in text] if isinstance(text, list) else names(text, what)
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise InputError(f"{what}: expected {shape}, got {item!r:.60}")
        if name.strip() in out:
            raise InputError(f"{what}: '{name.strip()}' is named twice")
        out[name.strip()] = value.strip()
    return out


def add_factor_options(parser: argparse.ArgumentParser, *, used: str) -> None:
    """``--factor`` and ``--reference``: how categorical columns are read and coded."""
    parser.add_argument(
        "--factor",
        help=f"comma-separated columns to read as categorical ({used}) even when their cells "
        "are numeric codes; text columns are categorical anyway",
    )
    parser.add_argument(
        "--reference",
        metavar="FACTOR=LEVEL,...",
        help="reference level of a factor (default: the first level in sorted order)",
    )


def factor_options(args: argparse.Namespace) -> dict:
    """The API's ``factors`` and ``reference`` from --factor and --reference (those given)."""
    options: dict = {}
    if args.factor is not None:
        options["factors"] = names(args.factor, "--factor")
    if args.reference is not None:
        options["reference"] = assignments(args.reference, "--reference")
    return options


def refuse_unless(given: dict, condition: bool, goes_with: str, command: str) -> None:
    """Refuse the first option in ``given`` (flag -> value) that was set when ``condition`` is
    false: it has no effect there."""
    if condition:
        return
    flags = [flag for flag, value in given.items() if value not in (None, False)]
    if flags:
        raise InputError(f"{command}: {flags[0]} goes with {goes_with}")


#: API wording -> command-line wording, per command (longest first; then `name` -> --name).
CLI_WORDS = {
    "correlate": (
        ("method='joint' or 'pairwise'", "--model joint|pairwise"),
        ("method='joint'", "--model joint"),
        ("method='exact'", "no --model"),
        ("`method`", "--model"),
        ("`data`", "--data or --summary"),
        ("`rounding_sensitivity`", "--rounding-sensitivity (with --summary)"),
        ("`factors`", "--factor"),
        ("`vars`", "--vars"),
    ),
    "regress": (
        ("method='normal' or 'r2d2'", "--prior normal|r2d2"),
        ("method='normal'", "--prior normal"),
        ("method='r2d2'", "--prior r2d2"),
        ("method='exact'", "no --prior"),
        ("`method`", "--prior"),
        ("`blocks`", "--block"),
        ("`data`", "--data or --summary"),
        ("`factors`", "--factor"),
    ),
}


def as_flags(message: str, command: str | None) -> str:
    """An API message worded for the command line: parameters become flags."""
    for api, cli in CLI_WORDS.get(command or "", ()):
        message = message.replace(api, cli)
    return re.sub(r"`([a-z_0-9]+)`", lambda m: "--" + m.group(1).replace("_", "-"), message)


def emit_json(obj: dict) -> None:
    """Exactly one JSON object on stdout (non-finite numbers as null)."""
    from bayes_peer.numbers import json_safe

    sys.stdout.write(json.dumps(json_safe(obj), allow_nan=False) + "\n")


def add_sampler_options(parser: argparse.ArgumentParser, *, rope: str, out: str) -> None:
    """Sampler, ROPE and output options shared by the MCMC commands."""
    parser.add_argument("--seed", help="MCMC seed (default 20261126)")
    parser.add_argument("--draws", help="draws per chain after warm-up (default 1000)")
    parser.add_argument("--tune", help="warm-up steps per chain (default 1000)")
    parser.add_argument("--chains", help="chains (default 4)")
    parser.add_argument("--rope", help=rope)
    parser.add_argument("--out", help=out)
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace an --out folder bayes-peer wrote for this command",
    )


def add_run_options(parser: argparse.ArgumentParser, *, report: str) -> None:
    """Seed, folder, progress, report and JSON options of the spec commands (run, demo,
    sensitivity); ``report`` is the help of ``--no-report``."""
    parser.add_argument("--seed", help="MCMC seed for every model (default: each spec's)")
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace an output folder bayes-peer wrote for the same command",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.add_argument("--no-report", action="store_true", help=report)
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def add_table_options(parser: argparse.ArgumentParser) -> None:
    """Options of a published table (with --summary)."""
    parser.add_argument(
        "--nearest-correlation",
        action="store_true",
        help="replace a matrix that is not positive definite (e.g. after rounding) by the "
        "nearest correlation matrix (Higham 2002); the changes are reported",
    )
    parser.add_argument(
        "--rounding-sensitivity",
        metavar="K",
        help="refit on K tables with every correlation moved within its rounding interval",
    )
    parser.add_argument(
        "--decimals", help="decimals the table was rounded to (default 2; rounding sensitivity)"
    )


def table_options(args: argparse.Namespace) -> dict:
    """The API options of a published table, refused without --summary."""
    given = {
        "--nearest-correlation": args.nearest_correlation,
        "--rounding-sensitivity": args.rounding_sensitivity,
        "--decimals": args.decimals,
    }
    if args.summary is None:
        flags = [flag for flag, value in given.items() if value not in (None, False)]
        if flags:
            raise InputError(f"{flags[0]} goes with --summary FILE.toml")
    if args.decimals is not None and args.rounding_sensitivity is None:
        raise InputError("--decimals goes with --rounding-sensitivity K")
    options = {
        "nearest_correlation": args.nearest_correlation,
        "rounding_sensitivity": args.rounding_sensitivity,
    }
    if args.decimals is not None:
        options["decimals"] = args.decimals
    return options


def sampler_options(args: argparse.Namespace) -> dict:
    """The API's sampler options from --draws, --tune, --chains, --seed (those given)."""
    return {
        k: getattr(args, k)
        for k in ("draws", "tune", "chains", "seed")
        if getattr(args, k) is not None
    }
