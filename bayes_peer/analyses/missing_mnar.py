"""Missing not at random: delta-adjusted multiple imputation and the tipping point.

A pattern-mixture sensitivity analysis for attrition. Under MAR, the joint model's posterior
(full-information likelihood) predicts a participant's missing follow-up values from the values
they did give. Under MNAR the missing values may differ from that prediction: here the imputed
follow-up values of the second variable of a pair are shifted by ``delta`` (in SD units of its
observed values; delta = 0 is MAR). Each completed data set is analysed with the exact
posterior of rho (Ly, Marsman & Wagenmakers 2018) under the joint model's own marginal prior,
and the MNAR posterior is the mixture of those complete-data posteriors (Bayesian multiple
imputation: each imputation uses a different posterior draw of the imputation model). The
tipping point is the smallest shift, in each direction, at which the conclusion about rho
(whether its 95% interval excludes 0) changes.

The imputations use common random numbers across shifts, so the curves over delta are smooth
and a tipping point is not an artefact of new noise at each delta. Their number (default
:data:`IMPUTATIONS`) sets the Monte Carlo error, which is reported: the mixture is recomputed
on :data:`MC_REPLICATES` bootstrap resamples of the imputed data sets, giving a Monte Carlo SE
of every interval end and, for each tipping point, the share of resamples that find the same
shift and the range of shifts they find.

References
----------
Little, R. J. A. (1994). A class of pattern-mixture models for normal incomplete data.
*Biometrika*, 81(3), 471-483.
Carpenter, J. R., & Kenward, M. G. (2013). *Multiple Imputation and its Application*, ch. 10.
Wiley.
Ratitch, B., O'Kelly, M., & Tosiello, R. (2013). Missing data in clinical trials: from clinical
assumptions to statistical analysis using pattern mixture models. *Pharmaceutical
Statistics*, 12(6), 337-347. (Tipping-point analysis.)
Gelman, A., et al. (2013). *Bayesian Data Analysis* (3rd ed.), ch. 18. CRC Press.
"""

from __future__ import annotations

import numpy as np

from bayes_peer.exact.correlation import posterior_grid
from bayes_peer.exact.correlation_grid import FIXED_GRID_Z_MAX, fixed_grid_posteriors

#: Shifts of the imputed follow-up values, in SD units (0 = MAR).
DELTAS = tuple(round(float(x), 2) for x in np.linspace(-1.0, 1.0, 21))
#: Imputed data sets per shift (each from its own posterior draw of the joint model).
IMPUTATIONS = 20
#: Seed of the imputation draws (the same numbers serve every shift).
IMPUTATION_SEED = 20261126
#: Bootstrap resamples of the imputations behind the Monte Carlo errors.
MC_REPLICATES = 200


def conclusion(ci_low: float, ci_high: float) -> str:
    """'positive' / 'negative' when the interval excludes 0, else 'includes 0'."""
    if ci_low > 0:
        return "positive"
    if ci_high < 0:
        return "negative"
    return "includes 0"


def mixture_inputs(
    rs: np.ndarray, n: int, kappa: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fisher-z grid, log BF10 and posterior CDFs on that grid of complete-data sets with
    sample correlations ``rs`` (fixed grid; adaptive quadrature for |atanh r| > 6)."""
    regular = np.abs(np.arctanh(np.clip(rs, -1 + 1e-15, 1 - 1e-15))) <= FIXED_GRID_Z_MAX
    z, log_bf, cdf = fixed_grid_posteriors(np.where(regular, rs, 0.0), n, kappa)
    for k in np.flatnonzero(~regular):
        grid = posterior_grid(float(rs[k]), n, kappa)
        log_bf[k] = grid.log_integral
        cdf[k] = np.interp(z, grid.x, grid.cdf(), left=0.0, right=1.0)
    return z, log_bf, cdf


def _draw_index(chains: int, draws: int, count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.choice(chains * draws, size=min(count, chains * draws), replace=False)


def impute(
    y: np.ndarray,
    mask: np.ndarray,
    mu: np.ndarray,
    cov: np.ndarray,
    targets: list[int],
    normals: np.ndarray,
) -> np.ndarray:
    """Values of the ``targets`` columns with their missing cells drawn from the MVN conditional.

    Parameters
    ----------
    y, mask : (n, d) standardized data (missing cells 0) and its observed mask
    mu, cov : (d,), (d, d) one posterior draw of the joint model's mean and covariance
    targets : columns to complete
    normals : (n, len(targets)) standard normal numbers (common random numbers)

    Returns
    -------
    (n, len(targets)) completed values
    """
    out = y[:, targets].copy()
    for i in np.flatnonzero((mask[:, targets] == 0).any(axis=1)):
        obs = np.flatnonzero(mask[i] == 1)
        miss_t = [k for k, c in enumerate(targets) if mask[i, c] == 0]
        cols = [targets[k] for k in miss_t]
        if obs.size:
            s_oo = cov[np.ix_(obs, obs)]
            s_mo = cov[np.ix_(cols, obs)]
            gain = np.linalg.solve(s_oo, s_mo.T).T
            mean = mu[cols] + gain @ (y[i, obs] - mu[obs])
            c_cov = cov[np.ix_(cols, cols)] - gain @ s_mo.T
        else:
            mean, c_cov = mu[cols], cov[np.ix_(cols, cols)]
        chol = np.linalg.cholesky(c_cov + 1e-12 * np.eye(len(cols)))
        out[i, miss_t] = mean + chol @ normals[i, miss_t]
    return out


def delta_adjusted(
    y: np.ndarray,
    mask: np.ndarray,
    posterior,
    pair: tuple[int, int],
    kappa: float,
    *,
    deltas: tuple[float, ...] = DELTAS,
    imputations: int = IMPUTATIONS,
    seed: int = IMPUTATION_SEED,
    ci_prob: float = 0.95,
) -> dict:
    """MNAR posteriors of the correlation of columns ``pair`` over shifts of the second column.

    Parameters
    ----------
    y, mask : (n, d) data of the joint model (standardized, missing cells 0) and its mask
    posterior : the joint model's posterior group (``mu``, ``chol_corr``, ``chol_stds``)
    pair : (i, j) columns of the correlation; missing values of column j are shifted
    kappa : width of the stretched-beta prior of the complete-data posterior (the joint
        model's marginal prior, so that delta = 0 matches the MAR fit)

    Returns
    -------
    dict
        ``rows`` (per delta: median, ci_low, ci_high, p_positive, bf10_median, r_mean,
        conclusion), ``shifted`` (participants whose value was shifted), ``tipping_low`` /
        ``tipping_high`` (the shifts nearest 0 that change the conclusion at delta = 0, or
        None within the range) and the settings.
    """
    i, j = pair
    n = y.shape[0]
    mu = posterior["mu"].values
    corr = posterior["chol_corr"].values
    sds = posterior["chol_stds"].values
    chains, draws = mu.shape[:2]
    picks = _draw_index(chains, draws, imputations, seed)
    rng = np.random.default_rng(seed + 1)
    normals = rng.standard_normal((picks.size, n, 2))
    shifted = mask[:, j] == 0
    completed = []
    for m, flat in enumerate(picks):
        c, d = divmod(int(flat), draws)
        cov = corr[c, d] * np.outer(sds[c, d], sds[c, d])
        completed.append(impute(y, mask, mu[c, d], cov, [i, j], normals[m]))
    tail = (1.0 - ci_prob) / 2.0
    probs = [tail, 0.5, 1.0 - tail]
    m = len(completed)
    boot = np.random.default_rng(seed + 2).multinomial(m, np.full(m, 1.0 / m), MC_REPLICATES) / m
    rows, replicate_conclusions = [], []
    for delta in deltas:
        rs = []
        for values in completed:
            b = values[:, 1] + delta * shifted
            rs.append(float(np.corrcoef(values[:, 0], b)[0, 1]))
        rs_arr = np.asarray(rs)
        z, log_bf, cdfs = mixture_inputs(rs_arr, n, kappa)
        cdf = cdfs.mean(axis=0)  # the mixture of the complete-data posteriors
        lo, med, hi = np.tanh(np.interp(probs, cdf, z))
        resampled = np.tanh(np.array([np.interp(probs, c, z) for c in boot @ cdfs]))
        replicate_conclusions.append([conclusion(a, c) for a, _, c in resampled])
        mcse = resampled.std(axis=0, ddof=1)
        rows.append(
            {
                "delta": float(delta),
                "median": float(med),
                "ci_low": float(lo),
                "ci_high": float(hi),
                "p_positive": float(1.0 - np.interp(0.0, z, cdf)),
                "bf10_median": float(np.exp(np.median(log_bf))),
                "r_mean": float(rs_arr.mean()),
                "conclusion": conclusion(lo, hi),
                "median_mcse": float(mcse[1]),
                "ci_low_mcse": float(mcse[0]),
                "ci_high_mcse": float(mcse[2]),
            }
        )
    delta_list = [r["delta"] for r in rows]
    tipping = _tipping_points(delta_list, [r["conclusion"] for r in rows])
    replicates = [
        _tipping_points(delta_list, [replicate_conclusions[k][b] for k in range(len(rows))])
        for b in range(MC_REPLICATES)
    ]
    return {
        "rows": rows,
        "n": int(n),
        "n_shifted": int(shifted.sum()),
        "imputations": int(picks.size),
        "kappa": float(kappa),
        "conclusion_mar": tipping["at_zero"],
        "tipping_low": tipping["low"],
        "tipping_high": tipping["high"],
        **_tipping_mc(tipping, replicates),
        "mc_replicates": MC_REPLICATES,
    }


def _tipping_points(deltas: list[float], conclusions: list[str]) -> dict:
    """The shifts nearest 0, each way, whose conclusion differs from the one at delta = 0."""
    at_zero = conclusions[deltas.index(0.0)]
    low = [d for d, c in zip(deltas, conclusions, strict=True) if d < 0 and c != at_zero]
    high = [d for d, c in zip(deltas, conclusions, strict=True) if d > 0 and c != at_zero]
    return {
        "at_zero": at_zero,
        "low": max(low) if low else None,
        "high": min(high) if high else None,
    }


def _tipping_mc(tipping: dict, replicates: list[dict]) -> dict:
    """Monte Carlo error of each tipping point over bootstrap resamples of the imputations:
    the share that agree (same shift, or none in the range) and the range of shifts found."""
    out = {}
    for side in ("low", "high"):
        found = [r[side] for r in replicates]
        values = [v for v in found if v is not None]
        out[f"tipping_{side}_agreement"] = float(np.mean([v == tipping[side] for v in found]))
        out[f"tipping_{side}_range"] = [min(values), max(values)] if values else None
        out[f"tipping_{side}_none_share"] = float(np.mean([v is None for v in found]))
    return out
