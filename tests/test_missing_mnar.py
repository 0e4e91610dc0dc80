"""Delta-adjusted MNAR analysis: conditional imputation, mixtures of exact posteriors."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from bayes_peer.analyses.missing_mnar import DELTAS, conclusion, delta_adjusted, impute
from bayes_peer.exact.correlation import correlation_posterior


def _posterior(mu: np.ndarray, corr: np.ndarray, sds: np.ndarray, draws: int = 50):
    """A posterior group whose every draw is the same (mu, corr, sds)."""
    d = mu.size
    return xr.Dataset({
        "mu": (("chain", "draw", "d"), np.broadcast_to(mu, (1, draws, d)).copy()),
        "chol_corr": (("chain", "draw", "d1", "d2"),
                      np.broadcast_to(corr, (1, draws, d, d)).copy()),
        "chol_stds": (("chain", "draw", "d"), np.broadcast_to(sds, (1, draws, d)).copy()),
    })  # fmt: skip


def test_imputation_draws_from_the_conditional_normal():
    cov = np.array([[1.0, 0.6], [0.6, 1.0]])
    n = 20000
    y = np.column_stack([np.full(n, 1.0), np.zeros(n)])
    mask = np.column_stack([np.ones(n), np.zeros(n)])
    normals = np.random.default_rng(1).standard_normal((n, 2))
    out = impute(y, mask, np.zeros(2), cov, [0, 1], normals)
    assert np.all(out[:, 0] == 1.0)  # observed values stay
    # y | x = 1 ~ N(0.6, 1 - 0.36): the textbook conditional
    assert out[:, 1].mean() == pytest.approx(0.6, abs=0.02)
    assert out[:, 1].var() == pytest.approx(0.64, abs=0.02)


def test_complete_data_give_the_exact_posterior_whatever_delta():
    rng = np.random.default_rng(2)
    y = rng.multivariate_normal([0, 0], [[1, 0.4], [0.4, 1]], size=40)
    mask = np.ones_like(y)
    post = _posterior(np.zeros(2), np.eye(2), np.ones(2))
    out = delta_adjusted(y, mask, post, (0, 1), kappa=1.0, imputations=5)
    exact = correlation_posterior(float(np.corrcoef(y, rowvar=False)[0, 1]), 40, 1.0)
    assert out["n_shifted"] == 0 and out["tipping_low"] is None and out["tipping_high"] is None
    for row in out["rows"]:  # nothing is missing, so nothing moves
        assert row["median"] == pytest.approx(exact.posterior_median, abs=1e-4)
        assert row["ci_low"] == pytest.approx(exact.ci_low, abs=1e-4)
        assert row["ci_high"] == pytest.approx(exact.ci_high, abs=1e-4)
        assert row["bf10_median"] == pytest.approx(np.exp(exact.log_bf10), rel=1e-6)
    assert [r["delta"] for r in out["rows"]] == list(DELTAS)


def test_shifting_dropouts_with_high_x_upward_raises_the_correlation():
    rng = np.random.default_rng(3)
    n = 60
    y = rng.multivariate_normal([0, 0], [[1, 0.3], [0.3, 1]], size=n)
    mask = np.ones_like(y)
    dropouts = np.argsort(y[:, 0])[-12:]  # the 12 highest x lose their y
    mask[dropouts, 1] = 0
    y[dropouts, 1] = 0
    post = _posterior(np.zeros(2), np.array([[1, 0.3], [0.3, 1]]), np.ones(2))
    out = delta_adjusted(y, mask, post, (0, 1), kappa=1.0)
    r_mean = [r["r_mean"] for r in out["rows"]]
    assert np.all(np.diff(r_mean) > 0)
    assert out["n_shifted"] == 12
    medians = [r["median"] for r in out["rows"]]
    assert np.all(np.diff(medians) > 0)
    at_zero = out["conclusion_mar"]
    for row in out["rows"]:
        if out["tipping_high"] is not None and row["delta"] >= out["tipping_high"]:
            assert row["conclusion"] != at_zero or row["delta"] > out["tipping_high"]
    assert conclusion(0.1, 0.5) == "positive" and conclusion(-0.5, -0.1) == "negative"
    assert conclusion(-0.1, 0.2) == "includes 0"
