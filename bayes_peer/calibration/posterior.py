"""Posterior SBC: calibration conditional on the data at hand (Säilynoja et al. 2025).

Prior SBC averages over the whole prior; a model can be calibrated there and still be off where
the data put it. Posterior SBC checks the region the demo study's posterior occupies: fit the
model to the demo data once; for each simulation take one posterior draw as the truth, simulate
a replicate study of the same design from it (the demo's predictors and missingness pattern),
fit the model to the demo data **and** the replicate together, and rank the truth among the
new posterior draws. Under a correct model and sampler the ranks are uniform, for the same
reason as in prior SBC: the truth is a draw from the posterior given the demo data, and the
replicate is data from it.

Designs (the demo study is SYNTHETIC):

* ``joint-fiml``: alliance and satisfaction at 12 and 24 months (standardized with their
  observed values; missing cells by full information), 4 x 1000 draws for the reference fit;
* ``regression-normal``: quality of life at 24 months on alliance, satisfaction and recovery at
  24 months (complete rows, standardized), normal slope priors, padded to 4 columns.

References
----------
Säilynoja, T., Schmitt, M., Bürkner, P.-C., & Vehtari, A. (2025). Posterior SBC: simulation-based
calibration checking conditional on data. arXiv:2502.03279.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bayes_peer.calibration.models import ACTIVE, COLUMNS, _regression_hyperparameters

#: Columns of the demo study each design uses.
JOINT_COLUMNS = ("alliance_m12", "satisfaction_m12", "alliance_m24", "satisfaction_m24")
REGRESSION_OUTCOME = "qol_m24"
REGRESSION_TERMS = ("alliance_m24", "satisfaction_m24", "recovery_m24")
#: Reference fit of the demo data: chains x draws (after as many warm-up steps).
REFERENCE_CHAINS, REFERENCE_DRAWS = 4, 1000


@dataclass(frozen=True)
class PosteriorDesign:
    """How a model is checked conditional on the demo data.

    ``observed()`` gives the demo data as the structure's ``pm.Data``; ``replicate(truth, rng,
    observed)`` a replicate study of the same design from one parameter draw; ``augment(observed,
    replicate)`` the two together.
    """

    observed: Callable[[], dict]
    replicate: Callable[[dict, np.random.Generator, dict], dict]
    augment: Callable[[dict, dict], dict]


def _demo_matrix(columns) -> np.ndarray:
    from bayes_peer.data.source import demo_data

    return demo_data()[list(columns)].to_numpy(dtype=float)


def _joint_observed() -> dict:
    from bayes_peer.mcmc.models.correlation import standardize_observed

    y, mask = standardize_observed(_demo_matrix(JOINT_COLUMNS))
    return {"y": y, "mask": mask, "eta": 1.0}


def _joint_replicate(truth: dict, rng, observed: dict) -> dict:
    sds = np.asarray(truth["chol_stds"])
    cov = np.asarray(truth["chol_corr"]) * np.outer(sds, sds)
    n = observed["y"].shape[0]
    y = (
        np.asarray(truth["mu"])[None, :]
        + rng.standard_normal((n, sds.size)) @ np.linalg.cholesky(cov).T
    )
    mask = observed["mask"]  # the demo's missingness pattern
    return {"y": np.where(mask > 0, y, 0.0), "mask": mask}


def _joint_augment(observed: dict, replicate: dict) -> dict:
    return {
        **observed,
        "y": np.vstack([observed["y"], replicate["y"]]),
        "mask": np.vstack([observed["mask"], replicate["mask"]]),
    }


def _regression_observed() -> dict:
    values = _demo_matrix((REGRESSION_OUTCOME, *REGRESSION_TERMS))
    values = values[~np.isnan(values).any(axis=1)]
    z = (values - values.mean(axis=0)) / values.std(axis=0, ddof=1)
    x = np.zeros((z.shape[0], COLUMNS))
    x[:, :ACTIVE] = z[:, 1:]
    return {"X": x, "y": z[:, 0], **_regression_hyperparameters()}


def _regression_replicate(truth: dict, rng, observed: dict) -> dict:
    x = observed["X"]  # the demo's predictors
    mu = float(truth["intercept"]) + x @ np.asarray(truth["beta"])
    return {"X": x, "y": mu + float(truth["sigma"]) * rng.standard_normal(x.shape[0])}


def _regression_augment(observed: dict, replicate: dict) -> dict:
    return {
        **observed,
        "X": np.vstack([observed["X"], replicate["X"]]),
        "y": np.concatenate([observed["y"], replicate["y"]]),
    }


DESIGNS: dict[str, PosteriorDesign] = {
    "joint-fiml": PosteriorDesign(_joint_observed, _joint_replicate, _joint_augment),
    "regression-normal": PosteriorDesign(
        _regression_observed, _regression_replicate, _regression_augment
    ),
}

_REFERENCE: dict[tuple[str, int], tuple[dict, dict]] = {}


def reference_draws(model, seed: int) -> tuple[dict, dict]:
    """The demo data and the flattened draws of the reference fit (every free variable and
    deterministic), computed once per process, identical in every process for one seed."""
    from bayes_peer.mcmc.sampler import SamplerSettings

    key = (model.name, seed)
    if key not in _REFERENCE:
        observed = DESIGNS[model.name].observed()
        settings = SamplerSettings(
            draws=REFERENCE_DRAWS, tune=REFERENCE_DRAWS, chains=REFERENCE_CHAINS, seed=seed, cores=1
        )
        fit = model.structure().fit(observed, settings, log_likelihood=False, log_prior=False)
        posterior = fit.idata["posterior"].to_dataset()
        draws = {
            name: np.asarray(posterior[name].values).reshape(-1, *posterior[name].shape[2:])
            for name in posterior.data_vars
        }
        _REFERENCE[key] = (observed, draws)
    return _REFERENCE[key]
