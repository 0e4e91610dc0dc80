"""The model structures that ``bayes-peer calibrate`` checks, each with a simulator and its test
quantities.

A :class:`CalibrationModel` is one compiled structure of the toolkit (the same
:class:`~bayes_peer.mcmc.sampler.ModelStructure` the analyses fit, so the check covers the code
that produces the numbers), the prior hyperparameters it is checked at, a simulator that turns
one draw from the prior into a data set of the study's size (n = 46) and design, and the test
quantities: every parameter the toolkit reports for that model and the joint log-likelihood of
the simulated data (univariate ranks miss errors in the correlation structure; Modrák et al.
2023).

Design of the simulated studies (documented in ``docs/calibration.md``):

* correlations: 4 variables, two constructs at two waves (as in the pair-by-wave joint models);
  ``joint-fiml`` and ``two-wave`` lose second-wave values at random given the first wave
  (MAR): P(missing) = logistic(-1.36 + z), z the standardized first-wave value, about 24 %
  (the demo's attrition at 24 months, 11 of 46);
* regressions: 3 active predictors drawn from an equicorrelated (.3) normal plus one padded
  column (the padding the compiled structure uses for blocks of fewer terms), so the check
  also covers the inactive-column mechanism;
* the pairwise model's right-Haar prior on the means and log-SDs is improper and cannot be
  simulated from: it is checked as ``pairwise-proper`` with Normal(0, 2.5) means and
  Normal(0, 1) log-SDs. Its likelihood, its stretched-beta prior on rho and the sampler are the
  pairwise model's; what the proper version cannot check is the improper prior itself, whose
  posterior for rho the tests compare with the exact closed form instead. The informed-prior
  pairwise model (normal prior on Fisher's z, the Flückiger et al. 2018 anchor) is checked the
  same way as ``pairwise-znormal-proper``.

References
----------
Talts, S., Betancourt, M., Simpson, D., Vehtari, A., & Gelman, A. (2018). Validating Bayesian
inference algorithms with simulation-based calibration. arXiv:1804.06788.
Modrák, M., Moon, A. H., Kim, S., Bürkner, P., Huurre, N., Faltejsková, K., Gelman, A., &
Vehtari, A. (2023). Simulation-based calibration checking for Bayesian computation: the choice
of test quantities shapes sensitivity. *Bayesian Analysis*.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

#: Participants of every simulated study (the study's n).
N_STUDY = 46
#: Logit intercept of the MAR dropout model (about 24 % missing at the second wave).
DROPOUT_LOGIT = -1.36
#: Correlation among the simulated regression predictors.
PREDICTOR_CORRELATION = 0.3
#: Active predictors of the simulated regressions, and the compiled design columns.
ACTIVE, COLUMNS = 3, 4
#: Dimension of the joint correlation models (two constructs at two waves).
JOINT_D = 4
#: Latent slots of the imputation model (missing predictor cells it can take).
IMPUTE_SLOTS = 24
#: How much the negative control's data-generating SDs exceed the fitted model's.
MISSCALE = 1.5

Draws = dict[str, np.ndarray]


@dataclass(frozen=True)
class CalibrationModel:
    """One model structure under simulation-based calibration.

    Attributes
    ----------
    name : str
        The name ``bayes-peer calibrate --model`` takes.
    description : str
        What is fitted, in one line.
    structure : callable
        Returns the process-wide compiled structure (built on first use, in each worker).
    hyperparameters : dict
        The ``pm.Data`` values the prior depends on (the defaults the toolkit fits with).
    simulate : callable
        ``simulate(truth, rng)``: a data set (the structure's ``pm.Data``) from one prior draw
        (arrays without a sample axis).
    quantities : callable
        ``quantities(draws)``: test quantity name -> values, for draws with a leading sample
        axis (posterior draws, or the one prior draw with an axis of length 1).
    negative_control : bool
        A deliberately wrong model: the check must flag it as miscalibrated.
    """

    name: str
    description: str
    structure: Callable[[], object]
    hyperparameters: dict = field(default_factory=dict)
    simulate: Callable[[dict, np.random.Generator], dict] | None = None
    quantities: Callable[[Draws], dict[str, np.ndarray]] | None = None
    negative_control: bool = False


# ---------------------------------------------------------------------------- simulators
def _covariance(truth: dict, scale: float = 1.0) -> np.ndarray:
    sds = np.asarray(truth["chol_stds"]) * scale
    return np.asarray(truth["chol_corr"]) * np.outer(sds, sds)


def _mv_rows(mean: np.ndarray, cov: np.ndarray, rng, nu: float | None = None) -> np.ndarray:
    """N rows from a multivariate normal (or t with ``nu`` degrees of freedom)."""
    chol = np.linalg.cholesky(cov)
    z = rng.standard_normal((N_STUDY, len(mean))) @ chol.T
    if nu is not None:
        z = z / np.sqrt(rng.chisquare(nu, size=N_STUDY) / nu)[:, None]
    return np.asarray(mean)[None, :] + z


def _dropout(first_wave: np.ndarray, rng) -> np.ndarray:
    """True where the second wave is missing: MAR given the (observed) first wave."""
    z = (first_wave - first_wave.mean()) / first_wave.std(ddof=1)
    return rng.uniform(size=first_wave.size) < 1.0 / (1.0 + np.exp(-(DROPOUT_LOGIT + z)))


def _joint_data(truth: dict, rng, *, fiml: bool, robust: bool, scale: float = 1.0) -> dict:
    nu = float(truth["nu"]) if robust else None
    y = _mv_rows(truth["mu"], _covariance(truth, scale), rng, nu)
    mask = np.ones_like(y)
    if fiml:
        mask[_dropout(y[:, 0], rng), JOINT_D // 2 :] = 0.0
    return {"y": np.where(mask > 0, y, 0.0), "mask": mask, "eta": 1.0}


def _joint_summary_data(truth: dict, rng) -> dict:
    y = _mv_rows(truth["mu"], _covariance(truth), rng)
    centred = y - y.mean(axis=0)
    return {"n": float(N_STUDY), "xbar": y.mean(axis=0), "scatter": centred.T @ centred, "eta": 1.0}


def _pairwise_data(truth: dict, rng, hyperparameters: dict | None = None) -> dict:
    sds = np.exp(np.asarray(truth["log_sigma"]))
    rho = float(truth["rho"])
    cov = np.array([[1.0, rho], [rho, 1.0]]) * np.outer(sds, sds)
    return {"y": _mv_rows(truth["mu"], cov, rng), **(hyperparameters or {"prior_a": 1.0})}


def _predictors(rng) -> np.ndarray:
    corr = np.full((ACTIVE, ACTIVE), PREDICTOR_CORRELATION) + (1 - PREDICTOR_CORRELATION) * np.eye(
        ACTIVE
    )
    x = np.zeros((N_STUDY, COLUMNS))
    x[:, :ACTIVE] = rng.standard_normal((N_STUDY, ACTIVE)) @ np.linalg.cholesky(corr).T
    return x


def _regression_hyperparameters() -> dict:
    from bayes_peer.mcmc.models.regression import R2D2_CONS, R2D2_MEAN, R2D2_PREC

    active = np.zeros(COLUMNS)
    active[:ACTIVE] = 1.0
    return {
        "active": active,
        "prior_scale": 1.0,
        "mean_R2": R2D2_MEAN,
        "prec_R2": R2D2_PREC,
        "cons_D2": R2D2_CONS,
    }


def _residuals(truth: dict, rng, sigma: float) -> np.ndarray:
    if "nu" in truth:
        return sigma * rng.standard_t(float(truth["nu"]), size=N_STUDY)
    return sigma * rng.standard_normal(N_STUDY)


def _regression_data(truth: dict, rng) -> dict:
    x = _predictors(rng)
    mu = float(truth["intercept"]) + x @ np.asarray(truth["beta"])
    y = mu + _residuals(truth, rng, float(truth["sigma"]))
    return {"X": x, "y": y, **_regression_hyperparameters()}


def _regression_summary_data(truth: dict, rng) -> dict:
    data = _regression_data(truth, rng)
    x, y = data.pop("X"), data.pop("y")
    return {
        "n": float(N_STUDY),
        "XtX": x.T @ x,
        "Xty": x.T @ y,
        "yty": float(y @ y),
        "sum_x": x.sum(axis=0),
        "sum_y": float(y.sum()),
        **data,
    }


def _two_wave_data(truth: dict, rng) -> dict:
    xa, xb = _predictors(rng), _predictors(rng)
    sigma, rho = np.asarray(truth["sigma"]), float(truth["rho_resid"])
    cov = np.array([[1.0, rho], [rho, 1.0]]) * np.outer(sigma, sigma)
    mean = np.column_stack(
        [truth["intercept"][0] + xa @ truth["beta_a"], truth["intercept"][1] + xb @ truth["beta_b"]]
    )
    y = mean + rng.standard_normal((N_STUDY, 2)) @ np.linalg.cholesky(cov).T
    mask = np.ones_like(y)
    mask[_dropout(y[:, 0], rng), 1] = 0.0
    return {
        "Xa": xa,
        "Xb": xb,
        "y": np.where(mask > 0, y, 0.0),
        "mask": mask,
        "rho_free": 1.0,
        **_regression_hyperparameters(),
    }


def _regression_impute_data(truth: dict, rng) -> tuple[dict, dict]:
    """Predictors from the imputation model's own multivariate normal, an outcome from the
    regression, and predictor cells missing at random given the outcome (about 8 %, at most
    :data:`IMPUTE_SLOTS`); the true values of the missing cells are the latent values' truth."""
    sds = np.asarray(truth["x_chol_stds"])[:ACTIVE]
    cov = np.asarray(truth["x_chol_corr"])[:ACTIVE, :ACTIVE] * np.outer(sds, sds)
    x = np.zeros((N_STUDY, COLUMNS))
    x[:, :ACTIVE] = (
        np.asarray(truth["x_mu"])[None, :ACTIVE]
        + rng.standard_normal((N_STUDY, ACTIVE)) @ np.linalg.cholesky(cov).T
    )
    mu = float(truth["intercept"]) + x @ np.asarray(truth["beta"])
    y = mu + _residuals(truth, rng, float(truth["sigma"]))
    z = (y - y.mean()) / y.std(ddof=1)
    missing = np.zeros_like(x, dtype=bool)
    missing[:, :ACTIVE] = rng.uniform(size=(N_STUDY, ACTIVE)) < 1 / (1 + np.exp(2.6 - z))[:, None]
    idx = np.flatnonzero(missing.ravel())[:IMPUTE_SLOTS].astype("int64")
    latent = np.array(truth["x_latent"], dtype=float)
    latent[: idx.size] = x.ravel()[idx]
    filled = x.ravel().copy()
    filled[idx] = 0.0
    hyper = _regression_hyperparameters()
    data = {
        "X": filled.reshape(x.shape),
        "y": y,
        "miss_idx": idx,
        "active_x": hyper["active"],
        **hyper,
    }
    return data, {"x_latent": latent}


# ---------------------------------------------------------------------------- test quantities
def _joint_quantities(draws: Draws) -> dict[str, np.ndarray]:
    corr, sds, mu = draws["chol_corr"], draws["chol_stds"], draws["mu"]
    out = {
        f"rho_{i + 1}{j + 1}": corr[:, i, j]
        for i, j in itertools.combinations(range(corr.shape[-1]), 2)
    }
    out.update({f"sigma_{k + 1}": sds[:, k] for k in range(sds.shape[-1])})
    out.update({f"mu_{k + 1}": mu[:, k] for k in range(mu.shape[-1])})
    if "nu" in draws:
        out["nu"] = draws["nu"]
    return out


def _pairwise_quantities(draws: Draws) -> dict[str, np.ndarray]:
    sds = np.exp(draws["log_sigma"])
    return {
        "rho": draws["rho"],
        "mu_1": draws["mu"][:, 0],
        "mu_2": draws["mu"][:, 1],
        "sigma_1": sds[:, 0],
        "sigma_2": sds[:, 1],
    }


def _regression_quantities(draws: Draws) -> dict[str, np.ndarray]:
    out = {f"beta_{k + 1}": draws["beta"][:, k] for k in range(ACTIVE)}
    out.update({"intercept": draws["intercept"], "sigma": draws["sigma"]})
    if "beta_R2" in draws:
        out["R2"] = draws["beta_R2"]
    if "nu" in draws:
        out["nu"] = draws["nu"]
    return out


def _two_wave_quantities(draws: Draws) -> dict[str, np.ndarray]:
    out = {}
    for w, wave in enumerate("ab"):
        out.update({f"beta_{wave}_{k + 1}": draws[f"beta_{wave}"][:, k] for k in range(ACTIVE)})
        out[f"intercept_{wave}"] = draws["intercept"][:, w]
        out[f"sigma_{wave}"] = draws["sigma"][:, w]
    out["rho_resid"] = draws["rho_resid"]
    return out


# ---------------------------------------------------------------------------- structures
def _joint_structure(robust: bool = False):
    from bayes_peer.analyses.correlate_mcmc import joint_structure

    return joint_structure(JOINT_D, robust)


def _regression_structure(prior: str = "normal", likelihood: str = "normal"):
    from bayes_peer.analyses.regress_mcmc import regression_structure

    return regression_structure(COLUMNS, prior, likelihood)


def _regression_impute_structure():
    from bayes_peer.analyses.regress_mcmc import regression_structure

    return regression_structure(COLUMNS, "normal", "normal", impute=IMPUTE_SLOTS)


def _two_wave_structure():
    from bayes_peer.analyses.regress_waves import two_wave_structure

    return two_wave_structure(COLUMNS)


def _pairwise_proper_structure(prior: str = "beta"):
    from bayes_peer.mcmc.models.correlation import build_pairwise_model
    from bayes_peer.mcmc.sampler import get_structure

    name = "pairwise-proper" if prior == "beta" else f"pairwise-{prior}-proper"
    return get_structure(name, lambda: build_pairwise_model(prior, proper=True))


def _informed_hyperparameters() -> dict:
    """The informed prior the toolkit fits by default: Flückiger et al. (2018) on Fisher's z."""
    from bayes_peer.exact.informed import fluckiger_2018

    prior = fluckiger_2018()
    return {"prior_mu": prior.mu, "prior_sd": prior.sd}


def _joint_summary_structure():
    from bayes_peer.mcmc.models.sufficient import build_joint_summary_model
    from bayes_peer.mcmc.sampler import get_structure

    return get_structure(f"joint-summary(d={JOINT_D})", lambda: build_joint_summary_model(JOINT_D))


def _regression_summary_structure():
    from bayes_peer.mcmc.models.sufficient import build_regression_summary_model
    from bayes_peer.mcmc.sampler import get_structure

    return get_structure(
        f"regression-summary(P={COLUMNS}, normal)",
        lambda: build_regression_summary_model(COLUMNS, "normal"),
    )


def _models() -> dict[str, CalibrationModel]:
    def joint(**kw):
        return lambda truth, rng: _joint_data(truth, rng, **kw)

    regression, informed = _regression_hyperparameters, _informed_hyperparameters
    specs = [
        CalibrationModel(
            "joint",
            "joint LKJ(1) model, 4 variables, complete data",
            _joint_structure,
            {"eta": 1.0},
            joint(fiml=False, robust=False),
            _joint_quantities,
        ),
        CalibrationModel(
            "joint-fiml",
            "joint LKJ(1) model, 4 variables, second wave missing "
            "at random (about 24 %), full-information likelihood",
            _joint_structure,
            {"eta": 1.0},
            joint(fiml=True, robust=False),
            _joint_quantities,
        ),
        CalibrationModel(
            "joint-t",
            "robust joint model (multivariate Student-t), 4 variables, "
            "second wave missing at random",
            lambda: _joint_structure(True),
            {"eta": 1.0},
            joint(fiml=True, robust=True),
            _joint_quantities,
        ),
        CalibrationModel(
            "pairwise-proper",
            "pairwise bivariate normal model, uniform prior on "
            "rho (kappa = 1), proper priors on means and log-SDs",
            _pairwise_proper_structure,
            {"prior_a": 1.0},
            _pairwise_data,
            _pairwise_quantities,
        ),
        CalibrationModel(
            "pairwise-znormal-proper",
            "pairwise bivariate normal model, informed "
            "prior on rho (Fisher's z ~ Normal(0.2855, 0.1395²), Flückiger et al. "
            "2018), proper priors on means and log-SDs",
            lambda: _pairwise_proper_structure("znormal"),
            informed(),
            lambda truth, rng: _pairwise_data(truth, rng, informed()),
            _pairwise_quantities,
        ),
        CalibrationModel(
            "regression-normal",
            "regression, 3 predictors + 1 padded column, Normal(0, 1) slopes",
            _regression_structure,
            regression(),
            _regression_data,
            _regression_quantities,
        ),
        CalibrationModel(
            "regression-r2d2",
            "regression, 3 predictors + 1 padded column, R2-D2 prior",
            lambda: _regression_structure("r2d2"),
            regression(),
            _regression_data,
            _regression_quantities,
        ),
        CalibrationModel(
            "regression-student",
            "regression, 3 predictors + 1 padded column, Student-t residuals",
            lambda: _regression_structure("normal", "student"),
            regression(),
            _regression_data,
            _regression_quantities,
        ),
        CalibrationModel(
            "regression-impute",
            "regression, 3 predictors + 1 padded column, "
            "predictor values missing at random (about 8 %) imputed in the model",
            _regression_impute_structure,
            regression(),
            _regression_impute_data,
            _regression_quantities,
        ),
        CalibrationModel(
            "two-wave",
            "outcome at two waves with correlated residuals, 3 "
            "predictors per wave, second wave missing at random",
            _two_wave_structure,
            {**regression(), "rho_free": 1.0},
            _two_wave_data,
            _two_wave_quantities,
        ),
        CalibrationModel(
            "joint-summary",
            "joint LKJ(1) model on sufficient statistics (n, means, scatter matrix), 4 variables",
            _joint_summary_structure,
            {"eta": 1.0},
            lambda truth, rng: _joint_summary_data(truth, rng),
            _joint_quantities,
        ),
        CalibrationModel(
            "regression-summary",
            "regression on sufficient statistics, 3 predictors + 1 padded column",
            _regression_summary_structure,
            regression(),
            _regression_summary_data,
            _regression_quantities,
        ),
        CalibrationModel(
            "negative-control",
            f"NEGATIVE CONTROL: the joint model fitted to data "
            f"whose SDs are {MISSCALE:g} times those of the prior draw (a mis-scaled "
            "likelihood); must fail",
            _joint_structure,
            {"eta": 1.0},
            joint(fiml=False, robust=False, scale=MISSCALE),
            _joint_quantities,
            negative_control=True,
        ),
    ]
    return {m.name: m for m in specs}


MODELS: dict[str, CalibrationModel] = _models()


def model_names() -> list[str]:
    """Every calibrated model structure, the negative control last."""
    return list(MODELS)


def get_model(name: str) -> CalibrationModel:
    """The calibration model called ``name`` (``ValueError`` naming the choices otherwise)."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODELS)}")
    return MODELS[name]
