"""PyMC correlation models: the pairwise model of the exact layer and the joint LKJ model.

Both are built with ``pm.Data`` for the data and the prior hyperparameters, so one compiled
structure serves every pair, data set and prior value (see :mod:`bayes_peer.mcmc.sampler`).

Pairwise model
    (x_i, y_i) ~ bivariate normal(mu, sigma, rho); p(mu1, mu2, sigma1, sigma2) ∝ 1/(sigma1
    sigma2) (flat on the means and on log sigma: the right-Haar prior, improper);
    rho = 2B - 1, B ~ Beta(1/kappa, 1/kappa). The marginal posterior of rho is then exactly the
    exact layer's (Ly, Marsman & Wagenmakers 2018), which makes the model a built-in check of the
    sampling machinery. The data are centred and scaled first (rho is invariant to this).

Joint model
    y_i ~ MvNormal(mu, diag(s) R diag(s)) for all chosen variables on the standardized scale
    (or the multivariate Student-t with nu = 2 + Gamma(2, 0.1), ``robust``), evaluated on each
    participant's observed values (FIML, valid under MAR; :func:`masked_mv_logp`);
    R ~ LKJ(eta), s_j ~ HalfNormal(2.5), mu_j ~ Normal(0, 2.5). Each correlation's marginal prior
    is a stretched Beta(eta - 1 + d/2) on [-1, 1], i.e. kappa = 1 / (eta - 1 + d/2)
    (Lewandowski, Kurowicka & Joe 2009): with d = 6 and eta = 1 that is kappa = 1/3, not JASP's
    uniform kappa = 1, which no eta reaches once d >= 4.

References
----------
Lewandowski, D., Kurowicka, D., & Joe, H. (2009). Generating random correlation matrices based
on vines and extended onion method. *J. Multivariate Analysis*, 100(9), 1989-2001.
Ly, A., Marsman, M., & Wagenmakers, E.-J. (2018). Analytic posteriors for Pearson's correlation
coefficient. *Statistica Neerlandica*, 72(1), 4-13.
"""

from __future__ import annotations

import numpy as np

#: Prior scales of the joint model on the standardized scale (weakly informative).
JOINT_MU_SD = 2.5
JOINT_SIGMA_SD = 2.5


def implied_kappa(eta: float, d: int) -> float:
    """Width kappa of one correlation's marginal stretched-beta prior under LKJ(eta), d dims."""
    if eta <= 0 or d < 2:
        raise ValueError(f"need eta > 0 and d >= 2, got eta = {eta}, d = {d}")
    return 1.0 / (eta - 1.0 + d / 2.0)


def joint_prior_text(eta: float, d: int) -> str:
    """The joint model's prior in words, with the marginal prior it implies per correlation."""
    kappa = implied_kappa(eta, d)
    a = 1.0 / kappa
    note = ""
    if d >= 4:
        note = " (no eta gives JASP's uniform kappa = 1 with 4 or more variables)"
    return (
        f"LKJ(eta = {eta:g}) prior on the {d}x{d} correlation matrix: each correlation's "
        f"marginal prior is a stretched Beta({a:g}, {a:g}), i.e. kappa = {kappa:.4g}{note}; "
        f"means ~ Normal(0, {JOINT_MU_SD}) and SDs ~ HalfNormal({JOINT_SIGMA_SD}) on the "
        "standardized scale"
    )


def pairwise_prior_text(kappa: float) -> str:
    """The pairwise model's prior in words."""
    a = 1.0 / kappa
    return (
        f"stretched Beta({a:g}, {a:g}) prior on rho (kappa = {kappa:.4g}) and the improper "
        "right-Haar prior p(mu, sigma) ∝ 1/(sigma1 sigma2): the exact layer's model, so its "
        "posterior of rho must match the exact posterior; improper, so it is left out of "
        "prior-based diagnostics"
    )


def standardize(x: np.ndarray) -> np.ndarray:
    """Centre and scale columns by their mean and sample SD (ddof = 1)."""
    return (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)


#: Priors of the proper stand-in for the pairwise model's right-Haar prior (for SBC).
PROPER_MU_SD, PROPER_LOG_SIGMA_SD = 2.5, 1.0
#: The pairwise models' priors on rho: the stretched beta of the exact layer, or the informed
#: normal on Fisher's z (:class:`bayes_peer.exact.informed.ZNormalPrior`).
RHO_PRIORS = ("beta", "znormal")


def rho_with_prior(prior: str = "beta"):
    """rho under the stretched beta (``prior_a`` = 1 / kappa) or, with ``prior="znormal"``,
    z ~ Normal(``prior_mu``, ``prior_sd``) and rho = tanh(z), in the current model."""
    import pymc as pm
    import pytensor.tensor as pt

    if prior not in RHO_PRIORS:
        raise ValueError(f"prior must be one of {RHO_PRIORS}, got {prior!r}")
    if prior == "znormal":
        prior_mu = pm.Data("prior_mu", 0.0)
        prior_sd = pm.Data("prior_sd", 1.0)
        z = pm.Normal("z", mu=prior_mu, sigma=prior_sd)
        return pm.Deterministic("rho", pt.tanh(z))
    prior_a = pm.Data("prior_a", 1.0)  # 1 / kappa
    b = pm.Beta("b", alpha=prior_a, beta=prior_a)
    return pm.Deterministic("rho", 2.0 * b - 1.0)


def build_pairwise_model(prior: str = "beta", proper: bool = False):
    """The pairwise bivariate normal model (data ``y`` (n, 2)).

    ``prior`` is "beta" (hyperparameter ``prior_a`` = 1 / kappa) or "znormal" (the informed
    prior, ``prior_mu`` and ``prior_sd`` on Fisher's z). The means and log-SDs have the improper
    right-Haar prior; with ``proper`` they are Normal(0, 2.5) and Normal(0, 1) instead (for
    simulation-based calibration, which needs a prior to draw from).
    """
    import pymc as pm
    import pytensor.tensor as pt

    with pm.Model() as model:
        y = pm.Data("y", np.zeros((4, 2)))
        rho = rho_with_prior(prior)
        if proper:
            mu = pm.Normal("mu", 0.0, PROPER_MU_SD, shape=2)
            log_sigma = pm.Normal("log_sigma", 0.0, PROPER_LOG_SIGMA_SD, shape=2)
        else:
            mu = pm.Flat("mu", shape=2)
            log_sigma = pm.Flat("log_sigma", shape=2)
        s = pt.exp(log_sigma)
        off = rho * s[0] * s[1]
        cov = pt.stack([pt.stack([s[0] ** 2, off]), pt.stack([off, s[1] ** 2])])
        pm.MvNormal("obs", mu=mu, cov=cov, observed=y)
    return model


def pairwise_znormal_prior_text(prior) -> str:
    """The informed pairwise model's prior in words."""
    return (
        f"{prior.text()}; the improper right-Haar prior p(mu, sigma) ∝ 1/(sigma1 sigma2): the "
        "exact layer's informed model, so its posterior of rho must match the exact two-sided "
        "informed posterior (exact_two_sided_informed_*)"
    )


def masked_mv_logp(value, mu, chol, mask, nu=None):
    """Per-row log density of the observed coordinates of a multivariate normal (or t) row.

    Row i contributes log N(y_i[obs]; mu[obs], Sigma[obs, obs]) (or the multivariate t with
    ``nu`` degrees of freedom and scale Sigma), the full-information (FIML) likelihood. The shape
    is fixed whatever the missingness pattern: row i uses the matrix
    ``S_i = M_i Sigma M_i + (I - M_i)`` (M_i = diag(mask_i)) whose Cholesky factor is computed
    for all rows at once by an unrolled, row-vectorized Cholesky-Banachiewicz recursion (d is
    small), and missing coordinates (stored as 0, with a zeroed residual) add exactly nothing to
    the quadratic form and the log-determinant. With nothing missing it is the complete-data
    density (tested to 1e-10).

    Parameters
    ----------
    value : tensor (n, d)
        Data with missing cells replaced by 0.
    mu : tensor (d,)
    chol : tensor (d, d)
        Lower Cholesky factor of Sigma.
    mask : tensor (n, d)
        1 where observed, 0 where missing.
    nu : tensor, optional
        Degrees of freedom of the multivariate t; None for the normal.

    References
    ----------
    Arbuckle, J. L. (1996). Full information estimation in the presence of incomplete data.
    In Marcoulides & Schumacker (Eds.), *Advanced Structural Equation Modeling*. Erlbaum.
    """
    import pytensor.tensor as pt

    d = len(_range_of(chol))
    cov = chol @ chol.T
    m = mask
    diff = (value - mu[None, :]) * m
    lower = [[None] * d for _ in range(d)]
    z = [None] * d
    logdet = 0.0
    for j in range(d):
        s = cov[j, j] * m[:, j] + (1.0 - m[:, j])
        for k in range(j):
            s = s - lower[j][k] ** 2
        lower[j][j] = pt.sqrt(s)
        for i in range(j + 1, d):
            t = cov[i, j] * m[:, i] * m[:, j]
            for k in range(j):
                t = t - lower[i][k] * lower[j][k]
            lower[i][j] = t / lower[j][j]
        r = diff[:, j]
        for k in range(j):
            r = r - lower[j][k] * z[k]
        z[j] = r / lower[j][j]
        logdet = logdet + 2.0 * pt.log(lower[j][j])
    quad = z[0] ** 2
    for j in range(1, d):
        quad = quad + z[j] ** 2
    k_obs = m.sum(axis=1)
    if nu is None:
        return -0.5 * (k_obs * np.log(2.0 * np.pi) + logdet + quad)
    return (
        pt.gammaln((nu + k_obs) / 2.0)
        - pt.gammaln(nu / 2.0)
        - 0.5 * k_obs * pt.log(nu * np.pi)
        - 0.5 * logdet
        - 0.5 * (nu + k_obs) * pt.log1p(quad / nu)
    )


def _range_of(chol) -> range:
    """The static dimension d of a (d, d) tensor."""
    d = chol.type.shape[0]
    if d is None:
        raise ValueError("the Cholesky factor needs a static shape")
    return range(d)


#: Prior of the robust model's degrees of freedom: nu = 2 + Gamma(2, 0.1) (mean 22; nu > 2 so
#: that the covariance exists; the Gamma(2, 0.1) of Juárez & Steel 2010, as in brms).
NU_SHAPE, NU_RATE = 2.0, 0.1


def build_joint_model(d: int, robust: bool = False):
    """The joint LKJ model for d standardized variables, FIML-capable.

    Data: ``y`` (n, d) with missing cells set to 0, ``mask`` (n, d), hyperparameter ``eta``.
    With ``robust`` the likelihood is the multivariate Student-t with nu = 2 + Gamma(2, 0.1).
    Listwise deletion is the same model fitted to complete rows (mask of ones).
    """
    import pymc as pm

    if d < 2:
        raise ValueError(f"the joint model needs at least 2 variables, got {d}")
    with pm.Model() as model:
        y = pm.Data("y", np.zeros((4, d)))
        mask = pm.Data("mask", np.ones((4, d)))
        eta = pm.Data("eta", 1.0)
        chol, _corr, _sds = pm.LKJCholeskyCov(
            "chol",
            n=d,
            eta=eta,
            sd_dist=pm.HalfNormal.dist(JOINT_SIGMA_SD, shape=d),
            compute_corr=True,
        )
        mu = pm.Normal("mu", 0.0, JOINT_MU_SD, shape=d)
        if robust:
            nu_excess = pm.Gamma("nu_minus_2", alpha=NU_SHAPE, beta=NU_RATE)
            nu = pm.Deterministic("nu", nu_excess + 2.0)

            def logp(value, mu, chol, mask, nu):
                return masked_mv_logp(value, mu, chol, mask, nu)

            pm.CustomDist(
                "obs",
                mu,
                chol,
                mask,
                nu,
                logp=logp,
                observed=y,
                signature="(d),(d,d),(n,d),()->(n,d)",
            )
        else:

            def logp(value, mu, chol, mask):
                return masked_mv_logp(value, mu, chol, mask)

            pm.CustomDist(
                "obs", mu, chol, mask, logp=logp, observed=y, signature="(d),(d,d),(n,d)->(n,d)"
            )
    return model


def standardize_observed(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standardize columns with their observed values; return (zero-filled data, mask)."""
    mask = ~np.isnan(x)
    mean = np.nanmean(x, axis=0)
    sd = np.nanstd(x, axis=0, ddof=1)
    z = (x - mean) / sd
    return np.where(mask, z, 0.0), mask.astype(float)


def partial_correlation_draws(corr: np.ndarray, i: int, j: int, controls: list[int]) -> np.ndarray:
    """Partial correlation of i and j given ``controls`` for every draw of a correlation matrix.

    From the inverse of the sub-matrix over (i, j, controls): -P_ij / sqrt(P_ii P_jj).
    """
    idx = [i, j, *controls]
    sub = corr[..., idx, :][..., :, idx]
    prec = np.linalg.inv(sub)
    return -prec[..., 0, 1] / np.sqrt(prec[..., 0, 0] * prec[..., 1, 1])


def implied_partial_kappa(eta: float, d: int, m: int) -> float:
    """kappa of a partial correlation given m others under LKJ(eta) in d dims.

    The marginal is a stretched Beta(eta + (d - m - 2)/2) (Lewandowski et al. 2009); m = 0 gives
    :func:`implied_kappa`.
    """
    return 1.0 / (eta + (d - m - 2) / 2.0)
