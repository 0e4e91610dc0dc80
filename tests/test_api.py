"""The Python API: one Result type for exact, frequentist and MCMC results; the same numbers
as the command line (``res.to_dict()`` equals ``--json``); errors that name parameters."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import bayes_peer as bp

from conftest import ROOT

DEMO = str(ROOT / "bayes_peer" / "data" / "demo_study.csv")
TABLE = str(ROOT / "models" / "tables" / "demo_m24.toml")
SHORT = {"draws": 200, "tune": 200, "chains": 2, "seed": 4}


def without_timings(obj):
    """A record without the keys that measure time (they differ between two calls)."""
    if isinstance(obj, dict):
        return {k: without_timings(v) for k, v in obj.items()
                if k not in ("seconds", "compile_seconds")}  # fmt: skip
    if isinstance(obj, list):
        return [without_timings(v) for v in obj]
    return obj


def cli_json(cli, *args):
    status, out, err = cli(*args, "--json")
    assert status == 0, err
    return json.loads(out)


def test_the_public_names():
    assert {"correlate", "regress", "design", "sensitivity", "run", "demo", "read_csv",
            "read_summary", "demo_data", "Result", "InputError"} <= set(bp.__all__)  # fmt: skip
    assert issubclass(bp.InputError, ValueError)


def test_import_is_cheap_and_never_loads_pymc():
    code = ("import sys, bayes_peer as bp; bp.correlate(r=0.3, n=46); "
            "print('pymc' in sys.modules, 'pandas' in sys.modules)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.split() == ["False", "False"], done.stderr


@pytest.mark.parametrize(
    ("call", "args"),
    [
        (lambda: bp.correlate(r=0.3, n=46, kappa=1 / 3), ["correlate", "--r", "0.3", "--n",
                                                           "46", "--kappa", "1/3"]),
        (lambda: bp.correlate(DEMO, ["alliance_m24", "qol_m24", "contacts_m24"],
                              alternative="greater", influence=True),
         ["correlate", "--data", DEMO, "--vars", "alliance_m24,qol_m24,contacts_m24",
          "--alternative", "greater", "--influence"]),
        (lambda: bp.correlate(TABLE, ["alliance_m24", "satisfaction_m24"], robustness=True),
         ["correlate", "--summary", TABLE, "--vars", "alliance_m24,satisfaction_m24",
          "--robustness"]),
        (lambda: bp.regress(DEMO, "recovery_m24", [["recovery_m0", "contacts_m24"],
                                                   ["alliance_m24"]], rscale="wide"),
         ["regress", "--data", DEMO, "--outcome", "recovery_m24", "--block",
          "recovery_m0,contacts_m24", "--block", "alliance_m24", "--rscale", "wide"]),
        (lambda: bp.regress(TABLE, "qol_m24", [["contacts_m24"], ["alliance_m24"]]),
         ["regress", "--summary", TABLE, "--outcome", "qol_m24", "--block", "contacts_m24",
          "--block", "alliance_m24"]),
        (lambda: bp.regress(r2=[0.2, 0.3], p=[2, 3], n=46),
         ["regress", "--r2", "0.2,0.3", "--p", "2,3", "--n", "46"]),
        (lambda: bp.regress(DEMO, "qol", [["contacts"], ["alliance"]], waves=["m12", "m24"],
                            baseline="m0"),
         ["regress", "--data", DEMO, "--outcome", "qol", "--block", "contacts", "--block",
          "alliance", "--waves", "m12,m24", "--baseline", "m0"]),
        (lambda: bp.design(n=46, rho=0.3, target_prob=0.8),
         ["design", "--n", "46", "--rho", "0.3", "--target-prob", "0.8"]),
    ],
)  # fmt: skip
def test_to_dict_equals_the_command_lines_json(cli, call, args):
    assert call().to_dict() == cli_json(cli, *args)


@pytest.mark.slow
def test_mcmc_results_equal_the_command_line_and_carry_posteriors(cli):
    res = bp.correlate(DEMO, ["alliance_m24", "satisfaction_m24"], method="joint", **SHORT)
    doc = cli_json(cli, "correlate", "--data", DEMO, "--vars", "alliance_m24,satisfaction_m24",
                   "--model", "joint", "--draws", "200", "--tune", "200", "--chains", "2",
                   "--seed", "4")  # fmt: skip
    assert without_timings(res.to_dict()) == without_timings(doc)
    assert "posterior" in res.idata.children and res.idata is res.fits["joint"]
    assert isinstance(res.table, pd.DataFrame) and len(res.table) == 1
    row = res.table.iloc[0]
    assert row["mcmc_ci_low"] < row["mcmc_median"] < row["mcmc_ci_high"]
    assert "LKJ" in res.prior["prior"] and res.prior["mcmc_prior_kappa"] == pytest.approx(1)
    assert res.diagnostics["verdict"] in ("pass", "warn", "fail") and res.diagnostics["fits"]
    reg = bp.regress(DEMO, "recovery_m24", [["contacts_m24"], ["alliance_m24"]],
                     method="normal", **SHORT)  # fmt: skip
    doc = cli_json(cli, "regress", "--data", DEMO, "--outcome", "recovery_m24", "--block",
                   "contacts_m24", "--block", "alliance_m24", "--prior", "normal", "--draws",
                   "200", "--tune", "200", "--chains", "2", "--seed", "4")  # fmt: skip
    assert without_timings(reg.to_dict()) == without_timings(doc)
    assert sorted(reg.fits) == ["block0", "block1", "block2"]
    assert set(reg.tables) >= {"blocks", "coefficients", "fits"}


def test_a_dataframe_a_csv_path_and_parsed_data_give_the_same_numbers():
    frame = bp.demo_data()
    assert frame.attrs["synthetic"] and frame.shape == (46, 20)
    names = ["alliance_m12", "alliance_m24", "qol_m24"]
    from_frame = bp.correlate(frame, names).to_dict()
    from_path = bp.correlate(DEMO, names).to_dict()
    from_read = bp.correlate(bp.read_csv(DEMO), names).to_dict()
    assert from_frame["source"] == "DataFrame" and from_path["source"] == DEMO
    for doc in (from_frame, from_read):
        doc["source"] = DEMO
        doc["data_sha256"] = from_path["data_sha256"]  # a frame's hash: of its CSV text
        assert doc == from_path
    assert bp.correlate(frame, names).synthetic


def test_raw_data_and_its_table_give_the_same_exact_numbers(tmp_path):
    """Rows and their complete-case table share one code path: same r, n, BF, OLS."""
    names = ["satisfaction_m24", "alliance_m24", "contacts_m24"]
    data = bp.read_csv(DEMO, names)
    x = data.matrix(names)
    x = x[~np.isnan(x).any(axis=1)]
    corr = np.corrcoef(x, rowvar=False)
    rows = ",\n".join("  [" + ", ".join(repr(float(v)) for v in row) + "]" for row in corr)
    table = tmp_path / "t.toml"
    table.write_text(f"n = {len(x)}\nvariables = {json.dumps(names)}\ncorrelations = [\n{rows}\n]"
                     f"\nmeans = {json.dumps(x.mean(0).tolist())}\n"
                     f"sds = {json.dumps(x.std(0, ddof=1).tolist())}\n")  # fmt: skip
    complete = pd.DataFrame(x, columns=names)
    for a, b in zip(bp.regress(complete, names[0], [names[1:2], names[2:]]).record["blocks"],
                    bp.regress(table, names[0], [names[1:2], names[2:]]).record["blocks"],
                    strict=True):  # fmt: skip
        for key in ("r2", "delta_r2", "f_change", "p_change", "bf_block"):
            assert a[key] == pytest.approx(b[key], rel=1e-9)
    pair_rows = bp.correlate(complete, names[:2]).record["pairs"][0]
    pair_table = bp.correlate(table, names[:2]).record["pairs"][0]
    assert pair_rows["bf10"] == pytest.approx(pair_table["bf10"], rel=1e-9)


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: bp.correlate(DEMO, ["alliance_m24", "qol_m24"], kappa=0), "`kappa`"),
        (lambda: bp.correlate(DEMO, ["alliance_m24", "qol_m24"], method="joint", draws=1e12),
         "`draws`"),
        (lambda: bp.correlate(DEMO, ["alliance_m24"], waves=["m12"]), "`waves`"),
        (lambda: bp.correlate(r=0.3), "`n`"),
        (lambda: bp.correlate(DEMO, ["alliance_m24", "nope"]), "unknown column 'nope'"),
        (lambda: bp.correlate(TABLE, ["alliance_m24", "qol_m24"], method="joint",
                              robust=True), "`robust` needs participant data"),
        (lambda: bp.regress(DEMO, "qol_m24", []), "`blocks`"),
        (lambda: bp.regress(DEMO, "qol_m24", [["alliance_m24"]], prior_scale=2),
         "`prior_scale` goes with method="),
        (lambda: bp.regress(DEMO, "qol_m24", [["alliance_m24"]], rscale="huge"), "`rscale`"),
        (lambda: bp.design(n=46), "`rho`"),
        (lambda: bp.correlate(pd.DataFrame({"x": [1, 2, "1_5", 4], "y": [1, 2, 3, 4]})),
         "column 'x', row 3"),
        (lambda: bp.correlate(pd.DataFrame({"x": [True, False, True, True], "y": [1, 2, 3, 4]})),
         "boolean"),
        (lambda: bp.correlate(DEMO, ["alliance_m24", "qol_m24"], factors=["female"]),
         "`partial_on`"),
    ],
)  # fmt: skip
def test_api_errors_name_parameters_never_flags(call, fragment):
    with pytest.raises(bp.InputError) as info:
        call()
    message = str(info.value)
    assert fragment in message and "--" not in message.replace("--help", "")


def test_the_command_line_names_flags_for_the_same_errors(cli):
    status, _, err = cli("correlate", "--summary", TABLE, "--vars", "alliance_m24,qol_m24",
                         "--model", "joint", "--robust")  # fmt: skip
    assert status == 2 and err.startswith("error: --robust needs participant data")
    status, _, err = cli("regress", "--data", DEMO, "--outcome", "qol", "--block", "alliance",
                         "--waves", "m12")  # fmt: skip
    assert status == 2 and "--waves" in err and "`" not in err


def test_sensitivity_of_a_result_over_prior_widths():
    res = bp.correlate(DEMO, ["alliance_m24", "qol_m24"])
    sens = bp.sensitivity(res)
    assert sens.kind == "sensitivity" and len(sens.table) == 1
    row = sens.table.iloc[0]
    assert row["max_bf10"] >= row["bf10"] * (1 - 1e-9)  # the maximum over kappa in (0, 2]
    blocks = bp.sensitivity(bp.regress(DEMO, "qol_m24", [["contacts_m24"], ["alliance_m24"]]))
    assert list(blocks.table["block"]) == [1, 2]
    with pytest.raises(bp.InputError):
        bp.sensitivity(bp.design(n=46, rho=0.3))


def test_result_views():
    res = bp.correlate(DEMO, ["alliance_m24", "qol_m24", "contacts_m24"])
    assert repr(res) == "Result(correlation, SYNTHETIC data, 3 pairs)"
    assert res.idata is None and res.fits == {}
    assert res.diagnostics["verdict"] is None and res.diagnostics["ok"]
    assert list(res.tables) == ["variables", "pairs"]
    assert res.prior["kappa"] == 1.0 and "kappa = 1" in res.prior["prior"]
    reg = bp.regress(DEMO, "recovery_m24", [["recovery_m0", "contacts_m24"], ["alliance_m24"]])
    assert len(reg.table) == 2 and len(reg.tables["coefficients"]) == 5
    assert any("left out" in w for w in reg.warnings)  # rows with missing values
    design = bp.design(n=46, rho=0.3)
    assert design.table.shape[0] == 1 and "p_bf10_gt_3" in design.table
    assert json.loads(design.to_json())["n"] == 46
