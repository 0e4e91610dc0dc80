"""Every example of the README runs as written (the notebook example and the command lines),
and the README stays a short read that points to docs/."""

from __future__ import annotations

import re
import shlex
import shutil

import pytest

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_the_readme_is_short_and_has_exactly_two_setup_commands():
    assert len(README.splitlines()) <= 220
    setup = [line for block in code_blocks("bash") for line in block.splitlines()
             if line.startswith("bash scripts/dev.sh")]  # fmt: skip
    assert setup == ["bash scripts/dev.sh demo    # main job: every spec in models/ on the "
                     "SYNTHETIC demo study -> results/demo/",
                     "bash scripts/dev.sh test    # lint (ruff) and the test suite; CI runs "
                     "exactly this"]  # fmt: skip
    assert "../shared" not in README and "issue" not in README.lower()
    for link in re.findall(r"`(docs/[a-z]+\.md)`", README):
        assert (ROOT / link).is_file(), link


def test_ci_runs_the_readmes_test_command():
    assert "bash scripts/dev.sh test" in (ROOT / ".ci" / "run").read_text()


@pytest.fixture
def shipped_files(tmp_path, monkeypatch):
    """A working folder holding the shipped files the examples name (relative paths)."""
    (tmp_path / "bayes_peer" / "data").mkdir(parents=True)
    shutil.copy(ROOT / "bayes_peer" / "data" / "demo_study.csv", tmp_path / "bayes_peer" / "data")
    shutil.copytree(ROOT / "models", tmp_path / "models")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_command_line_examples_run(cli, shipped_files):
    commands = [line for block in code_blocks("bash") for line in block.splitlines()
                if line.startswith(".venv/bin/bayes-peer ")]  # fmt: skip
    assert len(commands) >= 5
    for command in commands:
        status, out, err = cli(*shlex.split(command)[1:])
        assert status == 0, (command, err)
        assert out.strip()
    assert (shipped_files / "results" / "demo-exact" / "run.json").is_file()


@pytest.mark.slow
def test_the_notebook_example_runs(shipped_files, capsys):
    (block,) = code_blocks("python")
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "alliance_m24" in out and "bf_block" in out
    res = namespace["res"]
    assert res.idata is not None and res.synthetic
