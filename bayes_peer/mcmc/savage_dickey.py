"""Savage-Dickey Bayes factors from MCMC draws, Rao-Blackwellized.

For a point null nested in H1 (rho = 0, a coefficient = 0), BF10 = p(theta = 0 | H1) /
p(theta = 0 | data, H1) (Dickey 1971; Wagenmakers et al. 2010): the prior density at the null
over the posterior density there. The posterior density is estimated by Rao-Blackwellization
(Gelfand & Smith 1990): the average over the draws of the *full conditional* density of theta at
the null given the other parameters, which the models here give in closed form or by a 1-D
quadrature. Unlike a kernel density estimate it has no smoothing bias; its Monte Carlo error
comes from the effective sample size of the per-draw conditional densities (arviz ``ess``).

* Pairwise correlation model: given (mu, sigma), the likelihood of z = atanh(rho) depends on the
  data through three sums of the standardized residuals, and its prior is the model's (stretched
  beta or informed normal on z): the conditional density of z at 0 comes from Simpson's rule on
  a fine z grid, for every draw at once.
* Regression with normal residuals and a normal prior on a standardized slope: the slope's full
  conditional is normal (conjugate), so its density at 0 is exact per draw.

References
----------
Dickey, J. M. (1971). The weighted likelihood ratio, linear hypotheses on normal location
parameters. *Annals of Mathematical Statistics*, 42(1), 204-223.
Gelfand, A. E., & Smith, A. F. M. (1990). Sampling-based approaches to calculating marginal
densities. *JASA*, 85(410), 398-409.
Wagenmakers, E.-J., Lodewyckx, T., Kuriyal, H., & Grasman, R. (2010). Bayesian hypothesis
testing for psychologists: a tutorial on the Savage-Dickey method. *Cognitive Psychology*,
60(3), 158-189.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

SQRT_2PI = math.sqrt(2.0 * math.pi)
#: The Fisher-z grid of the pairwise model's full conditional (its spacing resolves a
#: conditional of SD 1/sqrt(n) for n up to about 10^5).
Z_GRID = np.linspace(-8.0, 8.0, 8001)


@dataclass(frozen=True)
class SavageDickey:
    """A Savage-Dickey Bayes factor and its Monte Carlo error (log scale throughout: a strong
    effect puts the posterior density at the null far below the smallest float)."""

    log_bf10: float
    log_bf10_mcse: float
    log_posterior_density: float
    log_prior_density: float

    def keys(self, prefix: str = "mcmc_") -> dict:
        """The JSON keys: ``<prefix>bf10_savage_dickey`` and its log and log MCSE."""
        from bayes_peer.numbers import bf_from_log

        return {
            f"{prefix}bf10_savage_dickey": bf_from_log(self.log_bf10),
            f"log_{prefix}bf10_savage_dickey": self.log_bf10,
            f"log_{prefix}bf10_savage_dickey_mcse": self.log_bf10_mcse,
        }


def _combine(log_values: np.ndarray, log_prior_density: float) -> SavageDickey:
    """The BF from per-draw log conditional densities at the null, (chain, draw) shaped: the
    log of their mean by logsumexp, its MCSE (relative SE of the mean, the log scale's SE)
    from the ESS of the densities scaled by their largest value."""
    import arviz as az

    log_values = np.asarray(log_values, dtype=float)
    log_density = float(logsumexp(log_values) - math.log(log_values.size))
    scaled = np.exp(log_values - log_values.max())
    ess = float(az.ess(scaled[None] if scaled.ndim == 1 else scaled))
    relative_se = float(scaled.std(ddof=1)) / math.sqrt(max(ess, 1.0)) / float(scaled.mean())
    return SavageDickey(
        log_prior_density - log_density, relative_se, log_density, log_prior_density
    )


def pairwise_at_zero(
    mu: np.ndarray,
    log_sigma: np.ndarray,
    n: int,
    xbar: np.ndarray,
    scatter: np.ndarray,
    log_prior_z: Callable,
) -> SavageDickey:
    """BF10 of rho = 0 in the pairwise model from its draws.

    Given (mu, sigma) the bivariate normal likelihood of rho is (1 - rho²)^(-n/2)
    exp(-(a - 2 rho c + b) / (2 (1 - rho²))), with a, b the sums of squares of the standardized
    residuals and c their cross-product, computed from the data's sufficient statistics.

    Parameters
    ----------
    mu, log_sigma : numpy.ndarray
        Draws of shape (chain, draw, 2).
    n, xbar, scatter : int, numpy.ndarray
        The data the model was fitted to: rows, means (2,) and scatter matrix (2, 2),
        sum_i (y_i - ybar)(y_i - ybar)'.
    log_prior_z : callable
        The model's log prior density of z = atanh(rho) (on the z scale).
    """
    chains, draws = mu.shape[:2]
    d = np.asarray(xbar)[None, :] - mu.reshape(-1, 2)
    s = np.exp(log_sigma.reshape(-1, 2))
    a = (scatter[0, 0] + n * d[:, 0] ** 2) / s[:, 0] ** 2
    b = (scatter[1, 1] + n * d[:, 1] ** 2) / s[:, 1] ** 2
    c = (scatter[0, 1] + n * d[:, 0] * d[:, 1]) / (s[:, 0] * s[:, 1])
    rho = np.tanh(Z_GRID)
    log_one_m = np.log1p(-rho * rho)
    one_m = np.exp(log_one_m)
    log_prior = log_prior_z(Z_GRID)
    h = Z_GRID[1] - Z_GRID[0]
    w = np.full(Z_GRID.size, 2.0)
    w[1::2], w[0], w[-1] = 4.0, 1.0, 1.0
    log_w = np.log(w * h / 3.0)
    zero = Z_GRID.size // 2  # Z_GRID[zero] == 0
    out = np.empty(a.size)
    for start in range(0, a.size, 256):
        sl = slice(start, start + 256)
        log_f = (
            -0.5 * n * log_one_m[None, :]
            - (a[sl, None] - 2.0 * rho[None, :] * c[sl, None] + b[sl, None])
            / (2.0 * one_m[None, :])
            + log_prior[None, :]
        )
        out[sl] = log_f[:, zero] - logsumexp(log_f + log_w[None, :], axis=1)
    log_prior_density = float(log_prior_z(np.array([0.0]))[0])
    return _combine(out.reshape(chains, draws), log_prior_density)


def sufficient_statistics(y: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """(n, means, scatter matrix) of the rows of ``y``."""
    centred = y - y.mean(axis=0)
    return y.shape[0], y.mean(axis=0), centred.T @ centred


def slope_at_zero(
    intercept: np.ndarray,
    beta: np.ndarray,
    sigma: np.ndarray,
    statistics: dict,
    j: int,
    prior_mu: float,
    prior_sd: float,
) -> SavageDickey:
    """BF10 of slope ``j`` = 0 in the normal regression with slope j ~ N(prior_mu, prior_sd²).

    The full conditional of beta_j given the other parameters is normal with precision
    x_j'x_j / sigma² + 1 / prior_sd² and mean (x_j' e_j / sigma² + prior_mu / prior_sd²) /
    precision, where e_j = y - intercept - X_(-j) beta_(-j) is the residual without slope j;
    x_j' e_j = (X'y)_j - intercept (sum x)_j - (X'X beta)_j + (X'X)_jj beta_j.

    Parameters
    ----------
    intercept, sigma : numpy.ndarray
        Draws (chain, draw).
    beta : numpy.ndarray
        Slope draws (chain, draw, p) for the p design columns the statistics describe.
    statistics : dict
        ``XtX`` (p, p), ``Xty`` (p,) and ``sum_x`` (p,) of the design fitted (from rows or a
        published table's sufficient statistics).
    """
    chains, draws = sigma.shape
    b = beta.reshape(-1, beta.shape[-1])
    xtx, xty = np.asarray(statistics["XtX"]), np.asarray(statistics["Xty"])
    sum_x = np.asarray(statistics["sum_x"])
    xj_ej = xty[j] - intercept.reshape(-1) * sum_x[j] - b @ xtx[:, j] + xtx[j, j] * b[:, j]
    s2 = sigma.reshape(-1) ** 2
    precision = xtx[j, j] / s2 + 1.0 / prior_sd**2
    mean = (xj_ej / s2 + prior_mu / prior_sd**2) / precision
    log_density = 0.5 * np.log(precision) - math.log(SQRT_2PI) - 0.5 * precision * mean**2
    log_prior_density = -0.5 * (prior_mu / prior_sd) ** 2 - math.log(prior_sd * SQRT_2PI)
    return _combine(log_density.reshape(chains, draws), log_prior_density)
