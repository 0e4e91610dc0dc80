"""`bayes-peer init` / `bp.init_spec`: a starter spec for a CSV nobody wrote for the toolkit,
which `bayes-peer run` runs as written; column names of any style."""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pytest

import bayes_peer as bp
from bayes_peer.runs.specs import load_spec


def _frame(n: int = 36, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({
        "Infant.Mortality": (20 + 3 * x + rng.normal(size=n)).round(1),
        "Life Exp": (70 + 2 * x + rng.normal(size=n)).round(2),
        "qualité de vie": rng.normal(5, 1, n).round(2),
        "dose_m12": rng.integers(1, 9, n),  # looks like a wave suffix; it is not one
        "well-being": (x + rng.normal(size=n)).round(3),
        "site": rng.choice(["north", "south", "west"], n),
    })  # fmt: skip


def _spec(tmp_path, frame: pd.DataFrame, name: str = "study.csv", **to_csv) -> dict:
    path = tmp_path / name
    frame.to_csv(path, **to_csv)
    text = bp.init_spec(path, spec_folder=tmp_path)
    spec_path = tmp_path / "study.toml"
    spec_path.write_text(text, encoding="utf-8")
    load_spec(spec_path)  # valid as written
    return tomllib.loads(text)


def test_a_file_without_waves_gets_explicit_variables_and_factors(tmp_path):
    frame = _frame()
    frame.loc[[3, 7], "Life Exp"] = np.nan
    doc = _spec(tmp_path, frame, index=False)
    assert doc["data"]["csv"] == "study.csv"
    names = doc["correlations"]["variables"]
    assert names == ["Infant.Mortality", "Life Exp", "qualité de vie", "dose_m12", "well-being"]
    assert "waves" not in doc["correlations"]
    regression = doc["regressions"]
    assert regression["factors"] == ["site"] and regression["blocks"][0][0] == "site"
    assert regression["outcomes"] == ["well-being"]
    terms = [t for block in regression["blocks"] for t in block]
    assert "well-being" not in terms and len(terms) == len(set(terms))


def test_row_names_become_the_id_and_wave_suffixes_become_waves(tmp_path):
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({f"{c}_t{w}": rng.normal(size=30).round(2)
                          for c in ("anxiety", "mood", "sleep") for w in (1, 2)})  # fmt: skip
    frame["sex"] = rng.choice(["F", "M"], 30)
    frame["age"] = rng.integers(20, 60, 30)
    frame.index = [f"p{i}" for i in range(30)]
    doc = _spec(tmp_path, frame)  # pandas writes the index as an unnamed first column
    text = (tmp_path / "study.toml").read_text()
    assert "id column: (row names)" in text
    assert doc["correlations"]["constructs"] == ["anxiety", "mood", "sleep"]
    assert doc["correlations"]["waves"] == ["t1", "t2"]
    regression = doc["regressions"]
    assert regression["waves"] == ["t1", "t2"] and regression["outcomes"] == ["sleep"]
    assert regression["blocks"] == [["sex", "age"], ["anxiety", "mood"]]


def test_what_cannot_be_used_is_left_out_and_named(tmp_path):
    frame = _frame()
    frame.insert(0, "subject", range(1, len(frame) + 1))
    frame["mixed"] = ["1.5"] * (len(frame) - 1) + ["n/a2"]
    frame["comment"] = [f"text {i}" for i in range(len(frame))]
    frame["constant"] = 3.0
    doc = _spec(tmp_path, frame, index=False)
    text = (tmp_path / "study.toml").read_text()
    for column in ("subject", "mixed", "comment", "constant"):
        assert f"#   {column}: left out" in text, column
        assert column not in doc["correlations"]["variables"]
    assert "'n/a2'" in text and "identifier" in text and "zero variance" in text


def test_one_numeric_column_and_a_factor_gives_a_regression(tmp_path):
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"weight": rng.normal(200, 30, 40).round(),
                          "feed": rng.choice(["soy", "meat", "corn"], 40)})  # fmt: skip
    doc = _spec(tmp_path, frame, index=False)
    assert "correlations" not in doc
    assert doc["regressions"]["blocks"] == [["feed"]] and doc["regressions"]["factors"] == ["feed"]


def test_init_refuses_to_write_over_a_file_and_bad_inputs(cli, tmp_path):
    data = tmp_path / "d.csv"
    _frame().to_csv(data, index=False)
    target = tmp_path / "s.toml"
    status, out, err = cli("init", "--data", str(data), "--out", str(target))
    assert status == 0 and target.is_file() and "bayes-peer run" in out
    before = target.read_bytes()
    status, out, err = cli("init", "--data", str(data), "--out", str(target))
    assert status == 2 and "exists" in err and target.read_bytes() == before
    status, out, err = cli("init", "--data", str(data))  # printed
    assert status == 0 and out.startswith("# Starter spec for d.csv")
    status, _, err = cli("init", "--data", str(tmp_path / "none.csv"), "--out",
                         str(tmp_path / "n.toml"))  # fmt: skip
    assert status == 2 and err.startswith("error: ") and not (tmp_path / "n.toml").exists()
    one = tmp_path / "one.csv"
    one.write_text("x\n1\n2\n3\n4\n5\n")
    status, _, err = cli("init", "--data", str(one))
    assert status == 2 and "needs two numeric columns" in err
    with pytest.raises(bp.InputError, match="path of a CSV file"):
        bp.init_spec(_frame())


def test_the_demo_study_gets_a_starter_too():
    doc = tomllib.loads(bp.init_spec("demo"))
    assert doc["data"]["csv"] == "demo"
    assert doc["correlations"]["waves"] == ["m12", "m24"]
    assert "alliance" in doc["correlations"]["constructs"]
    assert doc["regressions"]["baseline"] == "m0"


@pytest.mark.slow
def test_init_then_run_with_no_edit_writes_a_report(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    frame = _frame(seed=9)
    frame.loc[[2, 5], "qualité de vie"] = np.nan
    frame.loc[4, "site"] = np.nan
    frame.to_csv(tmp_path / "theirs.csv", sep=";", index=False)  # a semicolon file
    status, _, err = cli("init", "--data", "theirs.csv", "--out", "theirs.toml")
    assert status == 0, err
    spec = (tmp_path / "theirs.toml").read_text().replace("draws = 1000", "draws = 300")
    (tmp_path / "theirs.toml").write_text(spec.replace("tune = 1000", "tune = 300"))
    status, _, err = cli("run", "theirs.toml", "--quiet")
    assert status in (0, 3), err  # 3: a short-chain fit may fail a diagnostic (flagged)
    report = (tmp_path / "results" / "theirs" / "report.html").read_text(encoding="utf-8")
    assert "qualité de vie" in report and "site[south]" in report
