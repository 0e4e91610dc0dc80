"""The synthetic demo study: reproducible generator, documented truths, the main job end to end."""

from __future__ import annotations

import csv
import json
import subprocess

import numpy as np
import pytest

from bayes_peer.data.demo import (
    DEMO_SEED,
    LATENT_ORDER,
    demo_path,
    generate_demo,
    shows_abstract_pattern,
    to_csv_text,
    true_correlations,
    true_regression,
)

from conftest import ROOT, run_cli


def test_shipped_csv_is_the_generator_output():
    assert demo_path().read_text() == to_csv_text(generate_demo(seed=DEMO_SEED))
    assert shows_abstract_pattern(generate_demo(seed=DEMO_SEED))


def test_true_correlations_are_a_valid_matrix_with_the_stated_pattern():
    names, corr = true_correlations()
    assert np.allclose(np.diag(corr), 1.0) and np.linalg.eigvalsh(corr).min() > 0
    ix = names.index
    assert corr[ix("alliance_m12"), ix("contacts_m12")] == 0.0
    for outcome in ("satisfaction", "empowerment", "recovery", "qol"):
        r12 = corr[ix("alliance_m12"), ix(f"{outcome}_m12")]
        r24 = corr[ix("alliance_m24"), ix(f"{outcome}_m24")]
        assert r24 > r12  # the demo's assumption: stronger at 24 months


def test_large_simulation_recovers_the_true_correlations():
    data = generate_demo(n=40_000, seed=1, attrition=False)
    names, corr = true_correlations()
    affine = [n for n in names if not n.startswith("contacts")]  # contacts are log-normal counts
    sample = np.corrcoef(np.column_stack([data[n] for n in affine]), rowvar=False)
    truth = corr[np.ix_([names.index(n) for n in affine], [names.index(n) for n in affine])]
    # rounding to the instruments' precision attenuates a little; SE of r at n = 40000 ~ 0.005
    np.testing.assert_allclose(sample, truth, atol=0.03)


def test_true_regression_matches_a_large_simulation():
    predictors = ["recovery_m0", "budget_used_m24", "alliance_m24"]
    truth = true_regression("recovery_m24", predictors)
    data = generate_demo(n=40_000, seed=2, attrition=False)
    z = {k: (data[k] - data[k].mean()) / data[k].std() for k in [*predictors, "recovery_m24"]}
    x = np.column_stack([z[p] for p in predictors])
    beta, *_ = np.linalg.lstsq(x, z["recovery_m24"], rcond=None)
    np.testing.assert_allclose(beta, [truth["beta_std"][p] for p in predictors], atol=0.03)
    assert set(LATENT_ORDER) >= set(predictors)


def test_attrition_is_monotone_and_realistic():
    data = generate_demo(seed=DEMO_SEED)
    assert not np.isnan(data["recovery_m0"]).any()
    missing12 = np.isnan(data["alliance_m12"]).sum()
    missing24 = np.isnan(data["alliance_m24"]).sum()
    assert 0 < missing12 < missing24 < 23


def test_readme_demo_script_runs(tmp_path):
    # The README's main command goes through scripts/dev.sh to `bayes-peer demo`; the MCMC job
    # itself is run in-process by the next test (its compiled models then serve later tests).
    out = tmp_path / "demo"
    result = subprocess.run(
        ["bash", "scripts/dev.sh", "demo", "--exact", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "SYNTHETIC" in result.stdout and (out / "run.json").exists()


@pytest.mark.slow
def test_readme_demo_command_end_to_end(demo_run):
    # `bayes-peer demo`: every shipped spec on the synthetic study, MCMC included.
    status, stdout, err, out = demo_run
    assert status == 0, err  # 3 would mean a fit failed its diagnostics
    assert "SYNTHETIC" in stdout
    run = json.loads((out / "run.json").read_text())
    assert run["synthetic"] is True and run["versions"]["numpy"] and run["exit_status"] == 0
    assert {s["name"] for s in run["specs"]} == {"blocks", "correlations", "published_tables"}
    for entry in run["specs"]:
        assert len(entry["data_sha256"]) == 64 and len(entry["spec_sha256"]) == 64
    with (out / "correlations" / "correlations.csv").open() as fh:
        pairs = list(csv.DictReader(fh))
    assert len(pairs) == 2 * 15  # 6 constructs -> 15 pairs, at 12 and 24 months
    with (out / "correlations" / "contrasts.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == 15
    with (out / "blocks" / "blocks.csv").open() as fh:
        blocks = list(csv.DictReader(fh))
    assert len(blocks) == 4 * 2 * 2  # outcomes x waves x blocks
    for key in {(b["outcome"], b["wave"]) for b in blocks}:
        ns = {b["n"] for b in blocks if (b["outcome"], b["wave"]) == key}
        assert len(ns) == 1  # same rows for every block
    with (out / "blocks" / "coefficient_contrasts.csv").open() as fh:
        contrasts = list(csv.DictReader(fh))
    assert {c["term"] for c in contrasts} == {"alliance"} and len(contrasts) == 4
    tables = next(e for e in run["specs"] if e["name"] == "published_tables")
    assert len(tables["tables"]) == 2 and not tables["failed"]
    with (out / "published_tables" / "correlations.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == 2 * 15  # from the published tables alone
    with (out / "correlations" / "kendall.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == 2 * 15  # Kendall's tau-b beside each r
    for spec in ("blocks", "published_tables"):  # model averaging from rows and from tables
        with (out / spec / "bma_inclusion.csv").open() as fh:
            assert len(list(csv.DictReader(fh))) == 4 * 2 * 3  # outcomes x waves x terms
    # The report covers every spec, says SYNTHETIC, and embeds every figure it names.
    html = (out / "report.html").read_text()
    assert "SYNTHETIC DATA" in html and "DIAGNOSTICS FAILED" not in html
    assert "Rank correlations: Kendall" in html and "Bayesian model averaging" in html
    assert "the block order enters alliance last" in html
    for figure in (
        "inclusion_probabilities",
        "correlation_matrix_m12_m24",
        "coefficient_forest",
        "delta_r2",
        "wave_differences",
        "posterior_predictive",
        "prior_predictive_correlations",
        "prior_predictive_outcomes",
    ):
        spec = (
            "blocks"
            if figure
            in (
                "coefficient_forest",
                "delta_r2",
                "prior_predictive_outcomes",
                "inclusion_probabilities",
            )
            else "correlations"
        )
        assert (out / spec / "figures" / f"{figure}.png").exists(), figure
    assert html.count("data:image/png;base64,") == len(list(out.glob("*/figures/*.png")))
    # Issue 30: the paper's claims open the report; the alliance-outcome pairs are compared
    # with non-peer care (Flückiger et al. 2018) and the design analysis says what n = 46 can tell.
    report = (out / "report.md").read_text()
    assert report.index("## The paper's claims") < report.index("## Key findings")
    assert report.count("| 1. The peer") + report.count("| 4. The association") == 2
    assert "### Compared with non-peer care" in report
    assert "Each wave as the other's original study" in report
    assert "taking m12 as the original study, m24" in report
    assert (out / "correlations" / "figures" / "literature_comparison.png").exists()
    informed = [p for p in pairs if p["bf10_informed"]]
    assert len(informed) == 2 * 4  # alliance with the four outcomes, at both waves
    assert all("alliance" in (p["construct1"], p["construct2"]) for p in informed)
    with (out / "correlations" / "similarity_design.csv").open() as fh:
        design = {row["wave"]: row for row in csv.DictReader(fh)}
    from bayes_peer.exact.informed import fluckiger_2018, similarity_design

    expected = similarity_design(0.278, 46, fluckiger_2018())
    assert float(design["all participants"]["p_bf_gt"]) == pytest.approx(expected["p_bf_gt"])
    # Every folder says what its files are; the folder stays small (issue: at most 50 MB).
    for folder in (out, *(out / s["name"] for s in run["specs"])):
        index = (folder / "README.md").read_text()
        assert "SYNTHETIC" in index and "run.json" in index
    assert "posterior_<model>.nc" in (out / "blocks" / "README.md").read_text()
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert size < 50e6, size


def test_exact_demo_tables(tmp_path):
    out = tmp_path / "exact"
    assert run_cli("demo", "--exact", "--out", str(out)).returncode == 0
    with (out / "correlations.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == 2 * 15
    with (out / "regression_blocks.csv").open() as fh:
        blocks = list(csv.DictReader(fh))
    assert len(blocks) == 2 * 4 * 2
    with (out / "kendall.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == 2 * 15
    with (out / "bma_inclusion.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == 2 * 4 * 3
    assert "model averaging over contacts_m24" in (out / "summary.md").read_text()
    summary = (out / "summary.md").read_text()
    assert summary.index("## The paper's claims") < summary.index("## Correlations at m12")
    assert "Informed prior of claim 4" in summary and "n = 46" in summary
    assert "SYNTHETIC" in (out / "summary.md").read_text()


def test_existing_output_folder_is_not_touched_with_or_without_force(tmp_path):
    out = tmp_path / "demo"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = run_cli("demo", "--exact", "--out", str(out))
    assert result.returncode == 2 and "--force" in result.stderr
    assert (out / "keep.txt").read_text() == "mine"
    result = run_cli("demo", "--exact", "--out", str(out), "--force")  # not bayes-peer's
    assert result.returncode == 2 and "did not write it" in result.stderr
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    mine = tmp_path / "ours"
    assert run_cli("demo", "--exact", "--out", str(mine)).returncode == 0
    result = run_cli("demo", "--exact", "--out", str(mine), "--force")  # its own folder
    assert result.returncode == 0 and (mine / "run.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "ours"]  # nothing left over


def test_same_data_same_tables(tmp_path):
    for name in ("a", "b"):
        assert run_cli("demo", "--exact", "--out", str(tmp_path / name)).returncode == 0
    for table in ("correlations.csv", "regression_blocks.csv", "regression_coefficients.csv"):
        assert (tmp_path / "a" / table).read_bytes() == (tmp_path / "b" / table).read_bytes()


@pytest.mark.parametrize("n", [3])
def test_generator_rejects_tiny_n(n):
    with pytest.raises(ValueError):
        generate_demo(n=n)
