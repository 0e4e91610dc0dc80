"""Sensitivity part 2 (MCMC): `bayes-peer sensitivity`, its tables, invariants and agreements.

One small spec (one correlation pair at two waves, one outcome's two-wave block model, short
chains) is run once with `run` and then `sensitivity`; the tests read what was written.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import types

import numpy as np
import pytest

from conftest import ROOT

#: MCMC sensitivity: one run and its sensitivity analyses
pytestmark = pytest.mark.slow

DEMO = ROOT / "bayes_peer" / "data" / "demo_study.csv"

SPEC = """
title = "sensitivity test"
[data]
csv = "{csv}"
[correlations]
constructs = ["alliance", "qol"]
waves = ["m12", "m24"]
eta = 1.0
kappa = 1.0
[regressions]
outcomes = ["qol"]
waves = ["m12", "m24"]
baseline = "m0"
blocks = [["contacts", "budget_used"], ["alliance"]]
prior = "normal"
[sampler]
draws = 500
tune = 500
chains = 4
seed = 11
"""


def _main(*args: str) -> tuple[int, str]:
    from bayes_peer.cli import main

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = main(list(args))
    return status, buffer.getvalue()


def _rows(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def sens(tmp_path_factory):
    """A run folder of the small spec with its sensitivity folder inside."""
    tmp = tmp_path_factory.mktemp("sens")
    spec = tmp / "small.toml"
    spec.write_text(SPEC.format(csv=DEMO))
    run_dir = tmp / "run"
    status, _ = _main("run", str(spec), "--out", str(run_dir), "--quiet", "--no-report")
    assert status == 0
    status, out = _main(
        "sensitivity", str(spec), "--out", str(run_dir / "sensitivity"), "--quiet", "--json"
    )
    assert status == 0
    folder = run_dir / "sensitivity"
    return types.SimpleNamespace(
        record=json.loads(out),
        run=run_dir,
        folder=folder,
        variants=_rows(folder / "variants.csv"),
        mnar=_rows(folder / "mnar.csv"),
        psense=_rows(folder / "power_scaling.csv"),
        pareto=_rows(folder / "pareto_k.csv"),
        exact=_rows(folder / "exact.csv"),
    )


def test_json_contract_and_files(sens):
    record = sens.record
    assert set(record) >= {"command", "versions", "specs", "synthetic", "seconds",
                           "exit_status", "reports", "workers"}  # fmt: skip
    assert record["exit_status"] == 0 and record["synthetic"] is True
    (entry,) = record["specs"]
    assert set(entry) >= {"spec", "name", "spec_sha256", "data", "data_sha256", "synthetic",
                          "sampler", "seed", "grids", "timings_seconds", "seconds", "summary",
                          "out"}  # fmt: skip
    assert entry["seed"] == 11
    assert set(entry["summary"]) == {"variants", "conclusions_changed", "failed_variants",
                                     "power_scaling_flags", "pareto_k_over_0_7",
                                     "pareto_k_over_threshold", "tipping_points"}  # fmt: skip
    assert entry["summary"]["variants"] == len(sens.variants)
    for name in ("variants", "power_scaling", "pareto_k", "mnar", "tipping_points", "exact",
                 "sensitivity.json", "spec.toml", "report.html", "report.md"):  # fmt: skip
        assert (sens.folder / (name if "." in name else f"{name}.csv")).is_file(), name
    saved = json.loads((sens.folder / "sensitivity.json").read_text())
    assert saved["spec_sha256"] == entry["spec_sha256"] and "versions" in saved
    html = (sens.folder / "report.html").read_text()
    assert "SYNTHETIC" in html and "Sensitivity: priors" in html
    assert "Sensitivity: missing not at random" in html


def test_plain_text_summary(sens):
    from bayes_peer.report.text import render_sensitivity

    out = render_sensitivity(sens.record)
    assert out.startswith("SYNTHETIC")
    assert "small: " in out and "conclusions that change under a variant:" in out
    assert "MNAR alliance__qol (m24):" in out and "Report with the sensitivity section" in out


def test_the_run_report_gains_the_section(sens):
    assert sens.record["reports"] == [str(sens.run / "report.html")]
    html = (sens.run / "report.html").read_text()
    assert "Sensitivity: priors, likelihood, influence, missing data" in html
    assert "different spec or data" not in html  # same spec and data hashes as the run


def test_variant_grid_and_changed_flags(sens):
    by_model: dict[str, set] = {}
    for row in sens.variants:
        by_model.setdefault(row["model"], set()).add((row["kind"], row["setting"]))
    pair = by_model["alliance__qol"]
    assert sum(k == "prior" for k, _ in pair) == 3  # eta 0.5, 2, 4 (the spec's eta = 1)
    assert {k for k, _ in pair} >= {"spec", "prior", "likelihood", "missing data"}
    outcome = by_model["qol"]
    assert sum(k == "prior" for k, _ in outcome) == 6  # SD 0.25, 0.5, 2.5; R2-D2 0.1/0.3/0.5
    quantities = {(r["quantity"], r["wave"]) for r in sens.variants if r["model"] == "qol"}
    assert quantities == {("slope alliance", "m12"), ("slope alliance", "m24"),
                          ("slope alliance change", "m24 - m12"), ("delta_r2", "m12"),
                          ("delta_r2", "m24")}  # fmt: skip
    spec = {(r["model"], r["quantity"], r["wave"]): r for r in sens.variants if r["kind"] == "spec"}
    for row in sens.variants:
        ref = spec[(row["model"], row["quantity"], row["wave"])]
        low, high = float(row["ci_low"]), float(row["ci_high"])
        assert low <= float(row["median"]) <= high
        if row["quantity"] == "delta_r2":
            assert row["conclusion"] == "" and row["changed"] == "False"
            continue
        expected = "positive" if low > 0 else "negative" if high < 0 else "includes 0"
        assert row["conclusion"] == expected
        assert row["changed"] == str(row["conclusion"] != ref["conclusion"])
        assert float(row["shift"]) == pytest.approx(float(row["median"]) - float(ref["median"]))


def test_listwise_variants_use_the_complete_rows(sens):
    import pandas as pd

    data = pd.read_csv(DEMO)
    pair_cols = ["alliance_m12", "qol_m12", "alliance_m24", "qol_m24"]
    listwise = [r for r in sens.variants if r["kind"] == "missing data"]
    pair = next(r for r in listwise if r["model"] == "alliance__qol")
    assert int(pair["n"]) == int(data[pair_cols].notna().all(axis=1).sum())
    spec_pair = next(r for r in sens.variants if r["model"] == "alliance__qol"
                     and r["kind"] == "spec")  # fmt: skip
    assert int(spec_pair["n"]) == int(data[pair_cols].notna().any(axis=1).sum())
    wave_cols = {w: [f"qol_{w}", "qol_m0", f"contacts_{w}", f"budget_used_{w}",
                     f"alliance_{w}"] for w in ("m12", "m24")}  # fmt: skip
    both = data[wave_cols["m12"]].notna().all(axis=1) & data[wave_cols["m24"]].notna().all(axis=1)
    outcome = next(r for r in listwise if r["model"] == "qol")
    assert int(outcome["n"]) == int(both.sum())


def test_spec_variant_reproduces_the_run(sens):
    """Same structure, data and seed: the sensitivity's spec fit is the run's fit."""
    run_pairs = _rows(sens.run / "correlations.csv")
    row = next(r for r in run_pairs if r["var1"] == "alliance_m24" and r["var2"] == "qol_m24")
    spec = next(r for r in sens.variants if r["model"] == "alliance__qol" and r["kind"] == "spec"
                and r["quantity"] == "rho" and r["wave"] == "m24")  # fmt: skip
    assert float(spec["median"]) == pytest.approx(float(row["mcmc_median"]), abs=1e-12)
    coefs = _rows(sens.run / "coefficients.csv")
    coef = next(c for c in coefs if c["wave"] == "m24" and c["block"] == "2"
                and c["term"] == "alliance_m24")  # fmt: skip
    slope = next(r for r in sens.variants if r["model"] == "qol" and r["kind"] == "spec"
                 and r["quantity"] == "slope alliance" and r["wave"] == "m24")  # fmt: skip
    assert float(slope["median"]) == pytest.approx(float(coef["posterior_median"]), abs=1e-12)


def test_mnar_at_delta_zero_agrees_with_the_fiml_posterior(sens):
    """Multiple imputation under MAR (delta = 0) + exact posteriors vs the FIML MCMC fit."""
    at_zero = next(r for r in sens.mnar if float(r["delta"]) == 0.0)
    fiml = next(r for r in sens.variants if r["model"] == "alliance__qol" and r["kind"] == "spec"
                and r["quantity"] == "rho" and r["wave"] == "m24")  # fmt: skip
    # same marginal prior (kappa = 1/2 for LKJ(1) in 4 dimensions); MI with 20 imputations
    assert float(at_zero["median"]) == pytest.approx(float(fiml["median"]), abs=0.05)
    assert float(at_zero["ci_low"]) == pytest.approx(float(fiml["ci_low"]), abs=0.07)
    assert float(at_zero["ci_high"]) == pytest.approx(float(fiml["ci_high"]), abs=0.07)
    deltas = [float(r["delta"]) for r in sens.mnar]
    assert deltas == sorted(deltas) and len(deltas) == 21
    (tip,) = sens.record["specs"][0]["summary"]["tipping_points"]
    assert tip["conclusion_mar"] == at_zero["conclusion"]


def test_power_scaling_and_pareto_rows(sens):
    spec_keys = {(r["model"], r["quantity"], r["wave"]) for r in sens.variants
                 if r["kind"] == "spec"}  # fmt: skip
    assert {(r["model"], r["quantity"], r["wave"]) for r in sens.psense} == spec_keys
    for row in sens.psense:
        assert float(row["prior_sensitivity"]) >= 0 and float(row["likelihood_sensitivity"]) >= 0
        assert row["diagnosis"] in {"none", "prior-data conflict", "strong prior / weak likelihood"}
    n_spec = {r["model"]: int(r["n"]) for r in sens.variants if r["kind"] == "spec"}
    for model, n in n_spec.items():
        assert sum(r["model"] == model for r in sens.pareto) == n


def test_exact_table_matches_the_exact_layer(sens):
    import pandas as pd

    from bayes_peer.exact.correlation import correlation_posterior

    data = pd.read_csv(DEMO)[["alliance_m24", "qol_m24"]].dropna()
    r = float(np.corrcoef(data.to_numpy(), rowvar=False)[0, 1])
    row = next(x for x in sens.exact if x["model"] == "alliance__qol" and x["wave"] == "m24")
    assert int(row["n"]) == len(data)
    bf = math.exp(correlation_posterior(r, len(data), 1.0).log_bf10)
    assert float(row["bf10"]) == pytest.approx(bf, rel=1e-9)
    assert float(row["max_bf10"]) >= bf * (1 - 1e-9)


def test_exact_loo_refits_agree_with_psis(monkeypatch):
    """Refitting without a participant gives its elpd; PSIS estimates it without refitting."""
    from bayes_peer.analyses import sensitivity_checks, sensitivity_mcmc
    from bayes_peer.data.participants import read_participants
    from bayes_peer.mcmc.sampler import SamplerSettings

    monkeypatch.setattr(sensitivity_checks, "PARETO_K_REFIT", -1.0)  # refit the worst k ...
    monkeypatch.setattr(sensitivity_checks, "MAX_REFITS", 3)  # ... three of them
    data = read_participants(DEMO)
    settings = SamplerSettings(draws=1000, tune=600, chains=2, seed=3)
    result = sensitivity_mcmc.correlation_pair(data, "alliance", "qol", ["m12", "m24"], settings)
    refitted = [r for r in result.influence if r["refitted"]]
    assert len(refitted) == 3
    reliable = [r for r in refitted if r["pareto_k"] < 0.7]  # where PSIS is reliable ...
    assert len(reliable) >= 2
    for row in reliable:  # ... the exact refit and PSIS must agree
        assert row["elpd_loo_exact"] == pytest.approx(row["elpd_loo_psis"], abs=0.15)
    influence_rows = [r for r in result.variants if r["kind"] == "influence"]
    assert len(influence_rows) == 3 * 3 and all(int(r["n"]) == 42 for r in influence_rows)


def _conjugate_tree(tau: float, ybar: float, n: int, seed: int = 0):
    """Exact posterior draws of a normal mean (known SD 1) with a N(0, tau) prior."""
    import xarray as xr

    rng = np.random.default_rng(seed)
    y = ybar + rng.standard_normal(n)
    y += ybar - y.mean()
    precision = 1 / tau**2 + n
    mean = n * ybar / precision
    theta = mean + rng.standard_normal((4, 1000)) / math.sqrt(precision)
    log_prior = -0.5 * (theta / tau) ** 2 - math.log(tau)
    log_lik = -0.5 * (y[None, None, :] - theta[..., None]) ** 2
    tree = xr.DataTree.from_dict({
        "posterior": xr.Dataset({"theta": (("chain", "draw"), theta)}),
        "log_prior": xr.Dataset({"theta": (("chain", "draw"), log_prior)}),
        "log_likelihood": xr.Dataset({"obs": (("chain", "draw", "obs_dim"), log_lik)}),
    })  # fmt: skip
    return types.SimpleNamespace(idata=tree), {("theta", ""): theta}


def test_power_scaling_diagnoses_a_strong_prior_and_a_weak_one():
    from bayes_peer.analyses.sensitivity_checks import power_scaling

    # Kallioinen et al. (2024): a prior far from the data and as informative -> conflict
    fit, q = _conjugate_tree(tau=0.1, ybar=1.0, n=46)
    (row,) = power_scaling("m", fit, q)
    assert row["diagnosis"] == "prior-data conflict"
    assert row["prior_sensitivity"] > 0.05 and row["likelihood_sensitivity"] > 0.05
    fit, q = _conjugate_tree(tau=10.0, ybar=1.0, n=46)
    (row,) = power_scaling("m", fit, q)
    assert row["diagnosis"] == "none" and row["prior_sensitivity"] < 0.01


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ((), "give one or more spec files, or --demo"),
        (("models/published_tables.toml",), "sensitivity needs participant rows"),
        (("--demo", "--data", str(DEMO)), "--demo uses the shipped demo study"),
        (("models/blocks.toml", "--workers", "0"), "--workers must be"),
    ],
)
def test_refusals(cli, args, fragment):
    status, out, err = cli("sensitivity", *args)
    assert status == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith("error:") and fragment in line


def test_one_wave_regression_specs_are_refused(cli, tmp_path):
    spec = tmp_path / "one.toml"
    spec.write_text(SPEC.format(csv=DEMO).replace('waves = ["m12", "m24"]\nbaseline', "baseline")
                    .replace('outcomes = ["qol"]', 'outcomes = ["qol_m24"]')
                    .replace('blocks = [["contacts", "budget_used"], ["alliance"]]',
                             'blocks = [["contacts_m24"], ["alliance_m24"]]')
                    .replace('baseline = "m0"\n', ""))  # fmt: skip
    status, _, err = cli("sensitivity", str(spec), "--out", str(tmp_path / "o"))
    assert status == 2 and "two-wave" in err
    assert not (tmp_path / "o").exists()


def test_an_existing_folder_is_kept_without_force(cli, sens):
    before = (sens.folder / "variants.csv").read_bytes()
    spec = sens.folder / "spec.toml"
    status, _, err = cli("sensitivity", str(spec), "--out", str(sens.folder))
    assert status == 2 and "--force" in err
    assert (sens.folder / "variants.csv").read_bytes() == before


def test_a_run_folder_is_never_replaced(cli, sens):
    """--out pointing at the run itself (with --force) is refused before any fit."""
    before = (sens.run / "run.json").read_bytes()
    spec = sens.folder / "spec.toml"
    status, _, err = cli("sensitivity", str(spec), "--out", str(sens.run), "--force")
    assert status == 2 and "is the results folder of a run" in err
    assert (sens.run / "run.json").read_bytes() == before
    assert (sens.folder / "variants.csv").is_file()


def test_demo_flag_hands_the_shipped_participant_specs_to_the_api(cli, monkeypatch):
    # `sensitivity --demo` once passed loaded specs where the API expected paths (a TypeError,
    # exit 1); the analysis itself is stubbed here, the full run is scripts/bench_sensitivity.py
    from bayes_peer.runs import sensitivity as runs_sensitivity

    seen = {}

    def fake_run(specs, outs, **kwargs):
        seen.update(names=[s.name for s in specs], outs=[str(o) for o in outs], **kwargs)
        return {"command": "bayes-peer sensitivity", "specs": [], "exit_status": 0}

    monkeypatch.setattr(runs_sensitivity, "run_sensitivity", fake_run)
    status, out, err = cli("sensitivity", "--demo", "--json", "--no-report")
    assert status == 0, err
    assert seen["names"] == ["blocks", "correlations"]  # not the published tables
    assert seen["workers"] == 2 and json.loads(out)["exit_status"] == 0
