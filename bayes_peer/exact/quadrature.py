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


#: Gauss-Legendre nodes and weights on [0, 1] of the CDF's segment integrals: 8 nodes are exact
#: for polynomials of degree 15; a fine-grid segment is a few thousandths of the posterior's
#: width, so each segment's integral is exact to float64 precision.
_T, _W = np.polynomial.legendre.leggauss(8)
GL_NODES, GL_WEIGHTS = (_T + 1.0) / 2.0, _W / 2.0
#: Newton steps of a quantile stop below this change (z scale).
QUANTILE_TOL = 1e-13


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
    function : callable, optional
        The log-integrand itself: with it, :meth:`accurate_cdf` and :meth:`accurate_quantile`
        integrate it exactly (to float64 precision) instead of interpolating the grid.
    """

    x: np.ndarray
    log_f: np.ndarray
    log_integral: float
    function: LogDensity | None = None

    def _density_at(self, x: np.ndarray) -> np.ndarray:
        return np.exp(self.function(np.asarray(x, dtype=float)) - self.log_integral)

    def _segment_masses(self) -> np.ndarray:
        """Each grid segment's share of the mass, by 8-point Gauss-Legendre quadrature."""
        a, h = self.x[:-1], np.diff(self.x)
        points = a[:, None] + h[:, None] * GL_NODES[None, :]
        values = self._density_at(points.ravel()).reshape(points.shape)
        return (values @ GL_WEIGHTS) * h

    def _partial(self, a: float, z: float) -> float:
        """The mass between ``a`` and ``z`` (within one segment)."""
        points = a + (z - a) * GL_NODES
        return float(self._density_at(points) @ GL_WEIGHTS * (z - a))

    def accurate_quantile(self, probs) -> np.ndarray:
        """Quantiles accurate to float64 precision: the CDF from Gauss-Legendre integrals of
        every grid segment, then Newton steps on the exact CDF inside the segment that holds
        each quantile (the density is its derivative). Falls back to :meth:`quantile`
        without :attr:`function`."""
        probs = np.atleast_1d(np.asarray(probs, dtype=float))
        if self.function is None:
            return self.quantile(probs)
        masses = self._segment_masses()
        cumulative = np.concatenate([[0.0], np.cumsum(masses)])
        total = cumulative[-1]
        out = np.empty(probs.size)
        for i, p in enumerate(probs):
            target = p * total
            k = int(
                np.clip(np.searchsorted(cumulative, target, side="right") - 1, 0, masses.size - 1)
            )
            a, b = self.x[k], self.x[k + 1]
            share = (target - cumulative[k]) / masses[k] if masses[k] > 0 else 0.5
            z = a + (b - a) * min(max(share, 0.0), 1.0)
            for _ in range(50):
                gap = cumulative[k] + self._partial(a, z) - target
                density = float(self._density_at(np.array([z]))[0])
                if density <= 0:
                    break
                step = gap / density
                z_new = min(max(z - step, a), b)
                if abs(z_new - z) < QUANTILE_TOL:
                    z = z_new
                    break
                z = z_new
            out[i] = z
        return out

    def accurate_cdf(self, z: np.ndarray) -> np.ndarray:
        """The normalized CDF at ``z`` to float64 precision (see :meth:`accurate_quantile`)."""
        z = np.asarray(z, dtype=float)
        if self.function is None:
            return np.interp(z, self.x, self.cdf(), left=0.0, right=1.0)
        masses = self._segment_masses()
        cumulative = np.concatenate([[0.0], np.cumsum(masses)])
        total = cumulative[-1]
        flat = z.ravel()
        out = np.empty(flat.size)
        for i, value in enumerate(flat):
            if value <= self.x[0]:
                out[i] = 0.0
            elif value >= self.x[-1]:
                out[i] = 1.0
            else:
                k = int(np.searchsorted(self.x, value, side="right") - 1)
                out[i] = (cumulative[k] + self._partial(self.x[k], value)) / total
        return out.reshape(z.shape)

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
    return LogGrid(x=x, log_f=v, log_integral=log_integral, function=log_f)
