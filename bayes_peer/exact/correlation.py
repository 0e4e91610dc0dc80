"""Exact Bayesian inference for a Pearson correlation under a stretched-beta prior.

With the right-Haar prior p(mu1, mu2, sigma1, sigma2) ∝ 1/(sigma1 sigma2) on locations and
scales, the marginal likelihood of bivariate normal data depends on the data only through the
sample correlation r, and is proportional to the sampling density of r (Jeffreys 1961; Ly,
Marsman & Wagenmakers 2018). The likelihood ratio against rho = 0 is

    h(rho) = (1 - rho²)^((n-1)/2) (1 - rho r)^(3/2 - n)
             2F1(1/2, 1/2; n - 1/2; (1 + rho r)/2) / 2F1(1/2, 1/2; n - 1/2; 1/2)

(Hotelling's 1953 form of the density of r). Combined with the stretched-beta prior
rho = 2 B - 1, B ~ Beta(1/kappa, 1/kappa), the Bayes factor is BF10 = E_prior[h(rho)], and the
posterior density of rho is h(rho) p(rho) / BF10. Everything is computed in log space on the
Fisher-z scale z = atanh(rho), where the integrand is smooth and unimodal, so the results stay
finite for |r| near 1, for n of 10,000 and more, and for one-sided tests against a strong r of
the opposite sign (where BF+0 is a tiny number that a subtraction BF10 - BF-0 would destroy).

References
----------
Hotelling, H. (1953). New light on the correlation coefficient and its transforms. *JRSS B*,
15(2), 193-232.
Jeffreys, H. (1961). *Theory of Probability* (3rd ed.). Oxford University Press.
Ly, A., Verhagen, J., & Wagenmakers, E.-J. (2016). Harold Jeffreys's default Bayes factor
hypothesis tests. *J. Math. Psych.*, 72, 19-32.
Ly, A., Marsman, M., & Wagenmakers, E.-J. (2018). Analytic posteriors for Pearson's correlation
coefficient. *Statistica Neerlandica*, 72(1), 4-13.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1

from bayes_peer.exact.quadrature import LogGrid, integrate_log

ALTERNATIVES = ("two-sided", "greater", "less")

#: Fisher-z limits of integration: |z| = 25 is |rho| = 1 - 4e-22; the integrand decays at
#: least like exp(-(n - 1 + 2/kappa)|z|) beyond the mode.
Z_LIMIT = 25.0


def _log_1m_rho2(z: np.ndarray) -> np.ndarray:
    """log(1 - tanh(z)²) = -2 log cosh z, accurate for any z."""
    a = np.abs(z)
    return -2.0 * (a + np.log1p(np.exp(-2.0 * a)) - math.log(2.0))


def _log_1m_abs_rho(z: np.ndarray) -> np.ndarray:
    """log(1 - |tanh z|), accurate for any z."""
    a = np.abs(z)
    return math.log(2.0) - 2.0 * a - np.log1p(np.exp(-2.0 * a))


def _log_1m_rho_r(z: np.ndarray, r: float) -> np.ndarray:
    """log(1 - rho r) with rho = tanh(z), without cancellation when rho r is near 1."""
    rho = np.tanh(z)
    prod = rho * r
    out = np.log1p(np.abs(prod))  # used where rho r <= 0
    same_sign = prod > 0
    if np.any(same_sign):
        abs_r = abs(r)
        # 1 - |rho||r| = (1 - |r|) + |r| (1 - |rho|)
        out[same_sign] = np.logaddexp(
            math.log1p(-abs_r) if abs_r < 1 else -np.inf,
            math.log(abs_r) + _log_1m_abs_rho(z[same_sign]),
        )
    return out


def _log_hyp2f1_half(c: float, x: np.ndarray) -> np.ndarray:
    """log 2F1(1/2, 1/2; c; x) for 0 <= x < 1 and c > 1.

    scipy's ``hyp2f1`` is accurate here except that it returns nan for large c and x within
    about 1e-15 of 1; there the Gauss series (fast for large c) replaces it.
    """
    vals = hyp2f1(0.5, 0.5, c, x)
    bad = ~np.isfinite(vals)
    if np.any(bad):
        xb = x[bad]
        total = np.ones_like(xb)
        term = np.ones_like(xb)
        for k in range(100_000):
            term = term * (k + 0.5) ** 2 / ((c + k) * (k + 1.0)) * xb
            total += term
            if np.all(term < 1e-17 * total):
                break
        vals[bad] = total
    return np.log(vals)


def log_likelihood_ratio_z(z: np.ndarray, r: float, n: int) -> np.ndarray:
    """log h(rho) = log p(r | rho) - log p(r | rho = 0), with rho = tanh(z).

    Parameters
    ----------
    z : numpy.ndarray
        Fisher-z values of rho.
    r : float
        Sample correlation, |r| < 1.
    n : int
        Number of complete pairs, n >= 3.
    """
    z = np.asarray(z, dtype=float)
    c = n - 0.5
    x = 0.5 * (1.0 + np.tanh(z) * r)
    return (
        0.5 * (n - 1) * _log_1m_rho2(z)
        - (n - 1.5) * _log_1m_rho_r(z, r)
        + _log_hyp2f1_half(c, x)
        - _log_hyp2f1_half(c, np.array([0.5]))[0]
    )


def log_prior_z(z: np.ndarray, kappa: float) -> np.ndarray:
    """Log density of the stretched-beta(kappa) prior, on the Fisher-z scale.

    rho = 2 B - 1 with B ~ Beta(1/kappa, 1/kappa); kappa = 1 is uniform on (-1, 1) (JASP's
    default), kappa = 1/3 is BayesFactor's "medium". The Jacobian d rho / dz = 1 - rho² is
    included.
    """
    a = 1.0 / kappa
    return a * _log_1m_rho2(np.asarray(z, float)) - (2.0 * a - 1.0) * math.log(2.0) - betaln(a, a)


def prior_description(kappa: float) -> str:
    """A readable sentence naming the prior and its width."""
    a = 1.0 / kappa
    extra = ""
    if math.isclose(kappa, 1.0):
        extra = " (uniform on [-1, 1]; JASP's default)"
    elif math.isclose(kappa, 1.0 / 3.0):
        extra = " (BayesFactor's 'medium')"
    return (
        f"stretched beta prior on rho with width kappa = {kappa:.4g}, "
        f"i.e. (rho + 1)/2 ~ Beta({a:.4g}, {a:.4g}){extra}"
    )


@dataclass(frozen=True)
class CorrelationPosterior:
    """Exact posterior of rho and the Bayes factors of the three alternatives.

    Attributes
    ----------
    n, r, kappa : sample size, sample correlation and prior width.
    alternative : the hypothesis the posterior summaries refer to ("two-sided", "greater",
        "less"); one-sided posteriors are the truncated ones.
    log_bf10, log_bf_plus0, log_bf_minus0 : log Bayes factors against rho = 0.
    posterior_median, posterior_mean, ci_low, ci_high, ci_prob : summaries of rho under the
        chosen alternative; the interval is equal-tailed.
    """

    n: int
    r: float
    kappa: float
    alternative: str
    log_bf10: float
    log_bf_plus0: float
    log_bf_minus0: float
    posterior_median: float
    posterior_mean: float
    ci_low: float
    ci_high: float
    ci_prob: float

    @property
    def log_bf(self) -> float:
        """Log BF of the chosen alternative against rho = 0."""
        return {
            "two-sided": self.log_bf10,
            "greater": self.log_bf_plus0,
            "less": self.log_bf_minus0,
        }[self.alternative]


def _check(r: float, n: int, kappa: float, alternative: str, ci_prob: float) -> None:
    if not np.isfinite(r) or abs(r) >= 1:
        raise ValueError(
            f"r must lie strictly between -1 and 1, got {r!r} "
            "(a perfect correlation has an infinite Bayes factor)"
        )
    if int(n) != n or n < 4:
        raise ValueError(f"n must be a whole number >= 4, got {n!r}")
    if not np.isfinite(kappa) or kappa <= 0:
        raise ValueError(f"kappa must be a positive number, got {kappa!r}")
    if alternative not in ALTERNATIVES:
        raise ValueError(
            f"alternative must be one of {', '.join(ALTERNATIVES)}, got {alternative!r}"
        )
    if not 0 < ci_prob < 1:
        raise ValueError(f"ci_prob must lie strictly between 0 and 1, got {ci_prob!r}")


def posterior_grid(r: float, n: int, kappa: float = 1.0, alternative: str = "two-sided") -> LogGrid:
    """Unnormalized posterior of z = atanh(rho) on a grid that covers its mass.

    ``exp(grid.log_integral)`` is BF10 for ``alternative="two-sided"`` and half of BF+0 (BF-0)
    for "greater" ("less"), because the one-sided prior is the two-sided one doubled on half the
    line.
    """
    n = int(n)
    lower, upper = -Z_LIMIT, Z_LIMIT
    if alternative == "greater":
        lower = 0.0
    elif alternative == "less":
        upper = 0.0

    def log_f(z: np.ndarray) -> np.ndarray:
        return log_likelihood_ratio_z(z, r, n) + log_prior_z(z, kappa)

    return integrate_log(log_f, lower, upper)


def log_bf10_closed_form(r: float, n: int, kappa: float = 1.0) -> float:
    """Two-sided log BF10 in closed form (microseconds; falls back to quadrature on overflow).

    BF10 = 2^((kappa - 2)/kappa) sqrt(pi) / B(1/kappa, 1/kappa)
           * Gamma((n + 2/kappa - 1)/2) / Gamma((n + 2/kappa)/2)
           * 2F1((n - 1)/2, (n - 1)/2; (n + 2/kappa)/2; r^2),

    the analytic Bayes factor of Ly, Verhagen & Wagenmakers (2016, eq. 13 with the stretched
    beta prior). It is an independent check of the quadrature layer (tested to 1e-9 in log
    BF) and the fast path where one BF is needed many times. When 2F1 overflows (large n with
    |r| near 1) the adaptive quadrature of :func:`posterior_grid` answers.

    References
    ----------
    Ly, A., Verhagen, J., & Wagenmakers, E.-J. (2016). Harold Jeffreys's default Bayes factor
    hypothesis tests: explanation, extension, and application in psychology. *Journal of
    Mathematical Psychology*, 72, 19-32.
    """
    _check(r, n, kappa, "two-sided", 0.95)
    a = 1.0 / kappa
    h = hyp2f1((n - 1) / 2.0, (n - 1) / 2.0, (n + 2.0 * a) / 2.0, r * r)
    if not np.isfinite(h) or h <= 0:
        return posterior_grid(r, n, kappa).log_integral
    return float(
        (kappa - 2.0) / kappa * math.log(2.0)
        + 0.5 * math.log(math.pi)
        - betaln(a, a)
        + gammaln((n + 2.0 * a - 1.0) / 2.0)
        - gammaln((n + 2.0 * a) / 2.0)
        + math.log(h)
    )


def log_bayes_factors(r: float, n: int, kappa: float = 1.0) -> tuple[float, float, float]:
    """log BF10, log BF+0 and log BF-0 of rho != 0, rho > 0 and rho < 0 against rho = 0.

    Each one-sided BF is its own integral (never a difference), so BF+0 stays accurate when it
    is tiny. BF+0 + BF-0 = 2 BF10 holds to quadrature accuracy.
    """
    _check(r, n, kappa, "two-sided", 0.95)
    two = posterior_grid(r, n, kappa, "two-sided").log_integral
    plus = posterior_grid(r, n, kappa, "greater").log_integral + math.log(2.0)
    minus = posterior_grid(r, n, kappa, "less").log_integral + math.log(2.0)
    return two, plus, minus


def correlation_posterior(
    r: float,
    n: int,
    kappa: float = 1.0,
    alternative: str = "two-sided",
    ci_prob: float = 0.95,
) -> CorrelationPosterior:
    """Exact Bayes factors and posterior summaries for a Pearson correlation.

    Parameters
    ----------
    r : float
        Sample correlation, |r| < 1.
    n : int
        Number of complete pairs (>= 4).
    kappa : float, default 1
        Width of the stretched-beta prior (1 = uniform, JASP's default; 1/3 = BayesFactor's
        "medium").
    alternative : {"two-sided", "greater", "less"}
        Hypothesis for the posterior summaries; one-sided posteriors are truncated to the
        hypothesis' half line (their median too).
    ci_prob : float, default 0.95
        Probability of the equal-tailed credible interval.

    Returns
    -------
    CorrelationPosterior

    Examples
    --------
    >>> post = correlation_posterior(0.6, 20)
    >>> round(math.exp(post.log_bf10), 3)
    10.634

    References
    ----------
    Ly, A., Marsman, M., & Wagenmakers, E.-J. (2018). Analytic posteriors for Pearson's
    correlation coefficient. *Statistica Neerlandica*, 72(1), 4-13.
    """
    _check(r, n, kappa, alternative, ci_prob)
    n = int(n)
    grids = {alt: posterior_grid(r, n, kappa, alt) for alt in ALTERNATIVES}
    log2 = math.log(2.0)
    chosen = grids[alternative]
    tail = (1.0 - ci_prob) / 2.0
    z_lo, z_med, z_hi = chosen.accurate_quantile(np.array([tail, 0.5, 1.0 - tail]))
    return CorrelationPosterior(
        n=n,
        r=float(r),
        kappa=float(kappa),
        alternative=alternative,
        log_bf10=grids["two-sided"].log_integral,
        log_bf_plus0=grids["greater"].log_integral + log2,
        log_bf_minus0=grids["less"].log_integral + log2,
        posterior_median=float(np.tanh(z_med)),
        posterior_mean=chosen.expectation(np.tanh),
        ci_low=float(np.tanh(z_lo)),
        ci_high=float(np.tanh(z_hi)),
        ci_prob=float(ci_prob),
    )


def posterior_density(
    rho: np.ndarray, r: float, n: int, kappa: float = 1.0, alternative: str = "two-sided"
) -> np.ndarray:
    """Exact posterior density of rho (on the rho scale), normalized under ``alternative``."""
    _check(r, n, kappa, alternative, 0.95)
    rho = np.asarray(rho, dtype=float)
    grid = posterior_grid(r, n, kappa, alternative)
    inside = np.abs(rho) < 1
    if alternative == "greater":
        inside &= rho >= 0
    elif alternative == "less":
        inside &= rho <= 0
    out = np.zeros_like(rho)
    z = np.arctanh(rho[inside])
    log_dens_z = log_likelihood_ratio_z(z, r, int(n)) + log_prior_z(z, kappa) - grid.log_integral
    out[inside] = np.exp(log_dens_z - _log_1m_rho2(z))  # d z / d rho = 1/(1 - rho²)
    return out


def posterior_cdf(
    rho: np.ndarray, r: float, n: int, kappa: float = 1.0, alternative: str = "two-sided"
) -> np.ndarray:
    """Exact posterior CDF of rho under ``alternative`` (0 below and 1 above the support)."""
    _check(r, n, kappa, alternative, 0.95)
    grid = posterior_grid(r, n, kappa, alternative)
    z = np.arctanh(np.clip(np.asarray(rho, dtype=float), -1.0, 1.0))
    return grid.accurate_cdf(z)


def posterior_quantile(
    probs: np.ndarray | float,
    r: float,
    n: int,
    kappa: float = 1.0,
    alternative: str = "two-sided",
) -> np.ndarray:
    """Exact posterior quantiles of rho under ``alternative`` (inverse of :func:`posterior_cdf`)."""
    _check(r, n, kappa, alternative, 0.95)
    probs = np.asarray(probs, dtype=float)
    if np.any((probs < 0) | (probs > 1)):
        raise ValueError("probabilities must lie in [0, 1]")
    grid = posterior_grid(r, n, kappa, alternative)
    return np.tanh(grid.accurate_quantile(probs.ravel()).reshape(probs.shape))
