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
def empty_folder(tmp_path, monkeypatch):
    """An empty working folder: the examples name only shipped files (``demo`` names)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def command_lines(section: str | None = None) -> list[str]:
    """The ``bayes-peer`` lines of the README's bash blocks (of one section, when given)."""
    text = README if section is None else README.split(f"## {section}\n", 1)[1].split("\n## ")[0]
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)
    return [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()
            if line.startswith("bayes-peer ")]  # fmt: skip


def test_the_command_line_examples_run(cli, empty_folder):
    commands = command_lines("From the command line")
    assert len(commands) >= 5
    for command in commands:
        assert "bayes_peer/" not in command and "models/" not in command  # a pip user's files
        status, out, err = cli(*shlex.split(command)[1:])
        assert status == 0, (command, err)
        assert out.strip()
    assert (empty_folder / "results" / "demo-exact" / "run.json").is_file()


@pytest.mark.slow
def test_the_your_own_data_example_runs(cli, empty_folder):
    shutil.copy(ROOT / "tests" / "data" / "factors_study.csv", empty_folder / "my_study.csv")
    section = README.split("## Your own data\n", 1)[1].split("\n## ")[0]
    assert len(section.strip().splitlines()) <= 20
    commands = command_lines("Your own data")
    assert [c.split()[1] for c in commands] == ["init", "run"]
    for command in commands:
        status, _, err = cli(*shlex.split(command)[1:])
        assert status == 0, (command, err)
    assert (empty_folder / "results" / "my_study" / "report.html").is_file()


@pytest.mark.slow
def test_the_notebook_example_runs(empty_folder, capsys):
    (block,) = code_blocks("python")
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "alliance_m24" in out and "bf_block" in out and "BF10" in out
    assert (empty_folder / "posterior.png").is_file()
    res = namespace["res"]
    assert res.idata is not None and res.synthetic
