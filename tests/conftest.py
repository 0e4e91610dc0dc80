"""Shared test helpers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "bad_inputs"
GOOD = ROOT / "tests" / "good_inputs"


def default_sigint() -> None:
    """``preexec_fn`` of a child that must be interruptible: a shell that starts the test run in
    the background without job control hands its children SIGINT ignored, and Python then
    keeps ignoring it; the interrupt tests need the default disposition."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m bayes_peer ARGS`` in a fresh process (exit status, stdout, stderr)."""
    return subprocess.run(
        [sys.executable, "-m", "bayes_peer", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=300,
    )


@pytest.fixture
def cli(capsys):
    """Run the CLI in-process; return (status, stdout, stderr)."""
    from bayes_peer.cli import main

    def call(*args: str) -> tuple[int, str, str]:
        status = main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    return call


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """`bayes-peer demo` once per session (every shipped spec, MCMC included): (status,
    stdout, stderr, folder). The end-to-end and the browser tests share it."""
    import contextlib
    import io

    from bayes_peer.cli import main

    out = tmp_path_factory.mktemp("demo") / "demo"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = main(["demo", "--out", str(out)])
    return status, stdout.getvalue(), stderr.getvalue(), out
