"""The installed package, not the checkout: the wheel, installed into a fresh virtual
environment, runs the demo and the README's examples from an unrelated folder.

The wheel is built from a copy of the source tree (nothing is written into the checkout) and
installed without its dependencies; the fresh environment finds those (already downloaded and
installed for the test run) through a ``.pth`` line naming the test environment's
site-packages. That line is not a site directory, so the test environment's editable install
of bayes_peer is not seen: ``bayes_peer`` is imported from the wheel (checked).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from test_readme import command_lines

from conftest import ROOT

pytestmark = pytest.mark.slow

IGNORED = shutil.ignore_patterns(".git", ".venv", "results", "build", "dist", "*.egg-info",
                                 "__pycache__", ".pytest_cache", ".ruff_cache")  # fmt: skip


def _run(args: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    env.pop("PYTHONPATH", None)
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The ``bin`` folder of a fresh environment holding the built wheel."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=IGNORED)
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
             str(work / "dist"), str(source)]  # fmt: skip
    try:
        import setuptools  # noqa: F401  (the test environment can build without downloading)

        build.insert(4, "--no-build-isolation")
    except ImportError:
        pass
    done = _run(build, work)
    assert done.returncode == 0, done.stderr
    (wheel,) = (work / "dist").glob("bayes_peer-*.whl")
    venv = work / "venv"
    done = _run([sys._base_executable, "-m", "venv", str(venv)], work)
    assert done.returncode == 0, done.stderr
    python = venv / "bin" / "python"
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                work).stdout.strip()  # fmt: skip
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = _run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
                 str(wheel)], work)  # fmt: skip
    assert done.returncode == 0, done.stderr
    where = _run([str(python), "-c", "import bayes_peer; print(bayes_peer.__file__)"], work)
    assert where.stdout.strip().startswith(site), where.stdout  # the wheel, not the checkout
    return venv / "bin"


@pytest.fixture
def elsewhere(tmp_path) -> Path:
    folder = tmp_path / "unrelated"
    folder.mkdir()
    return folder


def test_the_wheel_ships_the_demo_and_runs_it_from_another_folder(installed, elsewhere):
    done = _run([str(installed / "bayes-peer"), "demo", "--exact", "--out", "D"], elsewhere)
    assert done.returncode == 0, done.stderr
    assert (elsewhere / "D" / "run.json").is_file() and "SYNTHETIC" in done.stdout
    done = _run([str(installed / "bayes-peer"), "correlate", "--data", "demo", "--vars",
                 "alliance_m24,satisfaction_m24", "--model", "pairwise", "--draws", "200",
                 "--tune", "200", "--chains", "2", "--out", "M"], elsewhere)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (elsewhere / "M" / "report.html").is_file()
    done = _run([str(installed / "bayes-peer"), "run", "demo:nope"], elsewhere)
    assert done.returncode == 2 and "demo:blocks" in done.stderr  # the shipped names listed


def test_every_readme_command_runs_from_the_wheel(installed, elsewhere):
    for command in command_lines("From the command line"):
        args = shlex.split(command)
        done = _run([str(installed / args[0]), *args[1:]], elsewhere)
        assert done.returncode == 0, (command, done.stderr)
