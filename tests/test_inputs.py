"""Bad inputs give exit 2 and one clear `error:` line naming what and where; real-file quirks pass."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from bayes_peer.data.participants import read_participants
from bayes_peer.data.summary import read_summary

from conftest import BAD, GOOD, run_cli

# (file in tests/bad_inputs, extra arguments, fragments the message must contain)
BAD_CSV = [
    ("empty.csv", [], ["empty.csv", "empty"]),
    ("blank_lines_only.csv", [], ["empty"]),
    ("no_header.csv", [], ["no header"]),
    ("binary.csv", [], ["binary"]),
    ("latin1.csv", [], ["UTF-8", "0xe9"]),
    ("duplicate_columns.csv", [], ["duplicate column name 'x'"]),
    ("empty_header_name.csv", [], ["column 3", "no name"]),
    ("non_numeric.csv", [], ["'abc'", "column 'x'", "row 3", "line 4"]),
    ("infinite.csv", [], ["infinite", "column 'x'", "row 3"]),
    ("zero_variance.csv", [], ["column 'y'", "zero variance"]),
    ("duplicate_id.csv", [], ["duplicated id '2'", "rows 2 and 3"]),
    ("all_missing.csv", [], ["column 'y'", "no observed values"]),
    ("too_few_pairs.csv", [], ["'x' and 'y'", "3 pairwise-complete rows"]),
    ("ragged.csv", [], ["line 3", "4 fields"]),
    ("header_only.csv", [], ["no data rows"]),
    ("perfect.csv", [], ["perfectly correlated"]),
    ("non_numeric.csv", ["--vars", "x,nope"], ["unknown column 'nope'"]),
    ("non_numeric.csv", ["--vars", "y,y"], ["'y' is named twice"]),
]


@pytest.mark.parametrize(("name", "extra", "fragments"), BAD_CSV)
def test_bad_csv_corpus(cli, name, extra, fragments):
    status, out, err = cli("correlate", "--data", str(BAD / name), *extra, "--json")
    assert status == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0]


BAD_TOML = [
    ("not_psd.toml", ["positive semi-definite", "smallest eigenvalue -0.8"]),
    ("asymmetric.toml", ["not symmetric", "row 1, column 2"]),
    ("diagonal.toml", ["diagonal entry 2"]),
    ("r_above_one.toml", ["row 2, column 1", "1.2"]),
    ("n_too_small.toml", ["key 'n'"]),
    ("bad_shape.toml", ["must have 3 rows"]),
    ("missing_key.toml", ["missing required key 'correlations'"]),
    ("unknown_key.toml", ["unknown key 'correlation'"]),
    ("invalid.toml", ["not valid TOML"]),
    ("negative_sd.toml", ["key 'sds'", "'b'"]),
    ("non_numeric_r.toml", ["row 2, column 1", "not a finite number"]),
]


@pytest.mark.parametrize(("name", "fragments"), BAD_TOML)
def test_bad_summary_corpus(cli, name, fragments):
    status, out, err = cli("correlate", "--summary", str(BAD / name), "--json")
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {BAD / name}")
    for fragment in fragments:
        assert fragment in lines[0]


BAD_ARGS = [
    (["correlate", "--r", "1.2", "--n", "20"], "--r"),
    (["correlate", "--r", "1", "--n", "20"], "infinite"),
    (["correlate", "--r", "0.3", "--n", "3"], "--n"),
    (["correlate", "--r", "0.3", "--n", "x"], "--n"),
    (["correlate", "--r", "0.3", "--n", "20", "--kappa", "0"], "--kappa"),
    (["correlate", "--r", "0.3", "--n", "20", "--kappa", "-1"], "--kappa"),
    (["correlate", "--r", "0.3", "--n", "20", "--alternative", "both"], "alternative"),
    (["correlate", "--r", "0.3", "--n", "20", "--ci-prob", "95"], "--ci-prob"),
    (["correlate", "--r", "0.3"], "--n"),
    (["correlate"], "exactly one"),
    (["correlate", "--r", "0.3", "--n", "20", "--bogus"], "unrecognized"),
    (["frobnicate"], "invalid choice"),
    ([], "no command"),
    (["regress", "--n", "46", "--r2", "0.3,0.2", "--p", "2,3"], "decrease"),
    (["regress", "--n", "46", "--r2", "0.2,0.3", "--p", "3,3"], "increase"),
    (["regress", "--n", "46", "--r2", "1.0", "--p", "2"], "[0, 1)"),
    (["regress", "--n", "4", "--r2", "0.2,0.3", "--p", "2,3"], "N must exceed"),
    (["regress", "--n", "46", "--r2", "0.2,0.3", "--p", "2"], "same number"),
    (["regress", "--n", "46", "--r2", "0.2", "--p", "2", "--rscale", "huge"], "--rscale"),
    (["regress", "--n", "46", "--r2", "0.2"], "--p"),
]


@pytest.mark.parametrize(("args", "fragment"), BAD_ARGS)
def test_bad_arguments(cli, args, fragment):
    status, out, err = cli(*args)
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert fragment in lines[0]


def test_regression_input_errors(cli):
    data = str(BAD / "regression_too_few_rows.csv")
    status, _, err = cli(
        "regress", "--data", data, "--outcome", "y", "--block", "a,b", "--block", "c"
    )
    assert status == 2 and "only 4 rows are complete" in err and "needs at least 5" in err
    status, _, err = cli("regress", "--data", data, "--outcome", "y", "--block", "a,y")
    assert status == 2 and "outcome 'y' also appears in block 1" in err
    status, _, err = cli("regress", "--data", data, "--outcome", "zz", "--block", "a")
    assert status == 2 and "unknown column 'zz'" in err
    status, _, err = cli(
        "regress", "--data", data, "--outcome", "y", "--block", "a", "--block", "a"
    )
    assert status == 2 and "entered twice" in err


def test_missing_file_in_a_fresh_process_has_no_traceback(tmp_path):
    result = run_cli("correlate", "--data", str(tmp_path / "nope.csv"), "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [f"error: {tmp_path / 'nope.csv'}: file not found"]


def test_messy_but_valid_file_is_read():
    data = read_participants(GOOD / "messy.csv")  # BOM, CRLF, quoted headers, NA/NaN/./blank
    assert data.header == ["id", "x var", "y", "z"]
    assert data.id_column == "id"
    assert data.missing_counts() == {"x var": 1, "y": 0, "z": 4}
    assert np.isnan(data.columns["z"][[0, 2, 3, 5]]).all()
    assert data.columns["y"][5] == 7.0


def test_semicolon_separated_file_is_read():
    data = read_participants(GOOD / "semicolon.csv")
    assert list(data.columns) == ["x", "y"]
    assert data.n_rows == 5


def test_pairwise_n_and_missing_counts_are_reported(cli):
    status, out, _ = cli("correlate", "--data", str(GOOD / "messy.csv"), "--json")
    assert status == 0
    doc = json.loads(out)
    ns = {(p["var1"], p["var2"]): p["n"] for p in doc["pairs"]}
    assert ns == {("x var", "y"): 7, ("x var", "z"): 4, ("y", "z"): 4}
    assert {v["name"]: v["n_missing"] for v in doc["variables"]} == {"x var": 1, "y": 0, "z": 4}


def test_summary_lower_triangle_is_symmetrized():
    summary = read_summary(GOOD / "summary_lower.toml")
    assert summary.correlations[0, 3] == summary.correlations[3, 0] == 0.35
    assert summary.n == 46 and summary.sds is not None
    assert math.isclose(summary.correlations[1, 2], 0.20)
