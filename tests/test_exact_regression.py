"""JZS regression Bayes factors: oracles from R BayesFactor/JASP and an independent integral."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from bayes_peer.exact.regression import RSCALES, log_block_bfs, log_jzs_bf, resolve_rscale


# Oracles quoted in issue 2 (R BayesFactor 0.9.12-4.4, linearReg.R2stat(N, p, R2, rscale)):
@pytest.mark.parametrize(
    ("n", "p", "r2", "rscale", "expected"),
    [
        (20, 1, 0.36, 1.0, 8.22144),
        (46, 3, 0.25, RSCALES["medium"], 6.73322),
        (46, 2, 0.20, RSCALES["medium"], 5.83432),
    ],
)
def test_jzs_oracles(n, p, r2, rscale, expected):
    assert math.exp(log_jzs_bf(n, p, r2, rscale)) == pytest.approx(expected, rel=1e-5)


def direct_integral(n, p, r2, rscale):
    """BF10 by scipy.quad over g with scipy's inverse-gamma density (independent check)."""
    prior = stats.invgamma(a=0.5, scale=rscale**2 * n / 2)

    def f(g):
        return math.exp(
            (n - p - 1) / 2 * math.log1p(g) - (n - 1) / 2 * math.log1p(g * (1 - r2))
        ) * prior.pdf(g)

    value, _ = integrate.quad(f, 0, np.inf, limit=500)
    return value


@pytest.mark.parametrize(
    ("n", "p", "r2", "rscale"),
    [
        (46, 1, 0.05, 0.5),
        (46, 4, 0.3, RSCALES["ultrawide"]),
        (120, 6, 0.15, 0.2),
        (10, 2, 0.6, 1.0),
    ],
)
def test_agrees_with_direct_quadrature(n, p, r2, rscale):
    assert math.exp(log_jzs_bf(n, p, r2, rscale)) == pytest.approx(
        direct_integral(n, p, r2, rscale), rel=1e-6
    )


def test_block_bf_is_ratio_of_model_bfs():
    n, r2s, ps = 46, [0.20, 0.32], [3, 4]
    logs = log_block_bfs(n, r2s, ps)
    assert logs[0] == pytest.approx(log_jzs_bf(46, 3, 0.20))
    assert logs[1] == pytest.approx(log_jzs_bf(46, 4, 0.32) - log_jzs_bf(46, 3, 0.20))


def test_monotone_in_r2_and_finite_at_large_n():
    values = [log_jzs_bf(46, 2, r2) for r2 in np.linspace(0, 0.9, 10)]
    assert np.all(np.diff(values) > 0)
    big = log_jzs_bf(100_000, 5, 0.5)
    assert math.isfinite(big) and big > 709  # BF overflows float64, its log does not
    assert log_jzs_bf(10_000, 2, 0.0) < 0


def test_rscale_names():
    assert resolve_rscale("medium") == (math.sqrt(2) / 4, "medium")
    assert resolve_rscale("wide") == (0.5, "wide")
    assert resolve_rscale("ultrawide") == (math.sqrt(2) / 2, "ultrawide")
    assert resolve_rscale("0.5") == (0.5, "wide")
    assert resolve_rscale(0.3)[0] == 0.3
    for bad in ("huge", "-1", "0", "nan"):
        with pytest.raises(ValueError):
            resolve_rscale(bad)


@pytest.mark.parametrize(("n", "p", "r2"), [(3, 2, 0.1), (46, 0, 0.1), (46, 2, 1.0), (46, 2, -0.1)])
def test_bad_arguments(n, p, r2):
    with pytest.raises(ValueError):
        log_jzs_bf(n, p, r2)
