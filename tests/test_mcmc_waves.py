"""Correlation part 2: FIML, waves and their contrasts, robust and partial correlations."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from bayes_peer.analyses.correlate_mcmc import joint_structure
from bayes_peer.data.demo import simulate_latent, true_correlations
from bayes_peer.frequentist import nonoverlapping_difference
from bayes_peer.mcmc.models.correlation import standardize_observed
from bayes_peer.mcmc.sampler import SamplerSettings

from conftest import ROOT

#: MCMC fits of the joint models with waves
pytestmark = pytest.mark.slow

DEMO = str(ROOT / "bayes_peer" / "data" / "demo_study.csv")
FOUR = ["alliance_m12", "satisfaction_m12", "alliance_m24", "satisfaction_m24"]


def joint(d, robust=False):
    return joint_structure(d, robust)


def pointwise_logp(model, y, mask, point):
    """Observed-variable logp per row at a point, and the (mu, Sigma, nu) of that point."""
    import pymc as pm

    with model:
        pm.set_data({"y": y, "mask": mask})
    f = model.compile_fn(
        model.logp(vars=model.observed_RVs, sum=False), inputs=model.value_vars,
        on_unused_input="ignore",
    )  # fmt: skip
    names = ["chol_corr", "chol_stds", *(["nu"] if "nu" in model.named_vars else [])]
    g = model.compile_fn(
        model.replace_rvs_by_values([model[n] for n in names]), inputs=model.value_vars,
        on_unused_input="ignore",
    )  # fmt: skip
    out = g(point)
    sigma = np.outer(out[1], out[1]) * out[0]
    return np.asarray(f(point)).ravel(), sigma, (float(out[2]) if len(out) > 2 else None)


@pytest.mark.parametrize("robust", [False, True])
def test_fiml_density_is_the_observed_data_density(robust):
    rng = np.random.default_rng(0)
    model = joint(4, robust).model
    point = model.initial_point()
    point["mu"] = np.array([0.1, -0.2, 0.3, 0.0])
    point["chol_cholesky-cov-packed__"] = rng.normal(size=10) * 0.3
    x = rng.normal(size=(12, 4))
    # nothing missing: equals the complete-data density to 1e-10
    full = np.ones_like(x)
    got, sigma, nu = pointwise_logp(model, x, full, point)
    dist = (
        stats.multivariate_t(point["mu"], sigma, df=nu) if robust
        else stats.multivariate_normal(point["mu"], sigma)
    )  # fmt: skip
    np.testing.assert_allclose(got, dist.logpdf(x), atol=1e-10)
    # holes: each row contributes the marginal density of its observed values
    mask = (rng.random(x.shape) > 0.3).astype(float)
    mask[0] = 1.0
    got, sigma, nu = pointwise_logp(model, np.where(mask == 1, x, 0.0), mask, point)
    for i in range(x.shape[0]):
        o = mask[i] == 1
        if not o.any():
            assert got[i] == pytest.approx(0.0, abs=1e-12)
            continue
        sub = sigma[np.ix_(o, o)]
        ref = (
            stats.multivariate_t(point["mu"][o], sub, df=nu) if robust
            else stats.multivariate_normal(point["mu"][o], sub)
        ).logpdf(x[i, o])  # fmt: skip
        assert got[i] == pytest.approx(ref, abs=1e-10)


def test_fiml_uses_incomplete_rows_listwise_loses_precision():
    # 8 data sets of n = 46 from the demo's latent process; 35% MCAR holes in the last column.
    # rho(alliance_m12, satisfaction_m12) is fully observed: FIML must stay within Monte Carlo
    # error of the complete-data posterior on average, listwise must be less precise.
    structure = joint(4)
    names, _ = true_correlations()
    ix = [names.index(n) for n in FOUR]
    settings = SamplerSettings(draws=500, tune=500, seed=8)
    diffs, sd_fiml, sd_listwise = [], [], []
    for k in range(8):
        rng = np.random.default_rng(300 + k)
        x = simulate_latent(46, rng)[:, ix]
        holes = x.copy()
        holes[rng.random(46) < 0.35, 3] = np.nan

        def fit(values):
            y, mask = standardize_observed(values)
            f = structure.fit({"y": y, "mask": mask, "eta": 1.0}, settings,
                              log_likelihood=False, log_prior=False)  # fmt: skip
            return f.idata["posterior"]["chol_corr"].values[..., 0, 1].ravel()

        complete, fiml = fit(x), fit(holes)
        listwise = fit(holes[~np.isnan(holes).any(axis=1)])
        diffs.append(np.median(fiml) - np.median(complete))
        sd_fiml.append(fiml.std())
        sd_listwise.append(listwise.std())
    diffs = np.array(diffs)
    # MCSE of a median from ~2000 effective draws is ~0.004; allow 3 SE of the mean difference
    assert abs(diffs.mean()) < 3 * diffs.std(ddof=1) / np.sqrt(diffs.size) + 0.01
    assert np.mean(sd_listwise) > 1.1 * np.mean(sd_fiml)


@pytest.fixture(scope="module")
def waves_run(tmp_path_factory):
    from bayes_peer.cli import main

    out = tmp_path_factory.mktemp("waves") / "fit"
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = main([
            "correlate", "--data", DEMO, "--vars", "alliance,satisfaction", "--waves", "m12,m24",
            "--model", "joint", "--seed", "4", "--out", str(out), "--json",
        ])  # fmt: skip
    assert status == 0
    return json.loads(buffer.getvalue()), out


def test_waves_contract_and_contrast_equals_difference_of_draws(waves_run):
    doc, out = waves_run
    assert "MAR" in doc["missing"] and doc["waves"] == ["m12", "m24"]
    assert [(p["var1"], p["var2"], p["wave"]) for p in doc["pairs"]] == [
        ("alliance_m12", "satisfaction_m12", "m12"),
        ("alliance_m24", "satisfaction_m24", "m24"),
    ]
    (contrast,) = doc["contrasts"]
    keys = {"var1", "var2", "wave_a", "wave_b", "diff_median", "diff_ci_low", "diff_ci_high",
            "p_positive", "freq_z", "freq_p"}  # fmt: skip
    assert keys <= set(contrast)
    import xarray as xr

    tree = xr.open_datatree(out / "posterior_joint.nc", engine="h5netcdf")
    corr = tree["posterior"]["chol_corr"].values
    # columns: alliance_m12, satisfaction_m12, alliance_m24, satisfaction_m24
    diff = (corr[..., 2, 3] - corr[..., 0, 1]).ravel()
    assert contrast["diff_median"] == pytest.approx(np.median(diff), abs=1e-12)
    assert contrast["p_positive"] == pytest.approx(np.mean(diff > 0), abs=1e-12)
    lo, hi = np.quantile(diff, [0.025, 0.975])
    assert (contrast["diff_ci_low"], contrast["diff_ci_high"]) == pytest.approx((lo, hi))
    # frequentist side: Steiger's Z on the rows complete on all four columns
    from bayes_peer.data.participants import read_participants

    data = read_participants(DEMO, FOUR)
    x = data.matrix(FOUR)
    x = x[~np.isnan(x).any(axis=1)]
    ref = nonoverlapping_difference(np.corrcoef(x, rowvar=False), x.shape[0])
    assert contrast["freq_n"] == x.shape[0]
    assert contrast["freq_z"] == pytest.approx(ref.z) and contrast["freq_p"] == pytest.approx(
        ref.p_value
    )
    # under FIML each pair reports its own complete n; more participants are used than that
    assert doc["n_used"] > max(p["n"] for p in doc["pairs"])


def test_steiger_z_is_calibrated_and_zou_ci_covers():
    rng = np.random.default_rng(0)
    corr = np.array(
        [[1, 0.3, 0.5, 0.2], [0.3, 1, 0.2, 0.5], [0.5, 0.2, 1, 0.3], [0.2, 0.5, 0.3, 1.0]]
    )
    rejections = covered = 0
    for _ in range(2000):
        x = rng.multivariate_normal(np.zeros(4), corr, size=46)
        test = nonoverlapping_difference(np.corrcoef(x, rowvar=False), 46)
        rejections += test.p_value < 0.05
        covered += test.ci_low <= 0.0 <= test.ci_high
    # size 5% and coverage 95% within binomial error (sd 0.49 percentage points)
    assert abs(rejections / 2000 - 0.05) < 0.015
    assert abs(covered / 2000 - 0.95) < 0.015


def test_recovers_the_demo_true_12_vs_24_pattern():
    structure = joint(4)
    names, corr = true_correlations()
    ix = [names.index(n) for n in FOUR]
    truth = corr[ix[2], ix[3]] - corr[ix[0], ix[1]]  # 0.486 - 0.200
    x = simulate_latent(400, np.random.default_rng(77))[:, ix]
    y, mask = standardize_observed(x)
    fit = structure.fit({"y": y, "mask": mask, "eta": 1.0}, SamplerSettings(seed=1),
                        log_likelihood=False, log_prior=False)  # fmt: skip
    c = fit.idata["posterior"]["chol_corr"].values
    diff = (c[..., 2, 3] - c[..., 0, 1]).ravel()
    lo, hi = np.quantile(diff, [0.025, 0.975])
    assert lo <= truth <= hi and lo > 0


def test_robust_and_normal_agree_on_clean_data():
    rng = np.random.default_rng(5)
    x = rng.multivariate_normal(np.zeros(4), np.eye(4) * 0.6 + 0.4, size=46)
    y, mask = standardize_observed(x)
    settings = SamplerSettings(draws=500, tune=500, seed=2)
    normal = joint(4).fit(
        {"y": y, "mask": mask, "eta": 1.0}, settings, log_likelihood=False, log_prior=False
    )
    robust = joint(4, True).fit(
        {"y": y, "mask": mask, "eta": 1.0}, settings, log_likelihood=False, log_prior=False
    )
    a = np.median(normal.idata["posterior"]["chol_corr"].values, axis=(0, 1))
    b = np.median(robust.idata["posterior"]["chol_corr"].values, axis=(0, 1))
    np.testing.assert_allclose(a, b, atol=0.05)
    assert np.median(robust.idata["posterior"]["nu"].values) > 10  # clean data: large nu


def test_partial_correlations_and_their_implied_prior(cli):
    status, out, err = cli(
        "correlate", "--data", DEMO, "--vars", "alliance_m24,satisfaction_m24,qol_m24",
        "--partial-on", "alliance_m12", "--model", "joint", "--missing", "listwise",
        "--draws", "500", "--tune", "500", "--json",
    )  # fmt: skip
    assert status == 0, err
    doc = json.loads(out)
    assert doc["partial_on"] == ["alliance_m12"]
    assert "partial correlation given 1 variable" in doc["prior"]
    from bayes_peer.data.participants import read_participants

    cols = ["alliance_m24", "satisfaction_m24", "alliance_m12"]
    x = read_participants(DEMO, [*cols, "qol_m24"]).matrix([*cols, "qol_m24"])
    x = x[~np.isnan(x).any(axis=1)][:, :3]
    # independent reference: correlation of the residuals after regressing on the control
    design = np.column_stack([np.ones(len(x)), x[:, 2]])
    res = [x[:, k] - design @ np.linalg.lstsq(design, x[:, k], rcond=None)[0] for k in (0, 1)]
    r_ref = np.corrcoef(res)[0, 1]
    pair = doc["pairs"][0]
    assert (pair["var1"], pair["var2"]) == ("alliance_m24", "satisfaction_m24")
    assert pair["r"] == pytest.approx(r_ref, rel=1e-10)
    n = pair["n"]
    assert pair["n_effective"] == n - 1 and pair["df"] == n - 3  # df = n - 2 - m
    t = r_ref * np.sqrt((n - 3) / (1 - r_ref**2))
    assert pair["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), n - 3), rel=1e-8)
    # LKJ(1), d = 4, m = 1: stretched Beta(1 + (4 - 1 - 2)/2) = Beta(1.5, 1.5), kappa = 2/3
    assert pair["mcmc_prior_kappa"] == pytest.approx(2 / 3)
    assert abs(pair["mcmc_median"] - pair["r"]) < 0.12


def test_part2_arguments_are_checked(cli):
    for args, fragment in [
        (["--vars", "alliance,qol", "--waves", "m12,m24"], "--waves goes with --model"),
        (["--vars", "alliance,qol", "--waves", "m12", "--model", "joint"], "at least two waves"),
        (["--waves", "m12,m24", "--model", "joint"], "--waves needs --vars"),
        (["--vars", "alliance,nope", "--waves", "m12,m24", "--model", "joint"], "nope_m12"),
        (
            ["--vars", "alliance_m12,qol_m12", "--model", "pairwise", "--robust"],
            "go with --model joint",
        ),
        (
            ["--vars", "alliance_m12,qol_m12", "--model", "joint", "--missing", "mean"],
            "invalid choice",
        ),
    ]:
        status, out, err = cli("correlate", "--data", DEMO, *args, "--json")
        assert status == 2 and out == "" and fragment in err, (args, err)
