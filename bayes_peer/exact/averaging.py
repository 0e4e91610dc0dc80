"""Bayesian model averaging over the predictors of a linear regression, exactly.

Every subset of the candidate predictors (each together with the forced-in covariates) is a
model M. Under the JZS (Zellner-Siow) prior of :mod:`bayes_peer.exact.regression` (g-prior on
the slopes with g ~ InvGamma(1/2, r² N / 2), Jeffreys prior on intercept and residual variance)
each model's Bayes factor against the intercept-only model follows from its R² alone, so all
2^k models are enumerated exactly (k up to :data:`MAX_CANDIDATES`). Their Bayes factors against
the forced-only model, times a uniform or beta-binomial(1, 1) model prior, give the posterior
model probabilities; the posterior inclusion probability of a predictor sums those of the
models that hold it, and its inclusion Bayes factor is the change from prior to posterior
inclusion odds (as JASP).

The model-averaged posterior of a coefficient is the mixture over models of its posterior in
each model, with a point mass at zero for the models without it. Given g, a model's slopes are
multivariate t with N - 1 degrees of freedom, location s b (s = g / (1 + g), b the least-
squares estimate) and scale matrix s SST (1 - s R²) / (N - 1) (X'X)^-1 (Liang et al. 2008,
section 2); g is integrated over its posterior on a 201-point Simpson grid in log g. Intervals
are equal-tailed quantiles of the mixture's CDF (a quantile that falls in the point mass is 0).

Everything follows from n, the correlation matrix and the SDs, so a published table works as
well as participant rows; without SDs the coefficients are standardized.

References
----------
Liang, F., Paulo, R., Molina, G., Clyde, M. A., & Berger, J. O. (2008). Mixtures of g priors
for Bayesian variable selection. *JASA*, 103(481), 410-423.
Rouder, J. N., & Morey, R. D. (2012). Default Bayes factors for model selection in regression.
*Multivariate Behavioral Research*, 47(6), 877-903.
Scott, J. G., & Berger, J. O. (2010). Bayes and empirical-Bayes multiplicity adjustment in the
variable-selection problem. *The Annals of Statistics*, 38(5), 2587-2619.
Hinne, M., Gronau, Q. F., van den Bergh, D., & Wagenmakers, E.-J. (2020). A conceptual
introduction to Bayesian model averaging. *AMPPS*, 3(2), 200-215.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import betaln, logsumexp, stdtr

from bayes_peer.exact.quadrature import _simpson_log_weights, integrate_log
from bayes_peer.exact.regression import T_LIMITS, jzs_log_integrand

#: Most candidate predictors enumerated (2^15 = 32768 models).
MAX_CANDIDATES = 15
#: Model priors: every model equally likely, or beta-binomial(1, 1) on the model size.
MODEL_PRIORS = ("uniform", "beta-binomial")
#: Models with a smaller posterior probability are left out of the coefficient mixtures (their
#: total is reported as ``omitted_mass``); their Bayes factors and probabilities are all kept.
MIXTURE_CUTOFF = 1e-10
#: Points of the Simpson grid over log g for each model's coefficient posterior.
G_POINTS = 201


@dataclass(frozen=True)
class Model:
    """One model: candidate indices it holds, R², log BF against the forced-only model."""

    members: tuple[int, ...]
    r2: float
    log_bf: float
    log_prior: float


def log_model_prior(size: int, k: int, prior: str) -> float:
    """Log prior probability of one model with ``size`` of ``k`` candidates.

    "uniform": 2^-k. "beta-binomial": 1 / ((k + 1) C(k, size)), i.e. every model size equally
    likely (Scott & Berger 2010; JASP's beta-binomial(1, 1)).
    """
    if prior == "uniform":
        return -k * math.log(2.0)
    if prior == "beta-binomial":
        return betaln(1 + size, 1 + k - size) - betaln(1, 1)
    raise ValueError(f"model prior must be one of {', '.join(MODEL_PRIORS)}, got {prior!r}")


def _fit(corr: np.ndarray, columns: list[int]) -> tuple[float, np.ndarray, np.ndarray]:
    """R², standardized slopes and R_SS^-1 of the outcome (index 0) on ``columns``."""
    if not columns:
        return 0.0, np.zeros(0), np.zeros((0, 0))
    r_ss = corr[np.ix_(columns, columns)]
    r_ys = corr[0, columns]
    inverse = np.linalg.inv(r_ss)
    beta = inverse @ r_ys
    return float(r_ys @ beta), beta, inverse


def _log_bf_null(n: int, p: int, r2: float, rscale: float) -> float:
    """Log JZS BF of a p-predictor model against the intercept-only model (0 when p = 0)."""
    if p == 0:
        return 0.0
    return integrate_log(jzs_log_integrand(n, p, r2, rscale), *T_LIMITS).log_integral


def enumerate_models(
    n: int, corr: np.ndarray, forced: list[int], candidates: list[int], rscale: float,
    prior: str,
) -> tuple[list[Model], float]:  # fmt: skip
    """Every subset of ``candidates`` (indices into ``corr``, outcome at 0) with ``forced``,
    the forced-only model first; and the log BF of the forced-only model against the
    intercept-only model (to turn each model's BF into BayesFactor's ``regressionBF``)."""
    k = len(candidates)
    r2_forced, _, _ = _fit(corr, forced)
    base = _log_bf_null(n, len(forced), r2_forced, rscale)
    models = []
    for size in range(k + 1):
        for members in itertools.combinations(range(k), size):
            columns = forced + [candidates[i] for i in members]
            r2, _, _ = _fit(corr, columns)
            log_bf = _log_bf_null(n, len(columns), r2, rscale) - base
            models.append(Model(members, r2, log_bf, log_model_prior(size, k, prior)))
    return models, base


def posterior_probabilities(models: list[Model]) -> np.ndarray:
    """Posterior model probabilities from BFs and prior probabilities."""
    log_post = np.array([m.log_bf + m.log_prior for m in models])
    return np.exp(log_post - logsumexp(log_post))


def inclusion(models: list[Model], probs: np.ndarray, k: int) -> list[dict]:
    """Prior and posterior inclusion probability and inclusion BF of each candidate."""
    prior = np.exp([m.log_prior for m in models])
    out = []
    for j in range(k):
        holds = np.array([j in m.members for m in models])
        p_prior, p_post = float(prior[holds].sum()), float(probs[holds].sum())
        p_excl = float(probs[~holds].sum())  # summed directly, not 1 - p_post
        if p_excl > 0 and p_post > 0:
            log_bf = (math.log(p_post) - math.log(p_excl)
                      - (math.log(p_prior) - math.log1p(-p_prior)))  # fmt: skip
        else:
            log_bf = math.inf if p_excl == 0 else -math.inf
        out.append({"p_prior": p_prior, "p_incl": p_post, "p_excl": p_excl,
                    "log_bf_incl": log_bf})  # fmt: skip
    return out


class CoefficientMixture:
    """The model-averaged posterior of one coefficient: a mixture of t distributions (each
    model holding it, over the posterior of g) and a point mass at zero."""

    def __init__(self, df: int, weights, locs, scales, mass_at_zero: float):
        self.df = df
        self.weights, self.locs, self.scales = (np.asarray(a, dtype=float) for a in
                                                (weights, locs, scales))  # fmt: skip
        self.mass_at_zero = float(mass_at_zero)

    @property
    def mean(self) -> float:
        return float(np.sum(self.weights * self.locs))

    @property
    def sd(self) -> float:
        second = np.sum(self.weights * (self.locs**2 + self.scales**2 * self.df / (self.df - 2)))
        return float(math.sqrt(max(second - self.mean**2, 0.0)))

    def cdf(self, x: float) -> float:
        """P(beta <= x)."""
        continuous = float(np.sum(self.weights * stdtr(self.df, (x - self.locs) / self.scales)))
        return continuous + (self.mass_at_zero if x >= 0 else 0.0)

    def quantile(self, p: float) -> float:
        """inf {x : P(beta <= x) >= p}; 0 when p falls in the point mass."""
        if self.mass_at_zero > 0:
            below = self.cdf(-1e-300)  # P(beta < 0)
            if below <= p <= below + self.mass_at_zero:
                return 0.0
        if self.weights.size == 0:
            return 0.0
        spread = float(np.max(np.abs(self.locs) + 60.0 * self.scales))
        return float(brentq(lambda x: self.cdf(x) - p, -spread, spread, xtol=1e-12,
                            rtol=1e-12, maxiter=200))  # fmt: skip


def g_posterior(n: int, p: int, r2: float, rscale: float) -> tuple[np.ndarray, np.ndarray]:
    """Shrinkage s = g / (1 + g) at :data:`G_POINTS` points over the posterior of log g, and
    their normalized Simpson weights."""
    log_f = jzs_log_integrand(n, p, r2, rscale)
    grid = integrate_log(log_f, *T_LIMITS)
    t = np.linspace(grid.x[0], grid.x[-1], G_POINTS)
    log_w = _simpson_log_weights(t) + log_f(t)
    return 1.0 / (1.0 + np.exp(-t)), np.exp(log_w - logsumexp(log_w))


def coefficient_mixtures(
    n: int, corr: np.ndarray, sds: np.ndarray | None, forced: list[int],
    candidates: list[int], models: list[Model], probs: np.ndarray, rscale: float,
) -> tuple[dict[int, CoefficientMixture], float]:  # fmt: skip
    """The model-averaged posterior of every predictor (forced and candidate), keyed by its
    index in ``corr``, and the posterior mass of the models left out (below
    :data:`MIXTURE_CUTOFF`). Raw units with ``sds``, else standardized."""
    keep = probs >= MIXTURE_CUTOFF
    kept = probs[keep] / probs[keep].sum()
    omitted = float(probs[~keep].sum())
    sd = np.ones(corr.shape[0]) if sds is None else np.asarray(sds, dtype=float)
    parts: dict[int, list] = {i: [[], [], []] for i in forced + candidates}
    excluded = dict.fromkeys(forced + candidates, 0.0)
    for model, weight in zip(itertools.compress(models, keep), kept, strict=True):
        columns = forced + [candidates[i] for i in model.members]
        for col in set(candidates) - set(columns):
            excluded[col] += float(weight)
        if not columns:
            continue
        r2, beta_std, inverse = _fit(corr, columns)
        shrink, w = g_posterior(n, len(columns), r2, rscale)
        for pos, col in enumerate(columns):
            ratio = sd[0] / sd[col]
            # scale² = s SST (1 - s R²) / (N - 1) [(X'X)^-1]_jj, SST = (N - 1) sd_y²,
            # (X'X)^-1 = D^-1 R_SS^-1 D^-1 / (N - 1) for centered columns with SDs D.
            scale = ratio * np.sqrt(shrink * (1.0 - shrink * r2) * inverse[pos, pos] / (n - 1))
            parts[col][0].append(weight * w)
            parts[col][1].append(shrink * beta_std[pos] * ratio)
            parts[col][2].append(scale)
    mixtures = {}
    for col, (ws, locs, scales) in parts.items():
        mixtures[col] = CoefficientMixture(
            n - 1, np.concatenate(ws) if ws else [], np.concatenate(locs) if locs else [],
            np.concatenate(scales) if scales else [], excluded[col],
        )  # fmt: skip
    return mixtures, omitted
