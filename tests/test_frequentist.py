"""Frequentist baseline against scipy.stats and statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from bayes_peer.frequentist import (
    block_steps,
    hierarchical_from_correlations,
    hierarchical_ols,
    pearson_from_r,
    pearson_r,
)


@pytest.fixture
def sample():
    rng = np.random.default_rng(7)
    n = 46
    x = rng.standard_normal((n, 4))
    y = 0.4 * x[:, 0] + 0.2 * x[:, 1] + 0.3 * x[:, 3] + rng.standard_normal(n)
    x[:, 2] = 10 * x[:, 2] + 3  # a raw scale different from 1
    return y, x


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_pearson_matches_scipy(sample, alternative):
    y, x = sample
    ref = stats.pearsonr(x[:, 0], y, alternative=alternative)
    r = pearson_r(x[:, 0], y)
    got = pearson_from_r(r, y.size, alternative)
    assert r == pytest.approx(ref.statistic, rel=1e-12)
    assert got.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    ci = stats.pearsonr(x[:, 0], y).confidence_interval(0.95)  # two-sided Fisher z
    assert (got.ci_low, got.ci_high) == pytest.approx((ci.low, ci.high), rel=1e-9)


def test_hierarchical_ols_matches_statsmodels(sample):
    y, x = sample
    terms = ["a", "b", "c", "d"]
    res = hierarchical_ols(y, x, terms, [2, 2])
    m1 = sm.OLS(y, sm.add_constant(x[:, :2])).fit()
    m2 = sm.OLS(y, sm.add_constant(x)).fit()
    s1, s2 = res.steps
    assert s1.r2 == pytest.approx(m1.rsquared, rel=1e-10)
    assert s2.r2 == pytest.approx(m2.rsquared, rel=1e-10)
    assert s2.adj_r2 == pytest.approx(m2.rsquared_adj, rel=1e-10)
    f, p, df1 = m2.compare_f_test(m1)
    assert s2.f_change == pytest.approx(f, rel=1e-9)
    assert s2.p_change == pytest.approx(p, rel=1e-8)
    assert (s2.df1, s2.df2) == (df1, 41)
    assert s1.f_change == pytest.approx(m1.fvalue, rel=1e-9)
    assert s1.p_change == pytest.approx(m1.f_pvalue, rel=1e-8)
    block2 = [c for c in res.coefficients if c.block == 2]
    assert [c.term for c in block2] == terms
    np.testing.assert_allclose([c.b for c in block2], m2.params[1:], rtol=1e-10)
    np.testing.assert_allclose([c.se for c in block2], m2.bse[1:], rtol=1e-10)
    np.testing.assert_allclose([c.p_value for c in block2], m2.pvalues[1:], rtol=1e-8)
    # standardized betas equal OLS on z-scored data, and the CI scales with them
    z = lambda v: (v - v.mean(0)) / v.std(0, ddof=1)  # noqa: E731
    mz = sm.OLS(z(y), sm.add_constant(z(x))).fit()
    np.testing.assert_allclose([c.beta_std for c in block2], mz.params[1:], rtol=1e-9)
    ci = mz.conf_int(0.05)[1:]
    np.testing.assert_allclose([c.beta_std_ci_low for c in block2], ci[:, 0], rtol=1e-8)
    np.testing.assert_allclose([c.beta_std_ci_high for c in block2], ci[:, 1], rtol=1e-8)


def test_correlation_matrix_route_equals_raw_data_route(sample):
    y, x = sample
    data = np.column_stack([y, x])
    corr = np.corrcoef(data, rowvar=False)
    sds = data.std(axis=0, ddof=1)
    means = data.mean(axis=0)
    raw = hierarchical_ols(y, x, list("abcd"), [3, 1])
    summ = hierarchical_from_correlations(corr, y.size, list("abcd"), [3, 1], sds, means)
    for a, b in zip(raw.steps, summ.steps, strict=True):
        assert (a.r2, a.f_change, a.p_change) == pytest.approx((b.r2, b.f_change, b.p_change))
    for a, b in zip(raw.coefficients, summ.coefficients, strict=True):
        assert (a.b, a.se, a.t, a.p_value, a.beta_std, a.beta_std_ci_low) == pytest.approx(
            (b.b, b.se, b.t, b.p_value, b.beta_std, b.beta_std_ci_low), rel=1e-8
        )
    assert raw.intercepts == pytest.approx(summ.intercepts, rel=1e-8)


def test_block_steps_from_published_r2():
    steps = block_steps(46, [0.20, 0.32], [3, 4])
    assert steps[1].delta_r2 == pytest.approx(0.12)
    f = (0.12 / 1) / ((1 - 0.32) / 41)
    assert steps[1].f_change == pytest.approx(f)
    assert steps[1].p_change == pytest.approx(stats.f.sf(f, 1, 41))
    assert steps[0].adj_r2 == pytest.approx(1 - 0.8 * 45 / 42)
