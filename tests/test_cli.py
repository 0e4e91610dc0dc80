"""The JSON contract of the CLI (documented in the README) and its exact-layer numbers."""

from __future__ import annotations

import json
import math

import pytest

from bayes_peer.exact.correlation import correlation_posterior
from bayes_peer.exact.regression import RSCALES, log_jzs_bf

from conftest import GOOD, ROOT, run_cli

CORRELATION_KEYS = {
    "n", "r", "kappa", "alternative", "bf10", "log_bf10", "posterior_median", "ci_low",
    "ci_high", "ci_prob", "p_value", "freq_ci_low", "freq_ci_high",
}  # fmt: skip
BLOCK_KEYS = {
    "block", "terms", "n", "r2", "adj_r2", "delta_r2", "f_change", "df1", "df2", "p_change",
    "bf_block",
}  # fmt: skip
COEFFICIENT_KEYS = {
    "block", "term", "b", "se", "t", "p_value", "beta_std", "beta_std_ci_low", "beta_std_ci_high",
}  # fmt: skip
DEMO = str(ROOT / "bayes_peer" / "data" / "demo_study.csv")


def run_json(cli, *args):
    status, out, err = cli(*args, "--json")
    assert status == 0, err
    assert out.count("\n") == 1  # exactly one JSON object, nothing else
    return json.loads(out)


def test_correlate_r_n_contract_and_oracle(cli):
    doc = run_json(cli, "correlate", "--r", "0.6", "--n", "20")
    assert CORRELATION_KEYS <= set(doc)
    assert doc["bf10"] == pytest.approx(10.6336, rel=1e-5)  # BayesFactor/JASP, issue 2
    assert doc["kappa"] == 1.0 and doc["alternative"] == "two-sided" and doc["ci_prob"] == 0.95
    assert "kappa = 1" in doc["prior"]


@pytest.mark.parametrize(("alternative", "bf"), [("greater", 21.1848), ("less", 0.082448)])
def test_one_sided_bf10_is_the_chosen_alternative(cli, alternative, bf):
    doc = run_json(cli, "correlate", "--r", "0.6", "--n", "20", "--alternative", alternative)
    assert doc["bf10"] == pytest.approx(bf, rel=1e-5)
    assert doc["freq_ci_low"] < 0.6 < doc["freq_ci_high"]  # the frequentist CI stays two-sided
    two = run_json(cli, "correlate", "--r", "0.6", "--n", "20")
    assert doc["p_value"] == pytest.approx(
        two["p_value"] / 2 if alternative == "greater" else 1 - two["p_value"] / 2
    )


def test_ci_prob_changes_both_intervals(cli):
    d90 = run_json(cli, "correlate", "--r", "0.5", "--n", "46", "--ci-prob", "0.9")
    d95 = run_json(cli, "correlate", "--r", "0.5", "--n", "46")
    assert d90["ci_low"] > d95["ci_low"] and d90["freq_ci_low"] > d95["freq_ci_low"]
    post = correlation_posterior(0.5, 46, ci_prob=0.9)
    assert (d90["ci_low"], d90["ci_high"]) == pytest.approx((post.ci_low, post.ci_high))


def test_overflowing_bf_is_null_with_finite_log(cli):
    doc = run_json(cli, "correlate", "--r", "0.99", "--n", "5000")
    assert doc["bf10"] is None and math.isfinite(doc["log_bf10"]) and doc["log_bf10"] > 709


def test_correlate_data_pairs(cli):
    doc = run_json(
        cli, "correlate", "--data", DEMO, "--vars", "alliance_m24,satisfaction_m24,contacts_m24"
    )
    assert len(doc["pairs"]) == 3
    for pair in doc["pairs"]:
        assert CORRELATION_KEYS | {"var1", "var2"} <= set(pair)
    assert doc["synthetic"] is True  # the shipped demo study is labelled as such
    first = doc["pairs"][0]
    assert (first["var1"], first["var2"]) == ("alliance_m24", "satisfaction_m24")
    ref = correlation_posterior(first["r"], first["n"])
    assert first["log_bf10"] == pytest.approx(ref.log_bf10)


def test_correlate_summary_pairs(cli):
    doc = run_json(
        cli, "correlate", "--summary", str(GOOD / "summary_lower.toml"), "--kappa", "0.5"
    )
    assert len(doc["pairs"]) == 6
    pair = next(p for p in doc["pairs"] if (p["var1"], p["var2"]) == ("y", "a"))
    assert pair["n"] == 46 and pair["r"] == 0.40 and pair["kappa"] == 0.5


def test_regress_r2_contract(cli):
    doc = run_json(cli, "regress", "--n", "46", "--r2", "0.20,0.25", "--p", "2,3")
    assert doc["coefficients"] == []
    b1, b2 = doc["blocks"]
    assert BLOCK_KEYS <= set(b1)
    # JZS oracles (issue 2): N = 46, p = 2, R² = .20 -> 5.83432; p = 3, R² = .25 -> 6.73322
    assert b1["bf_block"] == pytest.approx(5.83432, rel=1e-5)
    assert b2["bf_block"] == pytest.approx(6.73322 / 5.83432, rel=1e-5)
    assert b2["delta_r2"] == pytest.approx(0.05)
    assert (b2["df1"], b2["df2"]) == (1, 42)
    assert doc["rscale"] == pytest.approx(RSCALES["medium"]) and doc["rscale_label"] == "medium"


def test_regress_data_contract(cli):
    doc = run_json(
        cli, "regress", "--data", DEMO, "--outcome", "recovery_m24",
        "--block", "recovery_m0,contacts_m24,budget_used_m24", "--block", "alliance_m24",
    )  # fmt: skip
    assert doc["synthetic"] is True
    assert [b["terms"] for b in doc["blocks"]] == [
        ["recovery_m0", "contacts_m24", "budget_used_m24"],
        ["alliance_m24"],
    ]
    assert len({b["n"] for b in doc["blocks"]}) == 1  # the same rows for every block
    assert doc["n_used"] + len(doc["dropped"]) == doc["n_rows"] == 46
    assert all(d["missing"] for d in doc["dropped"])
    assert len(doc["coefficients"]) == 3 + 4
    for c in doc["coefficients"]:
        assert COEFFICIENT_KEYS <= set(c)
    n, b2 = doc["n_used"], doc["blocks"][1]
    expected = log_jzs_bf(n, 4, b2["r2"]) - log_jzs_bf(n, 3, doc["blocks"][0]["r2"])
    assert b2["log_bf_block"] == pytest.approx(expected)


def test_regress_summary_without_sds_has_null_raw_coefficients(cli, tmp_path):
    text = (GOOD / "summary_lower.toml").read_text()
    no_sd = "\n".join(ln for ln in text.splitlines() if not ln.startswith(("sds", "means")))
    path = tmp_path / "no_sd.toml"
    path.write_text(no_sd)
    doc = run_json(
        cli, "regress", "--summary", str(path), "--outcome", "y", "--block", "a,b", "--block", "c"
    )
    assert all(c["b"] is None and c["se"] is None for c in doc["coefficients"])
    assert all(c["beta_std"] is not None for c in doc["coefficients"])
    with_sd = run_json(
        cli, "regress", "--summary", str(GOOD / "summary_lower.toml"), "--outcome", "y",
        "--block", "a,b", "--block", "c",
    )  # fmt: skip
    assert [c["t"] for c in with_sd["coefficients"]] == pytest.approx(
        [c["t"] for c in doc["coefficients"]]
    )


def test_human_readable_output_names_prior_and_n(cli):
    status, out, _ = cli("correlate", "--r", "0.3", "--n", "46", "--kappa", "0.3333333")
    assert status == 0 and "kappa = 0.3333" in out and "n = 46" in out
    status, out, _ = cli("regress", "--n", "46", "--r2", "0.2", "--p", "2")
    assert status == 0 and "r = 0.3536" in out and "N = 46" in out
    status, out, _ = cli("correlate", "--data", DEMO, "--vars", "alliance_m12,qol_m12")
    assert status == 0 and "SYNTHETIC" in out and "Missing values" in out


def test_exact_commands_never_import_pymc():
    code = (
        "import sys; from bayes_peer.cli import main; "
        f"main(['correlate', '--data', {DEMO!r}, '--json']); "
        f"main(['regress', '--data', {DEMO!r}, '--outcome', 'qol_m24', '--block', 'alliance_m24', '--json']); "
        f"main(['correlate', '--data', {DEMO!r}, '--vars', 'alliance_m12,contacts_m12', '--method', 'kendall', '--json']); "
        f"main(['regress', '--data', {DEMO!r}, '--outcome', 'qol_m24', '--bma', '--candidates', 'alliance_m24,contacts_m24', '--json']); "
        "bad = [m for m in ('pymc', 'pytensor', 'nutpie', 'arviz') if m in sys.modules]; "
        "sys.exit(len(bad))"
    )
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_fresh_process_json_is_the_only_stdout():
    result = run_cli("correlate", "--r", "-0.856341390601075", "--n", "64", "--json")
    assert result.returncode == 0 and result.stderr == ""
    doc = json.loads(result.stdout)
    assert doc["bf10"] == pytest.approx(2.7309e16, rel=1e-4)  # JASP 0.17, issue 2


def test_fraction_kappa_and_integral_n_are_accepted(cli):
    a = run_json(cli, "correlate", "--r", "0.3", "--n", "46.0", "--kappa", "1/3")
    assert a["n"] == 46 and a["bf10"] == pytest.approx(2.07143, rel=1e-5)  # BayesFactor, issue 2
