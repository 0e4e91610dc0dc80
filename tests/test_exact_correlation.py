"""Exact correlation layer: oracles from R/JASP, an independent mpmath reference, invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from bayes_peer.exact.correlation import (
    correlation_posterior,
    log_bayes_factors,
    posterior_cdf,
    posterior_density,
)

from ly_reference import ly_bf


def bfs(r, n, kappa=1.0):
    return [math.exp(v) for v in log_bayes_factors(r, n, kappa)]


# Oracles quoted in issue 2, from R BayesFactor 0.9.12-4.4 (correlationBF(y, x, rscale = kappa),
# whose prior is the stretched Beta(1/kappa, 1/kappa)) and JASP 0.17 (kappa = 1 by default):
# (r, n, kappa, BF10, BF+0, BF-0, relative tolerance)
ORACLES = [
    (0.6, 20, 1.0, 10.6336, 21.1848, 0.082448, 1e-5),
    (0.30, 46, 1 / 3, 2.07143, None, None, 1e-5),
    (0.30, 46, 1 / math.sqrt(3), 1.72376, None, None, 1e-5),
    (0.30, 46, 1.0, 1.34320, None, None, 1e-5),
    (0.1, 83, 1.0, 0.204, 0.332, 0.076, 1e-3 * 5),  # quoted with 3 digits
]


@pytest.mark.parametrize(("r", "n", "kappa", "bf10", "bfp", "bfm", "tol"), ORACLES)
def test_bayes_factor_oracles(r, n, kappa, bf10, bfp, bfm, tol):
    got10, gotp, gotm = bfs(r, n, kappa)
    digits = 3 if tol > 1e-5 else None
    if digits:  # values quoted with 3 significant digits: compare after rounding
        assert float(f"{got10:.3g}") == bf10
        assert float(f"{gotp:.3g}") == bfp
        assert float(f"{gotm:.3g}") == pytest.approx(bfm, abs=1e-3)
    else:
        assert got10 == pytest.approx(bf10, rel=tol)
        if bfp is not None:
            assert gotp == pytest.approx(bfp, rel=tol)
            assert gotm == pytest.approx(bfm, rel=tol)


def test_strong_negative_r_one_sided_does_not_underflow():
    # JASP 0.17: BF10 = 2.7309e16 and BF-0 = 2 BF10 for r = -0.856341390601075, n = 64; JASP
    # printed BF+0 ~ 1e-317 (an underflow); 40-digit quadrature gives 0.018564 (issue 2).
    got10, gotp, gotm = bfs(-0.856341390601075, 64)
    assert got10 == pytest.approx(2.7309e16, rel=1e-4)
    assert gotm == pytest.approx(2 * got10, rel=1e-6)
    assert gotp == pytest.approx(0.018564, rel=1e-4)


def test_posterior_summary_oracle():
    # JASP 0.17, r = .5, n = 46, kappa = 1: median 0.4795, 95% CrI [0.2269, 0.6714] (issue 2).
    post = correlation_posterior(0.5, 46)
    assert post.posterior_median == pytest.approx(0.4795, abs=6e-5)
    assert post.ci_low == pytest.approx(0.2269, abs=6e-5)
    assert post.ci_high == pytest.approx(0.6714, abs=6e-5)


@pytest.mark.parametrize(
    ("r", "n", "kappa"), [(0.3, 46, 1.0), (-0.45, 12, 0.5), (0.15, 300, 2.0), (0.05, 46, 1 / 3)]
)
def test_agrees_with_independent_ly_form(r, n, kappa):
    got10, gotp, gotm = bfs(r, n, kappa)
    assert got10 == pytest.approx(ly_bf(r, n, kappa), rel=1e-7)
    assert gotp == pytest.approx(ly_bf(r, n, kappa, 0.0, 1.0), rel=1e-7)
    assert gotm == pytest.approx(ly_bf(r, n, kappa, -1.0, 0.0), rel=1e-7)


R_GRID = [-0.999, -0.95, -0.6, -0.2, 0.0, 0.05, 0.3, 0.7, 0.99, 0.9999]
N_GRID = [4, 7, 46, 500, 10_000]


@pytest.mark.parametrize("n", N_GRID)
@pytest.mark.parametrize("r", R_GRID)
def test_one_sided_bfs_add_up_to_twice_the_two_sided(r, n):
    log10, logp, logm = log_bayes_factors(r, n, 1.0)
    assert all(math.isfinite(v) for v in (log10, logp, logm))
    # BF+0 + BF-0 = 2 BF10, in log space so that it holds where BF10 overflows.
    assert np.logaddexp(logp, logm) == pytest.approx(math.log(2.0) + log10, abs=1e-8)


@pytest.mark.parametrize("kappa", [0.1, 1 / 3, 1.0, 2.0])
@pytest.mark.parametrize(("r", "n"), [(0.3, 46), (0.8, 20), (0.02, 5000)])
def test_symmetry_in_r(r, n, kappa):
    a = log_bayes_factors(r, n, kappa)
    b = log_bayes_factors(-r, n, kappa)
    assert a[0] == pytest.approx(b[0], abs=1e-10)
    assert a[1] == pytest.approx(b[2], abs=1e-10)


def test_bf_is_one_without_data_information_limit():
    # As kappa -> 0 the prior collapses on rho = 0 and BF10 -> 1.
    assert math.exp(log_bayes_factors(0.4, 46, 1e-7)[0]) == pytest.approx(1.0, rel=1e-4)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
@pytest.mark.parametrize(("r", "n", "kappa"), [(0.5, 46, 1.0), (-0.2, 10, 0.5), (0.1, 83, 2.0)])
def test_posterior_density_integrates_to_one(r, n, kappa, alternative):
    lo, hi = {"two-sided": (-1, 1), "greater": (0, 1), "less": (-1, 0)}[alternative]
    total, _ = integrate.quad(
        lambda x: posterior_density(np.array([x]), r, n, kappa, alternative)[0], lo, hi, limit=200
    )
    assert total == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_summaries_match_the_density(alternative):
    r, n = 0.25, 30
    post = correlation_posterior(r, n, 1.0, alternative, ci_prob=0.9)
    cdf = posterior_cdf(
        np.array([post.ci_low, post.posterior_median, post.ci_high]), r, n, 1.0, alternative
    )
    assert cdf == pytest.approx([0.05, 0.5, 0.95], abs=1e-5)
    lo, hi = {"two-sided": (-1, 1), "greater": (0, 1), "less": (-1, 0)}[alternative]
    mean, _ = integrate.quad(
        lambda x: x * posterior_density(np.array([x]), r, n, 1.0, alternative)[0], lo, hi
    )
    assert post.posterior_mean == pytest.approx(mean, abs=1e-6)
    if alternative == "greater":
        assert post.ci_low > 0
    if alternative == "less":
        assert post.ci_high < 0


def test_one_sided_median_is_the_truncated_posterior_median():
    # jasp-issues #241: the one-sided median must come from the truncated posterior.
    two = correlation_posterior(0.1, 30, alternative="two-sided")
    plus = correlation_posterior(0.1, 30, alternative="greater")
    assert plus.posterior_median > two.posterior_median
    assert posterior_cdf(np.array([plus.posterior_median]), 0.1, 30, 1.0, "greater")[0] == (
        pytest.approx(0.5, abs=1e-5)
    )


@pytest.mark.parametrize(
    ("r", "n"), [(0.02, 10_000), (0.5, 10_000), (0.999, 10_000), (0.3, 100_000)]
)
def test_large_n_is_finite_and_concentrates(r, n):
    post = correlation_posterior(r, n)
    assert math.isfinite(post.log_bf10)
    # At large n the posterior is close to normal on the Fisher-z scale around atanh(r).
    se = 1 / math.sqrt(n - 3)
    assert math.atanh(post.posterior_median) == pytest.approx(math.atanh(r), abs=0.1 * se + 1e-4)
    assert math.atanh(post.ci_high) - math.atanh(post.ci_low) == pytest.approx(
        2 * 1.959964 * se, rel=0.02
    )


def test_r_near_one_and_huge_bayes_factor_stay_finite_in_logs():
    log10, logp, logm = log_bayes_factors(0.99, 5000, 1.0)
    assert log10 > 709  # BF10 overflows float64 ...
    assert math.isfinite(log10) and math.isfinite(logm)  # ... its log does not
    assert logm < -700 or logm < logp


@pytest.mark.parametrize(
    ("r", "n", "kappa", "alternative", "ci"),
    [
        (1.0, 46, 1, "two-sided", 0.95),
        (0.3, 3, 1, "two-sided", 0.95),
        (0.3, 46, 0, "two-sided", 0.95),
        (0.3, 46, 1, "both", 0.95),
        (0.3, 46, 1, "two-sided", 1.0),
        (float("nan"), 46, 1, "two-sided", 0.95),
    ],
)
def test_bad_arguments_raise_value_error(r, n, kappa, alternative, ci):
    with pytest.raises(ValueError):
        correlation_posterior(r, n, kappa, alternative, ci)


def test_quantile_inverts_cdf():
    from bayes_peer.exact.correlation import posterior_quantile

    probs = np.array([0.01, 0.3, 0.5, 0.9])
    q = posterior_quantile(probs, 0.4, 46, 1 / 3, "greater")
    assert posterior_cdf(q, 0.4, 46, 1 / 3, "greater") == pytest.approx(probs, abs=1e-6)
    with pytest.raises(ValueError):
        posterior_quantile(1.5, 0.4, 46)


@pytest.mark.parametrize("kappa", [1.0, 1 / 3, 0.5, 2.0])
def test_closed_form_bf_agrees_with_the_quadrature(kappa):
    """Two independent computations of BF10: Ly et al. (2016)'s 2F1 form and quadrature."""
    from bayes_peer.exact.correlation import log_bf10_closed_form

    for r, n in [(0.0, 4), (0.3, 46), (-0.6, 20), (0.95, 12), (0.2, 1000), (-0.05, 300)]:
        assert log_bf10_closed_form(r, n, kappa) == pytest.approx(
            log_bayes_factors(r, n, kappa)[0], abs=1e-9
        )
    # 2F1 overflows here (n = 5000, r = .9): the quadrature answers instead
    assert log_bf10_closed_form(0.9, 5000, kappa) == pytest.approx(
        log_bayes_factors(0.9, 5000, kappa)[0], rel=1e-12
    )
