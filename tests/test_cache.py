"""The persistent compile cache: location, versions key, info, clear, structure records."""

from __future__ import annotations

import json
import os
import sys

from bayes_peer.mcmc import cache


def test_location_follows_the_platform_convention_and_the_variable(monkeypatch, tmp_path):
    monkeypatch.delenv(cache.ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if os.name == "posix" and os.uname().sysname == "Linux":
        assert cache.cache_root() == tmp_path / "xdg" / "bayes-peer"
    monkeypatch.setenv(cache.ENV, str(tmp_path / "moved"))
    assert cache.cache_root() == tmp_path / "moved"
    key = cache.versions_key()
    assert key.startswith("py3.") and "pytensor" in key and "nutpie" in key
    assert cache.cache_dir() == tmp_path / "moved" / key


def test_a_user_compiledir_wins_and_ours_is_recognised(monkeypatch, tmp_path):
    monkeypatch.setenv(cache.ENV, str(tmp_path))
    monkeypatch.setenv("PYTENSOR_FLAGS", "blas__ldflags=,base_compiledir=/somewhere")
    assert cache._user_compiledir() == "/somewhere"
    ours = cache.cache_dir() / "pytensor"
    monkeypatch.setenv("PYTENSOR_FLAGS", f"blas__ldflags=,base_compiledir={ours}")
    assert cache._user_compiledir() is None  # set by a parent bayes-peer process


def test_info_and_clear_through_the_cli(cli, monkeypatch, tmp_path):
    monkeypatch.setenv(cache.ENV, str(tmp_path / "c"))
    status, out, _ = cli("cache", "info", "--json")
    doc = json.loads(out)
    assert status == 0 and doc["exists"] is False and doc["moved_by"] == cache.ENV
    assert set(doc) >= {"root", "dir", "versions_key", "size_bytes", "files", "structures",
                        "other_versions", "pytensor_flags_override"}  # fmt: skip
    folder = cache.cache_dir()
    (folder / "pytensor").mkdir(parents=True)
    (folder / "pytensor" / "module.so").write_bytes(b"x" * 1000)
    (folder / cache.MARKER).touch()  # configure() marks each versions folder it makes
    (tmp_path / "c" / "py3.0-old").mkdir()
    (tmp_path / "c" / "py3.0-old" / cache.MARKER).touch()
    (tmp_path / "c" / cache.MARKER).touch()
    monkeypatch.setattr(cache, "_active", folder)
    cache.record_structure("joint(d=4)", 14.2)
    cache.record_structure("joint(d=4)", 13.9)
    status, out, _ = cli("cache", "info", "--json")
    doc = json.loads(out)
    assert doc["size_bytes"] >= 1000 and doc["files"] == 3  # module, structures.json, marker
    assert doc["structures"]["joint(d=4)"]["compiles"] == 2
    assert doc["structures"]["joint(d=4)"]["compile_seconds"] == [14.2, 13.9]
    assert [o["dir"] for o in doc["other_versions"]] == [str(tmp_path / "c" / "py3.0-old")]
    status, out, _ = cli("cache", "info")
    assert "structure joint(d=4): compiled 2x (14.2, 13.9 s)" in out
    status, out, _ = cli("cache", "clear", "--json")
    assert status == 0 and json.loads(out)["removed_files"] >= 3
    assert not (tmp_path / "c").exists()  # empty once bayes-peer's folders are gone
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / cache.MARKER).touch()
    (tmp_path / "c" / "mine.txt").write_text("the user's")  # a folder shared with other files
    (tmp_path / "c" / "unmarked").mkdir()
    status, out, _ = cli("cache", "clear", "--json")
    assert status == 0 and (tmp_path / "c" / "mine.txt").is_file()
    assert (tmp_path / "c" / "unmarked").is_dir()


def test_clear_refuses_a_folder_it_did_not_make(cli, monkeypatch, tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("do not delete")
    monkeypatch.setenv(cache.ENV, str(precious))
    status, out, err = cli("cache", "clear")
    assert status == 2 and out == "" and "not a bayes-peer cache folder" in err
    assert (precious / "thesis.tex").is_file()


def test_configure_leaves_an_imported_pytensor_alone(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pytensor", sys.modules.get("pytensor", object()))
    monkeypatch.setenv(cache.ENV, str(tmp_path))
    monkeypatch.setenv("PYTENSOR_FLAGS", "blas__ldflags=")
    assert cache.configure() is None  # pytensor is already imported in this test process
    assert os.environ["PYTENSOR_FLAGS"] == "blas__ldflags="
