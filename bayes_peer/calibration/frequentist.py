"""A frequentist simulation study of the correlation intervals and Bayes-factor decisions.

Planned and reported as Morris, White & Crowther (2019) recommend (ADEMP):

* **Aims**: how the exact posterior interval and Fisher's z interval for a Pearson correlation
  behave over repeated samples at the sizes of small correlational studies, and how often the
  default Bayes factor reaches BF10 > 3 or BF10 < 1/3.
* **Data-generating mechanisms**: bivariate normal samples with true correlation rho in
  {0, .1, .3, .5, .7, .9} and n in {20, 46, 100} (the full factorial by default).
* **Estimand**: rho.
* **Methods**: the exact posterior of rho under the stretched-beta prior (kappa = 1, the
  default of JASP): posterior median and equal-tailed interval; Fisher's z: the sample r and
  tanh(atanh(r) +- z_(1 - a/2) / sqrt(n - 3)); optionally the toolkit's MCMC pairwise and joint
  models (posterior median and equal-tailed interval).
* **Performance measures**, each with its Monte Carlo standard error (Morris et al. 2019,
  table 6): coverage of the interval, bias and RMSE of the point estimate, mean interval width,
  and the proportions of BF10 > 3 and BF10 < 1/3 (exact method only).

With ``methods`` including ``pairwise`` and ``joint`` the toolkit's MCMC models are fitted to
the same samples (one fit per sample, the default sampler settings): slow (about 0.2-0.5 s per
fit), so the documented run uses fewer samples for them.

Every cell draws its samples from ``SeedSequence(seed, spawn_key=(crc32("frequentist"),
rho in millionths + 10^6, n))``: a cell's numbers do not depend on which other cells are run.

References
----------
Morris, T. P., White, I. R., & Crowther, M. J. (2019). Using simulation studies to evaluate
statistical methods. *Statistics in Medicine*, 38(11), 2074-2102.
Ly, A., Verhagen, J., & Wagenmakers, E.-J. (2016). Harold Jeffreys's default Bayes factor
hypothesis tests. *Journal of Mathematical Psychology*, 72, 19-32.
"""

from __future__ import annotations

import math
import zlib

import numpy as np

#: Default design of the study.
RHOS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9)
NS = (20, 46, 100)
REPS = 2000
#: The interval methods compared by default, and the MCMC ones that can be added.
METHODS = ("exact", "fisher")
MCMC_METHODS = ("pairwise", "joint")
#: Decision thresholds of the Bayes factor.
BF_EVIDENCE = 3.0


def cell_seed(seed: int, rho: float, n: int) -> np.random.SeedSequence:
    """The seed sequence of one cell of the design."""
    key = (zlib.crc32(b"frequentist"), round(rho * 1e6) + 10**6, int(n))
    return np.random.SeedSequence(entropy=seed, spawn_key=key)


def sample_studies(rho: float, n: int, reps: int, rng: np.random.Generator):
    """``reps`` bivariate normal samples of size n with correlation rho: x, y of shape (reps, n)."""
    x = rng.standard_normal((reps, n))
    y = rho * x + math.sqrt(1.0 - rho**2) * rng.standard_normal((reps, n))
    return x, y


def sample_correlations(rho: float, n: int, reps: int, rng: np.random.Generator) -> np.ndarray:
    """Pearson r of ``reps`` bivariate normal samples of size n with correlation rho."""
    x, y = sample_studies(rho, n, reps, rng)
    x = x - x.mean(axis=1, keepdims=True)
    y = y - y.mean(axis=1, keepdims=True)
    return np.sum(x * y, axis=1) / np.sqrt(np.sum(x * x, axis=1) * np.sum(y * y, axis=1))


def _mean_mcse(values: np.ndarray) -> tuple[float, float]:
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(values.size))


def _proportion(hits: np.ndarray) -> tuple[float, float]:
    p = float(hits.mean())
    return p, math.sqrt(p * (1.0 - p) / hits.size)


def performance(rho: float, estimate: np.ndarray, low: np.ndarray, high: np.ndarray) -> dict:
    """Coverage, bias, RMSE and width with their Monte Carlo SEs (Morris et al. 2019)."""
    coverage, coverage_mcse = _proportion((low <= rho) & (rho <= high))
    bias, bias_mcse = _mean_mcse(estimate - rho)
    squared = (estimate - rho) ** 2
    mse = float(squared.mean())
    rmse = math.sqrt(mse)
    rmse_mcse = float(squared.std(ddof=1) / math.sqrt(squared.size) / (2.0 * rmse)) if rmse else 0.0
    width, width_mcse = _mean_mcse(high - low)
    return {
        "coverage": coverage,
        "coverage_mcse": coverage_mcse,
        "bias": bias,
        "bias_mcse": bias_mcse,
        "rmse": rmse,
        "rmse_mcse": rmse_mcse,
        "width": width,
        "width_mcse": width_mcse,
    }


def _mcmc_intervals(
    method: str, x: np.ndarray, y: np.ndarray, seed: int, kappa: float, ci_prob: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Posterior median and equal-tailed interval of rho from the toolkit's MCMC model
    (``pairwise``: right-Haar prior and stretched beta with 1/kappa; ``joint``: the LKJ model
    for 2 variables with eta = 1/kappa, the same marginal prior), one fit per sample with the
    toolkit's default sampler settings; returns (median, low, high, fits with divergences)."""
    from bayes_peer.analyses.correlate_mcmc import joint_structure
    from bayes_peer.mcmc.models.correlation import build_pairwise_model, standardize
    from bayes_peer.mcmc.sampler import SamplerSettings, get_structure

    tail = (1.0 - ci_prob) / 2.0
    if method == "pairwise":
        structure = get_structure("pairwise", build_pairwise_model)
    else:
        structure = joint_structure(2)
    out = np.empty((x.shape[0], 3))
    divergent = 0
    seeds = np.random.SeedSequence(seed).generate_state(x.shape[0])
    for i in range(x.shape[0]):
        z = standardize(np.column_stack([x[i], y[i]]))
        data = (
            {"y": z, "prior_a": 1.0 / kappa}
            if method == "pairwise"
            else {"y": z, "mask": np.ones_like(z), "eta": 1.0 / kappa}
        )
        fit = structure.fit(
            data, SamplerSettings(seed=int(seeds[i])), log_likelihood=False, log_prior=False
        )
        post = fit.idata["posterior"]
        rho = (
            post["rho"].values if method == "pairwise" else post["chol_corr"].values[..., 0, 1]
        ).ravel()
        out[i] = np.quantile(rho, [0.5, tail, 1.0 - tail])
        divergent += fit.divergences > 0
    return out[:, 0], out[:, 1], out[:, 2], divergent


def study_cell(
    rho: float,
    n: int,
    reps: int,
    seed: int,
    *,
    kappa: float = 1.0,
    ci_prob: float = 0.95,
    methods=METHODS,
) -> list[dict]:
    """Every method's performance in one cell (rho, n) of the design (the same samples for
    every method)."""
    from scipy.stats import norm

    from bayes_peer.exact.correlation_grid import log_bf10_and_quantiles_many

    x, y = sample_studies(rho, n, reps, np.random.default_rng(cell_seed(seed, rho, n)))
    xc, yc = x - x.mean(axis=1, keepdims=True), y - y.mean(axis=1, keepdims=True)
    r = np.sum(xc * yc, axis=1) / np.sqrt(np.sum(xc * xc, axis=1) * np.sum(yc * yc, axis=1))
    tail = (1.0 - ci_prob) / 2.0
    half = norm.ppf(1.0 - tail) / math.sqrt(n - 3)
    z = np.arctanh(np.clip(r, -1 + 1e-15, 1 - 1e-15))
    base = {"rho": rho, "n": n, "reps": reps, "ci_prob": ci_prob}
    no_bf = {
        "bf10_above_3": None,
        "bf10_above_3_mcse": None,
        "bf10_below_third": None,
        "bf10_below_third_mcse": None,
    }
    rows = []
    if "exact" in methods:
        log_bf, q = log_bf10_and_quantiles_many(r, n, kappa, (tail, 0.5, 1.0 - tail))
        exact = {
            **base,
            "method": "exact",
            "kappa": kappa,
            **performance(rho, q[:, 1], q[:, 0], q[:, 2]),
        }
        above, above_mcse = _proportion(log_bf > math.log(BF_EVIDENCE))
        below, below_mcse = _proportion(log_bf < -math.log(BF_EVIDENCE))
        exact.update(
            {
                "bf10_above_3": above,
                "bf10_above_3_mcse": above_mcse,
                "bf10_below_third": below,
                "bf10_below_third_mcse": below_mcse,
            }
        )
        rows.append(exact)
    if "fisher" in methods:
        fisher = performance(rho, r, np.tanh(z - half), np.tanh(z + half))
        rows.append({**base, "method": "fisher", "kappa": None, **fisher, **no_bf})
    for method in (m for m in MCMC_METHODS if m in methods):
        sub_seed = cell_seed(seed, rho, n).spawn(len(MCMC_METHODS))[MCMC_METHODS.index(method)]
        median, low, high, divergent = _mcmc_intervals(
            method, x, y, int(sub_seed.generate_state(1)[0]), kappa, ci_prob
        )
        rows.append(
            {
                **base,
                "method": method,
                "kappa": kappa,
                **performance(rho, median, low, high),
                **no_bf,
                "divergent_fits": divergent,
            }
        )
    return rows


def frequentist_study(
    rhos=RHOS,
    ns=NS,
    reps: int = REPS,
    seed: int = 0,
    *,
    kappa: float = 1.0,
    ci_prob: float = 0.95,
    methods=METHODS,
) -> list[dict]:
    """Every cell of the design: one ``coverage.csv`` row per (rho, n, method)."""
    return [
        row
        for n in ns
        for rho in rhos
        for row in study_cell(
            float(rho), int(n), int(reps), seed, kappa=kappa, ci_prob=ci_prob, methods=methods
        )
    ]
