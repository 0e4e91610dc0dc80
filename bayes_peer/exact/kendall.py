"""Bayesian inference for Kendall's rank correlation tau (van Doorn, Ly, Marsman & Wagenmakers).

The statistic is T* = S / sqrt(n (n - 1) (2n + 5) / 18), S = tau n (n - 1) / 2 the number of
concordant minus discordant pairs; asymptotically T* ~ N(3/2 tau sqrt(n), 1). The prior on tau
is the image of the stretched Beta(1/kappa, 1/kappa) prior on Pearson's rho under Greiner's
relation tau = (2/pi) arcsin(rho) (the relation of a bivariate normal):

    p(tau) = pi 2^(-2a) / B(a, a) cos(pi tau / 2)^(2a - 1),  a = 1/kappa,

so the same kappa means the same prior belief for both coefficients (kappa = 1: uniform rho).
The Bayes factor of the alternative against tau = 0 is the Savage-Dickey ratio, the integral of
N(T*; 3/2 tau sqrt(n), 1) p(tau) over tau divided by N(T*; 0, 1); one-sided alternatives double
the prior on their half line. Here the integral is taken on the Fisher-z scale of rho
(tau = (2/pi) gd(z), gd the Gudermannian), where the prior is the Pearson layer's and smooth,
with the log-space quadrature of :mod:`bayes_peer.exact.quadrature`; the posterior median and
equal-tailed interval follow from the same grid. Agreement with the authors' R code (osf.io/
b9qhj) and with JASP is tested.

With ties the coefficient is tau-b (as JASP, R's ``cor`` and ``scipy.stats.kendalltau``); T*
keeps the no-ties variance, as in the published method and JASP.

References
----------
van Doorn, J., Ly, A., Marsman, M., & Wagenmakers, E.-J. (2018). Bayesian inference for Kendall's
rank correlation coefficient. *The American Statistician*, 72(4), 303-308.
Greiner, R. (1909). Über das Fehlersystem der Kollektivmaßlehre. *Zeitschrift für Mathematik
und Physik*, 57, 121-158.
Fieller, E. C., Hartley, H. O., & Pearson, E. S. (1957). Tests for rank correlation
coefficients. I. *Biometrika*, 44(3/4), 470-481.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bayes_peer.exact.correlation import ALTERNATIVES, Z_LIMIT, log_prior_z
from bayes_peer.exact.quadrature import LogGrid, integrate_log

#: Largest prior width for Kendall's tau: beyond kappa = 2 the prior on tau is infinite at
#: +/-1 (as in JASP, whose width slider ends at 2).
KAPPA_MAX = 2.0


def tau_of_z(z: np.ndarray) -> np.ndarray:
    """Kendall's tau of the bivariate normal with rho = tanh(z): (2/pi) arcsin(rho)."""
    return (2.0 / math.pi) * np.arctan(np.sinh(np.asarray(z, dtype=float)))


def tstar(tau: float, n: int) -> float:
    """The standardized statistic T* = S / sqrt(n (n - 1) (2n + 5) / 18)."""
    return tau * (n * (n - 1) / 2.0) / math.sqrt(n * (n - 1) * (2 * n + 5) / 18.0)


def _check(tau: float, n: int, kappa: float, alternative: str, ci_prob: float) -> None:
    if not np.isfinite(tau) or abs(tau) > 1:
        raise ValueError(f"tau must lie in [-1, 1], got {tau!r}")
    if n < 4:
        raise ValueError(f"n must be at least 4, got {n!r}")
    if not 0 < kappa <= KAPPA_MAX:
        raise ValueError(f"kappa must lie in (0, {KAPPA_MAX:g}] for Kendall's tau, got {kappa!r}")
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {', '.join(ALTERNATIVES)}")
    if not 0 < ci_prob < 1:
        raise ValueError(f"ci_prob must lie strictly between 0 and 1, got {ci_prob!r}")


def posterior_grid(
    tau: float, n: int, kappa: float = 1.0, alternative: str = "two-sided"
) -> LogGrid:
    """Unnormalized posterior on the Fisher-z scale of rho (tau = (2/pi) gd(z)).

    The integrand is N(T*; 3/2 tau sqrt(n), 1) / N(T*; 0, 1) times the prior, so
    ``exp(grid.log_integral)`` is BF10 for "two-sided" and half of BF+0 (BF-0) for "greater"
    ("less").
    """
    t, root_n = tstar(tau, n), math.sqrt(n)
    lower, upper = -Z_LIMIT, Z_LIMIT
    if alternative == "greater":
        lower = 0.0
    elif alternative == "less":
        upper = 0.0

    def log_f(z: np.ndarray) -> np.ndarray:
        mean = 1.5 * tau_of_z(z) * root_n
        return -0.5 * (t - mean) ** 2 + 0.5 * t * t + log_prior_z(z, kappa)

    return integrate_log(log_f, lower, upper)


@dataclass(frozen=True)
class KendallPosterior:
    """Bayes factors and the posterior of Kendall's tau (see :func:`kendall_posterior`)."""

    n: int
    tau: float
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
        """Log BF of the chosen alternative against tau = 0."""
        return {
            "two-sided": self.log_bf10,
            "greater": self.log_bf_plus0,
            "less": self.log_bf_minus0,
        }[self.alternative]


def kendall_posterior(
    tau: float,
    n: int,
    kappa: float = 1.0,
    alternative: str = "two-sided",
    ci_prob: float = 0.95,
) -> KendallPosterior:
    """Bayes factors (BF10, BF+0, BF-0) and the posterior of Kendall's tau from tau and n.

    Parameters
    ----------
    tau : float
        Sample Kendall's tau (tau-b with ties).
    n : int
        Number of complete pairs (>= 4).
    kappa : float
        Prior width, in (0, 2]: the stretched Beta(1/kappa, 1/kappa) prior on rho carried over
        to tau (kappa = 1: JASP's default).
    alternative : {"two-sided", "greater", "less"}
        Hypothesis of the posterior summaries (truncated when one-sided).
    ci_prob : float
        Probability of the equal-tailed credible interval.

    Returns
    -------
    KendallPosterior

    References
    ----------
    van Doorn, J., Ly, A., Marsman, M., & Wagenmakers, E.-J. (2018). Bayesian inference for
    Kendall's rank correlation coefficient. *The American Statistician*, 72(4), 303-308.
    """
    _check(tau, n, kappa, alternative, ci_prob)
    polished = {alt: _Polished(tau, n, kappa, alt) for alt in ALTERNATIVES}
    chosen = polished[alternative]
    tail = (1.0 - ci_prob) / 2.0
    z_lo, z_med, z_hi = chosen.grid.accurate_quantile([tail, 0.5, 1.0 - tail])
    log2 = math.log(2.0)
    return KendallPosterior(
        n=int(n),
        tau=float(tau),
        kappa=float(kappa),
        alternative=alternative,
        log_bf10=polished["two-sided"].log_integral,
        log_bf_plus0=polished["greater"].log_integral + log2,
        log_bf_minus0=polished["less"].log_integral + log2,
        posterior_median=float(tau_of_z(z_med)),
        posterior_mean=chosen.grid.expectation(tau_of_z),
        ci_low=float(tau_of_z(z_lo)),
        ci_high=float(tau_of_z(z_hi)),
        ci_prob=float(ci_prob),
    )


class _Polished:
    """A posterior grid whose integral is refined by adaptive quadrature (relative error
    about 1e-10 instead of the grid's 1e-7); its quantiles are the grid's accurate ones
    (:meth:`~bayes_peer.exact.quadrature.LogGrid.accurate_quantile`)."""

    def __init__(self, tau: float, n: int, kappa: float, alternative: str):
        from scipy.integrate import quad

        self.grid = posterior_grid(tau, n, kappa, alternative)
        self._quad = quad
        t, root_n, shift = tstar(tau, n), math.sqrt(n), self.grid.log_integral

        def density(z: float) -> float:
            mean = 1.5 * float(tau_of_z(z)) * root_n
            return math.exp(
                -0.5 * (t - mean) ** 2
                + 0.5 * t * t
                + float(log_prior_z(np.array(z), kappa))
                - shift
            )

        self.density = density
        self.lower, self.upper = float(self.grid.x[0]), float(self.grid.x[-1])
        mass = self._mass(self.lower, self.upper)
        self.log_integral = shift + math.log(mass)
        self.mass = mass

    def _mass(self, a: float, b: float) -> float:
        peak = float(self.grid.x[np.argmax(self.grid.log_f)])
        points = [peak] if a < peak < b else None
        value, _ = self._quad(
            self.density, a, b, points=points, epsabs=0.0, epsrel=1e-12, limit=400
        )
        return value


def prior_description(kappa: float) -> str:
    """The prior of Kendall's tau in words, with its width."""
    a = 1.0 / kappa
    return (
        f"stretched beta prior of width kappa = {kappa:g} on rho, carried over to Kendall's "
        f"tau by tau = (2/pi) arcsin(rho): p(tau) proportional to cos(pi tau / 2)^{2 * a - 1:g} "
        "(van Doorn et al. 2018)"
        + ("; uniform on rho, JASP's default" if abs(kappa - 1) < 1e-12 else "")
    )
