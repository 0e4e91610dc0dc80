"""Bayesian model averaging of a regression: every model's BF against BayesFactor's
``regressionBF``, the inclusion invariants, the model-averaged coefficients against direct
simulation from the hierarchical posterior and (slow) against PyMC draws, and the CLI contract."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

import bayes_peer as bp
from bayes_peer.exact.averaging import g_posterior, log_model_prior

from conftest import ROOT

DEMO = ROOT / "bayes_peer" / "data" / "demo_study.csv"
PREDICTORS = ["qol_m0", "alliance_m24", "contacts_m24", "satisfaction_m24", "empowerment_m24",
              "recovery_m24"]  # fmt: skip


def _regressionbf() -> dict[frozenset, tuple[float, float]]:
    """BayesFactor 0.9.12-4.4 (R 4.2.2), ``Rscript scripts/crosscheck_bma.R``:
    regressionBF(qol_m24 ~ <PREDICTORS>, whichModels = "all", rscaleCont = "medium") on the
    demo study's 30 complete rows: model -> (log BF against intercept only, its error)."""
    with open(ROOT / "tests" / "data" / "bma_regressionbf.csv", encoding="utf-8") as handle:
        return {frozenset(t.strip() for t in row["model"].split("+")):
                (float(row["log_bf"]), float(row["error"])) for row in csv.DictReader(handle)}  # fmt: skip


REGRESSIONBF = _regressionbf()


def test_every_model_bf_agrees_with_regressionbf():
    result = bp.regress(DEMO, "qol_m24", method="bma", candidates=PREDICTORS)
    models = result.record["models"]
    assert len(models) == 64 and len(REGRESSIONBF) == 63
    for model in models:
        if not model["terms"]:
            assert model["log_bf"] == 0.0
            continue
        log_bf, error = REGRESSIONBF[frozenset(model["terms"])]
        # BayesFactor's error is a proportional error of the BF (its quadrature's estimate).
        assert abs(model["log_bf"] - log_bf) <= error + 1e-8, model["terms"]
        assert model["log_bf_vs_intercept"] == pytest.approx(model["log_bf"], abs=1e-12)


def test_forced_covariates_give_ratios_of_regressionbf():
    forced = ["qol_m0"]
    result = bp.regress(DEMO, "qol_m24", [forced], method="bma", candidates=PREDICTORS[1:])
    base, base_error = REGRESSIONBF[frozenset(forced)]
    for model in result.record["models"]:
        assert model["terms"][0] == "qol_m0"
        log_bf, error = REGRESSIONBF[frozenset(model["terms"])]
        assert abs(model["log_bf"] - (log_bf - base)) <= error + base_error + 1e-8
        assert abs(model["log_bf_vs_intercept"] - log_bf) <= error + base_error + 1e-8
    assert result.record["n_models"] == 32


@pytest.mark.parametrize("model_prior", ["uniform", "beta-binomial"])
def test_inclusion_is_consistent_with_the_model_probabilities(model_prior):
    candidates = PREDICTORS[1:]
    result = bp.regress(DEMO, "qol_m24", [["qol_m0"]], method="bma", candidates=candidates,
                        model_prior=model_prior)  # fmt: skip
    record = result.record
    models = record["models"]
    assert sum(m["post_prob"] for m in models) == pytest.approx(1.0, abs=1e-12)
    assert sum(m["prior_prob"] for m in models) == pytest.approx(1.0, abs=1e-12)
    k = len(candidates)
    for size in range(k + 1):
        mass = sum(m["prior_prob"] for m in models if m["size"] == size)
        expected = math.comb(k, size) / 2**k if model_prior == "uniform" else 1 / (k + 1)
        assert mass == pytest.approx(expected, rel=1e-12)
    for row in record["inclusion"]:
        holds = [m for m in models if row["term"] in m["candidates"]]
        p_incl = sum(m["post_prob"] for m in holds)
        p_prior = sum(m["prior_prob"] for m in holds)
        assert row["p_incl"] == pytest.approx(p_incl, rel=1e-12)
        assert row["p_prior"] == pytest.approx(p_prior, rel=1e-12)
        odds = (p_incl / (1 - p_incl)) / (p_prior / (1 - p_prior))
        assert row["bf_incl"] == pytest.approx(odds, rel=1e-9)
        assert row["p_zero"] == pytest.approx(1 - p_incl, abs=1e-12)
    for m in models:
        post_odds = m["post_prob"] / (1 - m["post_prob"])
        prior_odds = m["prior_prob"] / (1 - m["prior_prob"])
        assert m["bf_m"] == pytest.approx(post_odds / prior_odds, rel=1e-9)
    # Posterior model odds = BF ratio x prior odds.
    a, b = models[0], models[1]
    assert a["post_prob"] / b["post_prob"] == pytest.approx(
        math.exp(a["log_bf"] - b["log_bf"]) * a["prior_prob"] / b["prior_prob"], rel=1e-9
    )


def test_beta_binomial_prior_probabilities():
    k = 5
    sizes = [math.exp(log_model_prior(s, k, "beta-binomial")) * math.comb(k, s)
             for s in range(k + 1)]  # fmt: skip
    assert sizes == pytest.approx([1 / (k + 1)] * (k + 1), rel=1e-12)


def _simulate(record, data, draws: int, seed: int) -> dict[str, np.ndarray]:
    """Draws from the hierarchical posterior by direct simulation: a model by its posterior
    probability, log g from its grid, sigma² | g from its inverse gamma, slopes | g, sigma²
    normal (Liang et al. 2008); each term's draws (0 where a model leaves it out)."""
    rng = np.random.default_rng(seed)
    names = [record["outcome"], *record["forced"], *record["candidates"]]
    values = data.matrix(names)
    values = values[~np.isnan(values).any(axis=1)]
    y, x = values[:, 0], values[:, 1:]
    n = y.size
    yc, xc = y - y.mean(), x - x.mean(axis=0)
    sst = yc @ yc
    models = record["models"]
    picks = rng.choice(len(models), size=draws, p=[m["post_prob"] for m in models])
    out = {name: np.zeros(draws) for name in names[1:]}
    for index in np.unique(picks):
        rows = np.flatnonzero(picks == index)
        terms = models[index]["terms"]
        if not terms:
            continue
        cols = [names[1:].index(t) for t in terms]
        xs = xc[:, cols]
        xtx_inv = np.linalg.inv(xs.T @ xs)
        b_hat = xtx_inv @ xs.T @ yc
        r2 = float(yc @ xs @ b_hat) / sst
        shrink, w = g_posterior(n, len(cols), r2, record["rscale"])
        s = shrink[rng.choice(shrink.size, size=rows.size, p=w)]
        sigma2 = (sst * (1 - s * r2) / 2) / rng.gamma((n - 1) / 2, size=rows.size)
        chol = np.linalg.cholesky(xtx_inv)
        z = rng.standard_normal((rows.size, len(cols)))
        beta = s[:, None] * b_hat + np.sqrt(s * sigma2)[:, None] * (z @ chol.T)
        for j, term in enumerate(terms):
            out[term][rows] = beta[:, j]
    return out


def test_model_averaged_coefficients_equal_direct_simulation():
    candidates = ["alliance_m24", "contacts_m24", "satisfaction_m24"]
    result = bp.regress(DEMO, "qol_m24", [["qol_m0"]], method="bma", candidates=candidates)
    record = result.record
    draws = 400_000
    sims = _simulate(record, bp.read_csv(DEMO), draws, seed=7)
    for row in [*record["inclusion"], *record["forced_coefficients"]]:
        d = sims[row["term"]]
        se = d.std() / math.sqrt(draws)
        assert abs(d.mean() - row["mean"]) < 5 * se, row["term"]
        assert d.std() == pytest.approx(row["sd"], rel=0.01)
        for q, level in ((row["ci_low"], 0.025), (row["ci_high"], 0.975)):
            # The exact quantile's CDF under the draws (>= level when q sits on the point mass).
            below, at_most = np.mean(d < q), np.mean(d <= q)
            tol = 5 * math.sqrt(level * (1 - level) / draws)
            assert below - tol <= level <= at_most + tol, (row["term"], q, level)


def test_standardized_coefficients_from_a_table_without_sds(tmp_path):
    table = tmp_path / "table.toml"
    table.write_text('n = 46\nvariables = ["y", "a", "b"]\ncorrelations = [[1, 0.4, 0.3], '
                     '[0.4, 1, 0.2], [0.3, 0.2, 1]]\n', encoding="utf-8")  # fmt: skip
    record = bp.regress(table, "y", method="bma", candidates=["a", "b"]).record
    assert record["units"] == "standardized"
    full = next(m for m in record["models"] if m["size"] == 2)
    assert full["r2"] == pytest.approx(np.array([0.4, 0.3]) @ np.linalg.solve(
        np.array([[1, 0.2], [0.2, 1]]), np.array([0.4, 0.3])), rel=1e-12)  # fmt: skip


def test_cli_json_contract(cli):
    status, out, err = cli("regress", "--data", str(DEMO), "--outcome", "qol_m24", "--bma",
                           "--candidates", "alliance_m24,contacts_m24,satisfaction_m24",
                           "--block", "qol_m0", "--model-prior", "beta-binomial",
                           "--rscale", "wide", "--json")  # fmt: skip
    assert status == 0, err
    record = json.loads(out)
    assert record["synthetic"] is True and record["model_prior"] == "beta-binomial"
    assert record["rscale"] == 0.5 and "r = 0.5" in record["prior"]
    assert len(record["models"]) == 8
    for model in record["models"]:
        assert {"terms", "log_bf", "post_prob"} <= set(model)
        assert model["terms"][0] == "qol_m0"
    assert [r["term"] for r in record["inclusion"]] == ["alliance_m24", "contacts_m24",
                                                        "satisfaction_m24"]  # fmt: skip
    for row in record["inclusion"]:
        assert {"term", "p_incl", "bf_incl", "mean", "ci_low", "ci_high"} <= set(row)
        assert row["ci_low"] <= row["mean"] <= row["ci_high"]
    api = bp.regress(DEMO, "qol_m24", [["qol_m0"]], method="bma",
                     candidates=["alliance_m24", "contacts_m24", "satisfaction_m24"],
                     model_prior="beta-binomial", rscale="wide")  # fmt: skip
    assert json.loads(api.to_json()) == record


@pytest.mark.parametrize(
    "args, needle",
    [
        (("--bma", "--candidates", "alliance_m24,qol_m24"), "outcome"),
        (("--bma",), "--candidates"),
        (("--bma", "--candidates", "alliance_m24,alliance_m24"), "twice"),
        (("--bma", "--candidates", "alliance_m24", "--block", "alliance_m24"), "forced"),
        (("--bma", "--candidates", "alliance_m24", "--robustness"), "--robustness"),
        (("--candidates", "alliance_m24", "--block", "qol_m0"), "--bma"),
        (("--bma", "--candidates", "nope"), "nope"),
        (("--bma", "--candidates", ",".join(f"c{i}" for i in range(16))), "at most 15"),
    ],
)
def test_bad_requests_exit_2(cli, args, needle):
    status, out, err = cli("regress", "--data", str(DEMO), "--outcome", "qol_m24", *args)
    assert status == 2 and out == ""
    assert err.startswith("error:") and needle in err and "Traceback" not in err


def _jzs_model(columns: int):
    """The JZS regression as a PyMC model: flat intercept, p(sigma) proportional to 1/sigma,
    g ~ InvGamma(1/2, r² N / 2), slopes ~ N(0, g sigma² C) with C = (X'X)^-1 of the included
    (centered) columns and the identity for excluded ones (their columns are zero)."""
    import pymc as pm

    with pm.Model() as model:
        x = pm.Data("X", np.zeros((4, columns)))
        y = pm.Data("y", np.zeros(4))
        chol = pm.Data("chol", np.eye(columns))
        b = pm.Data("b", 1.0)
        g = pm.InverseGamma("g", alpha=0.5, beta=b)
        log_sigma = pm.Flat("log_sigma")
        sigma = pm.math.exp(log_sigma)
        alpha = pm.Flat("alpha")
        z = pm.Normal("z", 0.0, 1.0, shape=columns)
        beta = pm.Deterministic("beta", pm.math.sqrt(g) * sigma * pm.math.dot(chol, z))
        pm.Normal("obs", alpha + pm.math.dot(x, beta), sigma, observed=y)
    return model


def _model_data(data, record, terms: list[str]) -> dict:
    names = [record["outcome"], *record["forced"], *record["candidates"]]
    values = data.matrix(names)
    values = values[~np.isnan(values).any(axis=1)]
    y, x = values[:, 0], values[:, 1:] - values[:, 1:].mean(axis=0)
    held = [names[1:].index(t) for t in terms]
    x[:, [j for j in range(x.shape[1]) if j not in held]] = 0.0
    c = np.eye(x.shape[1])
    c[np.ix_(held, held)] = np.linalg.inv(x[:, held].T @ x[:, held])
    return {"X": x, "y": y, "chol": np.linalg.cholesky(c),
            "b": record["rscale"] ** 2 * y.size / 2.0}  # fmt: skip


@pytest.mark.slow
def test_model_averaged_coefficients_agree_with_pymc_draws():
    """Each model's JZS posterior sampled by PyMC (one compiled structure, refitted per model:
    excluded columns are zero and their slopes keep their prior), the draws pooled by the exact
    posterior model probabilities; the exact mixture's mean and quantiles must match within
    Monte Carlo error."""
    from bayes_peer.mcmc.sampler import ModelStructure, SamplerSettings

    candidates = ["alliance_m24", "contacts_m24"]
    record = bp.regress(DEMO, "qol_m24", [["qol_m0"]], method="bma",
                        candidates=candidates).record  # fmt: skip
    data = bp.read_csv(DEMO)
    terms = [*record["forced"], *candidates]
    structure = ModelStructure(f"jzs-test({len(terms)})", lambda: _jzs_model(len(terms)))
    settings = SamplerSettings(draws=2000, tune=1000, chains=4, seed=11)
    pooled: dict[str, list] = {t: [] for t in terms}
    for model in record["models"]:
        fit = structure.fit(_model_data(data, record, model["terms"]), settings,
                            log_likelihood=False, log_prior=False)  # fmt: skip
        assert fit.divergences < 10  # of 8000 draws (the heavy-tailed prior on g)
        beta = fit.idata["posterior"]["beta"].values.reshape(-1, len(terms))
        for j, term in enumerate(terms):
            values = beta[:, j] if term in model["terms"] else np.zeros(beta.shape[0])
            pooled[term].append((model["post_prob"], values))
    import arviz_stats  # noqa: F401  (ESS below)
    from arviz_stats.base import array_stats

    for row in [*record["inclusion"], *record["forced_coefficients"]]:
        parts = pooled[row["term"]]
        mean = sum(p * v.mean() for p, v in parts)
        # MCSE of the pooled mean from each model's ESS (independent fits).
        var = 0.0
        for p, v in parts:
            if v.std() > 0:
                ess = float(array_stats.ess(v.reshape(4, -1), chain_axis=0, draw_axis=1))
                var += p**2 * v.var() / ess
        assert abs(mean - row["mean"]) < 5 * math.sqrt(var) + 1e-12, row["term"]
        for q, level in ((row["ci_low"], 0.025), (row["ci_high"], 0.975)):
            below = sum(p * np.mean(v < q) for p, v in parts)
            at_most = sum(p * np.mean(v <= q) for p, v in parts)
            tol = 5 * math.sqrt(level * (1 - level) / 2000)  # ESS of about 2000 per fit
            assert below - tol <= level <= at_most + tol, (row["term"], level)


def test_report_reading_names_the_block_order_and_the_averaged_evidence():
    from bayes_peer.analyses.averaging import regress_bma
    from bayes_peer.analyses.blocks import regress_blocks
    from bayes_peer.exact.regression import RSCALES
    from bayes_peer.report.averaging_section import block_order_reading
    from bayes_peer.report.results import SpecResults

    data = bp.read_csv(DEMO)
    blocks = [["qol_m0", "contacts_m24", "budget_used_m24"], ["alliance_m24"]]
    flat = regress_blocks(data, "qol_m24", blocks, RSCALES["medium"])
    averaged = regress_bma(data, "qol_m24", ["qol_m0"], ["contacts_m24", "budget_used_m24",
                                                        "alliance_m24"], RSCALES["medium"])  # fmt: skip
    tag = {"outcome": "qol", "wave": "m24"}
    spec = SpecResults(
        folder=ROOT, entry={"name": "x"},
        blocks=[{**tag, **b, "terms": ";".join(b["terms"])} for b in flat["blocks"]],
        bma_inclusion=[{**tag, "construct": r["term"].removesuffix("_m24"), **r}
                       for r in averaged["inclusion"]],
        bma_models=[{**tag, "rank": 1, "terms": ";".join(averaged["models"][0]["terms"]),
                     "post_prob": averaged["models"][0]["post_prob"]}],
    )  # fmt: skip
    text = block_order_reading(spec, "qol", "m24")
    alliance = next(r for r in averaged["inclusion"] if r["term"] == "alliance_m24")
    assert "enters alliance last, after qol_m0, contacts, budget_used" in text
    assert f"P(incl | data) = {alliance['p_incl']:.2f}" in text
    assert "all 8 subsets" in text


@pytest.mark.parametrize("n", [10, 46, 500, 5000])
def test_vectorized_grid_integral_equals_adaptive_quadrature(n):
    """The enumeration's vectorized Simpson rule (``g_grids``) against the adaptive
    quadrature of the same JZS integrand (``_log_bf_null``), over sizes and R² from tiny to
    near 1: the fast path must not move any BF."""
    from bayes_peer.exact.averaging import _log_bf_null, g_grids

    sizes = np.array([p for p in (1, 2, 5, 8) if p < n - 1 for _ in range(6)])
    r2 = np.tile([1e-6, 0.01, 0.1, 0.4, 0.8, 0.99], sizes.size // 6)
    fast = g_grids(n, sizes, r2, rscale=math.sqrt(2) / 4)[2]
    slow = [
        _log_bf_null(n, int(p), float(v), math.sqrt(2) / 4) for p, v in zip(sizes, r2, strict=True)
    ]
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-9)
