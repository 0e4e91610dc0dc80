"""Sensitivity part 1 (exact layer): robustness, sequential, influence, design, retrodesign."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from bayes_peer.analyses.sensitivity_exact import influence, sequential
from bayes_peer.exact.correlation import correlation_posterior
from bayes_peer.exact.correlation_grid import log_bf10_and_median_many
from bayes_peer.exact.design import (
    design_analysis,
    log_bf10,
    n_for_target,
    retrodesign,
    robustness_curve,
    simulate_design,
)
from bayes_peer.frequentist import hierarchical_ols

from conftest import ROOT

DEMO = str(ROOT / "bayes_peer" / "data" / "demo_study.csv")


def test_batch_bayes_factors_agree_with_the_adaptive_layer():
    rng = np.random.default_rng(0)
    r = rng.uniform(-0.97, 0.97, 60)
    n = rng.integers(4, 300, 60)
    log_bf, med = log_bf10_and_median_many(r, n)
    for i in range(60):
        post = correlation_posterior(float(r[i]), int(n[i]))
        assert log_bf[i] == pytest.approx(post.log_bf10, abs=1e-8)
        assert med[i] == pytest.approx(post.posterior_median, abs=1e-5)


def test_robustness_grid_oracles_and_true_maximum(cli):
    status, out, _ = cli("correlate", "--r", "0.30", "--n", "46", "--robustness", "--json")
    assert status == 0
    doc = json.loads(out)
    curve = {round(c["kappa"], 12): c["bf10"] for c in doc["robustness"]}
    for k in (1 / 3, 0.5, 1.0, 1.5, 2.0):
        assert round(k, 12) in curve
    # R BayesFactor 0.9.12-4.4 / JASP (issue 2): 2.07143 at kappa 1/3, 1.34320 at kappa 1
    assert curve[round(1 / 3, 12)] == pytest.approx(2.07143, rel=1e-5)
    assert curve[1.0] == pytest.approx(1.34320, rel=1e-5)
    assert min(c["kappa"] for c in doc["robustness"]) > 0
    assert max(c["kappa"] for c in doc["robustness"]) == 2.0
    k_star, best = doc["kappa_at_max"], doc["max_bf10"]
    assert best >= max(curve.values())
    for factor in (0.99, 1.01):  # a true interior maximum, not a grid point
        assert math.exp(log_bf10(0.3, 46, k_star * factor)) < best
    assert not any(abs(k_star - k) < 1e-6 for k in curve)


def test_one_sided_robustness_uses_the_one_sided_bf():
    curve, log_max, _ = robustness_curve(0.6, 20, "greater")
    at_one = next(c for c in curve if c["kappa"] == 1.0)
    assert math.exp(at_one["log_bf10"]) == pytest.approx(21.1848, rel=1e-5)  # issue 2 oracle
    assert log_max >= at_one["log_bf10"]


def test_sequential_ends_at_the_full_data_and_matches_the_exact_layer():
    rng = np.random.default_rng(3)
    x = rng.standard_normal(30)
    y = 0.5 * x + rng.standard_normal(30)
    seq = sequential(x, y)
    steps = seq["sequential"]
    assert [s["n"] for s in steps] == list(range(4, 31))
    for s in (steps[0], steps[10], steps[-1]):
        k = s["n"]
        post = correlation_posterior(float(np.corrcoef(x[:k], y[:k])[0, 1]), k)
        assert s["bf10"] == pytest.approx(math.exp(post.log_bf10), rel=1e-7)
        assert s["posterior_median"] == pytest.approx(post.posterior_median, abs=1e-5)
    final = seq["sequential_random"][-1]  # every order ends with the same data
    assert final["bf10_q05"] == pytest.approx(final["bf10_q95"], rel=1e-9)
    assert final["bf10_median"] == pytest.approx(steps[-1]["bf10"], rel=1e-7)
    early = seq["sequential_random"][5]
    assert early["bf10_q05"] < early["bf10_median"] < early["bf10_q95"]


def test_influence_finds_the_participant_who_makes_the_correlation():
    rng = np.random.default_rng(11)
    x, y = rng.standard_normal(25), rng.standard_normal(25)
    x[7], y[7] = 6.0, 6.0  # one extreme participant
    ids = [f"P{i:02d}" for i in range(25)]
    result = influence(x, y, ids)
    assert len(result["influence"]) == 25
    row = result["influence"][7]
    keep = np.arange(25) != 7
    assert row["r"] == pytest.approx(np.corrcoef(x[keep], y[keep])[0, 1], rel=1e-12)
    assert [f["id"] for f in result["influential"]] == ["P07"]
    assert row["changes_conclusion"]


def test_cli_sequential_influence_and_figures(cli, tmp_path):
    out = tmp_path / "sens"
    status, stdout, err = cli(
        "correlate", "--data", DEMO, "--vars", "alliance_m24,satisfaction_m24",
        "--sequential", "--influence", "--robustness", "--out", str(out), "--json",
    )  # fmt: skip
    assert status == 0, err
    (pair,) = json.loads(stdout)["pairs"]
    assert {"sequential", "influence", "robustness", "max_bf10", "kappa_at_max"} <= set(pair)
    assert {"n", "bf10", "posterior_median"} <= set(pair["sequential"][0])
    assert {"id", "r", "bf10", "posterior_median"} <= set(pair["influence"][0])
    assert pair["influence"][0]["id"].startswith("P")  # the file's id column
    assert len(pair["influence"]) == pair["n"]
    for name in ("robustness", "sequential", "influence"):
        assert (out / f"{name}_alliance_m24__satisfaction_m24.png").stat().st_size > 10_000
    status, _, err = cli("correlate", "--r", "0.3", "--n", "46", "--sequential")
    assert status == 2 and "need participant data" in err


def test_design_matches_the_studys_statements_and_simulation():
    # STUDY.md: at n = 46 with a uniform prior, rho = .3 gives an inconclusive BF about half the
    # time, and the strongest possible evidence for rho = 0 is BF01 of about 5.4.
    res = design_analysis(46, 0.3)
    assert 0.4 < res.p_inconclusive < 0.55
    assert round(res.max_bf01, 1) == 5.4
    assert res.p_bf10_gt_3 + res.p_bf10_lt_third + res.p_inconclusive == pytest.approx(1.0)
    assert math.exp(log_bf10(res.r_for_bf10_3, 46)) == pytest.approx(3.0, rel=1e-9)
    assert math.exp(log_bf10(res.r_for_bf10_10, 46)) == pytest.approx(10.0, rel=1e-9)
    sim = simulate_design(46, 0.3, sims=4000, seed=5)
    for key in ("p_bf10_gt_3", "p_bf10_gt_10", "p_bf10_lt_third", "p_inconclusive"):
        p = getattr(res, key)
        assert abs(sim[key] - p) < 4 * math.sqrt(p * (1 - p) / 4000), key
    assert sim["median_bf10"] == pytest.approx(res.median_bf10, rel=0.15)


def test_design_prior_on_rho_is_the_average_of_point_designs():
    a, b = 2.0, 2.0
    mixed = design_analysis(30, rho_beta=(a, b))
    # independent check: Simpson rule over rho of the point design, with the Beta density
    from scipy import stats

    grid = np.linspace(-0.98, 0.98, 41)
    dens = stats.beta(a, b).pdf((grid + 1) / 2) / 2
    p = np.array([design_analysis(30, float(r)).p_bf10_gt_3 for r in grid])
    from scipy.integrate import simpson

    expected = simpson(p * dens, x=grid) / simpson(dens, x=grid)
    assert mixed.p_bf10_gt_3 == pytest.approx(expected, abs=5e-3)


def test_n_for_target_is_the_smallest_sufficient_n():
    n = n_for_target(0.8, 0.3)
    assert design_analysis(n, 0.3).p_bf10_gt_3 >= 0.8
    assert design_analysis(n - 1, 0.3).p_bf10_gt_3 < 0.8


def test_retrodesign_oracle_and_simulation():
    # Gelman & Carlin (2014), exact values quoted in issue 9: power .0501, type S .4644,
    # exaggeration 76.69 for A = 0.1, s = 3.28.
    res = retrodesign(0.1, 3.28)
    assert (round(res.power, 4), round(res.type_s, 4), round(res.exaggeration, 2)) == (
        0.0501, 0.4644, 76.69,
    )  # fmt: skip
    rng = np.random.default_rng(1)
    est = rng.normal(0.1, 3.28, 2_000_000)
    sig = np.abs(est) > 1.959964 * 3.28
    assert res.power == pytest.approx(sig.mean(), abs=0.001)
    assert res.type_s == pytest.approx((est[sig] < 0).mean(), abs=0.005)
    assert res.exaggeration == pytest.approx(np.abs(est[sig]).mean() / 0.1, rel=0.01)


def test_design_cli_contract(cli):
    status, out, _ = cli("design", "--n", "46", "--rho", "0.3", "--target-prob", "0.8", "--json")
    assert status == 0
    doc = json.loads(out)
    keys = {"p_bf10_gt_3", "p_bf10_gt_10", "p_bf10_lt_third", "p_inconclusive", "median_bf10",
            "max_bf01", "r_for_bf10_3", "r_for_bf10_10", "n_for_target"}  # fmt: skip
    assert keys <= set(doc)
    status, out, _ = cli("design", "--effect", "0.1", "--se", "3.28", "--json")
    doc = json.loads(out)
    assert {"power", "type_s", "exaggeration"} <= set(doc)
    for args, fragment in [
        (["--n", "46"], "exactly one of --rho"),
        (["--n", "46", "--rho", "1.2"], "--rho"),
        (["--effect", "0.1"], "go together"),
        (["--n", "3", "--rho", "0.2"], "--n"),
        (["--n", "46", "--rho-beta", "2"], "--rho-beta"),
    ]:
        status, out, err = cli("design", *args, "--json")
        assert status == 2 and out == "" and fragment in err


def test_block_robustness_and_influence(cli):
    status, out, err = cli(
        "regress", "--data", DEMO, "--outcome", "recovery_m24",
        "--block", "recovery_m0,contacts_m24,budget_used_m24", "--block", "alliance_m24",
        "--robustness", "--influence", "--json",
    )  # fmt: skip
    assert status == 0, err
    doc = json.loads(out)
    b2 = doc["blocks"][1]
    medium = next(c for c in b2["robustness"] if abs(c["rscale"] - math.sqrt(2) / 4) < 1e-12)
    assert medium["bf_block"] == pytest.approx(b2["bf_block"], rel=1e-10)
    assert b2["max_bf_block"] >= max(c["bf_block"] for c in b2["robustness"])
    assert len(b2["influence"]) == doc["n_used"]
    from bayes_peer.data.participants import read_participants

    names = ["recovery_m24", "recovery_m0", "contacts_m24", "budget_used_m24", "alliance_m24"]
    data = read_participants(DEMO, names)
    values = data.matrix(names)
    keep = ~np.isnan(values).any(axis=1)
    ids = [i for i, k in zip(data.ids, keep, strict=True) if k]
    used = values[keep]
    first = b2["influence"][0]
    assert first["id"] == ids[0]
    ols = hierarchical_ols(used[1:, 0], used[1:, 1:], names[1:], [3, 1])
    assert first["delta_r2"] == pytest.approx(ols.steps[1].delta_r2, rel=1e-10)


def test_fixed_grid_quantiles_and_kappa_curves_agree_with_the_adaptive_layer():
    from bayes_peer.exact.correlation import posterior_grid
    from bayes_peer.exact.correlation_grid import (
        log_bf10_and_quantiles_many,
        log_bf10_over_kappa,
    )

    rng = np.random.default_rng(4)
    r = rng.uniform(-0.95, 0.95, 25)
    n = rng.integers(5, 200, 25)
    log_bf, q = log_bf10_and_quantiles_many(r, n, 0.5, (0.025, 0.5, 0.975))
    for i in range(25):
        post = correlation_posterior(float(r[i]), int(n[i]), 0.5)
        assert log_bf[i] == pytest.approx(post.log_bf10, abs=1e-8)
        # trapezoid CDF on the fixed grid: quantiles to 5e-5 (a 1.6M-point brute force puts
        # the adaptive layer within 1e-5 of the truth and the fixed grid within 3.1e-5)
        assert q[i] == pytest.approx([post.ci_low, post.posterior_median, post.ci_high], abs=5e-5)
    kappas = np.array([0.05, 1 / 3, 1.0, 2.0])
    for ri, ni in ((0.3, 46), (-0.7, 12), (0.999999, 30)):  # the last falls back (|z| > 6)
        curve = log_bf10_over_kappa(ri, ni, kappas)
        adaptive = [posterior_grid(ri, ni, float(k)).log_integral for k in kappas]
        assert curve == pytest.approx(adaptive, abs=1e-8)
