"""PyMC blocked-regression model and the per-draw quantities computed from it.

Model (standardized scale: outcome and predictors z-scored with the sample SD of the rows used)::

    y_i ~ Normal(intercept + x_i' beta, sigma)
    beta_j ~ Normal(0, prior_scale)            (--prior normal, --prior-scale, default 1)
    intercept ~ Normal(0, 2.5)
    sigma ~ Exponential(1)

The intercept and residual priors are rstanarm's defaults after its autoscaling for a
standardized outcome (normal(0, 2.5) on the intercept with centred predictors, exponential(1/sd(y))
on sigma), so ``stan_glm(y ~ ., data = z, prior = normal(0, prior_scale, autoscale = FALSE))`` is
the same model.

One compiled structure serves every block, outcome, data set and prior scale: the design matrix
has a fixed number of columns (the number of terms rounded up to a multiple of
:data:`COLUMN_STEP`), and a block's model is fitted with the columns of later blocks (and the
padding) set to zero. A zero column leaves the likelihood untouched, so its slope is sampled from
its prior and ignored.

ΔR² of block k is computed **per draw within block k's model** (Gelman, Goodrich, Gabry &
Vehtari 2019 define the Bayesian R² per draw; this extends it to a block)::

    ΔR²_s = var((I - P_prev) mu_s) / (var(mu_s) + sigma_s²)

where mu_s are the fitted values of draw s and P_prev projects onto the intercept and the
previous blocks' columns. The numerator is the variance of what the new block adds beyond the
earlier terms *in this draw*; the denominator is the Bayesian R²'s. Taking the difference of two
separately fitted R² posteriors instead would subtract independent posteriors (wide, often
negative). With the OLS coefficients and sigma² = RSS/(n - 1), ΔR² is exactly the classical
(RSS_prev - RSS_k)/TSS and R² the classical R² (tested).

References
----------
Gelman, A., Goodrich, B., Gabry, J., & Vehtari, A. (2019). R-squared for Bayesian regression
models. *The American Statistician*, 73(3), 307-309.
Vehtari, A., Gelman, A., & Gabry, J. (2017). Practical Bayesian model evaluation using
leave-one-out cross-validation and WAIC. *Statistics and Computing*, 27, 1413-1432.
"""

from __future__ import annotations

import math

import numpy as np

COLUMN_STEP = 4
INTERCEPT_SD = 2.5
SIGMA_RATE = 1.0


def padded_columns(p: int) -> int:
    """Columns of the compiled design matrix for p terms (a multiple of COLUMN_STEP)."""
    return COLUMN_STEP * max(1, math.ceil(p / COLUMN_STEP))


def normal_prior_text(prior_scale: float) -> str:
    """The regression prior in words."""
    return (
        f"standardized slopes ~ Normal(0, {prior_scale:g}); intercept ~ Normal(0, "
        f"{INTERCEPT_SD:g}); residual SD ~ Exponential({SIGMA_RATE:g}) (outcome and predictors "
        "z-scored; rstanarm's defaults for the intercept and sigma)"
    )


def build_regression_model(columns: int):
    """Linear regression with ``columns`` design columns (data ``X``, ``y``, ``prior_scale``)."""
    import pymc as pm

    with pm.Model() as model:
        x = pm.Data("X", np.zeros((4, columns)))
        y = pm.Data("y", np.zeros(4))
        prior_scale = pm.Data("prior_scale", 1.0)
        intercept = pm.Normal("intercept", 0.0, INTERCEPT_SD)
        beta = pm.Normal("beta", 0.0, prior_scale, shape=columns)
        sigma = pm.Exponential("sigma", SIGMA_RATE)
        pm.Normal("obs", mu=intercept + x @ beta, sigma=sigma, observed=y, shape=y.shape)
    return model


def fitted_values(intercept: np.ndarray, beta: np.ndarray, x: np.ndarray) -> np.ndarray:
    """mu for every draw: (..., n) from intercept (...), beta (..., p) and x (n, p)."""
    return intercept[..., None] + np.einsum("...p,np->...n", beta, x)


def r2_draws(mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Bayesian R² per draw: var(mu_s) / (var(mu_s) + sigma_s²) (Gelman et al. 2019)."""
    var_mu = mu.var(axis=-1, ddof=1)
    return var_mu / (var_mu + sigma**2)


def delta_r2_draws(mu: np.ndarray, sigma: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """ΔR² per draw: var((I - P_prev) mu_s) / (var(mu_s) + sigma_s²).

    Parameters
    ----------
    mu : numpy.ndarray, shape (..., n)
        Fitted values of the fuller model, per draw.
    sigma : numpy.ndarray, shape (...)
        Residual SD per draw.
    previous : numpy.ndarray, shape (n, q)
        Columns of the previous blocks (the intercept is added here); q may be 0.
    """
    n = mu.shape[-1]
    basis = np.column_stack([np.ones(n), previous])
    q, _ = np.linalg.qr(basis)
    resid = mu - np.einsum("...n,nk,mk->...m", mu, q, q)
    var_mu = mu.var(axis=-1, ddof=1)
    return (resid**2).sum(axis=-1) / (n - 1) / (var_mu + sigma**2)


def loo_r2(y: np.ndarray, mu: np.ndarray, log_weights: np.ndarray) -> float:
    """LOO-R² = 1 - var(y - E_loo[mu_i]) / var(y) with PSIS weights (Gelman et al. 2019).

    ``mu`` and ``log_weights`` have shape (S, n) (draws flattened).
    """
    w = np.exp(log_weights - log_weights.max(axis=0, keepdims=True))
    w /= w.sum(axis=0, keepdims=True)
    mu_loo = (w * mu).sum(axis=0)
    return float(1.0 - np.var(y - mu_loo, ddof=1) / np.var(y, ddof=1))
