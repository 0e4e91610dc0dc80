"""Prior and posterior predictive groups, observed data and named derived draws for a fit.

The report needs, beside the posterior, what the model predicts before and after seeing the
data (Gabry, Simpson, Vehtari, Betancourt & Gelman 2019) and the quantities a reader asks about
under their own names (``rho`` for each pair of variables, ``delta_r2`` for each block). These
are added to a fit's DataTree here, so the saved NetCDF holds all the report draws from:

- ``observed_data``: the values the model saw, NaN where a value was missing (FIML);
- ``prior``: draws of the free variables and deterministics from the prior;
- ``prior_predictive`` / ``posterior_predictive``: replicated data sets of the same shape as
  ``observed_data`` (every cell replicated, missing ones too), from the prior and from the
  posterior.

Replicated data are drawn with numpy from the model's own parameter draws (the FIML
likelihoods are custom densities without a random generator): a multivariate normal (or t)
for the joint correlation model, a bivariate normal (or t) over the two waves for the two-wave
regression, a normal (or t) for the one-wave regression.

References
----------
Gabry, J., Simpson, D., Vehtari, A., Betancourt, M., & Gelman, A. (2019). Visualization in
Bayesian workflow. *JRSS A*, 182(2), 389-402.
Gelman, A., Meng, X.-L., & Stern, H. (1996). Posterior predictive assessment of model fitness
via realized discrepancies. *Statistica Sinica*, 6, 733-807.
"""

from __future__ import annotations

import numpy as np

#: Replicated data sets kept per fit (thinned evenly from the posterior draws).
PREDICTIVE_DRAWS = 100
#: Prior draws kept per fit.
PRIOR_DRAWS = 200


def thin_index(n_total: int, keep: int = PREDICTIVE_DRAWS) -> np.ndarray:
    """Evenly spaced indices of ``keep`` draws out of ``n_total`` (all when fewer)."""
    return np.unique(np.linspace(0, n_total - 1, min(keep, n_total)).round().astype(int))


def _flat(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """(chain, draw, ...) -> the selected (flattened chain x draw) draws."""
    return values.reshape(-1, *values.shape[2:])[index]


def _t_scale(nu: np.ndarray | None, shape: tuple, rng: np.random.Generator) -> np.ndarray:
    """Per-row scale mixing a normal into a Student-t (1 when ``nu`` is None)."""
    if nu is None:
        return np.ones(shape)
    nu = np.asarray(nu).reshape(-1, *([1] * (len(shape) - 1)))
    return np.sqrt(nu / rng.chisquare(np.broadcast_to(nu, shape)))


def mv_replicates(
    mu: np.ndarray,
    corr: np.ndarray,
    sd: np.ndarray,
    n: int,
    rng: np.random.Generator,
    nu: np.ndarray | None = None,
) -> np.ndarray:
    """Replicated (draws, n, d) data sets from a multivariate normal (t when ``nu`` is given)."""
    cov = corr * sd[:, :, None] * sd[:, None, :]
    chol = np.linalg.cholesky(cov + 1e-12 * np.eye(cov.shape[-1]))
    z = rng.standard_normal((mu.shape[0], n, mu.shape[-1]))
    scale = _t_scale(nu, (mu.shape[0], n, 1), rng)
    return mu[:, None, :] + scale * np.einsum("sij,snj->sni", chol, z)


def two_wave_replicates(
    intercept: np.ndarray,
    beta_a: np.ndarray,
    beta_b: np.ndarray,
    sigma: np.ndarray,
    rho: np.ndarray,
    xa: np.ndarray,
    xb: np.ndarray,
    rng: np.random.Generator,
    nu: np.ndarray | None = None,
) -> np.ndarray:
    """Replicated (draws, n, 2) outcomes of the two-wave regression (bivariate residuals)."""
    mean = np.stack([intercept[:, :1] + beta_a @ xa.T, intercept[:, 1:] + beta_b @ xb.T], -1)
    draws, n = mean.shape[:2]
    z1, z2 = rng.standard_normal((2, draws, n))
    r = rho[:, None]
    e = np.stack([z1, r * z1 + np.sqrt(1.0 - r**2) * z2], -1) * sigma[:, None, :]
    return mean + _t_scale(nu, (draws, n, 1), rng) * e


def regression_replicates(
    intercept: np.ndarray,
    beta: np.ndarray,
    sigma: np.ndarray,
    x: np.ndarray,
    rng: np.random.Generator,
    nu: np.ndarray | None = None,
) -> np.ndarray:
    """Replicated (draws, n) outcomes of the one-wave regression."""
    mean = intercept[:, None] + beta @ x.T
    e = rng.standard_normal(mean.shape) * sigma[:, None]
    return mean + _t_scale(nu, mean.shape, rng) * e


def _group(values: dict[str, tuple[tuple[str, ...], np.ndarray]], coords: dict):
    import xarray as xr

    data = {k: (("chain", "draw", *dims), v[None]) for k, (dims, v) in values.items()}
    used = {d for dims, _ in values.values() for d in dims}
    return xr.Dataset(data, coords={k: v for k, v in coords.items() if k in used})


def _set_groups(idata, groups: dict) -> None:
    for name, dataset in groups.items():
        idata[name] = dataset


def add_posterior_draws(
    idata, variables: dict[str, tuple[tuple[str, ...], np.ndarray]], coords: dict
) -> None:
    """Add named (chain, draw, ...) variables to the posterior group."""
    import xarray as xr

    post = idata["posterior"].to_dataset()
    for name, (dims, values) in variables.items():
        post[name] = xr.DataArray(
            values,
            dims=("chain", "draw", *dims),
            coords={d: coords[d] for d in dims if d in coords},
        )
    idata["posterior"] = post


def correlation_groups(
    fit,
    y: np.ndarray,
    mask: np.ndarray,
    columns: list[str],
    hyperparameters: dict,
    seed: int,
    robust: bool = False,
) -> None:
    """Observed data, prior, prior/posterior predictive of a joint correlation fit."""
    import xarray as xr

    rng = np.random.default_rng(seed)
    n, d = y.shape
    coords = {"participant": np.arange(n), "variable": list(columns)}
    observed = np.where(mask == 1, y, np.nan)
    post = fit.idata["posterior"]
    index = thin_index(post.sizes["chain"] * post.sizes["draw"])

    def take(name: str) -> np.ndarray:
        return _flat(np.asarray(post[name]), index)

    nu = take("nu") if robust else None
    replicated = mv_replicates(take("mu"), take("chol_corr"), take("chol_stds"), n, rng, nu)
    prior = fit.structure.prior_draws(hyperparameters, PRIOR_DRAWS, seed)
    prior_nu = prior["nu"] if robust else None
    prior_rep = mv_replicates(prior["mu"], prior["chol_corr"], prior["chol_stds"], n, rng, prior_nu)
    iu = np.triu_indices(d, 1)
    pair_labels = [f"{columns[i]} ~ {columns[j]}" for i, j in zip(*iu, strict=True)]
    coords["pair"] = pair_labels
    add_posterior_draws(
        fit.idata, {"rho": (("pair",), post["chol_corr"].values[..., iu[0], iu[1]])}, coords
    )
    _set_groups(
        fit.idata,
        {
            "observed_data": xr.Dataset(
                {"y": (("participant", "variable"), observed)}, coords=coords
            ),
            "prior": _group({"rho": (("pair",), prior["chol_corr"][:, iu[0], iu[1]])}, coords),
            "prior_predictive": _group({"y": (("participant", "variable"), prior_rep)}, coords),
            "posterior_predictive": _group(
                {"y": (("participant", "variable"), replicated)}, coords
            ),
        },
    )


def two_wave_groups(
    fit,
    width: int,
    waves: list[str],
    terms: list[str],
    hyperparameters: dict,
    seed: int,
    robust: bool = False,
) -> None:
    """Observed data, prior, prior/posterior predictive of one block of the two-wave model.

    ``width`` is the number of active predictors of the block, ``terms`` their construct
    names (shared by both waves).
    """
    import xarray as xr

    rng = np.random.default_rng(seed)
    data = fit.data
    y, mask, xa, xb = data["y"], data["mask"], data["Xa"], data["Xb"]
    n = y.shape[0]
    coords = {"participant": np.arange(n), "wave": list(waves), "term": list(terms[:width])}
    post = fit.idata["posterior"]
    index = thin_index(post.sizes["chain"] * post.sizes["draw"])

    def rep(source, flat: bool) -> np.ndarray:
        pick = (lambda v: _flat(np.asarray(v), index)) if flat else np.asarray
        return two_wave_replicates(
            pick(source["intercept"]),
            pick(source["beta_a"]),
            pick(source["beta_b"]),
            pick(source["sigma"]),
            pick(source["rho_resid"]),
            xa,
            xb,
            rng,
            pick(source["nu"]) if robust else None,
        )

    prior = fit.structure.prior_draws(hyperparameters, PRIOR_DRAWS, seed)
    beta = {
        "beta": (
            ("wave", "term"),
            np.stack([post["beta_a"].values[..., :width], post["beta_b"].values[..., :width]], -2),
        ),
        "sigma": (("wave",), post["sigma"].values),  # labelled by wave, not 0 / 1
    }
    add_posterior_draws(fit.idata, beta, coords)
    prior_beta = np.stack([prior["beta_a"][:, :width], prior["beta_b"][:, :width]], -2)
    _set_groups(
        fit.idata,
        {
            "observed_data": xr.Dataset(
                {"y": (("participant", "wave"), np.where(mask == 1, y, np.nan))}, coords=coords
            ),
            "prior": _group({"beta": (("wave", "term"), prior_beta)}, coords),
            "prior_predictive": _group({"y": (("participant", "wave"), rep(prior, False))}, coords),
            "posterior_predictive": _group(
                {"y": (("participant", "wave"), rep(post, True))}, coords
            ),
        },
    )


def regression_groups(
    fit, width: int, terms: list[str], hyperparameters: dict, seed: int, robust: bool = False
) -> None:
    """Observed data, prior, prior/posterior predictive of one block of the one-wave model.

    With in-model imputation the design differs per draw; the predictive groups are then left
    out (the posterior and the prior draws of the slopes are still added).
    """
    import xarray as xr

    rng = np.random.default_rng(seed)
    data = fit.data
    y, x = data["y"], data["X"]
    n = y.shape[0]
    coords = {"participant": np.arange(n), "term": list(terms[:width])}
    post = fit.idata["posterior"]
    prior = fit.structure.prior_draws(hyperparameters, PRIOR_DRAWS, seed)
    add_posterior_draws(
        fit.idata, {"beta_std": (("term",), post["beta"].values[..., :width])}, coords
    )
    groups = {
        "observed_data": xr.Dataset({"y": (("participant",), y)}, coords=coords),
        "prior": _group({"beta_std": (("term",), prior["beta"][:, :width])}, coords),
    }
    if "miss_idx" not in data or len(data["miss_idx"]) == 0:
        index = thin_index(post.sizes["chain"] * post.sizes["draw"])

        def rep(source, flat: bool) -> np.ndarray:
            pick = (lambda v: _flat(np.asarray(v), index)) if flat else np.asarray
            return regression_replicates(
                pick(source["intercept"]),
                pick(source["beta"]),
                pick(source["sigma"]),
                x,
                rng,
                pick(source["nu"]) if robust else None,
            )

        groups["prior_predictive"] = _group({"y": (("participant",), rep(prior, False))}, coords)
        groups["posterior_predictive"] = _group({"y": (("participant",), rep(post, True))}, coords)
    _set_groups(fit.idata, groups)
