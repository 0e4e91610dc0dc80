"""Log-space quadrature for smooth, unimodal one-dimensional integrands.

Bayes factors and posteriors of the exact layer are integrals of ``exp(log_f(x))`` where
``log_f`` can reach magnitudes far beyond float64 (BF10 of 1e300 and more at large n).
Everything here therefore works with logarithms: the integrand is evaluated on a grid in log
space, the region that carries the mass is located on a coarse grid and then covered by a fine
grid, and composite Simpson weights are combined with a log-sum-exp.

References
----------
Davis, P. J., & Rabinowitz, P. (1984). *Methods of Numerical Integration* (2nd ed.).
Academic Press. (Composite Simpson rule, chapter 2.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

LogDensity = Callable[[np.ndarray], np.ndarray]

#: Points below ``max - DROP`` (natural-log units) carry less than e^-45 of the peak and are
#: left out of the fine grid.
DROP = 45.0


def _simpson_log_weights(x: np.ndarray) -> np.ndarray:
    """Log of composite Simpson weights on a uniform grid with an odd number of points."""
    if x.size < 3 or x.size % 2 == 0:
        raise ValueError("Simpson's rule needs an odd number of at least 3 points")
    h = (x[-1] - x[0]) / (x.size - 1)
    w = np.full(x.size, 2.0)
    w[1::2] = 4.0
    w[0] = w[-1] = 1.0
    return np.log(w * h / 3.0)


@dataclass(frozen=True)
class LogGrid:
    """An integrand tabulated on a fine grid that covers its mass.

    Attributes
    ----------
    x : numpy.ndarray
        Uniform grid of abscissae.
    log_f : numpy.ndarray
        ``log_f(x)`` (unnormalized).
    log_integral : float
        Log of the integral of ``exp(log_f)`` over the support.
    """

    x: np.ndarray
    log_f: np.ndarray
    log_integral: float

    @property
    def density(self) -> np.ndarray:
        """Normalized density on the grid."""
        return np.exp(self.log_f - self.log_integral)

    def cdf(self) -> np.ndarray:
        """Cumulative distribution on the grid (trapezoid rule, renormalized to end at 1)."""
        d = self.density
        steps = 0.5 * (d[1:] + d[:-1]) * np.diff(self.x)
        c = np.concatenate([[0.0], np.cumsum(steps)])
        return c / c[-1]

    def quantile(self, probs: np.ndarray | float) -> np.ndarray:
        """Quantiles of the normalized density, by inverse interpolation of the CDF."""
        c = self.cdf()
        # Strictly increasing copy for interpolation (flat tails would repeat values).
        keep = np.concatenate([[True], np.diff(c) > 0])
        return np.interp(np.asarray(probs, dtype=float), c[keep], self.x[keep])

    def expectation(self, g: Callable[[np.ndarray], np.ndarray]) -> float:
        """E[g(X)] under the normalized density (Simpson weights)."""
        w = np.exp(_simpson_log_weights(self.x) + self.log_f - self.log_integral)
        return float(np.sum(w * g(self.x)))


def integrate_log(
    log_f: LogDensity,
    lower: float,
    upper: float,
    *,
    n_coarse: int = 8001,
    n_fine: int = 4001,
    max_refinements: int = 4,
) -> LogGrid:
    """Integrate ``exp(log_f)`` over ``[lower, upper]`` in log space.

    Parameters
    ----------
    log_f : callable
        Vectorized log-integrand. It may return ``-inf`` where the integrand is zero; it must
        not return ``nan``.
    lower, upper : float
        Finite integration limits; the integrand must be negligible beyond them.
    n_coarse, n_fine : int
        Odd numbers of grid points for locating the mass and for the final Simpson rule.
    max_refinements : int
        How often the coarse grid may be narrowed when the mass sits within a few coarse
        steps (very peaked integrands, e.g. n in the tens of thousands).

    Returns
    -------
    LogGrid
        Fine grid, log-integrand on it and the log of the integral.

    Raises
    ------
    FloatingPointError
        If the integrand is ``nan`` anywhere or zero everywhere on the grid.
    """
    lo, hi = float(lower), float(upper)
    for _ in range(max_refinements + 1):
        x = np.linspace(lo, hi, n_coarse)
        v = log_f(x)
        if np.any(np.isnan(v)):
            raise FloatingPointError("integrand evaluated to nan")
        top = np.max(v)
        if not np.isfinite(top):
            raise FloatingPointError("integrand is zero (or infinite) on the whole grid")
        above = np.flatnonzero(v > top - DROP)
        i0, i1 = max(above[0] - 1, 0), min(above[-1] + 1, x.size - 1)
        lo, hi = x[i0], x[i1]
        if i1 - i0 >= 200:
            break
    x = np.linspace(lo, hi, n_fine)
    v = log_f(x)
    if np.any(np.isnan(v)):
        raise FloatingPointError("integrand evaluated to nan")
    log_integral = float(logsumexp(v + _simpson_log_weights(x)))
    return LogGrid(x=x, log_f=v, log_integral=log_integral)
