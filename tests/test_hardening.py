"""Hardening (issue 32): signed markers, staged report rebuilds, no leftovers in $TMPDIR, one
cache for the API and the CLI, control characters and over-long names, the seed grammar, the
API refusing what the command line refuses, and one ``error:`` line whatever a library prints.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_trust import assert_refused, cli_process, tree_digest

import bayes_peer as bp
from bayes_peer import params
from bayes_peer.errors import InputError
from bayes_peer.mcmc import cache
from bayes_peer.runs import signing
from bayes_peer.runs.folders import ResultsFolder
from bayes_peer.runs.ownership import MARKER, adopt, foreign_entry, manifest, read_marker

from conftest import ROOT

PAIR = ["alliance_m24", "qol_m24"]


@pytest.fixture
def own_key(monkeypatch, tmp_path):
    """A cache folder (and so a marker key) of this test's own."""
    monkeypatch.setenv(cache.ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def _written(folder: Path) -> Path:
    with ResultsFolder(folder, kind="demo-exact", force=False, command="test") as staging:
        (staging / "correlations.csv").write_text("pair,r\n")
        (staging / "run.json").write_text("{}")
    return folder


# ------------------------------------------------------------------------ signed markers
def test_a_forged_marker_never_lets_force_replace_a_users_file(tmp_path):
    target = tmp_path / "F"
    target.mkdir()
    (target / "thesis.tex").write_text("four years of work")
    doc = {"format": "bayes-peer-results", "format_version": 2, "kind": "demo-exact",
           "command": "bayes-peer demo --exact", "files": manifest(target)}  # fmt: skip
    env = {cache.ENV: str(tmp_path / "cache")}
    for forged in (doc, {**doc, "signature": "hmac-sha256:" + "0" * 64}):
        (target / MARKER).write_text(json.dumps(forged))
        before = tree_digest(target)
        result = cli_process("demo", "--exact", "--out", str(target), "--force", env=env)
        assert_refused(result, "not replaced", "bayes-peer adopt")
        assert tree_digest(target) == before


def test_markers_are_signed_with_a_private_key_outside_the_folder(own_key, tmp_path):
    folder = _written(tmp_path / "res")
    key = signing.key_path()
    assert key.parent == own_key and not key.is_relative_to(folder)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    marker = json.loads((folder / MARKER).read_text())
    assert marker["signature"].startswith("hmac-sha256:") and read_marker(folder) is not None
    marker["files"]["correlations.csv"]["size"] += 1  # any change breaks the signature
    (folder / MARKER).write_text(json.dumps(marker))
    assert read_marker(folder) is None and "not signed with" in foreign_entry(folder)


def test_another_key_or_an_unsigned_marker_is_foreign_until_adopted(own_key, monkeypatch, tmp_path):
    folder = _written(tmp_path / "res")
    monkeypatch.setenv(cache.ENV, str(tmp_path / "other-account"))
    why = foreign_entry(folder)
    assert "not signed with this user's marker key" in why and f"adopt {folder}" in why
    doc = json.loads((folder / MARKER).read_text())
    old = {k: v for k, v in doc.items() if k != "signature"} | {"format_version": 1}
    (folder / MARKER).write_text(json.dumps(old))  # a marker from before markers were signed
    assert "is not signed" in foreign_entry(folder)
    (folder / "mine.txt").write_text("x")
    with pytest.raises(InputError, match=r"'mine\.txt' is not listed"):
        adopt(folder)
    (folder / "mine.txt").unlink()
    assert adopt(folder) == {"folder": str(folder), "kind": "demo-exact", "files": 3}
    assert foreign_entry(folder) is None
    with ResultsFolder(folder, kind="demo-exact", force=True, command="test") as staging:
        (staging / "x.csv").write_text("a\n")  # now replaceable
    assert (folder / "x.csv").is_file()


def test_a_marker_key_others_can_read_is_refused(own_key, tmp_path):
    folder = _written(tmp_path / "res")
    signing.key_path().chmod(0o644)
    with pytest.raises(InputError, match="chmod 600"):
        foreign_entry(folder)


def test_adopt_through_the_cli(tmp_path):
    env = {cache.ENV: str(tmp_path / "a")}
    out = tmp_path / "ex"
    assert cli_process("demo", "--exact", "--out", str(out), env=env).returncode == 0
    other = {cache.ENV: str(tmp_path / "b")}
    assert_refused(cli_process("demo", "--exact", "--out", str(out), "--force", env=other),
                   "not signed with this user's marker key")  # fmt: skip
    done = cli_process("adopt", str(out), "--json", env=other)
    assert done.returncode == 0 and json.loads(done.stdout)["kind"] == "demo-exact"
    assert cli_process("demo", "--exact", "--out", str(out), "--force", env=other).returncode == 0


# ------------------------------------------------------------------------ staged rebuilds
@pytest.fixture
def command_folder(own_key, tmp_path) -> Path:
    out = tmp_path / "cmd"
    bp.correlate("demo", PAIR, out=out)
    return out


@contextlib.contextmanager
def untouched(folder: Path):
    """The block leaves ``folder`` byte-identical and adds or removes nothing beside it."""
    before = tree_digest(folder)
    siblings = sorted(p.name for p in folder.parent.iterdir())
    yield
    assert tree_digest(folder) == before
    assert sorted(p.name for p in folder.parent.iterdir()) == siblings


def test_a_rebuild_with_a_file_missing_is_refused_and_changes_nothing(command_folder, cli):
    listed = sorted(read_marker(command_folder)["files"])
    victim = next(name for name in listed if name.endswith(".csv"))
    (command_folder / victim).unlink()
    with untouched(command_folder):
        status, out, err = cli("report", str(command_folder))
    assert status == 2 and victim in err and "missing" in err and out == ""


def test_a_failed_rebuild_leaves_the_folder_byte_identical(command_folder, monkeypatch):
    from bayes_peer.report import build

    def half_then_fail(folder, **_):
        (Path(folder) / "report.html").write_text("half-written")
        raise RuntimeError("boom")

    monkeypatch.setattr(build, "build_report", half_then_fail)
    with untouched(command_folder), pytest.raises(RuntimeError, match="boom"):
        bp.rebuild_report(command_folder)


def test_a_rebuild_swaps_in_a_complete_signed_folder(command_folder):
    built = bp.rebuild_report(command_folder)
    assert Path(built["html"]) == command_folder / "report.html"
    assert all(Path(p).is_relative_to(command_folder) for p in built["figures"])
    assert foreign_entry(command_folder) is None
    assert [p.name for p in command_folder.parent.iterdir() if p.name.startswith(".")] == []


# ------------------------------------------------------------------------ leftovers, one cache
def test_mcmc_from_the_cli_and_the_api_writes_only_into_the_cache(tmp_path):
    # The session's own (warm) cache, named explicitly: $HOME and $TMPDIR are new and empty.
    home, tmp, moved = tmp_path / "home", tmp_path / "tmp", cache.cache_root()
    home.mkdir()
    tmp.mkdir()
    environ = {k: v for k, v in os.environ.items() if k not in ("XDG_CACHE_HOME", "MPLCONFIGDIR")}
    environ |= {"HOME": str(home), "TMPDIR": str(tmp), cache.ENV: str(moved), "PYTENSOR_FLAGS": ""}
    sampler = ["--draws", "100", "--tune", "100", "--chains", "2"]
    done = subprocess.run(
        [sys.executable, "-m", "bayes_peer", "correlate", "--data", "demo", "--vars",
         ",".join(PAIR), "--model", "pairwise", *sampler, "--out", str(tmp_path / "m")],
        capture_output=True, text=True, cwd=tmp_path, env=environ, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    code = (f"import bayes_peer as bp; bp.correlate('demo', {PAIR!r}, method='pairwise', "
            "draws=100, tune=100, chains=2, quiet=True)")  # fmt: skip
    api = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, env=environ, timeout=600)  # fmt: skip
    assert api.returncode == 0, api.stderr
    assert list(tmp.iterdir()) == []  # generated source went into the cache
    assert list(home.iterdir()) == []  # neither PyTensor nor matplotlib wrote under $HOME
    versions = moved / cache.versions_key()
    assert (versions / "generated").is_dir() and (versions / "pytensor").is_dir()


def test_refused_commands_create_no_cache_folder(tmp_path):
    moved = tmp_path / "cache"
    env = {cache.ENV: str(moved), "PYTENSOR_FLAGS": ""}
    assert_refused(cli_process("correlate", "--data", "demo", "--vars", "alliance_m24,nope",
                               "--model", "pairwise", env=env), "nope")  # fmt: skip
    assert_refused(cli_process("regress", "--data", "demo", "--outcome", "qol_m24", "--block",
                               "nope", "--prior", "normal", env=env), "nope")  # fmt: skip
    assert_refused(cli_process("correlate", "--data", "demo", "--vars", ",".join(PAIR),
                               "--model", "pairwise", "--seed", "1e-400", env=env),
                   "--seed", "whole number")  # fmt: skip
    assert_refused(cli_process("plot", str(tmp_path / "none"), "--kind", "posterior", "--out",
                               str(tmp_path / "p.png"), env=env), "no run.json")  # fmt: skip
    assert not moved.exists()


def test_a_scheduler_that_cannot_be_reached_leaves_no_checkpoint(tmp_path, monkeypatch):
    from bayes_peer.calibration import execute

    def unreachable(workers, scheduler):  # what _client raises after its 15 s timeout
        raise InputError(f"--scheduler {scheduler}: cannot connect (timed out)")

    monkeypatch.setattr(execute, "_client", unreachable)
    with pytest.raises(InputError, match="cannot connect"):
        bp.calibrate(["pairwise-proper"], sims=10, scheduler="tcp://127.0.0.1:1",
                     out=tmp_path / "cal", quiet=True)  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_workers_with_a_scheduler_are_refused():
    result = cli_process("calibrate", "--model", "pairwise-proper", "--workers", "2", "--scheduler",
                         "tcp://127.0.0.1:1")  # fmt: skip
    assert_refused(result, "--workers", "--scheduler")


# ------------------------------------------------------------------------ names and numbers
@pytest.mark.parametrize("out", ["a\x01b", "x" * 300, "ok/" + "y" * 201])
def test_control_characters_and_over_long_folder_names_are_refused(tmp_path, out):
    line = assert_refused(cli_process("correlate", "--r", "0.3", "--n", "46", "--out", out,
                                      cwd=tmp_path))  # fmt: skip
    assert "--out" in line and ("control character" in line or "at most 200 bytes" in line)
    assert "\x01" not in line and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("section", "line", "key"),
    [("output", 'folder = "a\\u0000b"', "output.folder"),
     ("output", f'folder = "{"z" * 300}"', "output.folder"),
     ("data", 'csv = "x\\u0007.csv"', "data.csv")],
)  # fmt: skip
def test_control_characters_and_long_names_in_a_spec_name_the_key(tmp_path, section, line, key):
    text = (ROOT / "models" / "correlations.toml").read_text()
    if section == "data":
        text = text.replace('csv = "demo"', line)
    else:
        text += f"\n[output]\n{line}\n"
    spec = tmp_path / "s.toml"
    spec.write_text(text)
    assert_refused(cli_process("run", str(spec), cwd=tmp_path), key)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]


def test_seeds_are_whole_numbers_read_exactly():
    assert params.parse("seed", "9223372036854775807", "--seed") == 2**63 - 1
    assert params.parse("seed", "1e3", "--seed") == 1000
    for text in ("1e-400", "2.5", "1e400", "0x10"):
        with pytest.raises(InputError, match="--seed"):
            params.parse("seed", text, "--seed")


def test_a_tilde_is_expanded_as_a_shell_would(monkeypatch, tmp_path, own_key):
    monkeypatch.setenv("HOME", str(tmp_path))
    bp.correlate(r=0.3, n=46, out="~/res")
    assert (tmp_path / "res" / MARKER).is_file()
    assert_refused(cli_process("correlate", "--r", "0.3", "--n", "46", "--out", "~",
                               env={"HOME": str(tmp_path)}, cwd=tmp_path / "res"),
                   "home folder")  # fmt: skip


def test_huge_values_have_a_correlation(tmp_path):
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=30).tolist(), rng.normal(size=30).tolist()
    small = tmp_path / "small.csv"
    big = tmp_path / "big.csv"
    small.write_text("x,y\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(x, y, strict=True)))
    big.write_text(
        "x,y\n" + "".join(f"{a * 1e300!r},{b * 1e300!r}\n" for a, b in zip(x, y, strict=True))
    )
    r_small = bp.correlate(small).record["pairs"][0]["r"]
    r_big = bp.correlate(big).record["pairs"][0]["r"]
    assert np.isfinite(r_big) and r_big == pytest.approx(r_small, rel=1e-12)


# ------------------------------------------------------------------------ the API's checks
@pytest.mark.parametrize(
    ("call", "fragment"),
    [(lambda: bp.correlate(r=0.3, n=46, draws=100), "`draws` goes with method="),
     (lambda: bp.regress("demo", "qol_m24", [["alliance_m24"]], chains=2), "`chains` goes with"),
     (lambda: bp.correlate(r=0.3, n=46, out=5), "`out`"),
     (lambda: bp.correlate("demo", np.zeros((50, 3))), "`vars`"),
     (lambda: bp.correlate(np.zeros((50, 3))), "`data`"),
     (lambda: bp.regress("demo", np.zeros((50, 3)), [["alliance_m24"]]), "`outcome`"),
     (lambda: bp.correlate(r=0.3, n=46, force="yes"), "`force`"),
     (lambda: bp.correlate(r=0.3, n=46, alternative=np.ones(3)), "`alternative`"),
     (lambda: bp.correlate(r=0.3, n=46, bogus=1), "`bogus` is not a parameter"),
     (lambda: bp.correlate("demo:m24", PAIR, decimals=3), "`decimals` goes with"),
     (lambda: bp.correlate("demo", PAIR, nearest_correlation=True), "published table"),
     (lambda: bp.run(np.zeros(3)), "`spec`"),
     (lambda: bp.rebuild_report(5), "`folder`"),
     (lambda: bp.calibrate(["pairwise"], workers=2, scheduler="tcp://127.0.0.1:1"), "`workers`")],
)  # fmt: skip
def test_the_api_refuses_what_does_not_apply_with_one_line(call, fragment):
    with pytest.raises(InputError) as info:
        call()
    message = str(info.value)
    assert fragment in message and "\n" not in message and len(message) < 400, message


def test_one_error_line_whatever_a_library_prints_at_exit(tmp_path):
    code = ("import atexit, logging, sys\n"
            "atexit.register(lambda: print('library noise', file=sys.stderr))\n"
            "atexit.register(lambda: logging.getLogger('pytensor').warning('cache noise'))\n"
            "from bayes_peer.cli import console_main\n"
            "sys.argv = ['bayes-peer', 'correlate', '--r', '2', '--n', '46']\n"
            "sys.exit(console_main())\n")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)  # fmt: skip
    assert_refused(done, "--r")


def test_the_versions_key_read_from_folder_names_matches_importlib_metadata():
    from importlib import metadata

    for name in cache.KEY_PACKAGES:
        assert cache.installed_version(name) == metadata.version(name)
    assert cache.installed_version("no-such-package-here") is None


@pytest.mark.parametrize(
    ("args", "flag"),
    [(["init", "--data", "demo", "--out", "a\x01.toml"], "--out"),
     (["init", "--data", "demo", "--out", "b" * 300 + ".toml"], "--out"),
     (["correlate", "--r", "0.3", "--n", "46", "--plot", "c" * 300 + ".png"], "--plot")],
)  # fmt: skip
def test_files_bayes_peer_writes_refuse_control_characters_and_long_names(tmp_path, args, flag):
    assert flag in assert_refused(cli_process(*args, cwd=tmp_path))
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------ review findings
def test_a_rebuild_is_refused_while_a_nested_run_writes_inside(command_folder):
    import fcntl

    lock = command_folder / ".sens.lock"
    lock.write_text(json.dumps({"format": "bayes-peer-results-lock", "pid": os.getpid()}))
    fd = os.open(lock, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        with untouched(command_folder), pytest.raises(InputError, match="writing inside it"):
            bp.rebuild_report(command_folder)
    finally:
        os.close(fd)
    # a free lock left by a finished run is a leftover: not copied, not listed, no harm later
    bp.rebuild_report(command_folder)
    assert ".sens.lock" not in read_marker(command_folder)["files"]
    assert not lock.exists()
    bp.rebuild_report(command_folder)


def test_overflowing_sums_are_rescaled_not_zero():
    from bayes_peer.data.moments import pearson_r

    cases = [([2e154, 1e154, 3e154], [1, 2, 4]), ([1e300, -1e300, 5e299], [1, 2, 3]),
             ([1e-300, 2e-300, 4e-300], [1, 2, 3])]  # fmt: skip
    for x, y in cases:
        x, y = np.array(x), np.array(y, dtype=float)
        expected = np.corrcoef(x / np.abs(x).max(), y)[0, 1]
        assert pearson_r(x, y) == pytest.approx(expected, rel=1e-12)
    assert np.isnan(pearson_r(np.ones(4), np.arange(4.0)))


def test_values_users_pass_legitimately_are_accepted():
    base = bp.correlate(r=0.3, n=120).record["bf10"]
    for options in ({"n": 120.0}, {"n": np.int64(120)}, {"r": np.float32(0.3), "n": np.longlong(120)},
                    {"seed": None}, {"robustness": np.True_}):  # fmt: skip
        record = bp.correlate(**({"r": 0.3, "n": 120} | options)).record
        assert record["bf10"] == pytest.approx(base, rel=1e-6)
    with pytest.raises(InputError, match=r"got 2\b"):
        bp.correlate(r=0.3, n=np.int64(2))  # a numpy scalar shown by its value


def test_a_malformed_marker_is_refused_by_adopt(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / MARKER).write_text(json.dumps({"format": "bayes-peer-results", "kind": "run",
                                              "files": {"a": "x"}}))  # fmt: skip
    with pytest.raises(InputError, match="malformed"):
        adopt(folder)


def test_import_leaves_a_users_own_matplotlib_settings_alone(tmp_path):
    (tmp_path / ".config" / "matplotlib").mkdir(parents=True)
    code = "import os, bayes_peer; print(os.environ.get('MPLCONFIGDIR'))"
    environ = {k: v for k, v in os.environ.items() if k not in ("MPLCONFIGDIR", "XDG_CONFIG_HOME")}
    environ[cache.ENV] = str(tmp_path / "cache")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=environ | {"HOME": str(tmp_path)})  # fmt: skip
    assert run.stdout.strip() == "None"
    (tmp_path / ".config" / "matplotlib").rmdir()
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=environ | {"HOME": str(tmp_path)})  # fmt: skip
    assert run.stdout.strip() == str(tmp_path / "cache" / "matplotlib")


def test_a_folder_changed_during_the_rebuild_is_put_back_untouched(command_folder, monkeypatch):
    from bayes_peer.runs import folders

    real, calls = folders._snapshot, []

    def changed_second_time(folder):
        calls.append(folder)
        return real(folder) if len(calls) == 1 else {"a file the user added": ()}

    monkeypatch.setattr(folders, "_snapshot", changed_second_time)
    changed = "changed while the report was rebuilt"
    with untouched(command_folder), pytest.raises(InputError, match=changed):
        bp.rebuild_report(command_folder)


def test_a_refused_command_with_out_creates_no_cache_folder(tmp_path):
    moved = tmp_path / "cache"
    result = cli_process("correlate", "--data", "demo", "--vars", "alliance_m24,nope", "--out",
                         str(tmp_path / "res"), env={cache.ENV: str(moved)})  # fmt: skip
    assert_refused(result, "nope")
    assert not moved.exists() and not (tmp_path / "res").exists()


# ------------------------------------------------------------------------ the hostile sweep
def test_force_never_removes_an_empty_folder_the_user_added(own_key, tmp_path):
    out = tmp_path / "res"
    bp.correlate(r=0.3, n=46, robustness=True, out=out)
    (out / "mydata").mkdir()
    with pytest.raises(InputError, match="'mydata' is not one bayes-peer wrote"):
        bp.correlate(r=0.3, n=46, robustness=True, out=out, force=True)
    assert (out / "mydata").is_dir()


def test_adopt_refuses_a_folder_without_any_record_of_bayes_peer(tmp_path):
    folder = tmp_path / "V2"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    doc = {"format": "bayes-peer-results", "format_version": 2, "kind": "exact-sensitivity",
           "command": "x", "files": manifest(folder)}  # fmt: skip
    (folder / MARKER).write_text(json.dumps(doc))
    with pytest.raises(InputError, match="none of the records"):
        adopt(folder)
    assert read_marker(folder) is None


def test_names_with_control_characters_are_refused_in_tables_and_specs(tmp_path):
    table = tmp_path / "t.toml"
    table.write_text('n = 46\nvariables = ["y\\u0000", "x"]\ncorrelations = [[1, 0.3], [0.3, 1]]\n')
    with pytest.raises(InputError, match="key 'variables'"):
        bp.read_summary(table)
    text = (ROOT / "models" / "correlations.toml").read_text()
    for old, new, key in (('title = "', 'title = "A\\u0000', "'title'"),
                          ('"alliance"', '"alli\\u0000ance"', "correlations.constructs")):  # fmt: skip
        spec = tmp_path / "s.toml"
        spec.write_text(text.replace(old, new, 1))
        assert_refused(cli_process("run", str(spec), cwd=tmp_path), key)


def test_a_regression_on_values_near_1e300_is_computed(tmp_path):
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=40), rng.normal(size=40)
    y = 0.5 * a + 0.3 * b + rng.normal(size=40)
    rows = zip(y.tolist(), (a * 1e300).tolist(), (b * 1e-300).tolist(), strict=True)
    path = tmp_path / "r.csv"
    path.write_text("y,a,b\n" + "".join(f"{u!r},{v!r},{w!r}\n" for u, v, w in rows))
    plain = tmp_path / "p.csv"
    rows = zip(y.tolist(), a.tolist(), b.tolist(), strict=True)
    plain.write_text("y,a,b\n" + "".join(f"{u!r},{v!r},{w!r}\n" for u, v, w in rows))
    huge = bp.regress(path, "y", [["a"], ["b"]]).record["blocks"]
    ordinary = bp.regress(plain, "y", [["a"], ["b"]]).record["blocks"]
    for h, o in zip(huge, ordinary, strict=True):
        assert h["delta_r2"] == pytest.approx(o["delta_r2"], rel=1e-9)


def test_the_readers_check_their_arguments():
    for call in (lambda: bp.read_csv(5), lambda: bp.read_summary(5), lambda: bp.calibrate(5),
                 lambda: bp.read_summary("demo:m24", nearest_correlation="yes"),
                 lambda: bp.demo_data(5)):  # fmt: skip
        with pytest.raises(InputError):
            call()


def test_figures_get_ordinary_permissions(tmp_path):
    target = tmp_path / "f.png"
    assert (
        cli_process("correlate", "--r", "0.3", "--n", "46", "--plot", str(target)).returncode == 0
    )
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
