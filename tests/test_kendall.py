"""Bayesian Kendall's tau-b (van Doorn, Ly, Marsman & Wagenmakers 2018) against its oracles.

Oracles
-------
* ``data/kendall_oracle.csv``: the authors' published R functions (osf.io/b9qhj: the prior
  ``scaledBetaTau``, the posterior ``N(T*; 1.5 tau sqrt(n), 1) p(tau)`` and the Savage-Dickey BF)
  run in R 4.2.2 here, with R's ``integrate`` at rel.tol = 1e-13 split at the posterior's peak
  and quantiles by ``uniroot`` (tol = 1e-13) on the integrated density (2026-12-01); 189 rows:
  tau in {-0.6, -0.3, -0.05, 0, 0.1, 0.25, 0.45}, n in {10, 46, 120}, kappa in {1/3, 1, 2},
  each alternative; columns: the BF of the alternative, posterior median and 95% interval.
* The authors' ``kendallBF(0.3, 46)`` as published (R's default ``integrate``).
* JASP's unit test of the summary-statistics Kendall analysis (jaspSummaryStatistics,
  test-summarystatscorrelationbayesianpairs.R): n = 50, tau = -0.3, kappa = 1.2, "greater".
* Tied data: ``data/kendall_r_example.csv`` (x, y rounded normal draws with ties; x2, y2 without
  ties, n = 46) and the demo study's count column ``contacts``: tau-b from R's
  ``cor(method = "kendall")``, p from ``cor.test`` (exact without ties and n < 50), BFs and
  posterior from the same oracle functions.
"""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

import bayes_peer as bp
from bayes_peer.exact.kendall import kendall_posterior
from bayes_peer.frequentist.kendall import (
    kendall_tau_b,
    leave_one_out_tau_b,
    running_tau_b,
)

from conftest import ROOT

DATA = ROOT / "tests" / "data"
DEMO = ROOT / "bayes_peer" / "data" / "demo_study.csv"


def _oracle_rows():
    with open(DATA / "kendall_oracle.csv", encoding="utf-8") as handle:
        return [
            {**row, "tau": float(row["tau"]), "n": int(float(row["n"])),
             "kappa": float(row["kappa"]), **{k: float(row[k]) for k in
                                              ("bf", "median", "low", "high")}}
            for row in csv.DictReader(handle)
        ]  # fmt: skip


ORACLE = _oracle_rows()


def test_the_oracle_grid_is_complete():
    assert len(ORACLE) == 189
    assert {r["n"] for r in ORACLE} == {10, 46, 120}
    assert {r["alt"] for r in ORACLE} == {"two-sided", "greater", "less"}


@pytest.mark.parametrize("row", ORACLE, ids=lambda r: f"{r['tau']}-{r['n']}-{r['kappa']:.3g}-"
                         f"{r['alt']}")  # fmt: skip
def test_bayes_factor_and_posterior_agree_with_the_authors_functions(row):
    post = kendall_posterior(row["tau"], row["n"], row["kappa"], row["alt"])
    assert math.exp(post.log_bf) == pytest.approx(row["bf"], rel=1e-6)
    for key, value in (("posterior_median", row["median"]), ("ci_low", row["low"]),
                       ("ci_high", row["high"])):  # fmt: skip
        assert getattr(post, key) == pytest.approx(value, rel=1e-6, abs=1e-9), key


def test_the_authors_published_kendall_bf():
    # kendallBF(0.3, 46) of osf.io/b9qhj, run in R 4.2.2 here (2026-12-01).
    post = kendall_posterior(0.3, 46)
    assert math.exp(post.log_bf10) == pytest.approx(12.93963002353318, rel=1e-9)
    assert math.exp(post.log_bf_plus0) == pytest.approx(25.83150566110758, rel=1e-9)
    assert math.exp(post.log_bf_minus0) == pytest.approx(0.04775438595877650, rel=1e-9)


def test_jasp_summary_statistics_example():
    # JASP unit test: n = 50, tau = -0.3, kappa = 1.2, alternative "greater", BF01 and p.
    result = bp.correlate(tau=-0.3, n=50, kappa=1.2, alternative="greater", ci_prob=0.69)
    assert result.record["bf01"] == pytest.approx(25.3830367605608, rel=1e-9)
    assert result.record["p_value"] == pytest.approx(0.998944254496665, rel=1e-12)


def test_bayes_factor_invariants():
    for tau, n, kappa in ((0.3, 46, 1.0), (-0.2, 12, 0.5), (0.05, 120, 2.0)):
        post = kendall_posterior(tau, n, kappa)
        bf10, plus, minus = (math.exp(v) for v in (post.log_bf10, post.log_bf_plus0,
                                                    post.log_bf_minus0))  # fmt: skip
        assert plus + minus == pytest.approx(2 * bf10, rel=1e-9)
        mirrored = kendall_posterior(-tau, n, kappa)
        assert mirrored.log_bf_plus0 == pytest.approx(post.log_bf_minus0, rel=1e-9)
        assert mirrored.posterior_median == pytest.approx(-post.posterior_median, abs=1e-9)


# (x, y, n, tau_b, p two-sided, p greater, BF10, BF+0, BF-0, median, 95% low, 95% high) from
# R 4.2.2: cor(), cor.test() and the oracle functions above on data/kendall_r_example.csv.
R_EXAMPLE = [
    ("x", "y", 46, 0.360540648812176, 0.00126437192169105, 0.000632185960845526,
     83.9614665262388, 167.882172422592, 0.0407606298856144, 0.33817524732346,
     0.148325556841717, 0.527256024132081),
    ("x2", "y2", 46, 0.298550724637681, 0.00318312685017719, 0.00159156342508859,
     12.4249912946659, 24.8020331393872, 0.047949449944568, 0.280284689925306,
     0.0902262097838394, 0.469787520932686),
]  # fmt: skip


@pytest.mark.parametrize("case", R_EXAMPLE, ids=["ties", "no-ties-exact-p"])
def test_data_with_and_without_ties_agree_with_r(case):
    a, b, n, tau, p2, pg, bf10, bfp, bfm, med, lo, hi = case
    result = bp.correlate(DATA / "kendall_r_example.csv", [a, b], method="kendall")
    pair = result.record["pairs"][0]
    assert (pair["n"], pair["ties"]) == (n, a == "x")
    assert pair["p_method"] == ("normal" if a == "x" else "exact")
    assert pair["tau_b"] == pytest.approx(tau, rel=1e-12)
    assert pair["p_value"] == pytest.approx(p2, rel=1e-9)
    for key, value in (("bf10", bf10), ("bf_plus0", bfp), ("bf_minus0", bfm),
                       ("posterior_median", med), ("ci_low", lo), ("ci_high", hi)):  # fmt: skip
        assert pair[key] == pytest.approx(value, rel=1e-6), key
    greater = bp.correlate(DATA / "kendall_r_example.csv", [a, b], method="kendall",
                           alternative="greater").record["pairs"][0]  # fmt: skip
    assert greater["p_value"] == pytest.approx(pg, rel=1e-9)
    assert greater["bf10"] == pytest.approx(bfp, rel=1e-6)


# The demo study's count column (ties), pairwise-complete rows; from R 4.2.2 as above:
# (var1, var2, n, tau_b, p, BF10, BF+0, BF-0, median, 95% low, 95% high).
DEMO_PAIRS = [
    ("alliance_m12", "contacts_m12", 40, 0.0973927891600583, 0.38671921410573,
     0.299594248098325, 0.484525656011019, 0.114662840185632, 0.0907440189797822,
     -0.113021359172347, 0.294324068572191),
    ("contacts_m24", "empowerment_m24", 38, 0.0538655687488344, 0.640692374377609,
     0.234273156849659, 0.318858444329547, 0.149687869369771, 0.0500107527177846,
     -0.158896754693134, 0.258807153507565),
]  # fmt: skip


@pytest.mark.parametrize("case", DEMO_PAIRS, ids=lambda c: f"{c[0]}~{c[1]}")
def test_cli_json_contract_on_the_demo_counts(cli, case):
    a, b, n, tau, p, bf10, bfp, bfm, med, lo, hi = case
    status, out, err = cli("correlate", "--data", str(DEMO), "--vars", f"{a},{b}",
                           "--method", "kendall", "--json")  # fmt: skip
    assert status == 0, err
    record = json.loads(out)
    assert record["synthetic"] is True and record["method"] == "kendall"
    assert "kappa = 1" in record["prior"]
    pair = record["pairs"][0]
    assert (pair["var1"], pair["var2"], pair["n"], pair["ties"]) == (a, b, n, True)
    assert pair["tau_b"] == pytest.approx(tau, rel=1e-12)
    assert pair["p_value"] == pytest.approx(p, rel=1e-9)
    for key, value in (("bf10", bf10), ("bf_plus0", bfp), ("bf_minus0", bfm),
                       ("posterior_median", med), ("ci_low", lo), ("ci_high", hi)):  # fmt: skip
        assert pair[key] == pytest.approx(value, rel=1e-6), key


def test_kappa_and_alternative_are_passed_as_for_pearson(cli):
    status, out, _ = cli("correlate", "--tau", "0.3", "--n", "46", "--kappa", "1/3",
                         "--alternative", "less", "--json")  # fmt: skip
    assert status == 0
    record = json.loads(out)
    post = kendall_posterior(0.3, 46, 1 / 3, "less")
    assert record["bf10"] == pytest.approx(math.exp(post.log_bf_minus0), rel=1e-12)
    assert record["kappa"] == pytest.approx(1 / 3) and record["alternative"] == "less"
    assert record["ci_high"] <= 0


@pytest.mark.parametrize(
    "args, needle",
    [
        (("--tau", "0.3", "--n", "46", "--kappa", "2.5"), "at most 2"),
        (("--tau", "1.5", "--n", "46"), "--tau"),
        (("--tau", "0.3"), "--n"),
        (("--r", "0.3", "--n", "46", "--method", "kendall"), "Kendall"),
        (("--data", str(DEMO), "--method", "kendall", "--model", "joint"), "--model"),
        (("--tau", "0.3", "--n", "46", "--method", "pearson"), "--tau"),
    ],
)
def test_bad_kendall_requests_exit_2(cli, args, needle):
    status, out, err = cli("correlate", *args)
    assert status == 2 and out == ""
    assert err.startswith("error:") and needle in err and "Traceback" not in err


def test_a_published_table_is_refused_for_kendall():
    with pytest.raises(bp.InputError, match="participant rows"):
        bp.correlate(ROOT / "models" / "tables" / "demo_m12.toml", method="kendall")


def test_running_and_leave_one_out_tau_b_equal_scipy():
    from scipy.stats import kendalltau

    rng = np.random.default_rng(4)
    x = rng.integers(0, 6, 30).astype(float)
    y = x + rng.integers(0, 3, 30)
    running = running_tau_b(x, y)
    for k in range(3, 31):
        assert running[k - 1] == pytest.approx(kendalltau(x[:k], y[:k]).statistic, abs=1e-13)
    left = leave_one_out_tau_b(x, y)
    for i in range(30):
        expected = kendalltau(np.delete(x, i), np.delete(y, i)).statistic
        assert left[i] == pytest.approx(expected, abs=1e-13)
    assert kendall_tau_b(x, y).tau_b == pytest.approx(kendalltau(x, y).statistic, abs=1e-15)


def test_sensitivity_uses_the_same_numbers():
    result = bp.correlate(DEMO, ["alliance_m12", "contacts_m12"], method="kendall",
                          robustness=True, sequential=True, influence=True)  # fmt: skip
    pair = result.record["pairs"][0]
    at_one = next(c for c in pair["robustness"] if c["kappa"] == 1.0)
    assert at_one["bf10"] == pytest.approx(pair["bf10"], rel=1e-6)
    assert max(c["kappa"] for c in pair["robustness"]) <= 2.0
    assert pair["max_bf10"] >= max(c["bf10"] for c in pair["robustness"]) * (1 - 1e-9)
    assert pair["sequential"][-1]["n"] == pair["n"]
    assert pair["sequential"][-1]["bf10"] == pytest.approx(pair["bf10"], rel=1e-6)
    x, y, ids = bp.read_csv(DEMO).complete_pair("alliance_m12", "contacts_m12")
    first = pair["influence"][0]
    alone = kendall_posterior(float(leave_one_out_tau_b(x, y)[0]), pair["n"] - 1)
    assert first["id"] == ids[0]
    assert first["bf10"] == pytest.approx(math.exp(alone.log_bf10), rel=1e-6)


def test_report_section_sets_tau_beside_pearson():
    from bayes_peer.analyses.correlate_kendall import kendall_pairs
    from bayes_peer.analyses.pairs import correlate_pairs
    from bayes_peer.report.rank_section import kendall_section
    from bayes_peer.report.results import SpecResults

    data = bp.read_csv(DEMO)
    names = ["alliance_m24", "contacts_m24", "satisfaction_m24"]
    spec = SpecResults(folder=ROOT, entry={"name": "x"},
                       correlations=correlate_pairs(data, names),
                       kendall=kendall_pairs(data, names, 1.0, "two-sided", 0.95))  # fmt: skip
    blocks = kendall_section(spec)
    details = next(b for b in blocks if b[0] == "details")  # the full table, folded
    table = next(b for b in details[2] if b[0] == "table")
    assert len(table[2]) == 3
    first = table[2][0]["cells"]
    assert first[0] == "alliance_m24 ~ contacts_m24" and first[2] == "36"
    assert "kappa = 1" in blocks[1][1]
