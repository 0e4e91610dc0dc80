"""MCMC from summary statistics: sufficient-statistics likelihoods equal the raw-data ones, the
posteriors agree with raw-data fits, raw-only options are refused, repairs and rounding."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bayes_peer.analyses.rounding import jittered_matrices
from bayes_peer.data.participants import read_participants
from bayes_peer.data.summary import read_summary
from bayes_peer.mcmc.models.sufficient import (
    build_joint_summary_model,
    build_pairwise_summary_model,
    build_regression_summary_model,
    mvn_sufficient_logp_numpy,
    regression_statistics,
    standardized_statistics,
)

from conftest import ROOT

DEMO = str(ROOT / "bayes_peer" / "data" / "demo_study.csv")
VARS = ["alliance_m24", "satisfaction_m24", "empowerment_m24"]


def complete_rows(columns: list[str]) -> np.ndarray:
    data = read_participants(DEMO, columns)
    x = data.matrix(columns)
    return x[~np.isnan(x).any(axis=1)]


def write_table(path, x: np.ndarray, names: list[str], **extra) -> str:
    corr = np.corrcoef(x, rowvar=False)
    rows = ",\n".join("  [" + ", ".join(repr(float(v)) for v in row) + "]" for row in corr)
    text = (
        f"n = {len(x)}\nvariables = {json.dumps(names)}\ncorrelations = [\n{rows}\n]\n"
        f"means = {json.dumps([float(v) for v in x.mean(0)])}\n"
        f"sds = {json.dumps([float(v) for v in x.std(0, ddof=1)])}\nsynthetic = true\n"
    )
    text += "".join(f"{k} = {json.dumps(v)}\n" for k, v in extra.items())
    path.write_text(text)
    return str(path)


# --- the likelihoods themselves --------------------------------------------------------------


def test_sufficient_mvn_logp_equals_the_sum_over_rows():
    from scipy import stats

    rng = np.random.default_rng(2)
    x = rng.normal(size=(30, 3)) @ np.array([[1, 0.4, 0], [0, 1, 0.3], [0, 0, 1]])
    mu, cov = np.array([0.1, -0.2, 0.3]), np.array([[1.0, 0.3, 0.1], [0.3, 2.0, -0.4],
                                                     [0.1, -0.4, 1.5]])  # fmt: skip
    xbar = x.mean(0)
    scatter = (x - xbar).T @ (x - xbar)
    direct = stats.multivariate_normal(mu, cov).logpdf(x).sum()
    assert mvn_sufficient_logp_numpy(mu, cov, 30, xbar, scatter) == pytest.approx(direct, abs=1e-9)


def _logp_pair(raw, suff, raw_data, suff_data, rng, points=6):
    import pymc as pm

    with raw:
        pm.set_data(raw_data)
    with suff:
        pm.set_data(suff_data)
    f_raw = raw.compile_logp(vars=[raw["obs"]], sum=True)
    f_suff = suff.compile_logp(vars=suff.potentials, sum=True)
    names = {v.name for v in suff.value_vars}
    gaps = []
    for _ in range(points):
        point = {k: v + rng.normal(0, 0.6, np.shape(v)) for k, v in raw.initial_point().items()}
        gaps.append(abs(float(f_raw(point)) - float(f_suff({k: point[k] for k in names}))))
    return max(gaps)


@pytest.mark.slow
def test_summary_loglik_equals_raw_loglik_at_any_parameter_value():
    from bayes_peer.mcmc.models.correlation import build_joint_model, build_pairwise_model
    from bayes_peer.mcmc.models.regression import build_regression_model

    rng = np.random.default_rng(5)
    x = complete_rows(VARS)
    n = len(x)
    z = (x - x.mean(0)) / x.std(0, ddof=1)
    corr = np.corrcoef(x, rowvar=False)
    gap = _logp_pair(build_joint_model(3), build_joint_summary_model(3),
                     {"y": z, "mask": np.ones_like(z)}, standardized_statistics(corr, n), rng)  # fmt: skip
    assert gap < 1e-8
    gap = _logp_pair(build_pairwise_model(), build_pairwise_summary_model(), {"y": z[:, :2]},
                     standardized_statistics(corr[:2, :2], n), rng)  # fmt: skip
    assert gap < 1e-8
    design = np.zeros((n, 4))
    design[:, :2] = z[:, 1:]
    active = np.array([1.0, 1.0, 0.0, 0.0])
    gap = _logp_pair(build_regression_model(4), build_regression_summary_model(4),
                     {"X": design, "y": z[:, 0], "active": active},
                     {**regression_statistics(corr, n, 0, [1, 2], 4, 2), "active": active}, rng)  # fmt: skip
    assert gap < 1e-8


# --- posteriors: summary statistics against the raw rows (fixed seeds, MCSE tolerances) -------


def _close(a: dict, b: dict, key: str, se_key: str) -> None:
    tol = 4.0 * np.hypot(a[se_key], b[se_key]) + 1e-3
    assert abs(a[key] - b[key]) < tol, (key, a[key], b[key], tol)


@pytest.mark.slow
def test_joint_posterior_from_a_table_matches_the_raw_fit(cli, tmp_path):
    table = write_table(tmp_path / "t.toml", complete_rows(VARS), VARS)
    sampler = ["--draws", "1000", "--tune", "500", "--chains", "2", "--seed", "3", "--json"]
    status, raw_out, err = cli("correlate", "--data", DEMO, "--vars", ",".join(VARS),
                               "--model", "joint", "--missing", "listwise", *sampler)  # fmt: skip
    assert status == 0, err
    status, sum_out, err = cli("correlate", "--summary", table, "--model", "joint", *sampler)
    assert status == 0, err
    raw, summ = json.loads(raw_out), json.loads(sum_out)
    assert set(raw) - set(summ) == set() and {"warnings", "not_available"} <= set(summ)
    for a, b in zip(raw["pairs"], summ["pairs"], strict=True):
        assert set(a) == set(b) and (a["var1"], a["var2"]) == (b["var1"], b["var2"])
        assert a["bf10"] == pytest.approx(b["bf10"], rel=1e-9)  # exact layer: same r and n
        _close(a, b, "mcmc_mean", "mcmc_mcse_mean")
        _close(a, b, "mcmc_median", "mcmc_mcse_median")
        assert a["mcmc_sd"] == pytest.approx(b["mcmc_sd"], rel=0.1)


@pytest.mark.slow
def test_regression_posterior_from_a_table_matches_the_raw_fit(cli, tmp_path):
    columns = ["qol_m24", "contacts_m24", "alliance_m24"]
    table = write_table(tmp_path / "t.toml", complete_rows(columns), columns)
    args = ["--outcome", "qol_m24", "--block", "contacts_m24", "--block", "alliance_m24",
            "--prior", "normal", "--draws", "1000", "--tune", "500", "--chains", "2",
            "--seed", "4", "--json"]  # fmt: skip
    status, raw_out, err = cli("regress", "--data", DEMO, *args)
    assert status == 0, err
    status, sum_out, err = cli("regress", "--summary", table, *args)
    assert status == 0, err
    raw, summ = json.loads(raw_out), json.loads(sum_out)
    assert set(raw) <= set(summ)
    for a, b in zip(raw["coefficients"], summ["coefficients"], strict=True):
        assert set(a) == set(b)
        assert a["b"] == pytest.approx(b["b"], rel=1e-8)  # OLS from the matrix = from the rows
        assert a["beta_std"] == pytest.approx(b["beta_std"], rel=1e-8)
        _close(a, b, "posterior_mean", "mcse_mean")
        scale = a["b"] / a["beta_std"]  # sd_y / sd_x: the same from the table and the rows
        tol = 4.0 * np.hypot(a["mcse_median"], b["mcse_median"]) * abs(scale) + 1e-9
        assert abs(a["raw_posterior_median"] - b["raw_posterior_median"]) < tol
    for a, b in zip(raw["blocks"], summ["blocks"], strict=True):
        assert set(a) == set(b) and a["bf_block"] == pytest.approx(b["bf_block"], rel=1e-8)
        assert a["delta_r2_median"] == pytest.approx(b["delta_r2_median"], abs=0.02)
        assert a["bayes_r2_median"] == pytest.approx(b["bayes_r2_median"], abs=0.02)
        assert b["loo_r2"] is None and b["pareto_k_max"] is None  # need rows: null, said why
    assert "PSIS-LOO" in summ["not_available"]["loo"]


# --- refusals, repairs, rounding ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["correlate", "--model", "joint", "--robust"], "--robust needs participant data"),
        (["correlate", "--model", "joint", "--missing", "fiml"], "--missing needs participant"),
        (["correlate", "--model", "joint", "--waves", "m12,m24"], "--waves needs participant"),
        (["regress", "--outcome", "y", "--block", "a", "--prior", "normal", "--impute"],
         "--impute needs participant data"),
        (["regress", "--outcome", "y", "--block", "a", "--prior", "normal", "--likelihood",
          "student"], "--likelihood needs participant data"),
    ],
)  # fmt: skip
def test_options_that_need_rows_are_refused_with_a_table(cli, extra, fragment):
    table = str(ROOT / "tests" / "good_inputs" / "summary_lower.toml")
    status, out, err = cli(extra[0], "--summary", table, *extra[1:])
    assert status == 2 and out == "" and err.startswith("error:") and fragment in err
    assert len(err.strip().splitlines()) == 1


def test_table_options_need_a_table(cli):
    status, _, err = cli("correlate", "--data", DEMO, "--vars", "alliance_m12,qol_m12",
                         "--nearest-correlation")  # fmt: skip
    assert status == 2 and "--nearest-correlation goes with --summary" in err


INDEFINITE = """n = 40
variables = ["a", "b", "c"]
correlations = [[1.0], [0.9, 1.0], [0.9, 0.1, 1.0]]
"""


def test_an_indefinite_table_is_refused_unless_repair_is_asked(cli, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(INDEFINITE)
    status, _, err = cli("correlate", "--summary", str(path))
    assert status == 2 and "not positive semi-definite" in err and "--nearest-correlation" in err
    status, out, err = cli("correlate", "--summary", str(path), "--nearest-correlation", "--json")
    assert status == 0, err
    doc = json.loads(out)
    repair = doc["matrix_repair"]
    assert repair["smallest_eigenvalue_before"] < 0 < repair["smallest_eigenvalue_after"]
    assert {(c["var1"], c["var2"]) for c in repair["changes"]} == {
        ("a", "b"),
        ("a", "c"),
        ("b", "c"),
    }
    assert 0 < repair["max_abs_change"] < 0.3 and "nearest correlation matrix" in doc["warnings"][0]
    fixed = read_summary(path, nearest=True).correlations
    from statsmodels.stats.correlation_tools import corr_nearest  # an independent implementation

    with pytest.warns(Warning):  # statsmodels warns at its iteration limit; same matrix anyway
        reference = corr_nearest(
            np.array([[1, 0.9, 0.9], [0.9, 1, 0.1], [0.9, 0.1, 1.0]]), threshold=1e-6, n_fact=100
        )
    np.testing.assert_allclose(fixed, reference, atol=1e-5)
    assert np.linalg.eigvalsh(fixed)[0] > 0
    for c in repair["changes"]:  # the record says exactly how far each entry moved
        i, j = "abc".index(c["var1"]), "abc".index(c["var2"])
        assert fixed[i, j] == pytest.approx(c["published"] + c["change"], abs=1e-12)


def test_pairwise_deletion_is_warned(cli, tmp_path):
    table = write_table(tmp_path / "t.toml", complete_rows(VARS), VARS, deletion="pairwise")
    status, out, err = cli("correlate", "--summary", table, "--nearest-correlation", "--json")
    assert status == 0, err
    assert "pairwise deletion" in json.loads(out)["warnings"][0]


def test_jittered_tables_stay_within_rounding_and_positive_definite():
    corr = np.array([[1.0, 0.49, 0.30], [0.49, 1.0, 0.33], [0.30, 0.33, 1.0]])
    mats, tries = jittered_matrices(corr, 2, 30, seed=9)
    assert len(mats) == 30 and tries >= 30
    for m in mats:
        assert np.all(np.abs(m - corr) <= 0.005 + 1e-15) and np.linalg.eigvalsh(m)[0] > 0
        np.testing.assert_array_equal(m, m.T)
    again, _ = jittered_matrices(corr, 2, 30, seed=9)
    np.testing.assert_array_equal(mats[7], again[7])  # seeded


def test_rounding_sensitivity_brackets_the_published_table(cli):
    table = str(ROOT / "tests" / "good_inputs" / "summary_lower.toml")
    status, out, err = cli("correlate", "--summary", table, "--rounding-sensitivity", "40",
                           "--json")  # fmt: skip
    assert status == 0, err
    block = json.loads(out)["rounding_sensitivity"]
    assert block["half_width"] == 0.005 and block["matrices"] == 40
    for row in block["rows"]:
        assert row["bf10_min"] <= row["bf10"] <= row["bf10_max"]
        assert row["posterior_median_min"] < row["posterior_median_max"]
        assert row["posterior_median_max"] - row["posterior_median_min"] < 0.011


# --- a spec that reanalyses published tables ------------------------------------------------

TABLE_SPEC = """
title = "tables test"
[data]
summary = {{ m12 = "{m12}", m24 = "{m24}" }}
[correlations]
constructs = ["alliance", "contacts", "satisfaction", "empowerment", "recovery", "qol"]
waves = ["m12", "m24"]
[regressions]
outcomes = ["recovery"]
waves = ["m12", "m24"]
baseline = "m0"
blocks = [["contacts"], ["alliance"]]
[sampler]
draws = 300
tune = 300
chains = 2
seed = 3
"""


def test_shipped_tables_are_the_generator_output():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "scripts/make_demo_tables.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stderr
    for wave in ("m12", "m24"):
        table = read_summary(ROOT / "models" / "tables" / f"demo_{wave}.toml")
        assert table.synthetic and table.n < 46 and len(table.variables) == 10


@pytest.mark.slow
def test_a_spec_of_published_tables_runs_and_reports(cli, tmp_path):
    from bayes_peer.runs.specs import load_spec

    tables = ROOT / "models" / "tables"
    spec = tmp_path / "tables.toml"
    spec.write_text(TABLE_SPEC.format(m12=tables / "demo_m12.toml", m24=tables / "demo_m24.toml"))
    assert load_spec(spec).summary is not None
    status, out, err = cli("run", str(spec), "--out", str(tmp_path / "out"), "--quiet", "--json")
    assert status in (0, 3), err
    doc = json.loads(out)
    entry = doc["specs"][0]
    assert [t["n"] for t in entry["tables"]] == [read_summary(tables / f"demo_{w}.toml").n
                                                 for w in ("m12", "m24")]  # fmt: skip
    assert "sufficient statistics" in entry["priors"]["correlations_model"]
    folder = tmp_path / "out"
    import csv

    with (folder / "correlations.csv").open() as fh:
        pairs = list(csv.DictReader(fh))
    assert len(pairs) == 2 * 15 and pairs[0]["var1"] == "alliance_m12"  # the demo's model
    last = pairs[-1]
    assert (last["wave"], last["var1"], last["var2"]) == ("m24", "recovery_m24", "qol_m24")
    assert {p["n"] for p in pairs} == {str(t["n"]) for t in entry["tables"]}  # own n per wave
    with (folder / "blocks.csv").open() as fh:
        blocks = list(csv.DictReader(fh))
    assert {b["model"] for b in blocks} == {"recovery_m12_block1", "recovery_m12_block2",
                                            "recovery_m24_block1", "recovery_m24_block2"}  # fmt: skip
    assert all(b["loo_r2"] == "" for b in blocks)  # needs rows: empty cell, not a number
    md = (folder / "report.md").read_text()
    assert "published summary statistics only, SYNTHETIC" in md
    assert "delta_r2.png" in md and "coefficient_forest.png" in md
    assert "posterior_predictive" not in md  # no rows, no predictive check: not faked


@pytest.mark.parametrize(
    ("data", "extra", "fragment"),
    [
        ('csv = "demo"\nsummary = "t.toml"', "", "exclude each other"),
        ("summary = 3", "", "must name a table"),
        ('summary = { m12 = "a.toml" }', "", "one table per wave"),
        ('summary = "t.toml"', "robust = true\n", "correlations.robust"),
    ],
)
def test_summary_spec_errors_name_the_key(cli, tmp_path, data, extra, fragment):
    spec = tmp_path / "s.toml"
    spec.write_text(f'[data]\n{data}\n[correlations]\nconstructs = ["a", "b"]\n'
                    f'waves = ["m12", "m24"]\n{extra}')  # fmt: skip
    status, _, err = cli("run", str(spec), "--out", str(tmp_path / "o"))
    assert status == 2 and err.startswith(f"error: {spec}") and fragment in err
