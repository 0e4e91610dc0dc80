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
from scipy.special import betaln, logsumexp, ndtri, stdtr

from bayes_peer.exact.quadrature import integrate_log
from bayes_peer.exact.regression import T_LIMITS, jzs_log_integrand

#: Most candidate predictors enumerated (2^15 = 32768 models).
MAX_CANDIDATES = 15
#: Model priors: every model equally likely, or beta-binomial(1, 1) on the model size.
MODEL_PRIORS = ("uniform", "beta-binomial")
#: The least probable models, together holding at most this posterior mass, are left out of
#: the coefficient mixtures (their total is reported as ``omitted_mass``); their Bayes factors
#: and probabilities are all kept.
MIXTURE_CUTOFF = 1e-8
#: Points of the Simpson grid over log g for each model's coefficient posterior, over the
#: region above e^-G_DROP of its peak (the demo's averaged means and intervals agree with 401
#: points over e^-45 to about 2e-7).
G_POINTS = 61
G_DROP = 20.0


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


#: Coarse grid over t = log g that locates every model's mass, and the fine grid's points.
COARSE_T = np.linspace(T_LIMITS[0], T_LIMITS[1], 1081)
FINE_POINTS = 801


def _log_integrand_many(
    t: np.ndarray, n: int, p: np.ndarray, r2: np.ndarray, rscale: float
) -> np.ndarray:
    """:func:`jzs_log_integrand` for many (p, R²) at once; ``t`` broadcasts against them."""
    from scipy.special import gammaln

    b = rscale**2 * n / 2.0
    a1, a2 = 0.5 * (n - p - 1), 0.5 * (n - 1)
    log_1m_r2 = np.log1p(-r2)
    return (
        a1 * np.logaddexp(0.0, t)
        - a2 * np.logaddexp(0.0, t + log_1m_r2)
        + 0.5 * np.log(b)
        - gammaln(0.5)
        - 0.5 * t
        - b * np.exp(-t)
    )


def g_grids(
    n: int,
    p: np.ndarray,
    r2: np.ndarray,
    rscale: float,
    points: int = FINE_POINTS,
    drop: float = 45.0,
):
    """For each model, a uniform grid over log g covering its integrand's mass (everything
    above e^-drop of the peak, located on :data:`COARSE_T`), the log integrand on it and its
    log integral by Simpson's rule: the vectorized :func:`log_jzs_bf` (tested equal to it)."""
    p = np.asarray(p, dtype=float)[:, None]
    r2 = np.asarray(r2, dtype=float)[:, None]
    coarse = _log_integrand_many(COARSE_T[None, :], n, p, r2, rscale)
    keep = coarse > coarse.max(axis=1, keepdims=True) - drop
    first = np.argmax(keep, axis=1)
    last = COARSE_T.size - 1 - np.argmax(keep[:, ::-1], axis=1)
    lo = COARSE_T[np.maximum(first - 1, 0)]
    hi = COARSE_T[np.minimum(last + 1, COARSE_T.size - 1)]
    frac = np.linspace(0.0, 1.0, points)
    t = lo[:, None] + (hi - lo)[:, None] * frac[None, :]
    log_f = _log_integrand_many(t, n, p, r2, rscale)
    h = (hi - lo) / (points - 1)
    w = np.where(np.arange(points) % 2 == 1, 4.0, 2.0)
    w[0] = w[-1] = 1.0
    log_w = np.log(w)[None, :] + np.log(h / 3.0)[:, None]
    return t, log_f, logsumexp(log_f + log_w, axis=1), log_w


def candidate_groups(candidates) -> list[list[int]]:
    """Candidates as groups of column indices: an index alone is a one-column term, a list
    the columns of one term (a factor's indicator columns), entering and leaving together."""
    return [list(c) if isinstance(c, list | tuple) else [c] for c in candidates]


def model_columns(forced: list[int], groups: list[list[int]], members) -> list[int]:
    """The columns of the model holding the candidate terms ``members``."""
    return forced + [column for i in members for column in groups[i]]


def enumerate_models(
    n: int,
    corr: np.ndarray,
    forced: list[int],
    candidates: list,
    rscale: float,
    prior: str,
) -> tuple[list[Model], float]:
    """Every subset of ``candidates`` (indices into ``corr``, outcome at 0, or lists of
    indices for a term of several columns) with ``forced``, the forced-only model first; and
    the log BF of the forced-only model against the intercept-only model (to turn each model's
    BF into BayesFactor's ``regressionBF``). A model's size (its JZS p) counts columns, its
    model prior counts terms."""
    groups = candidate_groups(candidates)
    k = len(groups)
    subsets = [m for size in range(k + 1) for m in itertools.combinations(range(k), size)]
    sizes = np.array([len(model_columns(forced, groups, m)) for m in subsets])
    r2 = np.array([_fit(corr, model_columns(forced, groups, m))[0] for m in subsets])
    log_bf = np.zeros(len(subsets))
    rows = np.flatnonzero(sizes > 0)
    for chunk in np.array_split(rows, max(1, rows.size // 2048)) if rows.size else []:
        log_bf[chunk] = g_grids(n, sizes[chunk], r2[chunk], rscale)[2]
    base = float(log_bf[0])
    return [
        Model(m, float(r), float(v) - base, log_model_prior(len(m), k, prior))
        for m, r, v in zip(subsets, r2, log_bf, strict=True)
    ], base


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
            log_bf = (
                math.log(p_post) - math.log(p_excl) - (math.log(p_prior) - math.log1p(-p_prior))
            )
        else:
            log_bf = math.inf if p_excl == 0 else -math.inf
        out.append({"p_prior": p_prior, "p_incl": p_post, "p_excl": p_excl, "log_bf_incl": log_bf})
    return out


class CoefficientMixture:
    """The model-averaged posterior of one coefficient: a mixture of t distributions (each
    model holding it, over the posterior of g) and a point mass at zero."""

    def __init__(self, df: int, weights, locs, scales, mass_at_zero: float):
        self.df = df
        self.weights, self.locs, self.scales = (
            np.asarray(a, dtype=float) for a in (weights, locs, scales)
        )
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
        return float(self._cdf_many(np.array([float(x)]))[0]) + (
            self.mass_at_zero if x >= 0 else 0.0
        )

    def _cdf_many(self, xs: np.ndarray) -> np.ndarray:
        """The continuous part of the CDF at many points (chunked over the components)."""
        out = np.zeros(xs.size)
        step = max(1, 4_000_000 // max(xs.size, 1))
        for start in range(0, self.weights.size, step):
            sl = slice(start, start + step)
            z = (xs[:, None] - self.locs[None, sl]) / self.scales[None, sl]
            out += stdtr(self.df, z) @ self.weights[sl]
        return out

    def _pdf(self, x: float) -> float:
        """Density of the continuous part at ``x``."""
        from scipy.special import gammaln

        df = self.df
        z = (x - self.locs) / self.scales
        log_c = gammaln((df + 1) / 2) - gammaln(df / 2) - 0.5 * math.log(df * math.pi)
        dens = np.exp(log_c - (df + 1) / 2 * np.log1p(z * z / df)) / self.scales
        return float(dens @ self.weights)

    def quantile(self, p: float) -> float:
        """inf {x : P(beta <= x) >= p}; 0 when p falls in the point mass. Newton steps on the
        exact CDF, safeguarded by bisection, to 1e-12 in probability."""
        if self.weights.size == 0:
            return 0.0
        jump = self.mass_at_zero
        if jump > 0:
            below = float(self._cdf_many(np.array([0.0]))[0])  # P(beta < 0)
            if below <= p <= below + jump:
                return 0.0
        lo = float(np.min(self.locs - 60.0 * self.scales))
        hi = float(np.max(self.locs + 60.0 * self.scales))
        x = min(max(self.mean + float(ndtri(p)) * self.sd, lo), hi)
        for _ in range(100):
            gap = self.cdf(x) - p
            if abs(gap) < 1e-12:
                break
            if gap < 0:
                lo = x
            else:
                hi = x
            density = self._pdf(x)
            step = x - gap / density if density > 0 else math.nan
            if not lo < step < hi:
                step = 0.5 * (lo + hi)
            if abs(step - x) <= 1e-13 * (1.0 + abs(x)):
                x = step
                break
            x = step
        return float(x)


def g_posterior(n: int, p: int, r2: float, rscale: float) -> tuple[np.ndarray, np.ndarray]:
    """Shrinkage s = g / (1 + g) at :data:`G_POINTS` points over the posterior of log g, and
    their normalized Simpson weights."""
    shrink, weights = g_posteriors(n, np.array([p]), np.array([r2]), rscale)
    return shrink[0], weights[0]


def g_posteriors(n: int, p: np.ndarray, r2: np.ndarray, rscale: float):
    """:func:`g_posterior` for many models at once: (models, G_POINTS) arrays."""
    t, log_f, log_z, log_w = g_grids(n, p, r2, rscale, points=G_POINTS, drop=G_DROP)
    weights = np.exp(log_f + log_w - log_z[:, None])
    return 1.0 / (1.0 + np.exp(-t)), weights / weights.sum(axis=1, keepdims=True)


def coefficient_mixtures(
    n: int,
    corr: np.ndarray,
    sds: np.ndarray | None,
    forced: list[int],
    candidates: list,
    models: list[Model],
    probs: np.ndarray,
    rscale: float,
) -> tuple[dict[int, CoefficientMixture], float]:
    """The model-averaged posterior of every predictor column (forced and candidate), keyed
    by its index in ``corr``, and the posterior mass of the models left out (the least
    probable, together at most :data:`MIXTURE_CUTOFF`). Raw units with ``sds``, else
    standardized. ``candidates`` as in :func:`enumerate_models`."""
    groups = candidate_groups(candidates)
    candidates = [column for group in groups for column in group]
    order = np.argsort(probs)  # least probable first
    dropped = order[np.cumsum(probs[order]) <= MIXTURE_CUTOFF]
    keep = np.ones(probs.size, dtype=bool)
    keep[dropped] = False
    kept = probs[keep] / probs[keep].sum()
    omitted = float(probs[~keep].sum())
    sd = np.ones(corr.shape[0]) if sds is None else np.asarray(sds, dtype=float)
    parts: dict[int, list] = {i: [[], [], []] for i in forced + candidates}
    excluded = dict.fromkeys(forced + candidates, 0.0)
    chosen = list(itertools.compress(models, keep))
    fits = [_fit(corr, model_columns(forced, groups, m.members)) for m in chosen]
    sizes = np.array([len(model_columns(forced, groups, m.members)) for m in chosen])
    has_terms = np.flatnonzero(sizes > 0)
    shrinks = np.zeros((len(chosen), G_POINTS))
    weights = np.zeros((len(chosen), G_POINTS))
    chunks = np.array_split(has_terms, max(1, has_terms.size // 2048)) if has_terms.size else []
    for chunk in chunks:
        shrinks[chunk], weights[chunk] = g_posteriors(
            n, sizes[chunk], np.array([fits[i][0] for i in chunk]), rscale
        )
    for index, (model, weight) in enumerate(zip(chosen, kept, strict=True)):
        columns = model_columns(forced, groups, model.members)
        for col in set(candidates) - set(columns):
            excluded[col] += float(weight)
        if not columns:
            continue
        r2, beta_std, inverse = fits[index]
        shrink, w = shrinks[index], weights[index]
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
            n - 1,
            np.concatenate(ws) if ws else [],
            np.concatenate(locs) if locs else [],
            np.concatenate(scales) if scales else [],
            excluded[col],
        )
    return mixtures, omitted
