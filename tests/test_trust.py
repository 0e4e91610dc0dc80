"""Trust: nothing of the user's is deleted, a seed gives the same numbers, inputs are strict,
interrupts end a run, and every label says what the number is.

Each class of hostile input is tried through the command line as a user would: exit status 2,
exactly one ``error:`` line naming what is wrong, nothing on stdout, nothing written and nothing
deleted. Checks that must happen "before any MCMC work" run in a fresh process whose ``pymc``
and ``nutpie`` are replaced by packages that fail on import: if the command got as far as
importing PyMC, it would fail with exit status 1 instead of 2.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bayes_peer.errors import InputError
from bayes_peer.runs.folders import ResultsFolder
from bayes_peer.runs.ownership import foreign_entry, read_marker

from conftest import ROOT, default_sigint

DEMO = ROOT / "bayes_peer" / "data" / "demo_study.csv"


_FAKE: list[Path] = []


def _fake_pymc(tmp_path: Path | None = None) -> Path:
    """A folder whose ``pymc`` and ``nutpie`` fail on import (put first on PYTHONPATH); made
    once per test session, outside the tests' own folders."""
    if _FAKE:
        return _FAKE[0]
    import atexit
    import shutil
    import tempfile

    fake = Path(tempfile.mkdtemp(prefix="bayes-peer-fake-site-"))
    atexit.register(shutil.rmtree, fake, ignore_errors=True)
    _FAKE.append(fake)
    for name in ("pymc", "nutpie", "pytensor"):
        (fake / name).mkdir(parents=True, exist_ok=True)
        (fake / name / "__init__.py").write_text(
            f"raise ImportError('test: {name} must not be imported before input is checked')\n"
        )
    return fake


def cli_process(*args: str, tmp_path: Path | None = None, no_mcmc: bool = False,
                env: dict | None = None, cwd: Path | None = None,
                timeout: float = 300) -> subprocess.CompletedProcess:  # fmt: skip
    """``bayes-peer ARGS`` in a fresh process; with ``no_mcmc`` PyMC cannot be imported."""
    environ = {**os.environ, **(env or {})}
    if no_mcmc:
        environ["PYTHONPATH"] = str(_fake_pymc(tmp_path))
    return subprocess.run(
        [sys.executable, "-m", "bayes_peer", *args], capture_output=True, text=True,
        cwd=cwd or ROOT, timeout=timeout, env=environ,
    )  # fmt: skip


def assert_refused(result, *fragments: str) -> str:
    """Exit 2, nothing on stdout, exactly one ``error:`` line holding every fragment."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with the hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# ------------------------------------------------------------------------------ data safety
def test_force_never_replaces_a_folder_bayes_peer_did_not_write(tmp_path):
    home = tmp_path / "home"
    (home / "thesis").mkdir(parents=True)
    (home / "thesis" / "chapter1.tex").write_text("years of work")
    (home / "data.csv").write_text("a,b\n1,2\n")
    before = tree_digest(home)
    for args in (["demo", "--exact"], ["correlate", "--r", "0.3", "--n", "46", "--robustness"]):
        result = cli_process(*args, "--out", str(home), "--force")
        assert_refused(result, str(home), "did not write it")
        assert tree_digest(home) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]  # no staging or lock left


def test_force_refuses_a_results_folder_holding_a_users_file(tmp_path):
    out = tmp_path / "exact"
    assert cli_process("demo", "--exact", "--out", str(out)).returncode == 0
    assert read_marker(out)["kind"] == "demo-exact"
    (out / "notes.txt").write_text("my reading of the tables")
    assert_refused(cli_process("demo", "--exact", "--out", str(out), "--force"), "'notes.txt'")
    assert (out / "notes.txt").read_text() == "my reading of the tables"
    (out / "notes.txt").unlink()
    (out / "summary.md").write_text("edited by hand")
    assert_refused(cli_process("demo", "--exact", "--out", str(out), "--force"), "changed")
    assert (out / "summary.md").read_text() == "edited by hand"
    (out / "summary.md").unlink()  # a file of ours that is gone: replacing loses nothing
    assert cli_process("demo", "--exact", "--out", str(out), "--force").returncode == 0
    assert foreign_entry(out) is None


def test_exact_demo_never_replaces_the_mcmc_demo_folder(tmp_path):
    from bayes_peer.runs.demo import EXACT_DEMO_FOLDER

    assert EXACT_DEMO_FOLDER != "results/demo"  # its own default folder
    run = tmp_path / "demo"
    with ResultsFolder(run, kind="run", force=False, command="bayes-peer demo") as staging:
        (staging / "run.json").write_text("{}")
    before = tree_digest(run)
    assert_refused(cli_process("demo", "--exact", "--out", str(run), "--force"), "bayes-peer demo")
    assert_refused(cli_process("demo", "--exact", "--out", str(run / "exact")), "inside")
    assert tree_digest(run) == before


@pytest.mark.parametrize("folder", [".", "..", "../elsewhere", "sub/../../x", "/tmp/x", "~/x"])
def test_spec_output_folder_must_stay_inside_the_spec_folder(tmp_path, folder):
    project = tmp_path / "project"
    project.mkdir()
    data = project / "study.csv"
    data.write_bytes(DEMO.read_bytes())
    spec = project / "spec.toml"
    spec.write_text(
        f'[data]\ncsv = "study.csv"\n[output]\nfolder = "{folder}"\n'
        '[correlations]\nconstructs = ["alliance", "qol"]\nwaves = ["m12", "m24"]\n'
    )
    before = tree_digest(tmp_path)
    result = cli_process("run", str(spec), "--force", tmp_path=tmp_path, no_mcmc=True)
    assert_refused(result, str(spec), "key 'output.folder'")
    assert tree_digest(tmp_path) == before


def test_spec_output_folder_inside_the_spec_folder_is_used(tmp_path):
    from bayes_peer.runs.specs import load_spec

    spec = tmp_path / "spec.toml"
    spec.write_text('[data]\ncsv = "demo"\n[output]\nfolder = "results/mine"\n'
                    '[correlations]\nconstructs = ["alliance", "qol"]\n')  # fmt: skip
    assert load_spec(spec).output == tmp_path / "results" / "mine"


@pytest.mark.parametrize("out", [".", "..", "", "./", "WORKDIR", "HOME"])
def test_out_names_that_can_never_be_results_folders(tmp_path, out):
    work = tmp_path / "work"
    work.mkdir()
    (work / "keep.txt").write_text("x")
    out = {"WORKDIR": str(work), "HOME": str(Path.home())}.get(out, out)
    result = cli_process("demo", "--exact", "--out", out, "--force", cwd=work)
    assert_refused(result)
    assert sorted(p.name for p in work.iterdir()) == ["keep.txt"]


def test_a_second_run_into_a_locked_folder_is_refused_naming_the_lock(tmp_path):
    out = tmp_path / "busy"
    with ResultsFolder(out, kind="demo-exact", force=False, command="test") as staging:
        (staging / "run.json").write_text("{}")
        line = assert_refused(cli_process("demo", "--exact", "--out", str(out), "--force"))
        assert "lock" in line and ".busy.lock" in line and str(os.getpid()) in line
    assert cli_process("demo", "--exact", "--out", str(out), "--force").returncode == 0
    assert not (tmp_path / ".busy.lock").exists()


def test_concurrent_runs_into_one_folder_cannot_both_succeed(tmp_path):
    out = tmp_path / "race"
    procs = [
        subprocess.Popen([sys.executable, "-m", "bayes_peer", "demo", "--exact", "--out", str(out)],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]  # fmt: skip
    results = [(*p.communicate(timeout=120), p.returncode) for p in procs]
    assert sorted(r[2] for r in results) == [0, 2, 2, 2]
    for _, err, status in results:
        if status == 2:
            assert "lock" in err or "exists" in err or "appeared" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["race"]


@pytest.mark.parametrize("force", [False, True])
def test_a_folder_that_appears_while_the_run_works_is_never_replaced(tmp_path, force):
    out = tmp_path / "late"
    holder = ResultsFolder(out, kind="demo-exact", force=force, command="test")
    staging = holder.__enter__()
    (staging / "table.csv").write_text("a\n1\n")
    out.mkdir()
    (out / "mine.txt").write_text("the user's")
    with pytest.raises(InputError, match=r"appeared|did not write"):
        holder.__exit__(None, None, None)
    assert (out / "mine.txt").read_text() == "the user's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["late"]  # staging and lock removed


def test_stale_staging_is_removed_only_if_ours_and_its_process_is_gone(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    entries = {
        ".out.partial-dead": {"pid": dead.pid, "start": None},
        ".out.partial-alive": {"pid": os.getpid(), "start": None},
    }
    for name, marker in entries.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / ".bayes-peer-staging.json").write_text(json.dumps(marker))
    (tmp_path / ".out.partial-foreign").mkdir()  # no marker: not ours
    (tmp_path / ".out.partial-foreign" / "x.txt").write_text("x")
    with ResultsFolder(tmp_path / "out", kind="demo-exact", force=False, command="t") as s:
        (s / "a.txt").write_text("a")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [".out.partial-alive", ".out.partial-foreign", "out"]


def test_results_folders_have_ordinary_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        with ResultsFolder(tmp_path / "r", kind="demo-exact", force=False, command="t") as s:
            (s / "a.txt").write_text("a")
    finally:
        os.umask(old)
    assert (tmp_path / "r").stat().st_mode & 0o777 == 0o755


@pytest.mark.parametrize("where", ["under_a_file", "read_only"])
def test_unwritable_locations_are_refused_before_any_mcmc(tmp_path, where):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("x")
    out = str(blocker / "results") if where == "under_a_file" else "/sys/bayes-peer-test"
    args = ["correlate", "--data", str(DEMO), "--vars", "alliance_m24,qol_m24",
            "--model", "joint", "--out", out]  # fmt: skip
    line = assert_refused(cli_process(*args, tmp_path=tmp_path, no_mcmc=True))
    assert "file, not a folder" in line or "cannot write" in line
    spec = tmp_path / "spec.toml"
    spec.write_text('[data]\ncsv = "demo"\n[correlations]\nconstructs = ["alliance", "qol"]\n')
    assert_refused(cli_process("run", str(spec), "--out", out, tmp_path=tmp_path, no_mcmc=True))
    assert blocker.read_text() == "x"


def test_too_little_free_space_is_refused_before_any_work(tmp_path, monkeypatch):
    import shutil

    from bayes_peer.runs import folders

    monkeypatch.setattr(folders.shutil, "disk_usage",
                        lambda p: shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000))  # fmt: skip
    with pytest.raises(InputError, match="MB free"):
        with ResultsFolder(tmp_path / "r", kind="run", force=False, command="t",
                           needed_bytes=10**6):  # fmt: skip
            raise AssertionError("the body must not run")
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_is_refused(tmp_path):
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                          capture_output=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        (mount / "filler").write_bytes(b"\0" * 60_000)
        line = assert_refused(cli_process("demo", "--exact", "--out", str(mount / "r")))
        assert "free" in line or "space" in line
        assert sorted(p.name for p in mount.iterdir()) == ["filler"]
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_updating_a_report_needs_a_folder_bayes_peer_wrote(tmp_path):
    from bayes_peer.runs.folders import updating

    with ResultsFolder(tmp_path / "run", kind="run", force=False, command="t") as s:
        (s / "report.html").write_text("old")
    with updating(tmp_path / "run", "test") as folder:
        (folder / "report.html").write_text("new")
        (folder / "figures").mkdir()
        (folder / "figures" / "a.png").write_bytes(b"png")
    assert foreign_entry(tmp_path / "run") is None  # the marker lists the new files
    (tmp_path / "run" / "mine.txt").write_text("x")
    with pytest.raises(InputError, match=r"mine\.txt"):
        with updating(tmp_path / "run", "test"):
            pass


def test_cache_clear_never_removes_what_it_did_not_create(tmp_path):
    home = tmp_path / "cachehome"
    home.mkdir()
    (home / "mine.txt").write_text("the user's")
    env = {"BAYES_PEER_CACHE_DIR": str(home), "PYTENSOR_FLAGS": ""}  # no inherited compiledir
    code = ("from bayes_peer.mcmc import cache; cache.configure(); cache.mark_root(); "
            "(cache.cache_dir() / 'pytensor').mkdir(parents=True, exist_ok=True); "
            "print(cache.clear()['removed_files'] >= 0)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env},
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (home / "mine.txt").read_text() == "the user's"


# ------------------------------------------------------------------------------ determinism
def test_fast_math_is_off_whatever_the_environment():
    code = ("import bayes_peer, os; import pytensor; from bayes_peer.runtime import "
            "deterministic_pytensor; deterministic_pytensor(); "
            "print(os.environ['PYTENSOR_FLAGS']); print(pytensor.config.numba__fastmath)")  # fmt: skip
    env = {**os.environ, "PYTENSOR_FLAGS": "numba__fastmath=True,floatX=float64"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    flags, fastmath = done.stdout.strip().splitlines()[-2:]
    assert "numba__fastmath=False" in flags and "numba__fastmath=True" not in flags
    assert "floatX=float64" in flags  # the user's other settings are kept
    assert fastmath == "False"


@pytest.mark.slow
def test_cold_and_warm_compile_cache_give_byte_identical_tables(tmp_path):
    """The same command, data and seed, first with an empty compile cache, then with the cache
    that first process wrote: the tables are byte-identical (PyTensor's fast-math made them
    differ in the third decimal)."""
    env = {"BAYES_PEER_CACHE_DIR": str(tmp_path / "cache"), "PYTENSOR_FLAGS": ""}
    args = ["correlate", "--data", str(DEMO), "--vars", "alliance_m24,qol_m24",
            "--model", "pairwise", "--draws", "300", "--tune", "300", "--chains", "2",
            "--seed", "11"]  # fmt: skip
    for name in ("cold", "warm"):
        done = cli_process(*args, "--out", str(tmp_path / name), env=env, timeout=900)
        assert done.returncode == 0, done.stderr
    cold = (tmp_path / "cold" / "correlations_mcmc.csv").read_bytes()
    assert cold == (tmp_path / "warm" / "correlations_mcmc.csv").read_bytes()
    info = json.loads(cli_process("cache", "info", "--json", env=env).stdout)
    assert info["structures"]["pairwise"]["compiles"] == 2  # both processes compiled


# ---------------------------------------------------------------------------- strict inputs
HOSTILE_CELLS = [
    ("1_5", "non-numeric"),  # float() reads 15
    ("\uff11\uff15", "non-numeric"),  # full-width digits
    ("\u0661\u0665", "non-numeric"),  # Arabic-Indic digits
    ("15\u00a0", "non-numeric"),  # a no-break space
    ("inf", "infinite"),
    ("-Infinity", "infinite"),
    ("1e400", "too large"),
    ("0x10", "non-numeric"),
    ("+-1", "non-numeric"),
    ("1e", "non-numeric"),
    ("\u2212" + "1", "non-numeric"),  # a Unicode minus sign
]


@pytest.mark.parametrize(("cell", "fragment"), HOSTILE_CELLS)
def test_hostile_number_forms_are_refused_naming_row_and_column(tmp_path, cell, fragment):
    rows = ["id,x,y"] + [f"{i},{i % 7},{(i * 3) % 5}" for i in range(1, 11)]
    rows[4] = f"4,{cell},2"
    path = tmp_path / "hostile.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    line = assert_refused(cli_process("correlate", "--data", str(path), "--json"))
    assert fragment in line and "column 'x'" in line and "row 4" in line and "line 5" in line


def test_decimal_comma_is_refused_in_a_semicolon_file(tmp_path):
    path = tmp_path / "comma.csv"
    path.write_text("x;y\n1,5;2\n2;3\n3;5\n4;4\n5;6\n")
    assert_refused(cli_process("correlate", "--data", str(path)), "'1,5'", "row 1")


@pytest.mark.parametrize("token", ["", "NA", "na", "NaN", ".", "N/A", "  NA  "])
def test_documented_missing_tokens_are_missing(tmp_path, token):
    from bayes_peer.data.participants import read_participants

    path = tmp_path / "m.csv"
    path.write_text(f"x,y\n1,2\n{token},3\n3,5\n4,4\n5,7\n")
    data = read_participants(path)
    assert np.isnan(data.columns["x"][1]) and data.missing_counts()["x"] == 1


def test_ambiguous_id_columns_are_refused(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("id,ID,x,y\n1,a,1,2\n2,b,2,1\n3,c,3,3\n4,d,4,5\n")
    assert_refused(cli_process("correlate", "--data", str(path)), "ambiguous id", "'ID'")


def test_one_byte_order_mark_is_stripped_a_second_is_refused(tmp_path):
    from bayes_peer.data.participants import read_participants

    body = "id,x,y\n1,1,2\n2,2,1\n3,3,3\n4,4,5\n"
    one = tmp_path / "one.csv"
    one.write_bytes(b"\xef\xbb\xbf" + body.encode())
    assert read_participants(one).id_column == "id"
    two = tmp_path / "two.csv"
    two.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbf" + body.encode())
    assert_refused(cli_process("correlate", "--data", str(two)), "two byte-order marks")


def test_separator_detection_copes_with_quoted_header_names(tmp_path):
    from bayes_peer.data.participants import read_participants

    path = tmp_path / "quoted.csv"
    path.write_text('"satisfaction, CSQ-8";"alliance"\n1;2\n2;1\n3;3\n4;5\n')
    data = read_participants(path)
    assert data.header == ["satisfaction, CSQ-8", "alliance"]
    assert data.columns["alliance"].tolist() == [2.0, 1.0, 3.0, 5.0]


def test_special_files_are_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    for target, fragment in ((fifo, "FIFO"), ("/dev/zero", "device"), (link, "device"),
                             (tmp_path, "folder")):  # fmt: skip
        start = time.perf_counter()
        result = cli_process("correlate", "--data", str(target), timeout=60)
        assert_refused(result, str(target), fragment)
        assert time.perf_counter() - start < 30  # refused, not read
    spec = tmp_path / "spec.toml"
    os.mkfifo(spec)
    assert_refused(cli_process("run", str(spec), timeout=60), "FIFO")


def test_file_size_limit_is_enforced():
    from bayes_peer.data.files import read_regular_file

    with pytest.raises(InputError, match="at most"):
        read_regular_file(DEMO, what="participant CSV", limit=100)


def test_too_many_variables_without_vars_are_refused(tmp_path):
    rng = np.random.default_rng(1)
    values = rng.normal(size=(20, 31))
    path = tmp_path / "wide.csv"
    header = ",".join(f"v{j}" for j in range(31))
    path.write_text(header + "\n" + "\n".join(",".join(f"{v:.3f}" for v in row)
                                              for row in values) + "\n")  # fmt: skip
    assert_refused(cli_process("correlate", "--data", str(path)), "31 variables", "--vars")
    ok = cli_process("correlate", "--data", str(path), "--vars", "v0,v1,v2", "--json")
    assert ok.returncode == 0


SPEC_VALUES = [
    ("correlations", "eta = nan", "correlations.eta"),
    ("correlations", "eta = inf", "correlations.eta"),
    ("correlations", "eta = -1", "correlations.eta"),
    ("correlations", "kappa = 1e9", "correlations.kappa"),
    ("correlations", "kappa = 0", "correlations.kappa"),
    ("sampler", "draws = 1e12", "sampler.draws"),
    ("sampler", "draws = 1_000_000_000_000", "sampler.draws"),
    ("sampler", "chains = 0", "sampler.chains"),
    ("sampler", "tune = 2.5", "sampler.tune"),
    ("sampler", "seed = -1", "sampler.seed"),
    ("sampler", 'seed = "7"', "sampler.seed"),
    ("regressions", "prior_scale = nan", "regressions.prior_scale"),
    ("regressions", "mean_R2 = 1.5", "regressions.mean_R2"),
    ("regressions", 'rscale = "huge"', "regressions.rscale"),
    ("regressions", "rscale = nan", "regressions.rscale"),
    ("regressions", "prec_R2 = 0", "regressions.prec_R2"),
]


@pytest.mark.parametrize(("section", "line", "key"), SPEC_VALUES)
def test_late_validated_spec_values_fail_before_any_compile(tmp_path, section, line, key):
    sections = {
        "correlations": ['constructs = ["alliance", "qol"]', 'waves = ["m12", "m24"]'],
        "regressions": [
            'outcomes = ["recovery"]',
            'waves = ["m12", "m24"]',
            'blocks = [["contacts"], ["alliance"]]',
        ],
        "sampler": [],
    }
    sections[section].append(line)
    text = '[data]\ncsv = "demo"\n' + "".join(
        f"[{name}]\n" + "".join(f"{item}\n" for item in items) for name, items in sections.items()
    )
    spec = tmp_path / "spec.toml"
    spec.write_text(text)
    result = cli_process("run", str(spec), "--out", str(tmp_path / "out"), tmp_path=tmp_path,
                         no_mcmc=True)  # fmt: skip
    assert_refused(result, str(spec), f"key '{key}'")
    assert not (tmp_path / "out").exists()


OPTION_VALUES = [
    (["--draws", "1e12"], "--draws"),
    (["--draws", "0"], "--draws"),
    (["--tune", "inf"], "--tune"),
    (["--chains", "0"], "--chains"),
    (["--seed", "-1"], "--seed"),
    (["--seed", "9223372036854775808"], "--seed"),
    (["--eta", "nan"], "--eta"),
    (["--eta", "1e-9"], "--eta"),
    (["--kappa", "1e300"], "--kappa"),
    (["--rope", "1"], "--rope"),
    (["--ci-prob", "1"], "--ci-prob"),
]


@pytest.mark.parametrize(("extra", "flag"), OPTION_VALUES)
def test_late_validated_options_fail_before_any_compile(tmp_path, extra, flag):
    args = ["correlate", "--data", str(DEMO), "--vars", "alliance_m24,qol_m24", "--model",
            "joint", *extra]  # fmt: skip
    line = assert_refused(cli_process(*args, tmp_path=tmp_path, no_mcmc=True), flag)
    assert "_kappa" not in line and "invalid" not in line


@pytest.mark.parametrize(
    "args",
    [
        ["correlate", "--r", "0.3", "--n", "1e20"],
        ["design", "--n", "46", "--rho", "0.3", "--sims", "1e9"],
        ["design", "--n", "100000", "--rho", "0.3", "--sims", "1000"],
        ["design", "--n", "46", "--rho-beta", "2,nan"],
        ["design", "--effect", "1", "--se", "0"],
        ["design", "--n", "46", "--rho", "0.3", "--alpha", "nan"],
        ["regress", "--n", "1e20", "--r2", "0.2,0.3", "--p", "2,3"],
        ["regress", "--n", "46", "--r2", "0.2,nan", "--p", "2,3"],
        ["regress", "--n", "46", "--r2", "0.2", "--p", "1.5"],
        [
            "regress",
            "--data",
            str(DEMO),
            "--outcome",
            "qol_m24",
            "--block",
            "alliance_m24",
            "--prior",
            "normal",
            "--prior-scale",
            "0",
        ],
        [
            "regress",
            "--data",
            str(DEMO),
            "--outcome",
            "qol_m24",
            "--block",
            "alliance_m24",
            "--prior",
            "r2d2",
            "--mean-r2",
            "1",
        ],
        ["sensitivity", "--demo", "--workers", "0"],
        ["sensitivity", "--demo", "--imputations", "1"],
        [
            "correlate",
            "--summary",
            str(ROOT / "models/tables/demo_m24.toml"),
            "--model",
            "joint",
            "--rounding-sensitivity",
            "1e9",
        ],
    ],
)
def test_out_of_range_numbers_are_refused_before_any_work(tmp_path, args):
    assert_refused(cli_process(*args, tmp_path=tmp_path, no_mcmc=True))


def test_only_input_errors_exit_2(cli, monkeypatch):
    from bayes_peer.analyses import pairs as pairs_module  # where correlate's records are made

    def broken(*args, **kwargs):
        raise ValueError("an internal ValueError, not the user's fault")

    monkeypatch.setattr(pairs_module, "correlation_posterior", broken)
    status, out, err = cli("correlate", "--r", "0.3", "--n", "46")
    assert status == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: internal failure")


# ------------------------------------------------------------------------------- interrupts
SAMPLE_UNTIL_INTERRUPTED = """
import os, signal, threading, time
from bayes_peer.mcmc.sampler import SamplerSettings, get_structure
from bayes_peer.mcmc.models.correlation import build_pairwise_model, standardize
import numpy as np
structure = get_structure("pairwise", build_pairwise_model)
y = standardize(np.random.default_rng(1).normal(size=(46, 2)))
structure.compiled  # compile first: the interrupt must arrive while nutpie samples
threading.Timer(1.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
start = time.perf_counter()
try:
    structure.fit({"y": y, "prior_a": 1.0}, SamplerSettings(draws=100000, tune=1000, chains=2))
    print("CARRIED ON", time.perf_counter() - start)
except KeyboardInterrupt:
    print("INTERRUPTED", time.perf_counter() - start)
"""


@pytest.mark.slow
def test_an_interrupt_while_nutpie_samples_is_not_swallowed():
    done = subprocess.run([sys.executable, "-c", SAMPLE_UNTIL_INTERRUPTED], capture_output=True,
                          text=True, timeout=600, cwd=ROOT, preexec_fn=default_sigint)  # fmt: skip
    assert "INTERRUPTED" in done.stdout, (done.stdout, done.stderr)


def _threads(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


@pytest.mark.slow
def test_sigint_during_sampling_exits_130_and_writes_nothing(tmp_path):
    out = tmp_path / "interrupted"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bayes_peer", "correlate", "--data", str(DEMO), "--vars",
         "alliance_m24,qol_m24", "--model", "pairwise", "--draws", "100000", "--chains", "2",
         "--out", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=default_sigint,
    )  # fmt: skip
    baseline = None
    deadline = time.time() + 600
    while time.time() < deadline and proc.poll() is None:
        count = _threads(proc.pid)
        baseline = count if baseline is None else min(baseline, count)
        if count >= baseline + 2 and time.time() > deadline - 595:  # nutpie's sampler threads
            break
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out_text, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: interrupted"), err
    assert out_text == "" and not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------ labels
def test_one_sided_sequential_and_influence_use_the_one_sided_bf(cli):
    from bayes_peer.exact.correlation import correlation_posterior

    status, out, err = cli("correlate", "--data", str(DEMO), "--vars", "alliance_m24,qol_m24",
                           "--alternative", "greater", "--sequential", "--influence",
                           "--json")  # fmt: skip
    assert status == 0, err
    pair = json.loads(out)["pairs"][0]
    exact = correlation_posterior(pair["r"], pair["n"], alternative="greater")
    last = pair["sequential"][-1]
    assert last["n"] == pair["n"]
    assert last["bf10"] == pytest.approx(np.exp(exact.log_bf_plus0), rel=1e-6)
    assert last["posterior_median"] == pytest.approx(exact.posterior_median, abs=1e-4)
    for row in pair["influence"]:  # every leave-one-out posterior is truncated at 0
        assert row["ci_low"] >= 0 and row["posterior_median"] > 0


def test_one_sided_and_ci_prob_labels_in_text_tables(cli):
    status, out, _ = cli("correlate", "--r", "0.3", "--n", "46", "--alternative", "greater",
                         "--ci-prob", "0.8")  # fmt: skip
    assert status == 0
    assert "BF+0" in out and "p, one-sided" in out and "80% CI, two-sided" in out
    assert "80% CrI" in out and "95%" not in out
    status, out, _ = cli("regress", "--data", str(DEMO), "--outcome", "qol_m24", "--block",
                         "contacts_m24", "--block", "alliance_m24", "--ci-prob", "0.8")  # fmt: skip
    assert status == 0 and "beta 80% CI" in out and "95%" not in out


def test_mcmc_table_labels_and_one_sided_comparison():
    from bayes_peer.report.text_tables import block_table, mcmc_correlation_table

    row = {"var1": "a", "var2": "b", "n": 46, "r": 0.3, "bf10": 2.0, "log_bf10": 0.69,
           "posterior_median": 0.31, "exact_two_sided_median": 0.28, "mcmc_median": 0.281,
           "mcmc_ci_low": 0.0, "mcmc_ci_high": 0.5, "p_positive": 0.98, "r_hat": 1.0,
           "ess_bulk": 900.0, "flags": [], "ci_prob": 0.9, "alternative": "greater"}  # fmt: skip
    text = mcmc_correlation_table([row])
    assert "BF+0 (one-sided)" in text and "MCMC 90% CrI" in text and "0.280" in text
    block = {"block": 1, "terms": ["x"], "n": 40, "r2": 0.1, "adj_r2": 0.08, "delta_r2": 0.1,
             "f_change": 4.0, "df1": 1, "df2": 38, "p_change": 0.05, "bf_block": 1.2,
             "log_bf_block": 0.18, "bayes_r2_median": 0.1, "loo_r2": 0.05,
             "delta_r2_median": 0.09, "delta_r2_ci_low": 0.01, "delta_r2_ci_high": 0.2,
             "elpd_diff": 0.5, "elpd_diff_se": 1.0, "pareto_k_max": 0.3, "flags": []}  # fmt: skip
    assert "ΔR² > 0 by def. (90% CrI)" in block_table([block], mcmc=True, ci_prob=0.9)


def test_no_negative_zero_and_sensible_raw_precision():
    from bayes_peer.report.format import fmt_coef, fmt_num

    assert fmt_num(-0.0001) == "0.000" and fmt_num(-0.0) == "0.000" and fmt_num(-0.0006) == "-0.001"
    assert fmt_coef(0.000012) == "1.2e-05" and fmt_coef(-0.00042) == "-0.00042"
    assert fmt_coef(1.23456) == "1.235"


def test_a_reading_of_evidence_for_absence_names_kappa_and_its_range():
    from bayes_peer.report.compare import correlation_comparison

    row = {"var1": "a", "var2": "b", "n": 46, "r": 0.02, "freq_ci_low": -0.27,
           "freq_ci_high": 0.31, "p_value": 0.89, "bf10": 0.19, "kappa": 1.0,
           "alternative": "two-sided", "p_positive": 0.55, "mcmc_median": 0.02}  # fmt: skip
    text = correlation_comparison(row)["reading"]
    assert "kappa = 1" in text and "for kappa from 1/3 to 2" in text
    low, high = text.split("BF10 ")[-1].split(" for ")[0].split(" to ")
    assert float(low) < 0.19 < float(high) or float(low) <= 0.19 <= float(high)


def test_diagnostics_policy_numbers():
    from bayes_peer.mcmc.diagnostics import elpd_diff_se, pareto_k_threshold

    assert pareto_k_threshold(4000) == 0.7
    assert pareto_k_threshold(400) == pytest.approx(1 - 1 / np.log10(400))
    diff = np.array([0.5, -0.2, 1.3, 0.1, -0.4])
    assert elpd_diff_se(diff) == pytest.approx(np.sqrt(5) * np.std(diff, ddof=1))


def test_mnar_tipping_point_reports_its_monte_carlo_error():
    import xarray as xr

    from bayes_peer.analyses.missing_mnar import delta_adjusted

    rng = np.random.default_rng(3)
    n, chains, draws = 40, 2, 100
    cov = np.array([[1.0, 0.3], [0.3, 1.0]])
    y = rng.multivariate_normal([0, 0], cov, size=n)
    mask = np.ones((n, 2))
    mask[:12, 1] = 0
    y[:12, 1] = 0.0
    corr = np.broadcast_to(np.array([[1, 0.3], [0.3, 1]]), (chains, draws, 2, 2)).copy()
    corr[..., 0, 1] = corr[..., 1, 0] = 0.3 + 0.05 * rng.standard_normal((chains, draws))
    posterior = xr.Dataset({
        "mu": (("chain", "draw", "v"), 0.05 * rng.standard_normal((chains, draws, 2))),
        "chol_corr": (("chain", "draw", "v", "w"), corr),
        "chol_stds": (("chain", "draw", "v"), np.ones((chains, draws, 2))),
    })  # fmt: skip
    few = delta_adjusted(y, mask, posterior, (0, 1), 1.0, imputations=5)
    many = delta_adjusted(y, mask, posterior, (0, 1), 1.0, imputations=80)
    for result in (few, many):
        assert 0 <= result["tipping_low_agreement"] <= 1
        assert all(r["ci_low_mcse"] >= 0 for r in result["rows"])
    mean_mcse = [np.mean([r["ci_low_mcse"] for r in res["rows"]]) for res in (few, many)]
    assert mean_mcse[1] < mean_mcse[0]  # more imputations, smaller Monte Carlo error
