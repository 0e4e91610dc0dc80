"""Regression part 2: R2-D2 prior, Student-t residuals, two waves with baseline and contrasts."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from bayes_peer.analyses.regress_mcmc import regress_mcmc
from bayes_peer.analyses.regress_waves import regress_waves_mcmc, wave_blocks
from bayes_peer.data.demo import simulate_latent, true_correlations, true_regression
from bayes_peer.data.participants import ParticipantData
from bayes_peer.exact.regression import RSCALES
from bayes_peer.mcmc.models.regression import build_regression_model
from bayes_peer.mcmc.sampler import SamplerSettings

from conftest import ROOT

#: MCMC fits of the two-wave models
pytestmark = pytest.mark.slow

DEMO = str(ROOT / "bayes_peer" / "data" / "demo_study.csv")


def frame(columns: dict[str, np.ndarray]) -> ParticipantData:
    n = len(next(iter(columns.values())))
    return ParticipantData(
        path="simulated", sha256="", header=list(columns), id_column=None,
        ids=[str(i + 1) for i in range(n)], lines=list(range(2, n + 2)), columns=columns,
    )  # fmt: skip


def test_r2d2_prior_matches_an_independent_numpy_simulation():
    # Generative R2-D2 prior with 3 active columns of 4: R² ~ Beta(1, 1), phi ~ Dirichlet(0.5)
    # over the active slopes, sigma ~ Exponential(1), beta_j = z_j sigma sqrt(phi_j R²/(1-R²)).
    import pymc as pm

    model = build_regression_model(4, "r2d2")
    with model:
        pm.set_data({"X": np.zeros((5, 4)), "y": np.zeros(5), "active": np.array([1.0, 1, 1, 0])})
        prior = pm.sample_prior_predictive(draws=20_000, random_seed=1, var_names=["beta"])
    beta = prior["prior"]["beta"].values.reshape(-1, 4)
    rng = np.random.default_rng(2)
    s = 20_000
    r2 = rng.beta(1.0, 1.0, s)
    phi = rng.dirichlet([0.5, 0.5, 0.5], s)
    sigma = rng.exponential(1.0, s)
    ref = rng.standard_normal((s, 3)) * sigma[:, None] * np.sqrt(phi * (r2 / (1 - r2))[:, None])
    for j in range(3):
        # heavy-tailed: compare the distributions, not moments
        assert stats.ks_2samp(beta[:, j], ref[:, j]).pvalue > 0.001
    # the implied share of explained variance sum_j beta_j² / (sum_j beta_j² + sigma²) is R²
    assert stats.ks_2samp(np.abs(beta[:, 0]), np.abs(ref[:, 0])).pvalue > 0.001


def test_robust_and_normal_agree_on_clean_data_and_differ_with_an_outlier():
    rng = np.random.default_rng(4)
    n = 46
    x = rng.standard_normal(n)
    y = 0.4 * x + rng.standard_normal(n) * 0.9
    settings = SamplerSettings(draws=600, tune=600, seed=3)

    def slope(values, likelihood):
        fitted = regress_mcmc(frame({"y": values, "x": x}), "y", [["x"]], RSCALES["medium"],
                              settings, likelihood=likelihood)  # fmt: skip
        (coef,) = [c for c in fitted.result["coefficients"] if c["block"] == 1]
        return coef["posterior_median"], fitted.result

    normal, _ = slope(y, "normal")
    robust, result = slope(y, "student")
    assert abs(normal - robust) < 0.05
    assert "Student-t" in result["prior"] and result["likelihood"] == "student"
    spoiled = y.copy()
    spoiled[int(np.argmax(x))] = -12.0  # one gross outlier at the largest x
    normal_bad, _ = slope(spoiled, "normal")
    robust_bad, _ = slope(spoiled, "student")
    assert normal_bad < normal - 0.15  # the normal model is dragged by one participant
    assert abs(robust_bad - robust) < abs(normal_bad - normal) / 2


def _latent_study(n: int, seed: int) -> ParticipantData:
    names, _ = true_correlations()
    latent = simulate_latent(n, np.random.default_rng(seed))
    return frame({name: latent[:, i] for i, name in enumerate(names)})


def test_joint_model_with_rho_fixed_at_zero_equals_two_separate_fits():
    data = _latent_study(46, 12)
    design = wave_blocks(data.header, "recovery", ["m12", "m24"], "m0",
                         [["contacts", "budget_used"], ["alliance"]])  # fmt: skip
    settings = SamplerSettings(draws=1000, tune=1000, seed=9)
    joint = regress_waves_mcmc(data, design, RSCALES["medium"], settings, rho_free=False)
    for w in ("m12", "m24"):
        y, blocks = design[w]
        single = regress_mcmc(data, y, blocks, RSCALES["medium"], settings)
        a = {
            c["term"]: c for c in joint.result["coefficients"] if c["wave"] == w and c["block"] == 2
        }
        b = {c["term"]: c for c in single.result["coefficients"] if c["block"] == 2}
        for term in b:
            tol = 4 * np.hypot(a[term]["mcse_mean"], b[term]["mcse_mean"])
            assert abs(a[term]["posterior_mean"] - b[term]["posterior_mean"]) < tol, (w, term)
            assert a[term]["posterior_sd"] == pytest.approx(b[term]["posterior_sd"], rel=0.08)


def test_recovers_the_demo_true_12_vs_24_pattern():
    data = _latent_study(400, 31)
    design = wave_blocks(data.header, "recovery", ["m12", "m24"], "m0",
                         [["contacts", "budget_used"], ["alliance"]])  # fmt: skip
    fitted = regress_waves_mcmc(data, design, RSCALES["medium"], SamplerSettings(seed=2))
    truth = {
        w: true_regression(design[w][0], [t for b in design[w][1] for t in b])["beta_std"]
        for w in ("m12", "m24")
    }
    (contrast,) = fitted.result["contrasts"]
    true_diff = truth["m24"]["alliance_m24"] - truth["m12"]["alliance_m12"]
    assert contrast["term"] == "alliance"
    assert contrast["diff_ci_low"] <= true_diff <= contrast["diff_ci_high"]
    assert contrast["diff_ci_low"] > 0  # stronger at 24 months, as generated
    for c in fitted.result["coefficients"]:
        if c["block"] == 2:
            assert c["ci_low"] - 0.02 <= truth[c["wave"]][c["term"]] <= c["ci_high"] + 0.02


def test_waves_cli_exact_and_mcmc_contracts(cli):
    base = ["regress", "--data", DEMO, "--outcome", "recovery", "--waves", "m12,m24",
            "--baseline", "m0", "--block", "contacts,budget_used", "--block", "alliance"]  # fmt: skip
    status, out, err = cli(*base, "--json")
    assert status == 0, err
    doc = json.loads(out)
    assert {b["wave"] for b in doc["blocks"]} == {"m12", "m24"}
    first = next(b for b in doc["blocks"] if b["wave"] == "m12" and b["block"] == 1)
    assert first["terms"] == ["recovery_m0", "contacts_m12", "budget_used_m12"]
    status, out, err = cli(*base, "--prior", "normal", "--draws", "200", "--tune", "200",
                           "--chains", "2", "--json")  # fmt: skip
    assert status == 0, err
    doc = json.loads(out)
    (contrast,) = doc["contrasts"]
    assert {"term", "wave_a", "wave_b", "diff_median", "diff_ci_low", "diff_ci_high",
            "p_positive"} <= set(contrast)  # fmt: skip
    for c in doc["coefficients"]:
        assert {"wave", "posterior_median", "ci_low", "ci_high", "r_hat"} <= set(c)
    for b in doc["blocks"]:
        assert {"wave", "bayes_r2_median", "delta_r2_median", "elpd_diff", "bf_block"} <= set(b)
    assert "MAR" in doc["missing"]
    for args, fragment in [
        (["--prior", "r2d2", "--prior-scale", "2"], "--prior-scale goes with --prior normal"),
        (["--mean-r2", "0.3"], "--mean-r2 goes with --prior"),
        (["--prior", "r2d2", "--mean-r2", "1.5"], "--mean-r2"),
    ]:
        status, out, err = cli(*base, *args, "--json")
        assert status == 2 and fragment in err, err
    status, _, err = cli("regress", "--data", DEMO, "--outcome", "recovery_m24", "--block",
                         "alliance_m24", "--baseline", "m0")  # fmt: skip
    assert status == 2 and "--baseline goes with --waves" in err


def test_imputation_uses_rows_with_missing_predictors(cli):
    base = ["regress", "--data", DEMO, "--outcome", "recovery_m24",
            "--block", "recovery_m0,contacts_m24,budget_used_m24", "--block", "alliance_m24",
            "--prior", "normal", "--draws", "400", "--tune", "400", "--json"]  # fmt: skip
    status, out, err = cli(*base, "--impute")
    assert status == 0, err
    doc = json.loads(out)
    from bayes_peer.data.participants import read_participants

    names = ["recovery_m24", "recovery_m0", "contacts_m24", "budget_used_m24", "alliance_m24"]
    values = read_participants(DEMO, names).matrix(names)
    with_outcome = values[~np.isnan(values[:, 0])]
    assert doc["n_mcmc"] == with_outcome.shape[0]
    assert doc["n_imputed"] == int(np.isnan(with_outcome[:, 1:]).sum()) > 0
    assert "imputed" in doc["missing_predictors"]
    assert doc["n_used"] == int((~np.isnan(values).any(axis=1)).sum())  # OLS stays listwise
    status, out, _ = cli(*base)
    listwise = json.loads(out)
    assert listwise["n_imputed"] == 0 and listwise["n_mcmc"] == listwise["n_used"]
    a = {c["term"]: c["posterior_median"] for c in doc["coefficients"] if c["block"] == 2}
    b = {c["term"]: c["posterior_median"] for c in listwise["coefficients"] if c["block"] == 2}
    for term in a:  # three imputed values move no coefficient far
        assert abs(a[term] - b[term]) < 0.15
    status, _, err = cli("regress", "--data", DEMO, "--outcome", "qol_m24", "--block",
                         "alliance_m24", "--impute")  # fmt: skip
    assert status == 2 and "--impute goes with --prior" in err
