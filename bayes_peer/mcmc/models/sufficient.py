"""Models fitted from published summary statistics: likelihoods on sufficient statistics.

For n independent multivariate normal rows, (n, the mean vector, the scatter matrix) are
sufficient: the log-likelihood of the rows equals

    -1/2 [ n d log(2 pi) + n log|Sigma| + tr(Sigma^-1 A) + n (xbar - mu)' Sigma^-1 (xbar - mu) ]

with A = sum_i (x_i - xbar)(x_i - xbar)' = (n - 1) S. Likewise for the linear regression
y = a + X b + e, e ~ N(0, sigma^2): (n, X'X, X'y, y'y, sum x, sum y) are sufficient. The models
below have the same priors and variable names as the raw-data models of
:mod:`.correlation` and :mod:`.regression`, with the likelihood added as a
``pm.Potential`` on these statistics, so the posteriors are the raw-data posteriors whenever the
table is the complete-case summary of the data. A gradient costs O(d^3) (one Cholesky and two
triangular solves of d x d matrices), whatever n.

On the standardized scale (only correlations published) the statistics are xbar = 0 and
A = (n - 1) R, the raw-data models' own standardization.

References
----------
Anderson, T. W. (2003). *An introduction to multivariate statistical analysis* (3rd ed.),
section 3.3. Wiley.
Lewandowski, D., Kurowicka, D., & Joe, H. (2009). Generating random correlation matrices based
on vines and extended onion method. *Journal of Multivariate Analysis*, 100(9), 1989-2001.
"""

from __future__ import annotations

import numpy as np

from bayes_peer.mcmc.models.correlation import JOINT_MU_SD, JOINT_SIGMA_SD, rho_with_prior
from bayes_peer.mcmc.models.regression import regression_parameters

LOG_2PI = float(np.log(2.0 * np.pi))


def mvn_sufficient_logp(mu, chol, n, xbar, scatter):
    """Log-likelihood of n multivariate normal rows from (n, xbar, scatter) (PyTensor).

    Parameters
    ----------
    mu : (d,) tensor
    chol : (d, d) tensor
        Lower Cholesky factor of the covariance matrix.
    n : scalar tensor
    xbar : (d,) tensor
        Sample means.
    scatter : (d, d) tensor
        sum_i (x_i - xbar)(x_i - xbar)' = (n - 1) times the sample covariance.
    """
    import pytensor.tensor as pt
    from pytensor.tensor.linalg import solve_triangular

    d = xbar.shape[0]
    inv_a = solve_triangular(chol, scatter, lower=True)  # L^-1 A
    trace = pt.sum(solve_triangular(chol, inv_a.T, lower=True).diagonal())  # tr(Sigma^-1 A)
    z = solve_triangular(chol, xbar - mu, lower=True)
    log_det = 2.0 * pt.sum(pt.log(pt.diagonal(chol)))
    return -0.5 * (n * d * LOG_2PI + n * log_det + trace + n * pt.sum(z**2))


def mvn_sufficient_logp_numpy(mu, cov, n, xbar, scatter) -> float:
    """The same in numpy (for tests and checks)."""
    d = len(xbar)
    chol = np.linalg.cholesky(cov)
    inv = np.linalg.inv(cov)
    diff = np.asarray(xbar) - np.asarray(mu)
    log_det = 2.0 * np.sum(np.log(np.diag(chol)))
    return float(
        -0.5 * (n * d * LOG_2PI + n * log_det + np.trace(inv @ scatter) + n * diff @ inv @ diff)
    )


def build_joint_summary_model(d: int):
    """The joint LKJ correlation model on summary statistics.

    Data: ``n``, ``xbar`` (d,), ``scatter`` (d, d), hyperparameter ``eta``. Same priors and names
    as :func:`.correlation.build_joint_model` (``chol``, ``mu``, ``chol_corr``,
    ``chol_stds``); the likelihood is the Potential ``loglik``.
    """
    import pymc as pm

    if d < 2:
        raise ValueError(f"the joint model needs at least 2 variables, got {d}")
    with pm.Model() as model:
        n = pm.Data("n", 10.0)
        xbar = pm.Data("xbar", np.zeros(d))
        scatter = pm.Data("scatter", np.eye(d))
        eta = pm.Data("eta", 1.0)
        chol, _corr, _sds = pm.LKJCholeskyCov(
            "chol",
            n=d,
            eta=eta,
            sd_dist=pm.HalfNormal.dist(JOINT_SIGMA_SD, shape=d),
            compute_corr=True,
        )
        mu = pm.Normal("mu", 0.0, JOINT_MU_SD, shape=d)
        pm.Potential("loglik", mvn_sufficient_logp(mu, chol, n, xbar, scatter))
    return model


def build_pairwise_summary_model(prior: str = "beta"):
    """The pairwise model (right-Haar prior, stretched beta or informed prior on rho) on
    summary statistics.

    Data: ``n``, ``xbar`` (2,), ``scatter`` (2, 2) and the prior's hyperparameters; same priors
    and names as :func:`bayes_peer.mcmc.models.correlation.build_pairwise_model`.
    """
    import pymc as pm
    import pytensor.tensor as pt

    with pm.Model() as model:
        n = pm.Data("n", 10.0)
        xbar = pm.Data("xbar", np.zeros(2))
        scatter = pm.Data("scatter", np.eye(2))
        rho = rho_with_prior(prior)
        mu = pm.Flat("mu", shape=2)
        log_sigma = pm.Flat("log_sigma", shape=2)
        s = pt.exp(log_sigma)
        chol = pt.stack(
            [pt.stack([s[0], pt.zeros(())]), pt.stack([rho * s[1], pt.sqrt(1.0 - rho**2) * s[1]])]
        )
        pm.Potential("loglik", mvn_sufficient_logp(mu, chol, n, xbar, scatter))
    return model


def regression_sufficient_logp(intercept, beta, sigma, n, xtx, xty, yty, sum_x, sum_y):
    """Log-likelihood of y = a + X b + N(0, sigma^2) from sufficient statistics (PyTensor)."""
    import pytensor.tensor as pt

    rss = (
        yty
        - 2.0 * intercept * sum_y
        - 2.0 * pt.dot(beta, xty)
        + n * intercept**2
        + 2.0 * intercept * pt.dot(beta, sum_x)
        + pt.dot(beta, pt.dot(xtx, beta))
    )
    return -0.5 * n * (LOG_2PI + 2.0 * pt.log(sigma)) - 0.5 * rss / sigma**2


def build_regression_summary_model(columns: int, prior: str = "normal"):
    """The one-wave regression on summary statistics (normal likelihood).

    Data: ``n``, ``XtX`` (P, P), ``Xty`` (P,), ``yty``, ``sum_x`` (P,), ``sum_y`` and, as in
    :func:`.regression.build_regression_model`, ``active``, ``prior_scale`` and the
    R2-D2 settings. Inactive (padded) columns have zero rows and columns in ``XtX``.
    """
    import pymc as pm

    with pm.Model() as model:
        n = pm.Data("n", 10.0)
        xtx = pm.Data("XtX", np.eye(columns))
        xty = pm.Data("Xty", np.zeros(columns))
        yty = pm.Data("yty", 1.0)
        sum_x = pm.Data("sum_x", np.zeros(columns))
        sum_y = pm.Data("sum_y", 0.0)
        intercept, sigma, beta = regression_parameters(columns, prior)
        pm.Potential(
            "loglik",
            regression_sufficient_logp(intercept, beta, sigma, n, xtx, xty, yty, sum_x, sum_y),
        )
    return model


def standardized_statistics(corr: np.ndarray, n: int) -> dict[str, np.ndarray | float]:
    """Sufficient statistics of the standardized variables: xbar = 0, scatter = (n - 1) R."""
    corr = np.asarray(corr, dtype=float)
    return {"n": float(n), "xbar": np.zeros(corr.shape[0]), "scatter": (n - 1.0) * corr}


def regression_statistics(
    corr: np.ndarray, n: int, outcome: int, terms: list[int], columns: int, width: int
) -> dict[str, np.ndarray | float]:
    """Sufficient statistics of a standardized regression of ``outcome`` on the first ``width``
    of ``terms``, padded to ``columns`` design columns (zero beyond ``width``)."""
    corr = np.asarray(corr, dtype=float)
    used = terms[:width]
    xtx = np.zeros((columns, columns))
    xty = np.zeros(columns)
    xtx[:width, :width] = (n - 1.0) * corr[np.ix_(used, used)]
    xty[:width] = (n - 1.0) * corr[used, outcome]
    return {
        "n": float(n),
        "XtX": xtx,
        "Xty": xty,
        "yty": n - 1.0,
        "sum_x": np.zeros(columns),
        "sum_y": 0.0,
    }
