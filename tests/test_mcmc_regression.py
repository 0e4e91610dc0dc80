"""MCMC blocked regression: rstanarm agreement, ΔR²/R² definitions, LOO-R², calibration,
refits without recompiling, and the CLI contract."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from bayes_peer.analyses.regress_mcmc import psis_loo, regress_mcmc, regression_structure
from bayes_peer.data.demo import simulate_latent, true_correlations, true_regression
from bayes_peer.data.participants import read_participants
from bayes_peer.exact.regression import RSCALES
from bayes_peer.frequentist import hierarchical_ols
from bayes_peer.mcmc.models.regression import (
    delta_r2_draws,
    fitted_values,
    loo_r2,
    r2_draws,
)
from bayes_peer.mcmc.sampler import SamplerSettings

from conftest import ROOT

#: MCMC fits: agreement with rstanarm, coverage
pytestmark = pytest.mark.slow

DEMO = str(ROOT / "bayes_peer" / "data" / "demo_study.csv")
BLOCKS = [["recovery_m0", "contacts_m24", "budget_used_m24"], ["alliance_m24"]]


def z(v):
    return (v - v.mean(axis=0)) / v.std(axis=0, ddof=1)


@pytest.fixture(scope="module")
def demo_fit():
    data = read_participants(DEMO)
    return regress_mcmc(data, "recovery_m24", BLOCKS, RSCALES["medium"], SamplerSettings())


# rstanarm 2.21.3 (Debian r-cran-rstanarm), `Rscript scripts/crosscheck_rstanarm.R`:
# stan_glm(recovery_m24 ~ ., data = z-scored complete rows (n = 32),
#          prior = normal(0, 1, autoscale = FALSE)), 4 chains x 18000 draws, seed 20261126:
RSTANARM = {  # term: (posterior mean, posterior sd)
    "recovery_m0": (0.38583, 0.16336),
    "contacts_m24": (0.00852, 0.16698),
    "budget_used_m24": (0.29620, 0.17192),
    "alliance_m24": (0.31253, 0.16122),
}
RSTANARM_BAYES_R2_MEDIAN = 0.40084


def test_posteriors_agree_with_rstanarm(demo_fit):
    full = [c for c in demo_fit.result["coefficients"] if c["block"] == 2]
    assert demo_fit.result["n_used"] == 32
    for c in full:
        mean, sd = RSTANARM[c["term"]]
        mcse_r = sd / np.sqrt(60_000)  # rstanarm's 72,000 draws, ESS of the order of 60,000
        tol = 4 * np.hypot(c["mcse_mean"], mcse_r)
        assert abs(c["posterior_mean"] - mean) < tol, (c["term"], c["posterior_mean"], mean, tol)
        assert c["posterior_sd"] == pytest.approx(sd, rel=0.06)
    assert demo_fit.result["blocks"][1]["bayes_r2_median"] == pytest.approx(
        RSTANARM_BAYES_R2_MEDIAN, abs=0.01
    )


def test_delta_r2_and_r2_equal_the_classical_ones_at_ols_estimates():
    rng = np.random.default_rng(3)
    n = 40
    x = rng.standard_normal((n, 4))
    y = x @ [0.5, 0.0, 0.3, 0.4] + rng.standard_normal(n)
    ols = hierarchical_ols(y, x, list("abcd"), [2, 2])
    design = np.column_stack([np.ones(n), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    rss = np.sum((y - design @ coef) ** 2)
    sigma = np.array(np.sqrt(rss / (n - 1)))
    mu = fitted_values(np.array(coef[0]), coef[1:], x)
    assert r2_draws(mu, sigma) == pytest.approx(ols.steps[1].r2, rel=1e-10)
    assert delta_r2_draws(mu, sigma, x[:, :2]) == pytest.approx(ols.steps[1].delta_r2, rel=1e-10)
    assert delta_r2_draws(mu, sigma, x[:, :0]) == pytest.approx(ols.steps[1].r2, rel=1e-10)


def test_block_quantities_are_coherent(demo_fit):
    b1, b2 = demo_fit.result["blocks"]
    for b in (b1, b2):
        assert 0 <= b["bayes_r2_ci_low"] <= b["bayes_r2_median"] <= b["bayes_r2_ci_high"] <= 1
        assert b["delta_r2_ci_low"] >= 0
        assert b["loo_r2"] < b["bayes_r2_median"]  # out-of-sample fit is worse
        assert b["elpd_diff_se"] > 0 and b["pareto_k_max"] > 0
    # block 1 is compared with the intercept-only model: its ΔR² is its R²
    assert b1["delta_r2_median"] == pytest.approx(b1["bayes_r2_median"])
    assert b2["delta_r2_median"] < b2["bayes_r2_median"]
    assert "own JZS prior" in demo_fit.result["prior"]


def test_large_n_weak_prior_approaches_ols_and_press():
    # With n = 400 and a wide prior, Bayesian R² approaches the classical R², and LOO-R²
    # approaches the exact leave-one-out R² of OLS, 1 - var(e_i / (1 - h_ii)) / var(y).
    rng = np.random.default_rng(8)
    n = 400
    x = z(rng.standard_normal((n, 3)))
    y = z(x @ [0.4, 0.2, 0.0] + rng.standard_normal(n))
    structure = regression_structure(4)
    design = np.column_stack([x, np.zeros(n)])
    fit = structure.fit({"X": design, "y": y, "prior_scale": 10.0}, SamplerSettings(seed=2))
    post = fit.idata["posterior"]
    mu = fitted_values(post["intercept"].values, post["beta"].values[..., :3], x)
    r2 = np.median(r2_draws(mu, post["sigma"].values))
    full = np.column_stack([np.ones(n), x])
    hat = full @ np.linalg.solve(full.T @ full, full.T)
    resid = y - hat @ y
    classical = 1 - resid @ resid / ((n - 1) * y.var(ddof=1))
    press = 1 - np.var(resid / (1 - np.diag(hat)), ddof=1) / y.var(ddof=1)
    assert r2 == pytest.approx(classical, abs=0.02)
    _, _, _, log_w = psis_loo(fit.idata)
    assert loo_r2(y, mu.reshape(-1, n), log_w) == pytest.approx(press, abs=0.01)


def test_elpd_diff_sees_a_real_block_and_not_a_null_one():
    rng = np.random.default_rng(21)
    n = 60
    x = z(rng.standard_normal((n, 2)))
    y = z(0.7 * x[:, 0] + rng.standard_normal(n) * 0.7)  # x0 matters, x1 is noise
    from bayes_peer.data.participants import ParticipantData

    data = ParticipantData(
        path="sim", sha256="", header=["y", "a", "b"], id_column=None,
        ids=[str(i) for i in range(n)], lines=list(range(2, n + 2)),
        columns={"y": y, "a": x[:, 0], "b": x[:, 1]},
    )  # fmt: skip
    fitted = regress_mcmc(data, "y", [["a"], ["b"]], RSCALES["medium"], SamplerSettings(seed=4))
    real, null = fitted.result["blocks"]
    assert real["elpd_diff"] > 3 * real["elpd_diff_se"]
    assert null["elpd_diff"] < 1.0


def test_coverage_of_the_demo_truth_with_one_compiled_model():
    # 50 data sets of n = 46 from the demo's latent generating process; standardized slopes of
    # recovery_m24 on its block-2 model. 95% and 50% intervals must cover the population
    # standardized coefficients at rates inside the central 99.9% of the binomial.
    predictors = ["recovery_m0", "contacts_m24", "budget_used_m24", "alliance_m24"]
    truth = true_regression("recovery_m24", predictors)["beta_std"]
    names, _ = true_correlations()
    ix = [names.index(p) for p in predictors]
    iy = names.index("recovery_m24")
    structure = regression_structure(4)
    compiled = structure.compiled
    settings = SamplerSettings(draws=500, tune=500, seed=11)
    hits95 = hits50 = total = 0
    for k in range(50):
        latent = simulate_latent(46, np.random.default_rng(500 + k))
        fit = structure.fit(
            {"X": z(latent[:, ix]), "y": z(latent[:, iy]), "prior_scale": 1.0},
            settings, log_likelihood=False, log_prior=False,
        )  # fmt: skip
        beta = fit.idata["posterior"]["beta"].values
        for j, p in enumerate(predictors):
            q = np.quantile(beta[..., j].ravel(), [0.025, 0.25, 0.75, 0.975])
            hits95 += q[0] <= truth[p] <= q[3]
            hits50 += q[1] <= truth[p] <= q[2]
            total += 1
    assert structure.compiled is compiled  # refits, never a recompile
    lo95, hi95 = stats.binom.ppf([0.0005, 0.9995], total, 0.95)
    lo50, hi50 = stats.binom.ppf([0.0005, 0.9995], total, 0.50)
    assert lo95 <= hits95 <= hi95 and hits95 < total
    assert lo50 <= hits50 <= hi50


def test_cli_contract_and_outputs(cli, tmp_path):
    out = tmp_path / "reg"
    status, stdout, err = cli(
        "regress", "--data", DEMO, "--outcome", "qol_m24", "--block", "qol_m0,budget_used_m24",
        "--block", "alliance_m24", "--prior", "normal", "--prior-scale", "0.5",
        "--draws", "200", "--tune", "200", "--chains", "2", "--seed", "3",
        "--out", str(out), "--json",
    )  # fmt: skip
    assert status == 0, err
    doc = json.loads(stdout)
    for key in ("sampler", "seed", "chains", "draws", "divergences", "prior"):
        assert key in doc
    assert doc["prior_scale"] == 0.5 and "Normal(0, 0.5)" in doc["prior"]
    block_keys = {
        "bayes_r2_median", "bayes_r2_ci_low", "bayes_r2_ci_high", "loo_r2", "delta_r2_median",
        "delta_r2_ci_low", "delta_r2_ci_high", "elpd_diff", "elpd_diff_se", "pareto_k_max",
        "bf_block", "f_change",
    }  # fmt: skip
    for block in doc["blocks"]:
        assert block_keys <= set(block)
    coefficient_keys = {
        "posterior_mean", "posterior_sd", "posterior_median", "mcse_mean", "ci_low", "ci_high",
        "p_direction", "rope_share", "r_hat", "ess_bulk", "beta_std", "p_value",
    }  # fmt: skip
    assert len(doc["coefficients"]) == 2 + 3
    for c in doc["coefficients"]:
        assert coefficient_keys <= set(c)
        assert 0.5 <= c["p_direction"] <= 1
        assert not c["diagnostics_ok"]  # 2 x 200 draws: ESS < 400 is flagged
    import xarray as xr

    tree = xr.open_datatree(out / "posterior_qol_m24_block2.nc", engine="h5netcdf")
    assert {"posterior", "log_likelihood", "log_prior"} <= set(tree.children)
    assert (out / "blocks_mcmc.csv").exists() and (out / "result.json").exists()


def test_regress_mcmc_arguments_are_checked(cli):
    base = ["regress", "--data", DEMO, "--outcome", "qol_m24", "--block", "alliance_m24"]
    for extra, fragment in [
        (["--seed", "3"], "--seed goes with --prior normal"),
        (["--prior", "normal", "--prior-scale", "0"], "--prior-scale"),
        (["--prior", "horseshoe"], "invalid choice"),
    ]:
        status, out, err = cli(*base, *extra, "--json")
        assert status == 2 and out == "" and fragment in err
    status, _, err = cli("regress", "--n", "46", "--r2", "0.2", "--p", "2", "--prior", "normal")
    assert status == 2 and "--prior needs participant data" in err
