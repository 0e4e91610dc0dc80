"""Specs, `bayes-peer run` and results folders: validation, atomicity, reproducibility, exit status."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, default_sigint

DEMO = ROOT / "bayes_peer" / "data" / "demo_study.csv"

SPEC = """
title = "test"
[data]
csv = "{csv}"
[regressions]
outcomes = {outcomes}
waves = ["m12", "m24"]
baseline = "m0"
blocks = [["contacts", "budget_used"], ["alliance"]]
prior = "normal"
[sampler]
draws = {draws}
tune = {draws}
chains = 2
seed = 5
"""


def write_spec(tmp_path, name="spec", outcomes='["recovery"]', draws=400, csv_path=DEMO):
    path = tmp_path / f"{name}.toml"
    path.write_text(SPEC.format(csv=csv_path, outcomes=outcomes, draws=draws))
    return path


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (('prior = "normal"', 'prior = "horseshoe"'), "key 'regressions.prior'"),
        (('prior = "normal"', 'priors = "normal"'), "key 'regressions.priors' is unknown"),
        (("draws = 400", "draws = 0"), "key 'sampler.draws'"),
        (('waves = ["m12", "m24"]', 'waves = ["m12"]'), "key 'regressions.waves'"),
        (("[regressions]", "[regression]"), "key 'regression' is unknown"),
        (("blocks = [", "blocks = 3 #["), "key 'regressions.blocks'"),
        (('title = "test"', "title = "), "not valid TOML"),
    ],
)
def test_spec_validation_errors_name_the_key(cli, tmp_path, change, fragment):
    path = write_spec(tmp_path)
    path.write_text(path.read_text().replace(*change))
    status, out, err = cli("run", str(path), "--out", str(tmp_path / "out"))
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}") and fragment in lines[0]
    assert not (tmp_path / "out").exists()


def test_missing_data_file_is_named(cli, tmp_path):
    path = write_spec(tmp_path, csv_path=tmp_path / "nope.csv")
    status, _, err = cli("run", str(path), "--out", str(tmp_path / "out"))
    assert status == 2 and "nope.csv: file not found" in err


@pytest.mark.slow
def test_same_spec_data_and_seed_give_identical_tables(cli, tmp_path):
    spec = write_spec(tmp_path, draws=300)
    for name in ("a", "b"):
        status, _, err = cli(
            "run", str(spec), "--out", str(tmp_path / name), "--quiet", "--no-report"
        )
        assert status in (0, 3), err
    for table in ("blocks.csv", "coefficients.csv", "coefficient_contrasts.csv", "diagnostics.csv"):
        assert (tmp_path / "a" / table).read_bytes() == (tmp_path / "b" / table).read_bytes()
    run = json.loads((tmp_path / "a" / "run.json").read_text())
    assert run["seed"] == 5 and len(run["spec_sha256"]) == 64 and len(run["data_sha256"]) == 64
    assert run["synthetic"] is True and run["versions"]["pymc"]
    assert (tmp_path / "a" / "posterior_recovery_block2.nc").exists()
    assert not (tmp_path / "a" / "report.html").exists()  # --no-report
    status, _, err = cli("run", str(spec), "--out", str(tmp_path / "a"))
    assert status == 2 and "--force" in err


@pytest.mark.slow
def test_specs_in_worker_processes_give_the_tables_of_one_process(tmp_path):
    import bayes_peer as bp
    from bayes_peer.errors import InputError

    specs = [write_spec(tmp_path, name, outcomes=f'["{outcome}"]', draws=200)
             for name, outcome in (("one", "recovery"), ("two", "qol"))]  # fmt: skip
    records = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        records[workers] = bp.run(specs, out=out, workers=workers, report=False).record
    assert records[1]["workers"] == 1 and records[2]["workers"] == 2
    for name in ("one", "two"):
        for table in ("blocks.csv", "coefficients.csv", "diagnostics.csv"):
            serial = (tmp_path / "w1" / name / table).read_bytes()
            assert serial == (tmp_path / "w2" / name / table).read_bytes(), (name, table)
    # the structures the workers compiled are listed in the run record, with every fit
    fits = [{k: v["fits"] for k, v in records[w]["structures"].items()} for w in (1, 2)]
    assert fits[0] == fits[1] and sum(fits[0].values()) >= 2 * 3  # 3 fits per outcome-wave
    with pytest.raises(InputError, match="workers"):
        bp.run(specs, out=tmp_path / "w0", workers=0, report=False)
    assert not (tmp_path / "w0").exists()


@pytest.mark.slow
def test_progress_says_when_a_structure_compiles(tmp_path):
    from conftest import run_cli

    spec = write_spec(tmp_path, draws=100)
    done = run_cli("run", str(spec), "--out", str(tmp_path / "out"), "--no-report")
    assert done.returncode in (0, 3), done.stderr
    lines = done.stderr.splitlines()
    start = [k for k, line in enumerate(lines) if "compiling model structure two-wave" in line]
    end = [k for k, line in enumerate(lines) if line.strip().startswith("compiled two-wave")]
    first_fit = next(k for k, line in enumerate(lines) if line.startswith("[1/"))
    assert len(start) == len(end) == 1 and start[0] < end[0] < first_fit
    announced = lines[start[0]]
    assert ("first use on this machine, about" in announced
            or "compiled before on this machine, about" in announced)  # fmt: skip
    assert " s elapsed)" in lines[end[0]]


@pytest.mark.slow
def test_failed_diagnostics_exit_3_after_writing_everything(cli, tmp_path):
    spec = write_spec(tmp_path, draws=15)  # 2 x 15 draws cannot reach ESS 400
    status, out, err = cli("run", str(spec), "--out", str(tmp_path / "tiny"), "--json")
    assert status == 3, err
    doc = json.loads(out)
    assert doc["exit_status"] == 3 and doc["specs"][0]["failed"]
    with (tmp_path / "tiny" / "coefficients.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["diagnostics"] == "fail" for r in rows)  # flagged where shown
    with (tmp_path / "tiny" / "diagnostics.csv").open() as fh:
        diag = list(csv.DictReader(fh))
    assert {"r_hat_max", "ess_bulk_min", "ebfmi_min", "max_treedepth_hits", "pareto_k_max"} <= set(
        diag[0]
    )
    assert any("ESS" in d["reasons"] for d in diag)


def _first_line_starting(proc: subprocess.Popen, prefix: str, timeout: float = 600) -> str:
    """Read ``proc``'s stderr until a line starts with ``prefix`` (or it ends, or the time is up);
    return the last line read."""
    deadline = time.time() + timeout
    line = ""
    while time.time() < deadline:
        line = proc.stderr.readline()
        if line.startswith(prefix) or not line:
            break
    return line


def _processes_marked(mark: str) -> list[int]:
    """Live processes whose environment carries ``BAYES_PEER_TEST_MARK=mark``."""
    from pathlib import Path

    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and f"BAYES_PEER_TEST_MARK={mark}".encode() in (
                proc / "environ"
            ).read_bytes().split(b"\0"):
                status = (proc / "status").read_text()
                if "\nState:\tZ" not in status:  # zombies are gone
                    found.append(int(proc.name))
        except OSError:
            continue
    return found


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_stops_the_worker_processes_and_writes_nothing(tmp_path):
    import os
    import uuid

    specs = [str(write_spec(tmp_path, name, outcomes='["recovery", "qol"]', draws=400))
             for name in ("one", "two")]  # fmt: skip
    out = tmp_path / "stopped"
    driver = tmp_path / "driver.py"
    driver.write_text(
        "import sys\nimport bayes_peer as bp\n"
        "if __name__ == '__main__':\n"
        f"    bp.run({specs!r}, out={str(out)!r}, workers=2, quiet=False, report=False)\n"
    )
    mark = uuid.uuid4().hex
    proc = subprocess.Popen(
        [sys.executable, str(driver)], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
        text=True, cwd=ROOT, preexec_fn=default_sigint,
        env={**os.environ, "BAYES_PEER_TEST_MARK": mark},
    )  # fmt: skip
    line = _first_line_starting(proc, "[1/")
    assert line.startswith("[1/"), line  # the workers are fitting
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=120)
    assert proc.returncode != 0
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".stopped")] == []
    deadline = time.time() + 30
    while _processes_marked(mark) and time.time() < deadline:
        time.sleep(0.5)
    assert _processes_marked(mark) == []  # no worker left running


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_an_interrupted_run_leaves_no_results_folder(tmp_path, sig):
    spec = write_spec(tmp_path, outcomes='["recovery", "qol", "empowerment"]', draws=400)
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bayes_peer", "run", str(spec), "--out", str(out)],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT,
        preexec_fn=default_sigint,
    )  # fmt: skip
    line = _first_line_starting(proc, "[1/3]")
    assert line.startswith("[1/3]"), line  # mid-run: one model done, two to go
    proc.send_signal(sig)
    proc.wait(timeout=120)
    assert proc.returncode != 0
    assert not out.exists()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".killed")]
    if sig == signal.SIGINT:  # a catchable interruption also removes the partial folder
        assert leftovers == []


def test_only_the_columns_a_spec_uses_are_parsed(tmp_path):
    from bayes_peer.runs.run import spec_columns
    from bayes_peer.runs.specs import load_spec

    text = DEMO.read_text().splitlines()
    text = [text[0] + ",site"] + [line + ",north" for line in text[1:]]  # a text column
    csv_path = tmp_path / "with_text.csv"
    csv_path.write_text("\n".join(text) + "\n")
    spec = load_spec(write_spec(tmp_path, csv_path=csv_path))
    from bayes_peer.data.participants import read_header

    columns = spec_columns(spec, read_header(csv_path))
    assert "site" not in columns and "recovery_m0" in columns
    assert set(columns) == {"recovery_m12", "recovery_m24", "contacts_m12", "contacts_m24",
                            "budget_used_m12", "budget_used_m24", "alliance_m12",
                            "alliance_m24", "recovery_m0"}  # fmt: skip


def test_spec_output_folder_and_unsupported_summary_source(cli, tmp_path):
    from bayes_peer.runs.specs import load_spec

    path = write_spec(tmp_path)
    path.write_text(path.read_text() + '\n[output]\nfolder = "my_results"\n')
    assert load_spec(path).output == tmp_path / "my_results"
    path.write_text(path.read_text().replace('csv = "', 'summary = "x.toml"\ncsv = "'))
    status, _, err = cli("run", str(path))
    assert status == 2 and "key 'data.summary'" in err
