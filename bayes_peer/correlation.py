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
    y_i ~ MvNormal(mu, diag(s) R diag(s)) for all chosen variables on the standardized scale;
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


def build_pairwise_model():
    """The pairwise bivariate normal model (data ``y`` (n, 2), hyperparameter ``prior_a``)."""
    import pymc as pm
    import pytensor.tensor as pt

    with pm.Model() as model:
        y = pm.Data("y", np.zeros((4, 2)))
        prior_a = pm.Data("prior_a", 1.0)  # 1 / kappa
        b = pm.Beta("b", alpha=prior_a, beta=prior_a)
        rho = pm.Deterministic("rho", 2.0 * b - 1.0)
        mu = pm.Flat("mu", shape=2)
        log_sigma = pm.Flat("log_sigma", shape=2)
        s = pt.exp(log_sigma)
        off = rho * s[0] * s[1]
        cov = pt.stack([pt.stack([s[0] ** 2, off]), pt.stack([off, s[1] ** 2])])
        pm.MvNormal("obs", mu=mu, cov=cov, observed=y)
    return model


def build_joint_model(d: int):
    """The joint LKJ model for d standardized variables (data ``y`` (n, d), ``eta``)."""
    import pymc as pm

    if d < 2:
        raise ValueError(f"the joint model needs at least 2 variables, got {d}")
    with pm.Model() as model:
        y = pm.Data("y", np.zeros((4, d)))
        eta = pm.Data("eta", 1.0)
        chol, _corr, _sds = pm.LKJCholeskyCov(
            "chol",
            n=d,
            eta=eta,
            sd_dist=pm.HalfNormal.dist(JOINT_SIGMA_SD, shape=d),
            compute_corr=True,
        )
        mu = pm.Normal("mu", 0.0, JOINT_MU_SD, shape=d)
        pm.MvNormal("obs", mu=mu, chol=chol, observed=y)
    return model
