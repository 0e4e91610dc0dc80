"""The CLI on the shipped demo study against R's BayesFactor on the same data.

Provenance: `Rscript scripts/crosscheck_bayesfactor.R` with BayesFactor 0.9.12-4.4 (Debian
r-cran-bayesfactor), R 4.x, 2026-11-26; the script's output is pasted below. correlationBF's
``rscale`` is the width kappa of the stretched-beta prior; lmBF with rscaleCont = "medium" is
the JZS prior of scale sqrt(2)/4 on the rows complete on all five variables.
"""

from __future__ import annotations

import json

import pytest

from conftest import ROOT

DEMO = str(ROOT / "bayes_peer" / "data" / "demo_study.csv")

# (var1, var2, kappa, n, BF10) from correlationBF(x, y, rscale = kappa)
CORRELATION_BF = [
    ("alliance_m24", "satisfaction_m24", 1.0, 35, 269.2216642),
    ("alliance_m24", "satisfaction_m24", 1 / 3, 35, 231.0182057),
    ("alliance_m12", "qol_m12", 1.0, 40, 0.2065207432),
    ("contacts_m24", "qol_m24", 1 / 3, 35, 3.567211363),
]


def run_json(cli, *args):
    status, out, err = cli(*args, "--json")
    assert status == 0, err
    return json.loads(out)


@pytest.mark.parametrize(("a", "b", "kappa", "n", "bf10"), CORRELATION_BF)
def test_correlation_bf_matches_bayesfactor(cli, a, b, kappa, n, bf10):
    doc = run_json(cli, "correlate", "--data", DEMO, "--vars", f"{a},{b}", "--kappa", repr(kappa))
    (pair,) = doc["pairs"]
    assert pair["n"] == n
    assert pair["bf10"] == pytest.approx(bf10, rel=1e-6)


def test_one_sided_bfs_agree_with_bayesfactor_interval_null(cli):
    # correlationBF(x, y, rscale = 1, nullInterval = c(0, 1)): BF+0 = 41.14429177, BF-0 (the
    # complement) = 0.05385122085, n = 36, r = 0.498398459872929; its two-sided BF10 is
    # 20.61632314. BayesFactor's one-sided values are approximations: they add up to 41.19814,
    # not 2 BF10 = 41.23265. The 30-digit quadrature of tests/ly_reference.py gives
    # BF+0 = 41.17879996 and BF-0 = 0.05384632538, which the package must match exactly, and
    # BayesFactor's within its approximation error (0.1%).
    doc = run_json(
        cli, "correlate", "--data", DEMO, "--vars", "alliance_m24,empowerment_m24",
        "--alternative", "greater",
    )  # fmt: skip
    (pair,) = doc["pairs"]
    assert pair["n"] == 36
    assert pair["bf10_two_sided"] == pytest.approx(20.61632314, rel=1e-8)
    assert pair["bf10"] == pytest.approx(41.17879996, rel=1e-8)
    assert pair["bf_minus0"] == pytest.approx(0.05384632538, rel=1e-8)
    assert pair["bf10"] == pytest.approx(41.14429177, rel=1e-3)
    assert pair["bf_minus0"] == pytest.approx(0.05385122085, rel=1e-3)


def test_block_bfs_match_lmbf(cli):
    # lmBF(recovery_m24 ~ recovery_m0 + contacts_m24 + budget_used_m24 [+ alliance_m24]):
    # n = 32, BF(m1) = 4.790689105, BF(m2) = 9.520925009, BF(m2 / m1) = 1.987381105.
    doc = run_json(
        cli, "regress", "--data", DEMO, "--outcome", "recovery_m24",
        "--block", "recovery_m0,contacts_m24,budget_used_m24", "--block", "alliance_m24",
    )  # fmt: skip
    b1, b2 = doc["blocks"]
    assert doc["n_used"] == 32
    assert b1["bf_block"] == pytest.approx(4.790689105, rel=1e-6)
    assert b2["bf10"] == pytest.approx(9.520925009, rel=1e-6)
    assert b2["bf_block"] == pytest.approx(1.987381105, rel=1e-6)
