"""Exact JZS (Zellner-Siow) Bayes factors for linear regression from (N, p, R²).

Under Zellner's g-prior on the standardized slopes with g ~ InverseGamma(1/2, r² N / 2) (a
multivariate Cauchy prior of scale r on the standardized effects) and the Jeffreys prior on the
intercept and residual variance, the Bayes factor of a model with p predictors and coefficient
of determination R² against the intercept-only model is

    BF10 = ∫_0^∞ (1 + g)^((N - p - 1)/2) (1 + g (1 - R²))^(-(N - 1)/2) p(g) dg

(Liang et al. 2008, eq. 5; Rouder & Morey 2012, eq. 11). This is the formula of R's
BayesFactor ``linearReg.R2stat`` and of JASP's Bayesian linear regression. The integral is
taken over t = log g in log space, so BFs of 1e300 and beyond keep a finite logarithm.

The Bayes factor of an added block is the ratio of the two nested models' BFs against the
intercept-only model (both computed with the same scale r).

References
----------
Liang, F., Paulo, R., Molina, G., Clyde, M. A., & Berger, J. O. (2008). Mixtures of g priors
for Bayesian variable selection. *JASA*, 103(481), 410-423.
Rouder, J. N., & Morey, R. D. (2012). Default Bayes factors for model selection in regression.
*Multivariate Behavioral Research*, 47(6), 877-903.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaln

from bayes_peer.exact.quadrature import integrate_log

#: Named JZS prior scales, as in BayesFactor and JASP.
RSCALES = {
    "medium": math.sqrt(2.0) / 4.0,
    "wide": 0.5,
    "ultrawide": math.sqrt(2.0) / 2.0,
}

#: Limits for t = log g; the integrand decays like exp(-(p + 1) t / 2) on the right and
#: like exp(-r² N e^-t / 2) on the left.
T_LIMITS = (-120.0, 150.0)


def resolve_rscale(value: str | float, label: str = "rscale") -> tuple[float, str]:
    """Turn ``medium``/``wide``/``ultrawide`` or a number into (scale, label).

    Numbers follow the toolkit's grammar and range (:data:`bayes_peer.params.PARAMETERS`);
    ``label`` names the value in the message of the :class:`~bayes_peer.errors.InputError`.
    """
    from bayes_peer.params import check, parse

    if isinstance(value, str):
        key = value.strip().lower()
        if key in RSCALES:
            return RSCALES[key], key
        from bayes_peer.data.grammar import parse_decimal

        if parse_decimal(key) is None:
            from bayes_peer.errors import InputError

            raise InputError(
                f"{label} must be medium, wide, ultrawide or a number in [0.01, 10], got {value!r}"
            )
        number = parse("rscale", key, label)
    else:
        number = check("rscale", value, label)
    for name, scale in RSCALES.items():
        if math.isclose(number, scale, rel_tol=1e-12):
            return scale, name
    return float(number), f"{number:.4g}"


def jzs_prior_description(rscale: float, label: str | None = None) -> str:
    """A readable sentence naming the JZS prior and its scale."""
    name = f" ('{label}')" if label and label in RSCALES else ""
    return (
        f"JZS prior: Cauchy of scale r = {rscale:.4g}{name} on standardized effects "
        "(Zellner-Siow g-prior, g ~ InvGamma(1/2, r² N/2)), Jeffreys prior on intercept and "
        "residual variance"
    )


def _check(n: int, p: int, r2: float, rscale: float) -> None:
    if int(p) != p or p < 1:
        raise ValueError(f"the number of predictors must be a whole number >= 1, got {p!r}")
    if int(n) != n or n <= p + 1:
        raise ValueError(f"N must be a whole number > p + 1 = {p + 1}, got {n!r}")
    if not np.isfinite(r2) or not 0 <= r2 < 1:
        raise ValueError(f"R² must lie in [0, 1), got {r2!r}")
    if not np.isfinite(rscale) or rscale <= 0:
        raise ValueError(f"rscale must be positive, got {rscale!r}")


def log_jzs_bf(n: int, p: int, r2: float, rscale: float = RSCALES["medium"]) -> float:
    """Log JZS Bayes factor of a p-predictor model with R² against the intercept-only model.

    Parameters
    ----------
    n : int
        Number of observations N (> p + 1).
    p : int
        Number of predictors (excluding the intercept).
    r2 : float
        Coefficient of determination in [0, 1).
    rscale : float
        Scale r of the Cauchy prior on standardized effects (default sqrt(2)/4, "medium").

    Returns
    -------
    float
        log BF10.

    Examples
    --------
    >>> round(math.exp(log_jzs_bf(20, 1, 0.36, 1.0)), 4)
    8.2214
    """
    _check(n, p, r2, rscale)
    return integrate_log(jzs_log_integrand(n, p, r2, rscale), *T_LIMITS).log_integral


def jzs_log_integrand(n: int, p: int, r2: float, rscale: float):
    """The log integrand of :func:`log_jzs_bf` over t = log g: the unnormalized log posterior
    of log g (the prior InvGamma(1/2, r² N / 2) times the marginal likelihood ratio)."""
    b = rscale**2 * n / 2.0
    log_norm = 0.5 * math.log(b) - gammaln(0.5)
    a1, a2 = 0.5 * (n - p - 1), 0.5 * (n - 1)
    log_1m_r2 = math.log1p(-r2)

    def log_f(t: np.ndarray) -> np.ndarray:
        g = np.exp(t)
        # log1p(g (1 - R²)) computed as logaddexp(0, t + log(1 - R²)) stays finite for huge g.
        return (
            a1 * np.logaddexp(0.0, t)
            - a2 * np.logaddexp(0.0, t + log_1m_r2)
            + log_norm
            - 0.5 * t
            - b / g
        )

    return log_f


def log_block_bfs(
    n: int, r2s: list[float], ps: list[int], rscale: float = RSCALES["medium"]
) -> list[float]:
    """Log BFs of each block's model against the previous one (block 1 against intercept only).

    Parameters
    ----------
    n : int
        Number of observations, the same rows for every block.
    r2s : list of float
        R² of the models with blocks 1..k entered.
    ps : list of int
        Total number of predictors of those models (strictly increasing).
    rscale : float
        JZS scale shared by all models.
    """
    log_bf_vs_null = [log_jzs_bf(n, p, r2, rscale) for r2, p in zip(r2s, ps, strict=True)]
    previous = [0.0, *log_bf_vs_null[:-1]]
    return [cur - prev for cur, prev in zip(log_bf_vs_null, previous, strict=True)]
