"""The ``bayes-peer`` command line: a thin client of the Python API (:mod:`bayes_peer.api`).

Each command's module parses its arguments, calls one API function and prints. Exit status: 0
success; 2 bad input (one ``error:`` line naming the file, column, row, value, flag or spec
key; nothing written); 1 internal failure (one ``error: internal failure`` line); 3 from
``run``/``demo`` when a fit failed its diagnostics (after writing everything); 130 interrupted
(Ctrl-C). ``--json`` prints exactly one JSON object on stdout. Without ``--model``
(correlate) or ``--prior`` (regress) nothing imports PyMC.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
import warnings

from bayes_peer import __version__
from bayes_peer.cli import (
    calibrate,
    correlate,
    design,
    init,
    plot,
    regress,
    runs,
    sensitivity,
    tools,
)
from bayes_peer.cli.common import Parser, as_flags, read_numbers
from bayes_peer.errors import InputError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``bayes-peer`` and its sub-commands."""
    parser = Parser(
        prog="bayes-peer", description="Bayesian reanalysis of small-sample correlational studies."
    )
    parser.add_argument("--version", action="version", version=f"bayes-peer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    correlate.add_parser(sub)
    regress.add_parser(sub)
    design.add_parser(sub)
    runs.add_parsers(sub)
    init.add_parser(sub)
    sensitivity.add_parser(sub)
    calibrate.add_parser(sub)
    tools.add_parsers(sub)
    plot.add_parser(sub)
    return parser


def _dispatch(args: argparse.Namespace) -> int:
    if args.command is None:
        raise InputError(
            "no command given: use correlate, regress, design, init, run, demo, sensitivity, "
            "calibrate, report, plot or cache (bayes-peer --help)"
        )
    # The compile cache is configured when the first model structure is built (after every
    # input was validated): a refused command creates no cache folder.
    from bayes_peer.mcmc.sampler import compile_progress

    # On a terminal, say when a model structure compiles (the longest silent step of a single
    # MCMC command); run, demo and sensitivity print their own progress lines too.
    terminal = sys.stderr.isatty() and not getattr(args, "quiet", False)
    with compile_progress(_progress_line if terminal else None, sampling=True):
        return args.func(args)


def _progress_line(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run ``bayes-peer``; return the exit status (see the module docstring)."""
    warnings.simplefilter("ignore", RuntimeWarning)
    from bayes_peer.runs.folders import COMMITTED

    committed_before = list(COMMITTED)
    command = None
    try:
        args = build_parser().parse_args(argv)
        command = args.command
        read_numbers(args)
        return _dispatch(args)
    except InputError as exc:
        message = " ".join(as_flags(str(exc), command).split())
        _error_line(message)
        return 2
    except KeyboardInterrupt:
        done = [folder for folder in COMMITTED if folder not in committed_before]
        where = f"after writing {', '.join(done)}" if done else "nothing was written"
        _error_line(f"interrupted ({where})")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("BAYES_PEER_DEBUG"):
            raise
        message = " ".join(f"{type(exc).__name__}: {exc}".split())
        _error_line(f"internal failure ({message}); rerun with BAYES_PEER_DEBUG=1 for a traceback")
        return 1


def _error_line(message: str) -> None:
    """Print the one ``error:`` line (invisible characters escaped); :func:`console_main`
    then silences what libraries would print underneath (PyTensor's cache warnings at exit)."""
    from bayes_peer.data.files import shown_path

    print(f"error: {shown_path(message)}", file=sys.stderr, flush=True)
    global _silenced
    _silenced = True


#: Set once the ``error:`` line is printed: :func:`console_main` then closes stderr before the
#: interpreter's exit handlers run.
_silenced = False


def console_main() -> int:
    """The ``bayes-peer`` script: :func:`main` with the collector thresholds of
    :data:`bayes_peer.runtime.GC_THRESHOLDS`.

    The objects left at exit are frozen before the interpreter shuts down (their memory goes
    back with the process; the final collection took 1.4 s after a joint model); in-process
    callers of :func:`main` keep their own settings.
    """
    from bayes_peer.runtime import GC_THRESHOLDS

    gc.set_threshold(*GC_THRESHOLDS)
    status = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass
    if _silenced:  # one error: line, whatever an exit handler of a library prints after it
        import logging

        logging.disable(logging.CRITICAL)
        warnings.simplefilter("ignore")
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
    gc.freeze()
    return status


__all__ = ["build_parser", "console_main", "main"]
