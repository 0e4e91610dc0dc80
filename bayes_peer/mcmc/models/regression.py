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


#: R2-D2 defaults (Zhang et al. 2022; brms >= 2.20): R² ~ Beta(mean * prec, (1 - mean) * prec)
#: shared out over the slopes by a Dirichlet(cons_D2) (cons_D2 = 0.5 as brms >= 2.20; brms 2.18,
#: the Debian package, used 1).
R2D2_MEAN, R2D2_PREC, R2D2_CONS = 0.5, 2.0, 0.5
#: Student-t residuals: nu = 2 + Gamma(2, 0.1) (mean 22, nu > 2 so the variance exists).
NU_SHAPE, NU_RATE = 2.0, 0.1
#: "normal-informed": the normal prior with its own mean and SD per slope (``prior_loc``,
#: ``prior_sds``): an informed prior on a named coefficient, the others Normal(0, prior_scale).
PRIORS = ("normal", "r2d2", "normal-informed")
LIKELIHOODS = ("normal", "student")


def informed_prior_text(prior_scale: float, informed: dict[str, tuple[float, float]]) -> str:
    """The regression prior in words when some slopes have an informed normal prior."""
    named = "; ".join(
        f"{term} ~ Normal({mu:g}, {sd:g}) (informed)" for term, (mu, sd) in informed.items()
    )
    return f"{named}; other " + normal_prior_text(prior_scale)


def r2d2_prior_text(mean_r2: float, prec_r2: float, cons_d2: float) -> str:
    """The R2-D2 prior in words."""
    a, b = mean_r2 * prec_r2, (1 - mean_r2) * prec_r2
    return (
        f"R2-D2 prior (Zhang et al. 2022): R² ~ Beta({a:g}, {b:g}) (mean_R2 = {mean_r2:g}, "
        f"prec_R2 = {prec_r2:g}), shared over the slopes by Dirichlet(cons_D2 = {cons_d2:g}); "
        f"beta_j ~ Normal(0, sigma sqrt(phi_j R²/(1 - R²))); intercept ~ Normal(0, "
        f"{INTERCEPT_SD:g}); residual SD ~ Exponential({SIGMA_RATE:g}) on the z-scored outcome"
    )


def _slopes(name: str, columns: int, prior: str, sigma, active):
    """Slopes under the normal (``prior_scale``) or R2-D2 prior; R2-D2 uses ``active`` columns."""
    import pymc as pm
    import pytensor.tensor as pt

    model = pm.modelcontext(None)
    if prior == "normal":
        return pm.Normal(name, 0.0, model["prior_scale"], shape=columns)
    if prior == "normal-informed":
        return pm.Normal(name, model["prior_loc"], model["prior_sds"], shape=columns)
    mean, prec, cons = model["mean_R2"], model["prec_R2"], model["cons_D2"]
    r2 = pm.Beta(f"{name}_R2", alpha=mean * prec, beta=(1.0 - mean) * prec)
    # Dirichlet over the active columns only: phi_j = g_j / sum(active g), g_j ~ Gamma(cons, 1)
    g = pm.Gamma(f"{name}_g", alpha=cons, beta=1.0, shape=columns)
    # with no active column (intercept-only fit) the denominator is 1 and every phi_j is 0
    phi = active * g / ((active * g).sum() + (1.0 - active.max()))
    # inactive columns (zeroed in X) get scale 1 instead of sqrt(0), whose gradient is infinite
    phi_safe = phi + (1.0 - active)
    z = pm.Normal(f"{name}_z", 0.0, 1.0, shape=columns)
    return pm.Deterministic(name, z * sigma * pt.sqrt(phi_safe * r2 / (1.0 - r2)))


def prior_settings(columns: int, prior: str = "normal"):
    """The slope priors' ``pm.Data`` (``active``, ``prior_scale``, R2-D2 settings, and for
    "normal-informed" the per-slope ``prior_loc`` and ``prior_sds``) in the current model,
    shared by every regression structure; returns ``active``."""
    import pymc as pm

    active = pm.Data("active", np.ones(columns))
    pm.Data("prior_scale", 1.0)
    pm.Data("mean_R2", R2D2_MEAN)
    pm.Data("prec_R2", R2D2_PREC)
    pm.Data("cons_D2", R2D2_CONS)
    if prior == "normal-informed":
        pm.Data("prior_loc", np.zeros(columns))
        pm.Data("prior_sds", np.ones(columns))
    return active


def regression_parameters(columns: int, prior: str):
    """Intercept, residual SD and slopes of a one-wave regression (after its prior settings)."""
    import pymc as pm

    active = prior_settings(columns, prior)
    intercept = pm.Normal("intercept", 0.0, INTERCEPT_SD)
    sigma = pm.Exponential("sigma", SIGMA_RATE)
    return intercept, sigma, _slopes("beta", columns, prior, sigma, active)


def build_regression_model(
    columns: int, prior: str = "normal", likelihood: str = "normal", impute: int = 0
):
    """Linear regression with ``columns`` design columns.

    Data: ``X``, ``y``, ``active`` (1 for the columns of the fitted block), ``prior_scale``
    (normal prior), ``mean_R2``, ``prec_R2``, ``cons_D2`` (R2-D2). With ``likelihood="student"``
    the residuals are Student-t with nu = 2 + Gamma(2, 0.1).

    With ``impute`` = M > 0 the predictors may have holes: ``X`` is zero-filled and
    ``miss_idx`` lists the flat indices of the missing cells of the active columns (at most M,
    a fixed number of latent values so that the structure compiles once). The active predictors
    of each row follow a multivariate normal (means Normal(0, 1), SDs HalfNormal(1), LKJ(2)
    correlations, standardized scale) evaluated on the observed values and the latent values
    filled in (in-model imputation under MAR). Latent values have a Normal(0, 1) base prior,
    cancelled for those in use, whose prior is then the multivariate normal's conditional; the
    unused ones are inert.
    """
    import pymc as pm

    with pm.Model() as model:
        x = pm.Data("X", np.zeros((4, columns)))
        y = pm.Data("y", np.zeros(4))
        if impute:
            import pytensor.tensor as pt

            from bayes_peer.mcmc.models.correlation import masked_mv_logp

            miss_idx = pm.Data("miss_idx", np.zeros(0, dtype="int64"))
            active_cols = pm.Data("active_x", np.ones(columns))
            latent = pm.Normal("x_latent", 0.0, 1.0, shape=impute)
            used = latent[: miss_idx.shape[0]]
            x = pt.set_subtensor(x.flatten()[miss_idx], used).reshape(x.shape)
            chol, _, _ = pm.LKJCholeskyCov(
                "x_chol",
                n=columns,
                eta=2.0,
                sd_dist=pm.HalfNormal.dist(1.0, shape=columns),
                compute_corr=True,
            )
            mu_x = pm.Normal("x_mu", 0.0, 1.0, shape=columns)
            row_mask = pt.ones_like(x) * active_cols[None, :]
            pm.Potential("x_model", masked_mv_logp(x, mu_x, chol, row_mask).sum())
            pm.Potential("x_base_cancel", (0.5 * used**2 + 0.5 * np.log(2.0 * np.pi)).sum())
        intercept, sigma, beta = regression_parameters(columns, prior)
        mu = intercept + x @ beta
        if likelihood == "student":
            nu = pm.Deterministic("nu", 2.0 + pm.Gamma("nu_minus_2", NU_SHAPE, NU_RATE))
            pm.StudentT("obs", nu=nu, mu=mu, sigma=sigma, observed=y, shape=y.shape)
        else:
            pm.Normal("obs", mu=mu, sigma=sigma, observed=y, shape=y.shape)
    return model


def build_two_wave_model(columns: int, prior: str = "normal", likelihood: str = "normal"):
    """The outcome at two waves with correlated residuals (one model, FIML over the waves).

    y_i = (y_ia, y_ib) with means intercept_w + x_iw' beta_w and residual SDs sigma_w; the
    residual correlation rho = rho_free (2B - 1), B ~ Beta(2, 2) (LKJ(2) for a 2x2 matrix).
    ``rho_free`` = 0 fixes it at 0, which makes the model two separate regressions (tested).
    Participant i contributes the (bivariate or univariate) density of the waves in ``mask``.
    Data: ``Xa``, ``Xb`` (n, columns), ``y`` (n, 2) zero-filled, ``mask`` (n, 2), ``active``,
    prior hyperparameters as :func:`build_regression_model`, ``rho_free``.
    """
    import pymc as pm
    import pytensor.tensor as pt

    with pm.Model() as model:
        xa = pm.Data("Xa", np.zeros((4, columns)))
        xb = pm.Data("Xb", np.zeros((4, columns)))
        y = pm.Data("y", np.zeros((4, 2)))
        mask = pm.Data("mask", np.ones((4, 2)))
        active = prior_settings(columns)
        rho_free = pm.Data("rho_free", 1.0)
        intercept = pm.Normal("intercept", 0.0, INTERCEPT_SD, shape=2)
        sigma = pm.Exponential("sigma", SIGMA_RATE, shape=2)
        beta_a = _slopes("beta_a", columns, prior, sigma[0], active)
        beta_b = _slopes("beta_b", columns, prior, sigma[1], active)
        rho = pm.Deterministic("rho_resid", rho_free * (2.0 * pm.Beta("rho_b", 2.0, 2.0) - 1.0))
        mu = pt.stack([intercept[0] + xa @ beta_a, intercept[1] + xb @ beta_b], axis=1)
        nu = None
        if likelihood == "student":
            nu = pm.Deterministic("nu", 2.0 + pm.Gamma("nu_minus_2", NU_SHAPE, NU_RATE))

        def logp(value, mu, sigma, rho, mask, *rest):
            return two_wave_logp(value, mu, sigma, rho, mask, rest[0] if rest else None)

        params = [mu, sigma, rho, mask] + ([nu] if nu is not None else [])
        signature = "(n,k),(k),(),(n,k)" + (",()" if nu is not None else "") + "->(n,k)"
        pm.CustomDist("obs", *params, logp=logp, observed=y, signature=signature)
    return model


def two_wave_logp(value, mu, sigma, rho, mask, nu=None):
    """Per-participant log density of the observed waves (bivariate normal or t, FIML)."""
    import pytensor.tensor as pt

    za = (value[:, 0] - mu[:, 0]) / sigma[0]
    zb = (value[:, 1] - mu[:, 1]) / sigma[1]
    ma, mb = mask[:, 0], mask[:, 1]
    one_minus = 1.0 - rho**2
    quad_both = (za**2 - 2.0 * rho * za * zb + zb**2) / one_minus
    log2pi = np.log(2.0 * np.pi)
    if nu is None:
        both = (
            -log2pi
            - pt.log(sigma[0])
            - pt.log(sigma[1])
            - 0.5 * pt.log(one_minus)
            - 0.5 * quad_both
        )
        only_a = -0.5 * log2pi - pt.log(sigma[0]) - 0.5 * za**2
        only_b = -0.5 * log2pi - pt.log(sigma[1]) - 0.5 * zb**2
    else:
        both = (
            pt.gammaln((nu + 2.0) / 2.0)
            - pt.gammaln(nu / 2.0)
            - pt.log(nu * np.pi)
            - pt.log(sigma[0])
            - pt.log(sigma[1])
            - 0.5 * pt.log(one_minus)
            - 0.5 * (nu + 2.0) * pt.log1p(quad_both / nu)
        )

        def uni(z, s):
            return (
                pt.gammaln((nu + 1.0) / 2.0)
                - pt.gammaln(nu / 2.0)
                - 0.5 * pt.log(nu * np.pi)
                - pt.log(s)
                - 0.5 * (nu + 1.0) * pt.log1p(z**2 / nu)
            )

        only_a, only_b = uni(za, sigma[0]), uni(zb, sigma[1])
    return ma * mb * both + ma * (1.0 - mb) * only_a + (1.0 - ma) * mb * only_b


def fitted_values(intercept: np.ndarray, beta: np.ndarray, x: np.ndarray) -> np.ndarray:
    """mu per draw, (..., n), from intercept (...), beta (..., p), x (n, p) or (..., n, p)."""
    if x.ndim == 2:
        return intercept[..., None] + np.einsum("...p,np->...n", beta, x)
    return intercept[..., None] + np.einsum("...p,...np->...n", beta, x)


def residual_variance(sigma: np.ndarray, nu: np.ndarray | None = None) -> np.ndarray:
    """Residual variance per draw: sigma², or sigma² nu/(nu - 2) for Student-t residuals."""
    return sigma**2 if nu is None else sigma**2 * nu / (nu - 2.0)


def r2_draws(mu: np.ndarray, sigma: np.ndarray, nu: np.ndarray | None = None) -> np.ndarray:
    """Bayesian R² per draw: var(mu_s) / (var(mu_s) + residual variance) (Gelman et al. 2019)."""
    var_mu = mu.var(axis=-1, ddof=1)
    return var_mu / (var_mu + residual_variance(sigma, nu))


def delta_r2_draws(
    mu: np.ndarray, sigma: np.ndarray, previous: np.ndarray, nu: np.ndarray | None = None
) -> np.ndarray:
    """ΔR² per draw: var((I - P_prev) mu_s) / (var(mu_s) + sigma_s²).

    Parameters
    ----------
    mu : numpy.ndarray, shape (..., n)
        Fitted values of the fuller model, per draw.
    sigma : numpy.ndarray, shape (...)
        Residual SD per draw.
    previous : numpy.ndarray, shape (n, q) or (..., n, q)
        Columns of the previous blocks (the intercept is added here), one design or one per
        draw; q may be 0.
    """
    n = mu.shape[-1]
    if previous.ndim == 2:  # one design for every draw
        basis = np.column_stack([np.ones(n), previous])
        q, _ = np.linalg.qr(basis)
        resid = mu - np.einsum("...n,nk,mk->...m", mu, q, q)
    else:  # a design per draw (imputed predictors): batched QR
        ones = np.ones((*previous.shape[:-1], 1))
        q, _ = np.linalg.qr(np.concatenate([ones, previous], axis=-1))
        resid = mu - np.einsum("...n,...nk,...mk->...m", mu, q, q)
    var_mu = mu.var(axis=-1, ddof=1)
    return (resid**2).sum(axis=-1) / (n - 1) / (var_mu + residual_variance(sigma, nu))


def loo_r2(y: np.ndarray, mu: np.ndarray, log_weights: np.ndarray) -> float:
    """LOO-R² = 1 - var(y - E_loo[mu_i]) / var(y) with PSIS weights (Gelman et al. 2019).

    ``mu`` and ``log_weights`` have shape (S, n) (draws flattened).
    """
    w = np.exp(log_weights - log_weights.max(axis=0, keepdims=True))
    w /= w.sum(axis=0, keepdims=True)
    mu_loo = (w * mu).sum(axis=0)
    return float(1.0 - np.var(y - mu_loo, ddof=1) / np.var(y, ddof=1))
