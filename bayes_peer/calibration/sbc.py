"""Simulation-based calibration: one simulation, and the uniformity of the ranks.

One simulation of a model (Talts et al. 2018): draw the parameters from the prior, simulate a
data set from them, fit the model to it with the same compiled structure and sampler the
toolkit uses, and record for every test quantity the rank of its true value among thinned
posterior draws. If the sampler and the model code are right, each quantity's rank is uniform
over simulations. A rank becomes a PIT value ``(rank + u) / (L + 1)`` with ``u`` uniform, so
that a uniformity test for continuous values applies; the test is the pointwise order-based
test with Cauchy combination (``pot_c`` of arviz-stats; Tesso et al. 2026), whose
statistic is the mean of the Cauchy-transformed pointwise p-values.

Every random number of simulation ``i`` of model ``m`` comes from
``SeedSequence(seed, spawn_key=(crc32(m), i))``, so a simulation's result does not depend on
which worker runs it, in which batch, or in which order.

References
----------
Talts, S., Betancourt, M., Simpson, D., Vehtari, A., & Gelman, A. (2018). Validating Bayesian
inference algorithms with simulation-based calibration. arXiv:1804.06788.
Säilynoja, T., Bürkner, P.-C., & Vehtari, A. (2022). Graphical test for discrete uniformity and
its applications in goodness-of-fit evaluation and multiple sample comparison. *Statistics and
Computing*, 32, 32.
Tesso et al. (2026). LOO-PIT predictive model checking. arXiv:2603.02928 (the ``pot_c``
test, as cited by arviz-plots' ``plot_ecdf_pit``).
"""

from __future__ import annotations

import time
import zlib
from dataclasses import asdict, dataclass

import numpy as np

from bayes_peer.calibration.models import CalibrationModel

#: Name of the joint log-likelihood test quantity.
LOG_LIK = "log_lik"
#: Familywise level of a model's uniformity tests (Bonferroni over its quantities).
ALPHA = 0.05
#: A calibration fit (2 short chains) counts as a problem fit with any divergence, r_hat
#: above this or a bulk ESS below FIT_ESS_MIN; such fits stay in the ranks (dropping them would
#: bias SBC) and are counted and reported.
FIT_RHAT_MAX = 1.05
FIT_ESS_MIN = 100


def problem_fit(result: dict) -> bool:
    """Whether a simulation's fit had divergences or mixed poorly (see FIT_RHAT_MAX)."""
    return (
        result["divergences"] > 0
        or result["max_r_hat"] > FIT_RHAT_MAX
        or result["min_ess_bulk"] < FIT_ESS_MIN
    )


@dataclass(frozen=True)
class SBCSettings:
    """Sampler settings of the calibration fits.

    ``chains`` x ``draws`` posterior draws after ``tune`` warm-up steps, thinned by ``thin``:
    the ranks are taken among ``chains * draws / thin`` (default 200) nearly independent draws.
    """

    chains: int = 2
    tune: int = 500
    draws: int = 500
    thin: int = 5

    def __post_init__(self) -> None:
        for name in ("chains", "tune", "draws", "thin"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be a positive whole number, got {value!r}")
        if self.draws % self.thin:
            raise ValueError(f"draws ({self.draws}) must be a multiple of thin ({self.thin})")

    @property
    def rank_draws(self) -> int:
        """L: the number of draws a rank is taken among (ranks run from 0 to L)."""
        return self.chains * self.draws // self.thin

    def to_dict(self) -> dict:
        return {**asdict(self), "rank_draws": self.rank_draws}


def simulation_seed(seed: int, model: str, index: int) -> np.random.SeedSequence:
    """The seed sequence of simulation ``index`` of ``model`` (independent of batching)."""
    return np.random.SeedSequence(entropy=seed, spawn_key=(zlib.crc32(model.encode()), index))


_LOGLIK: dict[str, tuple] = {}


def _loglik_function(structure):
    """log p(data | parameters) of a structure (observed variables and potentials), compiled
    once per structure and process, taking the untransformed parameter values."""
    if structure.name not in _LOGLIK:
        import pytensor.tensor as pt
        from pymc.model.transform.conditioning import remove_value_transforms

        umodel = remove_value_transforms(structure.model)
        terms = [pt.sum(t) for t in umodel.logp(vars=list(umodel.observed_RVs), sum=False)]
        terms += [pt.sum(p) for p in umodel.potentials]
        fn = umodel.compile_fn(
            inputs=umodel.value_vars,
            outs=pt.sum(pt.stack(terms)),
            on_unused_input="ignore",
            mode="FAST_RUN",
        )
        names = [v.name for v in umodel.value_vars]
        _LOGLIK[structure.name] = (umodel, fn, names)
    return _LOGLIK[structure.name]


def log_likelihood(structure, data: dict, draws: dict[str, np.ndarray]) -> np.ndarray:
    """The joint log-likelihood of ``data`` at each of the draws (leading sample axis)."""
    import pymc as pm

    umodel, fn, names = _loglik_function(structure)
    known = {v.name for v in umodel.data_vars} if hasattr(umodel, "data_vars") else None
    with umodel:
        pm.set_data({k: v for k, v in data.items() if known is None or k in known})
    size = len(draws[names[0]])
    return np.array([fn({name: draws[name][s] for name in names}) for s in range(size)])


def _thinned(posterior, names: list[str], thin: int) -> dict[str, np.ndarray]:
    out = {}
    for name in names:
        values = np.asarray(posterior[name].values)
        values = values[:, ::thin]
        out[name] = values.reshape(-1, *values.shape[2:])
    return out


def _convergence(posterior, model: CalibrationModel) -> tuple[float, float]:
    """Largest r_hat and smallest bulk ESS over the model's test quantities (all draws)."""
    from arviz_stats.base import array_stats

    names = list(posterior.data_vars)
    chains, draws = posterior.sizes["chain"], posterior.sizes["draw"]
    flat = {
        n: np.asarray(posterior[n].values).reshape(chains * draws, -1).squeeze(-1)
        if posterior[n].ndim == 2
        else np.asarray(posterior[n].values).reshape(chains * draws, *posterior[n].shape[2:])
        for n in names
    }
    r_hat, ess = [], []
    for values in model.quantities(flat).values():
        grid = np.asarray(values).reshape(chains, draws)
        r_hat.append(float(array_stats.rhat(grid, chain_axis=0, draw_axis=1)))
        ess.append(float(array_stats.ess(grid, chain_axis=0, draw_axis=1)))
    return max(r_hat), min(ess)


def rank_statistics(posterior: dict[str, np.ndarray], truth: dict[str, np.ndarray]) -> dict:
    """The rank of each true value among the posterior draws: how many draws are smaller
    (0 to L for L draws; Talts et al. 2018, algorithm 1)."""
    return {
        q: int(np.sum(np.asarray(posterior[q]) < np.asarray(truth[q]).ravel()[0]))
        for q in posterior
    }


def simulate_once(
    model: CalibrationModel, index: int, seed: int, settings: SBCSettings, study: str = "prior"
) -> dict:
    """Simulation ``index`` of ``model``: truth, data, fit, ranks of every quantity.

    ``study="prior"``: the truth is a draw from the prior and the data a study simulated from it.
    ``study="posterior"``: the truth is a draw from the model's posterior given the demo data
    and the data are the demo data plus a replicate study simulated from the truth
    (:mod:`bayes_peer.calibration.posterior`).

    Returns
    -------
    dict
        ``model``, ``structure``, ``sim``, ``ranks`` (quantity -> rank in 0..L), ``pit``
        (quantity -> PIT), ``divergences``, ``max_r_hat``, ``min_ess_bulk``, ``seconds``.
    """
    from bayes_peer.mcmc.sampler import SamplerSettings

    start = time.perf_counter()
    key = model.name if study == "prior" else f"{study}:{model.name}"
    sequence = simulation_seed(seed, key, index)
    prior_seed, sampler_seed = (int(v) for v in sequence.generate_state(2))
    data_rng, pit_rng = (np.random.default_rng(s) for s in sequence.spawn(2))
    structure = model.structure()
    if study == "prior":
        truth_draws = structure.prior_draws(model.hyperparameters, 1, prior_seed, cache=False)
        truth = {name: values[0] for name, values in truth_draws.items()}
        data = model.simulate(truth, data_rng)
        if isinstance(data, tuple):  # the simulator also fixed latent values (imputed cells)
            data, latent = data
            truth_draws = {**truth_draws, **{k: np.asarray(v)[None] for k, v in latent.items()}}
    else:
        from bayes_peer.calibration.posterior import DESIGNS, reference_draws

        observed, reference = reference_draws(model, seed)
        pick = int(data_rng.integers(len(next(iter(reference.values())))))
        truth_draws = {name: values[pick][None] for name, values in reference.items()}
        truth = {name: values[0] for name, values in truth_draws.items()}
        design = DESIGNS[model.name]
        data = design.augment(observed, design.replicate(truth, data_rng, observed))
    sampler = SamplerSettings(
        draws=settings.draws, tune=settings.tune, chains=settings.chains, seed=sampler_seed, cores=1
    )
    fit = structure.fit(data, sampler, log_likelihood=False, log_prior=False)
    posterior = fit.idata["posterior"].to_dataset()
    draws = _thinned(posterior, list(truth_draws), settings.thin)
    posterior_q = model.quantities(draws)
    true_q = model.quantities(truth_draws)
    posterior_q[LOG_LIK] = log_likelihood(structure, data, draws)
    true_q[LOG_LIK] = log_likelihood(structure, data, truth_draws)
    ranks = rank_statistics(posterior_q, true_q)
    jitter = pit_rng.uniform(size=len(ranks))
    pit = {
        q: (rank + u) / (settings.rank_draws + 1)
        for (q, rank), u in zip(ranks.items(), jitter, strict=True)
    }
    max_r_hat, min_ess = _convergence(posterior, model)
    return {
        "model": model.name,
        "structure": structure.name,
        "sim": index,
        "ranks": ranks,
        "pit": pit,
        "divergences": int(fit.divergences),
        "max_r_hat": max_r_hat,
        "min_ess_bulk": min_ess,
        "seconds": time.perf_counter() - start,
    }


def uniformity(pit: np.ndarray) -> tuple[float, float]:
    """(statistic, p-value) of the ``pot_c`` uniformity test of PIT values (arviz-stats): the
    statistic is the mean of the Cauchy-transformed pointwise p-values, large when the PIT
    values are not uniform."""
    from arviz_stats.base import array_stats

    pit = np.asarray(pit, dtype=float)
    p_value, shapley, _ = array_stats.uniformity_test(pit, axis=-1, method="pot_c")
    return float(np.sum(shapley)), float(p_value)


def summarize(model: CalibrationModel, results: list[dict]) -> list[dict]:
    """One ``sbc.csv`` row per quantity of ``model`` from its simulations' results.

    ``calibrated`` is the test at the model's familywise level :data:`ALPHA` with Bonferroni's
    correction over its quantities (p >= ALPHA / number of quantities).
    """
    results = sorted(results, key=lambda r: r["sim"])
    quantities = list(results[0]["pit"])
    level = ALPHA / len(quantities)
    rows = []
    for q in quantities:
        statistic, p_value = uniformity(np.array([r["pit"][q] for r in results]))
        rows.append(
            {
                "model": model.name,
                "quantity": q,
                "sims": len(results),
                "statistic": statistic,
                "p_value": p_value,
                "calibrated": bool(p_value >= level),
                "level": level,
                "negative_control": model.negative_control,
            }
        )
    return rows
