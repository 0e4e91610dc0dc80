"""The report: plain-language comparison, predictive draws, figures, report.md / report.html."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from bayes_peer.mcmc.predictive import mv_replicates, thin_index, two_wave_replicates
from bayes_peer.report.compare import (
    apa_block,
    apa_correlation,
    evidence_category,
    fmt_bf_text,
    fmt_p_apa,
    reading,
)
from bayes_peer.report.figures import cell_text, matrix_flags

from conftest import ROOT

DEMO = ROOT / "bayes_peer" / "data" / "demo_study.csv"


# --- plain-language readings -------------------------------------------------------------


@pytest.mark.parametrize(
    ("bf", "expected"),
    [
        (150, "extreme evidence for H1"),
        (31, "very strong evidence for H1"),
        (12, "strong evidence for H1"),
        (6.3, "moderate evidence for H1"),
        (1.9, "anecdotal evidence for H1"),
        (1 / 4, "moderate evidence for H0"),
        (1 / 40, "very strong evidence for H0"),
        (1.0, "no evidence either way"),
    ],
)
def test_evidence_categories_follow_jeffreys_as_jasp_prints_them(bf, expected):
    # Lee & Wagenmakers (2013), table 7.1; the bounds 3, 10, 30, 100 are JASP's.
    assert evidence_category(bf) == expected


@pytest.mark.parametrize("bf", [0.002, 0.07, 0.2, 0.5, 2.5, 7.0, 20.0, 55.0, 400.0])
def test_evidence_category_is_symmetric_in_h0_and_h1(bf):
    swapped = evidence_category(1 / bf).replace("H0", "X").replace("H1", "H0").replace("X", "H1")
    assert evidence_category(bf) == swapped


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), "3"])
def test_evidence_category_refuses_non_bayes_factors(bad):
    with pytest.raises(ValueError, match="positive number"):
        evidence_category(bad)


def test_the_issue_examples_read_as_disagreements():
    text = reading(0.03, 1.9, 0.98, effect="a correlation", absence="no correlation")
    assert text.startswith("Disagree") and "p = .030" in text and "BF10 = 1.90" in text
    assert "only anecdotal evidence for a correlation" in text
    text = reading(0.12, None, 0.94, effect="the coefficient", absence="a zero coefficient")
    assert text.startswith("Partly agree") and "P(effect > 0) = .94" in text


def test_readings_cover_each_combination():
    assert reading(0.002, 25.0, 0.999).startswith("Agree: p = .002 and BF10 = 25.0 (strong")
    assert "favour no effect" in reading(0.04, 0.6, 0.97)  # significant, BF < 1
    assert reading(0.08, 4.2, 0.97).startswith("Disagree: p = .080 (not significant)")
    assert "support no effect" in reading(0.6, 0.2, 0.6)  # BF01 = 5
    assert "inconclusive" in reading(0.4, 0.7, 0.7)
    assert "less sure of the sign" in reading(0.045, None, 0.95)
    assert reading(0.5, None, None) == "p = .500; no Bayesian counterpart."


def test_apa_formats():
    assert fmt_p_apa(0.0004) == "p < .001" and fmt_p_apa(0.0342) == "p = .034"
    assert fmt_bf_text(6.3) == "6.30" and fmt_bf_text(12.41) == "12.4"
    assert fmt_bf_text(0.0412) == "0.041" and fmt_bf_text(3.2e4) == "3.20e+04"
    row = {"r": 0.4012, "freq_ci_low": 0.1234, "freq_ci_high": 0.6111, "p_value": 0.0061,
           "n": 36, "mcmc_median": 0.38, "mcmc_ci_low": 0.1, "mcmc_ci_high": 0.6,
           "mcmc_prior_kappa": 0.5, "bf10": 6.3, "kappa": 1.0, "ci_prob": 0.95}  # fmt: skip
    assert apa_correlation(row) == (
        "r = .40, 95% CI [.12, .61], p = .006 (Pearson, n = 36); posterior median ρ = .38, "
        "95% CrI [.10, .60] (joint model, marginal prior κ = 0.500); BF10 = 6.30 (stretched "
        "beta prior, κ = 1)"
    )
    block = {"delta_r2": 0.1234, "df1": 1, "df2": 35, "f_change": 5.67, "p_change": 0.023,
             "delta_r2_median": 0.1, "delta_r2_ci_low": 0.01, "delta_r2_ci_high": 0.3,
             "bf_block": 2.5}  # fmt: skip
    assert apa_block(block) == (
        "ΔR² = .123, F(1, 35) = 5.67, p = .023; posterior ΔR² (positive by construction) = .100, 95% CrI [.010, .300]; "
        "BF10 = 2.50 (JZS)"
    )


def test_matrix_legend_lists_exactly_the_flags_its_cells_use():
    rows = [
        {"r": 0.5, "p_value": 0.001, "bf10": 40.0, "ci_low": 0.2, "ci_high": 0.7,
         "diagnostics": "pass"},
        {"r": 0.05, "p_value": 0.7, "bf10": 0.2, "ci_low": -0.3, "ci_high": 0.35,
         "diagnostics": "pass"},
    ]  # fmt: skip
    cells = [cell_text(r) for r in rows]
    assert cells[0] == (".50**", "[.20, .70]", "BF 40.0†") and cells[1][2] == "BF 0.200‡"
    used = matrix_flags(rows)
    assert set(used) == {"*", "†", "‡"}  # no "!" legend: no cell has a diagnostics flag
    rows[1]["diagnostics"] = "warn"  # a LOO-only warning does not flag a cell
    assert "!" not in matrix_flags(rows) and not cell_text(rows[1])[2].endswith("!")
    rows[1]["diagnostics"] = "fail"
    assert "!" in matrix_flags(rows) and cell_text(rows[1])[2].endswith("!")


# --- predictive draws --------------------------------------------------------------------


def test_replicates_have_the_model_moments():
    rng = np.random.default_rng(1)
    corr = np.array([[1.0, 0.6, -0.2], [0.6, 1.0, 0.1], [-0.2, 0.1, 1.0]])
    mu, sd = np.array([1.0, -2.0, 0.5]), np.array([1.0, 2.0, 0.5])
    rep = mv_replicates(mu[None], corr[None], sd[None], 20000, rng)[0]
    np.testing.assert_allclose(rep.mean(0), mu, atol=0.04)
    np.testing.assert_allclose(np.corrcoef(rep, rowvar=False), corr, atol=0.02)
    np.testing.assert_allclose(rep.std(0), sd, rtol=0.02)
    x = rng.standard_normal((5000, 2))
    out = two_wave_replicates(
        np.array([[0.5, -0.5]]), np.array([[1.0, 0.0]]), np.array([[0.0, 2.0]]),
        np.array([[0.5, 1.0]]), np.array([0.7]), x, x, rng,
    )[0]  # fmt: skip
    resid = out - np.column_stack([0.5 + x[:, 0], -0.5 + 2 * x[:, 1]])
    assert abs(np.corrcoef(resid, rowvar=False)[0, 1] - 0.7) < 0.03
    np.testing.assert_allclose(resid.std(0), [0.5, 1.0], rtol=0.04)
    assert list(thin_index(4000, 100)[:3]) == [0, 40, 81] and thin_index(50).size == 50


@pytest.mark.slow
def test_prior_draws_of_the_joint_model_follow_the_lkj_marginal():
    # LKJ(eta) in d dimensions: each correlation is a stretched Beta(eta - 1 + d/2) (Lewandowski
    # et al. 2009); for eta = 1, d = 4: Beta(2, 2) on (rho + 1)/2.
    from scipy import stats

    from bayes_peer.mcmc.models.correlation import build_joint_model
    from bayes_peer.mcmc.sampler import ModelStructure

    structure = ModelStructure("joint(d=4)", lambda: build_joint_model(4))
    draws = structure.prior_draws({"eta": 1.0}, 800, seed=3)
    rho = draws["chol_corr"][:, 0, 1]
    assert stats.kstest((rho + 1) / 2, stats.beta(2, 2).cdf).pvalue > 0.01
    again = structure.prior_draws({"eta": 1.0}, 800, seed=3)
    assert again is draws  # cached per (hyperparameters, draws, seed)
    other = structure.prior_draws({"eta": 6.0}, 800, seed=3)["chol_corr"][:, 0, 1]
    assert stats.kstest((other + 1) / 2, stats.beta(7, 7).cdf).pvalue > 0.01


# --- the report of a (deliberately failing) short run ---------------------------------------

SPEC = f"""
title = "report test"
[data]
csv = "{DEMO}"
[correlations]
constructs = ["alliance", "qol"]
waves = ["m12", "m24"]
[regressions]
outcomes = ["recovery"]
waves = ["m12", "m24"]
baseline = "m0"
blocks = [["contacts"], ["alliance"]]
[sampler]
draws = 40
tune = 60
chains = 2
seed = 11
"""


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    from bayes_peer.cli import main

    folder = tmp_path_factory.mktemp("report")
    spec = folder / "short.toml"
    spec.write_text(SPEC)
    out = folder / "out"
    status = main(["run", str(spec), "--out", str(out), "--quiet", "--json"])
    return status, out


@pytest.mark.slow
def test_failed_fits_are_announced_before_any_number(short_run):
    status, out = short_run
    assert status == 3  # 2 x 40 draws cannot reach ESS 400
    html = (out / "report.html").read_text()
    banner = html.index("DIAGNOSTICS FAILED")
    assert banner < html.index("<table") and banner < html.index("SYNTHETIC DATA")
    assert "should not be reported as they are" in html
    assert re.search(r'<tr class="fail">', html)


@pytest.mark.slow
def test_report_html_is_self_contained_and_says_what_md_says(short_run):
    _, out = short_run
    html = (out / "report.html").read_text()
    md = (out / "report.md").read_text()
    assert not re.search(r'(src|href)="(http|//|file:)', html) and "<link" not in html
    figures = sorted(out.glob("figures/*.png"))
    assert figures and html.count("data:image/png;base64,") == len(figures)
    assert md.count("](figures/") == len(figures)
    for path in figures:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The same sentences in both: every reading and APA line of the Markdown is in the HTML.
    import html as html_lib

    text = html_lib.unescape(html)
    items = re.findall(r"^- (.+)$", md, re.M)  # every list item: findings, readings, APA
    assert len(items) > 10 and any("BF10" in item for item in items)
    for item in items:
        if not item.startswith("["):  # not a contents link
            assert item in text, item
    for heading in (
        "Methods",
        "Correlations: Bayesian and frequentist side by side",
        "Blocked regressions: Bayesian and frequentist side by side",
        "Change between waves",
        "Model checks",
        "Reproducibility",
    ):
        assert f"### {heading}" in md and f">{heading}</h3>" in html
    # Nobody is left out silently: the report lists who each model did not use, and why.
    import csv

    with (out / "dropped_rows.csv").open() as fh:
        dropped = list(csv.DictReader(fh))
    assert dropped and {"analysis", "wave", "row", "line", "id", "missing"} <= set(dropped[0])
    section = md.split("### Rows left out", 1)[1].split("###", 1)[0]
    for row in dropped[:5]:
        assert f"{row['id']} (" in section
    methods = md.split("### Methods", 1)[1].split("###", 1)[0]
    for fact in (
        "LKJ(eta = 1)",
        "kappa = 0.5",
        "JZS",
        "r scale = 0.353553",
        "seed 11",
        "2 chains x 40 draws",
        "SYNTHETIC",
    ):
        assert fact in methods, fact


@pytest.mark.slow
def test_report_names_figures_and_the_netcdf_holds_their_draws(short_run):
    import xarray as xr

    _, out = short_run
    names = {p.stem for p in out.glob("figures/*.png")}
    assert {
        "correlation_matrix_m12_m24",
        "correlation_posteriors_m24",
        "coefficient_forest",
        "delta_r2",
        "wave_differences",
        "posterior_predictive",
        "prior_predictive_correlations",
        "prior_predictive_outcomes",
    } <= names
    assert any(n.startswith("diagnostics_") for n in names)  # trace and rank in one figure
    tree = xr.open_datatree(out / "posterior_alliance__qol.nc", engine="h5netcdf")
    post = tree["posterior"]
    labels = list(post["rho"]["pair"].values)
    assert labels[0] == "alliance_m12 ~ qol_m12" and len(labels) == 6
    np.testing.assert_array_equal(post["rho"].values[..., 0], post["chol_corr"].values[..., 0, 1])
    assert tree["posterior_predictive"]["y"].shape[-2:] == tree["observed_data"]["y"].shape
    assert np.isnan(tree["observed_data"]["y"].values).any()  # FIML: holes stay holes
    block = xr.open_datatree(out / "posterior_recovery_block2.nc", engine="h5netcdf")
    assert list(block["posterior"]["delta_r2"]["wave"].values) == ["m12", "m24"]
    assert list(block["prior"]["beta"]["term"].values) == ["recovery_m0", "contacts", "alliance"]


@pytest.mark.slow
def test_report_command_rebuilds_the_same_report(short_run, cli):
    _, out = short_run
    before = (out / "report.md").read_text()
    status, stdout, err = cli("report", str(out), "--json")
    assert status == 0, err
    doc = json.loads(stdout)
    assert doc["html"].endswith("report.html") and len(doc["figures"]) >= 10
    assert (out / "report.md").read_text() == before


def test_report_of_a_folder_that_is_not_a_results_folder_is_refused(cli, tmp_path):
    status, _, err = cli("report", str(tmp_path))
    assert status == 2 and err.startswith(f"error: {tmp_path}: not a results folder")
