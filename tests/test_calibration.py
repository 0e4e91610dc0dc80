"""Calibration (``bayes-peer calibrate``): rank statistics against simuk, the uniformity test's
power and size, the frequentist study against closed forms, the contract, refusals, and (slow)
SBC verdicts with a negative control, resumption, and identical tables on 1 worker, a local
Dask cluster and a separate scheduler with two workers."""

from __future__ import annotations

import csv
import json
import math
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

import bayes_peer as bp
from bayes_peer.calibration import execute as execute_module
from bayes_peer.calibration.frequentist import sample_correlations, study_cell
from bayes_peer.calibration.models import MODELS, _dropout
from bayes_peer.calibration.sbc import rank_statistics, uniformity

from conftest import ROOT

STRUCTURES = ["joint", "joint-fiml", "joint-t", "pairwise-proper", "pairwise-znormal-proper",
              "regression-normal", "regression-impute",
              "regression-r2d2", "regression-student", "two-wave", "joint-summary",
              "regression-summary"]  # fmt: skip


def _read(path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------------------- fast
def test_list_names_every_structure_and_one_negative_control(cli):
    status, out, err = cli("calibrate", "--list", "--json")
    assert status == 0, err
    models = json.loads(out)["models"]
    names = [m["model"] for m in models]
    assert set(STRUCTURES) <= set(names)
    controls = [m["model"] for m in models if m["negative_control"]]
    assert controls == ["negative-control"]
    status, out, _ = cli("calibrate", "--list")
    assert status == 0 and all(name in out for name in names)


def test_rank_statistic_counts_the_draws_below_the_truth():
    posterior = {"a": np.array([0.1, 0.5, 0.9, 0.3]), "b": np.array([2.0, 3.0])}
    truth = {"a": np.array([0.4]), "b": np.array([1.0])}
    assert rank_statistics(posterior, truth) == {"a": 2, "b": 0}


def test_uniformity_test_keeps_its_size_and_flags_a_skew():
    rng = np.random.default_rng(5)
    p_values = [uniformity(rng.uniform(size=200))[1] for _ in range(200)]
    # size: about 5 % of uniform samples below .05 (binomial 200 x .05: 10 +- 3.1)
    assert 2 <= sum(p < 0.05 for p in p_values) <= 22
    statistic, p = uniformity(rng.uniform(size=500) ** 1.5)  # too many small PIT values
    assert p < 1e-6 and statistic > 100


def test_dropout_is_about_a_quarter_and_depends_on_the_first_wave():
    rng = np.random.default_rng(3)
    rates, gaps = [], []
    for _ in range(400):
        first = rng.standard_normal(46)
        missing = _dropout(first, rng)
        rates.append(missing.mean())
        if 0 < missing.sum() < 46:
            gaps.append(first[missing].mean() - first[~missing].mean())
    assert abs(np.mean(rates) - 0.24) < 0.02
    assert np.mean(gaps) > 0.5  # MAR: the dropouts had higher first-wave values


def test_fisher_coverage_at_rho_zero_equals_the_t_distribution():
    """Under rho = 0, r sqrt(n - 2) / sqrt(1 - r^2) ~ t(n - 2) (Fisher 1915), so the coverage of
    Fisher's z interval at rho = 0 is known exactly; the simulation must agree within 4 MCSE."""
    from scipy.stats import norm, t

    n, reps = 20, 20000
    (row,) = study_cell(0.0, n, reps, seed=7, methods=("fisher",))
    r_star = math.tanh(norm.ppf(0.975) / math.sqrt(n - 3))
    exact = 1 - 2 * t.sf(r_star * math.sqrt(n - 2) / math.sqrt(1 - r_star**2), n - 2)
    assert abs(row["coverage"] - exact) < 4 * row["coverage_mcse"]
    assert row["coverage_mcse"] == pytest.approx(math.sqrt(exact * (1 - exact) / reps), rel=0.05)


def test_exact_posterior_interval_covers_at_its_level_when_rho_comes_from_the_prior():
    """Bayesian calibration of the exact layer: with rho drawn from the uniform prior (kappa =
    1), the 95 % posterior interval covers it in 95 % of samples (within 4 MCSE)."""
    from bayes_peer.exact.correlation_grid import log_bf10_and_quantiles_many

    rng = np.random.default_rng(11)
    rho = rng.uniform(-1, 1, size=4000)
    r = np.array([sample_correlations(float(v), 46, 1, rng)[0] for v in rho])
    _, q = log_bf10_and_quantiles_many(r, 46, 1.0, (0.025, 0.975))
    covered = (q[:, 0] <= rho) & (rho <= q[:, 1])
    assert abs(covered.mean() - 0.95) < 4 * math.sqrt(0.95 * 0.05 / rho.size)


def test_frequentist_study_contract(cli, tmp_path):
    out = tmp_path / "freq"
    status, stdout, err = cli("calibrate", "--study", "frequentist", "--rho", "0,.5", "--n",
                              "20,46", "--reps", "300", "--seed", "3", "--out", str(out),
                              "--json")  # fmt: skip
    assert status == 0, err
    doc = json.loads(stdout)
    assert doc["study"] == "frequentist" and doc["reps"] == 300
    rows = _read(out / "coverage.csv")
    assert len(rows) == len(doc["coverage"]) == 2 * 2 * 2
    for key in (
        "rho",
        "n",
        "method",
        "coverage",
        "coverage_mcse",
        "bias",
        "bias_mcse",
        "rmse",
        "rmse_mcse",
        "width",
        "width_mcse",
        "bf10_above_3",
        "bf10_below_third",
    ):
        assert key in rows[0], key
    exact = [r for r in doc["coverage"] if r["method"] == "exact"]
    assert all(0 <= r["bf10_above_3"] <= 1 for r in exact)
    assert (out / "report.html").is_file() and (out / "figures" / "coverage.png").is_file()
    # the same seed gives the same table; a cell does not depend on the others
    again = bp.calibrate(study="frequentist", rho=[0.5], n=[46], reps=300, seed=3)
    first = [r for r in doc["coverage"] if r["rho"] == 0.5 and r["n"] == 46]
    assert again.record["coverage"] == first


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--model", "nope", "--sims", "10"], "--model: unknown model 'nope'"),
        (["--model", "joint", "--sims", "5"], "--sims must be a whole number from 10"),
        (["--model", "joint", "--sims", "1e9"], "--sims must be a whole number"),
        (["--model", "joint", "--sims", "1_0"], "--sims: '1_0' is not a number"),
        (["--study", "frequentist", "--reps", "２０"], "--reps: '２０' is not a number"),
        (["--model", "joint", "--scheduler", "localhost"], "--scheduler"),
        (["--model", "joint", "--workers", "0"], "--workers"),
        (["--sims", "10"], "--model: name a model"),
        (["--study", "frequentist", "--rho", "1.5"], "--rho"),
        (["--study", "frequentist", "--reps", "0"], "--reps"),
        (["--study", "frequentist", "--model", "joint"], "--model goes with --study sbc or"),
        (["--model", "joint", "--reps", "100"], "--reps goes with --study frequentist"),
        (["--study", "posterior", "--model", "joint-t"], "unknown model for --study posterior"),
        (["--study", "frequentist", "--methods", "exact,bootstrap"], "--methods: unknown method"),
        (["--model", "joint", "--methods", "exact"], "--methods goes with --study frequentist"),
    ],
)
def test_bad_requests_exit_2_and_write_nothing(cli, tmp_path, args, needle):
    out = tmp_path / "cal"
    status, stdout, err = cli("calibrate", *args, "--out", str(out))
    assert status == 2 and stdout == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_foreign_checkpoint_folder_is_refused_and_left_alone(cli, tmp_path):
    foreign = tmp_path / ".cal.calibrate-checkpoint"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    status, _, err = cli("calibrate", "--model", "joint", "--sims", "10", "--out",
                         str(tmp_path / "cal"))  # fmt: skip
    assert status == 2 and "not a bayes-peer calibration checkpoint" in err
    assert (foreign / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".cal.calibrate-checkpoint"]


def test_a_script_without_a_main_guard_is_told_what_to_do(tmp_path):
    pytest.importorskip("distributed")
    script = tmp_path / "script.py"
    script.write_text("import bayes_peer as bp\n"
                      "bp.calibrate('regression-normal', sims=10, workers=2)\n")  # fmt: skip
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)  # fmt: skip
    assert done.returncode != 0
    assert "if __name__ == '__main__':" in done.stderr and "workers=1" in done.stderr


# ---------------------------------------------------------------------------- slow (MCMC)
@pytest.mark.slow
def test_sbc_passes_the_joint_model_and_flags_the_negative_control(tmp_path):
    res = bp.calibrate("joint,negative-control", sims=20, seed=11, out=tmp_path / "cal",
                       workers=1)  # fmt: skip
    models = {m["model"]: m for m in res.record["models"]}
    assert models["joint"]["calibrated"], models["joint"]
    control = models["negative-control"]
    assert not control["calibrated"] and control["verdict"].startswith("flagged")
    failed = set(control["failed_quantities"])
    assert {"sigma_1", "sigma_2", "sigma_3", "sigma_4", "log_lik"} <= failed
    rows = _read(tmp_path / "cal" / "sbc.csv")
    assert list(rows[0])[:6] == ["model", "quantity", "sims", "statistic", "p_value",
                                 "calibrated"]  # fmt: skip
    assert {r["quantity"] for r in rows if r["model"] == "joint"} >= {"rho_12", "log_lik"}
    ranks = _read(tmp_path / "cal" / "ranks.csv")
    assert len(ranks) == 20 * len(rows)  # every quantity of every simulation
    assert all(0 <= int(r["rank"]) <= 200 for r in ranks)
    assert (tmp_path / "cal" / "figures" / "sbc_negative-control.png").is_file()


@pytest.mark.slow
def test_an_interrupted_run_resumes_with_identical_tables(tmp_path, monkeypatch):
    whole = bp.calibrate("regression-normal", sims=30, seed=4, out=tmp_path / "whole",
                         workers=1, report=False)  # fmt: skip
    calls = {"n": 0}
    original = execute_module.run_batch

    def flaky(*args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(execute_module, "run_batch", flaky)
    with pytest.raises(KeyboardInterrupt):
        bp.calibrate("regression-normal", sims=30, seed=4, out=tmp_path / "part", workers=1,
                     report=False)  # fmt: skip
    checkpoint = tmp_path / ".part.calibrate-checkpoint"
    assert [p.name for p in (checkpoint / "batches").iterdir()] == ["regression-normal-0-10.json"]
    assert not (tmp_path / "part").exists()
    monkeypatch.setattr(execute_module, "run_batch", original)
    resumed = bp.calibrate("regression-normal", sims=30, seed=4, out=tmp_path / "part",
                           workers=1, report=False)  # fmt: skip
    assert resumed.record["resumed"] == 10 and not checkpoint.exists()
    for name in ("sbc.csv", "ranks.csv"):
        assert (tmp_path / "part" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()
    assert whole.record["sbc"] == resumed.record["sbc"]


@pytest.mark.slow
def test_posterior_sbc_given_the_demo_study(tmp_path):
    res = bp.calibrate("regression-normal", study="posterior", sims=20, seed=2,
                       out=tmp_path / "post", workers=1)  # fmt: skip
    (model,) = res.record["models"]
    assert res.record["study"] == "posterior" and model["calibrated"], model
    assert "SYNTHETIC demo study" in res.record["conditioned_on"]
    assert "SYNTHETIC" in (tmp_path / "post" / "report.html").read_text(encoding="utf-8")
    # the replicate is added to the demo's rows: the reference posterior is the demo's fit
    from bayes_peer.calibration.posterior import DESIGNS

    observed = DESIGNS["regression-normal"].observed()
    assert observed["X"].shape[0] == 29 and np.allclose(observed["y"].std(ddof=1), 1)


@pytest.mark.slow
def test_mcmc_intervals_of_the_frequentist_study_match_the_exact_posterior_per_sample():
    """The same samples through the MCMC pairwise and joint models (uniform prior on rho) and
    the exact posterior: medians and interval ends agree within a few Monte Carlo SEs (about
    .003-.006 for 4 x 1000 draws); the joint model's proper priors on means and SDs move its
    interval by up to about .02 on standardized data."""
    from bayes_peer.calibration.frequentist import _mcmc_intervals, sample_studies
    from bayes_peer.exact.correlation_grid import log_bf10_and_quantiles_many

    x, y = sample_studies(0.3, 46, 5, np.random.default_rng(5))
    r = np.array([np.corrcoef(a, b)[0, 1] for a, b in zip(x, y, strict=True)])
    _, q = log_bf10_and_quantiles_many(r, 46, 1.0, (0.5, 0.025, 0.975))
    for method, tolerance in (("pairwise", 0.02), ("joint", 0.035)):
        median, low, high, divergent = _mcmc_intervals(method, x, y, 3, 1.0, 0.95)
        assert divergent == 0
        gaps = np.abs(np.column_stack([median, low, high]) - q)
        assert gaps.max() < tolerance, (method, gaps.max())
    rows = study_cell(0.3, 46, 3, seed=1, methods=("exact", "pairwise"))
    assert [row["method"] for row in rows] == ["exact", "pairwise"]
    assert rows[1]["divergent_fits"] == 0 and 0 <= rows[1]["coverage"] <= 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_same_tables_on_one_worker_a_local_cluster_and_a_separate_scheduler(tmp_path):
    pytest.importorskip("distributed")
    args = ("regression-normal",)
    local = bp.calibrate(*args, sims=20, seed=9, out=tmp_path / "one", workers=1, report=False)
    cluster = bp.calibrate(*args, sims=20, seed=9, out=tmp_path / "two", workers=2,
                           report=False)  # fmt: skip
    port = _free_port()
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    bin_dir = os.path.dirname(sys.executable)
    scheduler = subprocess.Popen(
        [os.path.join(bin_dir, "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--no-dashboard", "--dashboard-address", ":0"], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)  # fmt: skip
    workers = []
    try:
        time.sleep(3)
        workers = [subprocess.Popen(
            [os.path.join(bin_dir, "dask"), "worker", f"tcp://127.0.0.1:{port}", "--nthreads",
             "1", "--no-dashboard"], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL) for _ in range(2)]  # fmt: skip
        from distributed import Client

        with Client(f"tcp://127.0.0.1:{port}", timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
            assert len(client.scheduler_info()["workers"]) == 2
        remote = bp.calibrate(*args, sims=20, seed=9, out=tmp_path / "remote",
                              scheduler=f"tcp://127.0.0.1:{port}", report=False)  # fmt: skip
    finally:
        for process in [*workers, scheduler]:
            process.terminate()
        for process in [*workers, scheduler]:
            process.wait(timeout=30)
    for name in ("sbc.csv", "ranks.csv"):
        one = (tmp_path / "one" / name).read_bytes()
        assert (tmp_path / "two" / name).read_bytes() == one
        assert (tmp_path / "remote" / name).read_bytes() == one
    assert local.record["sbc"] == cluster.record["sbc"] == remote.record["sbc"]


@pytest.mark.slow
def test_ranks_agree_with_simuk_on_a_small_model():
    """simuk 0.3 (ArviZ's SBC package) runs its own prior SBC of a normal model; our rank
    statistic, applied to the reference draws and posteriors it kept, gives its ranks."""
    import pymc as pm
    import simuk

    with pm.Model() as model:
        mu = pm.Normal("mu", 0, 1)
        sigma = pm.HalfNormal("sigma", 1)
        pm.Normal("y", mu, sigma, observed=np.zeros(10))
    sbc = simuk.SBC(model, num_simulations=4, seed=3, progress_bar=False,
                    sample_kwargs={"draws": 100, "tune": 100, "chains": 1, "cores": 1})  # fmt: skip
    sbc.run_simulations()
    theirs = sbc.simulations["prior_sbc"]
    for i, posterior in enumerate(sbc.posteriors):
        ours = rank_statistics(
            {v: posterior[v].values for v in ("mu", "sigma")},
            {v: np.atleast_1d(sbc.ref_params[v].isel(sample=i).values) for v in ("mu", "sigma")},
        )
        for v in ("mu", "sigma"):
            assert ours[v] == int(theirs[v].values.ravel()[i])


def test_models_cover_every_structure_class():
    assert set(STRUCTURES) <= set(MODELS)
    assert (ROOT / "docs" / "calibration.md").is_file()
