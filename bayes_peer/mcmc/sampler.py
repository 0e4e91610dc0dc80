"""Compile a PyMC model structure once, refit it on new data and prior values with nutpie.

Compilation dominates on small machines (0.4-3 s warm with the cached wrappers of
:mod:`bayes_peer.mcmc.wrappers`, 10-50 s cold, against well under a second of sampling at
n = 46), so every model is written with ``pm.Data`` for its data *and*
its prior hyperparameters. A :class:`ModelStructure` compiles its graph once per process and
each :meth:`ModelStructure.fit` passes new values through nutpie's ``with_data``; the number of
rows may change between fits, the number of columns (the structure) may not.

After sampling, the model's own ``pm.Data`` are set to the values that were sampled before the
pointwise log-likelihood and the log-prior are computed: ``pm.compute_log_likelihood`` evaluates
the model's shared variables, not the values a nutpie refit used, so without this step the
``log_likelihood`` group would silently belong to an earlier data set.

References
----------
Hoffman, M. D., & Gelman, A. (2014). The No-U-Turn sampler. *JMLR*, 15, 1593-1623.
Vehtari, A., Gelman, A., Simpson, D., Carpenter, B., & Bürkner, P.-C. (2021). Rank-normalization,
folding, and localization: an improved R-hat. *Bayesian Analysis*, 16(2), 667-718.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from bayes_peer.runtime import deterministic_pytensor

#: Default seed of every MCMC command (documented in the README).
DEFAULT_SEED = 20261126

#: PyTensor mode of the pointwise density functions (measured: 0.2 s per fit after a 0.4 s
#: first call, against 0.3-0.6 s with numba and 6 s with FAST_COMPILE), without the rewrites
#: that :data:`bayes_peer.mcmc.wrappers.EXCLUDED_REWRITES` leaves out.
DENSITY_MODE = "FAST_RUN"

#: target_accept values tried in turn while a fit has divergences.
TARGET_ACCEPT_LADDER = (0.8, 0.95, 0.99)


@dataclass(frozen=True)
class SamplerSettings:
    """NUTS settings shared by every fit of a command.

    Attributes
    ----------
    draws, tune, chains : int
        Post-warm-up draws per chain, warm-up steps, chains (defaults 1000, 1000, 4).
    seed : int
        Seed of nutpie's random streams; the same seed gives the same draws on one machine.
    cores : int
        Chains sampled in parallel threads.
    target_accept : tuple of float
        Values tried in turn: a fit with divergences is refitted with the next one.
    """

    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    seed: int = DEFAULT_SEED
    cores: int = 2
    target_accept: tuple[float, ...] = TARGET_ACCEPT_LADDER

    def __post_init__(self) -> None:
        for name in ("draws", "tune", "chains", "cores"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be a positive whole number, got {value!r}")
        if not 0 <= self.seed < 2**63:
            raise ValueError(f"seed must be a whole number in [0, 2^63), got {self.seed!r}")

    def describe(self) -> str:
        """The sampler in words (for methods sections and JSON)."""
        return (
            f"nutpie NUTS, {self.chains} chains x {self.draws} draws after {self.tune} warm-up "
            f"steps, seed {self.seed}"
        )


@dataclass
class Fit:
    """One fit of a model structure.

    Attributes
    ----------
    idata : xarray.DataTree
        posterior, sample_stats, observed/constant data, log_likelihood and log_prior groups.
    divergences : int
        Divergent transitions after warm-up in the fit that was kept.
    target_accept : float
        The target acceptance rate of the fit that was kept.
    notes : list of str
        What happened (refits on divergences).
    seconds : float
        Sampling time (excluding compilation).
    """

    idata: object
    divergences: int
    target_accept: float
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    data: dict = field(default_factory=dict, repr=False)
    structure: object = field(default=None, repr=False)
    _diagnostics: dict | None = field(default=None, repr=False)

    def diagnostics(self, name: str = "") -> dict:
        """The verdict and the numbers behind it under the one policy
        (:func:`bayes_peer.mcmc.diagnostics.fit_diagnostics`); computed once, after the fit's
        groups are complete."""
        if self._diagnostics is None:
            from bayes_peer.mcmc.diagnostics import fit_diagnostics

            self._diagnostics = fit_diagnostics(name, self.idata)
        return {**self._diagnostics, "model": name}


@contextlib.contextmanager
def _interrupts_not_swallowed() -> Iterator[None]:
    """Re-raise a Ctrl-C that arrives while nutpie samples.

    nutpie catches ``KeyboardInterrupt`` and returns the draws made so far, so without this a
    run would carry on with a partial (or, if the interrupt came at the very end, complete)
    posterior. A SIGINT handler records the interrupt and it is raised again after nutpie
    returns. Only in the main thread, and only where SIGINT has Python's default handler (a
    worker that ignores SIGINT keeps ignoring it).
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    interrupted: list[bool] = []

    def handler(signum, frame):
        interrupted.append(True)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if interrupted:
        raise KeyboardInterrupt("sampling was interrupted")


_progress: list[tuple[Callable[[str], None], bool]] = []

#: Seconds between "still compiling" lines while a structure compiles.
HEARTBEAT_SECONDS = 15.0
#: Typical cold compile (seconds, 2 cores) of each structure family, for the first use on a
#: machine (BENCHMARKS.md); later estimates come from the cache's own record.
COLD_COMPILE_SECONDS = {
    "joint": 45,
    "joint-t": 60,
    "pairwise": 40,
    "regression": 30,
    "two-wave": 45,
    "joint-summary": 35,
    "regression-summary": 25,
}


@contextlib.contextmanager
def compile_progress(
    report: Callable[[str], None] | None, *, sampling: bool = False
) -> Iterator[None]:
    """Within the block, ``report(line)`` is told when a structure starts compiling (with an
    estimate of how long it takes), every :data:`HEARTBEAT_SECONDS` while it compiles, when it
    is compiled and, with ``sampling``, when each fit samples; ``None`` reports nothing."""
    if report is None:
        yield
        return
    _progress.append((report, sampling))
    try:
        yield
    finally:
        _progress.remove((report, sampling))


def _announce(line: str, sampling: bool = False) -> None:
    if _progress and (not sampling or _progress[-1][1]):
        _progress[-1][0](line)


def expected_compile(name: str) -> str:
    """How long compiling ``name`` is expected to take, in words: from the compile cache's
    record of this structure (its last compile here), else the family's typical cold compile
    (the first use on this machine)."""
    from bayes_peer.mcmc.cache import structure_history

    history = structure_history(name)
    if history:
        return f"compiled before on this machine, about {max(1, round(history[-1]))} s"
    family = name.split("(", 1)[0]
    return f"first use on this machine, about {COLD_COMPILE_SECONDS.get(family, 45)} s"


@contextlib.contextmanager
def _heartbeat(name: str) -> Iterator[None]:
    """'still compiling NAME (S s)' lines while the block runs (only when reporting)."""
    if not _progress:
        yield
        return
    stop = threading.Event()
    start = time.perf_counter()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            _announce(f"still compiling {name} ({time.perf_counter() - start:.0f} s)")

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=1)


def _quiet_libraries() -> None:
    for name in ("pymc", "pytensor", "nutpie", "arviz"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="pymc")
    warnings.filterwarnings("ignore", category=RuntimeWarning)


class ModelStructure:
    """A PyMC model compiled once with nutpie and refitted on new ``pm.Data`` values.

    Parameters
    ----------
    name : str
        Readable name of the structure (e.g. ``"joint(d=6)"``).
    builder : callable
        Returns a fresh ``pm.Model``; every value that changes between fits is a ``pm.Data``.
    """

    def __init__(self, name: str, builder: Callable[[], object]):
        from bayes_peer.mcmc.cache import activate

        activate()  # mark the persistent compile cache (configured when bayes_peer loaded)
        _quiet_libraries()
        deterministic_pytensor()
        self.name = name
        self.model = builder()
        self._compiled = None
        self._density = None
        self._forward = None
        self._prior_cache: dict[tuple, dict[str, np.ndarray]] = {}
        self.compile_seconds: float | None = None
        self.compiled_with = None
        self.fits = 0

    @property
    def compiled(self):
        """The nutpie-compiled model (compiled on first use)."""
        if self._compiled is None:
            from bayes_peer.mcmc.wrappers import compile_model

            deterministic_pytensor()
            _announce(f"compiling model structure {self.name}: {expected_compile(self.name)}")
            start = time.perf_counter()
            with _heartbeat(self.name):
                self._compiled, self.compiled_with = compile_model(self.model)
            self.compile_seconds = time.perf_counter() - start
            _announce(f"compiled {self.name} in {self.compile_seconds:.1f} s")
            from bayes_peer.mcmc.cache import record_structure

            record_structure(self.name, self.compile_seconds)
        return self._compiled

    def fit(
        self,
        data: dict[str, np.ndarray | float],
        settings: SamplerSettings,
        *,
        log_likelihood: bool = True,
        log_prior: bool = True,
    ) -> Fit:
        """Sample the posterior for new data / hyperparameter values.

        A fit with divergences is repeated with the next ``target_accept`` of the settings
        (same seed); the notes say so. The fit kept is the last one tried.
        """
        import nutpie

        # pm.Data a structure does not use (e.g. R2-D2 settings under a normal prior) are
        # dropped by the compiler; they are still set on the PyMC model below.
        known = {var.name for var in self.compiled.shared_var_keys}
        compiled = self.compiled.with_data(**{k: v for k, v in data.items() if k in known})
        notes: list[str] = []
        start = time.perf_counter()
        _announce(
            f"sampling {self.name}: {settings.chains} chains x {settings.draws} draws "
            f"after {settings.tune} warm-up steps",
            sampling=True,
        )
        for attempt, target in enumerate(settings.target_accept):
            with _interrupts_not_swallowed():
                idata = nutpie.sample(
                    compiled,
                    draws=settings.draws,
                    tune=settings.tune,
                    chains=settings.chains,
                    cores=settings.cores,
                    seed=settings.seed,
                    progress_bar=False,
                    target_accept=target,
                )
            sizes = idata["posterior"].sizes if "posterior" in idata.children else {}
            if sizes.get("draw") != settings.draws or sizes.get("chain") != settings.chains:
                raise KeyboardInterrupt("sampling was interrupted")  # nutpie returned early
            divergences = int(idata["sample_stats"]["diverging"].sum())
            if divergences == 0 or attempt == len(settings.target_accept) - 1:
                break
            notes.append(
                f"{divergences} divergent transitions at target_accept = {target}; refitted "
                f"with target_accept = {settings.target_accept[attempt + 1]}"
            )
        seconds = time.perf_counter() - start
        _announce(f"sampled {self.name} in {seconds:.1f} s", sampling=True)
        self.fits += 1
        if log_likelihood or log_prior:
            idata = self._add_pointwise_groups(idata, data, log_likelihood, log_prior)
        return Fit(idata, divergences, target, notes, seconds, data=dict(data), structure=self)

    def prior_draws(
        self,
        hyperparameters: dict[str, np.ndarray | float],
        draws: int,
        seed: int,
        *,
        cache: bool = True,
    ) -> dict[str, np.ndarray]:
        """``draws`` joint draws of every free variable and deterministic from the prior.

        ``hyperparameters`` are the ``pm.Data`` values the prior depends on (e.g. ``eta``,
        ``prior_scale``, ``active``). The forward-sampling function is compiled once per
        structure (FAST_RUN: about 4 ms per draw for an LKJ prior in 4 dimensions); the draws
        are cached per (hyperparameters, draws, seed), so every fit of a structure with the same
        prior shares them (``cache=False``: not kept, for one-off draws such as a simulation's
        true values).
        """
        key = (
            tuple(sorted((k, np.asarray(v).tobytes()) for k, v in hyperparameters.items())),
            draws,
            seed,
        )
        if key not in self._prior_cache:
            import pymc as pm
            from pymc.pytensorf import compile as compile_fn
            from pymc.pytensorf import find_rng_nodes, reseed_rngs

            from bayes_peer.mcmc.wrappers import compile_mode

            if self._forward is None:
                names = [v.name for v in [*self.model.free_RVs, *self.model.deterministics]]
                outputs = [self.model[name] for name in names]
                rngs = find_rng_nodes(outputs)
                fn = compile_fn(inputs=[], outputs=outputs, mode=compile_mode("FAST_RUN"))
                self._forward = (names, rngs, fn)
            names, rngs, fn = self._forward
            with self.model:
                pm.set_data(hyperparameters)
            reseed_rngs(rngs, seed)
            values = [fn() for _ in range(draws)]
            stacked = {name: np.stack([v[i] for v in values]) for i, name in enumerate(names)}
            if not cache:
                return stacked
            self._prior_cache[key] = stacked
        return self._prior_cache[key]

    def pointwise_log_likelihood(self, idata, data: dict[str, np.ndarray | float]) -> np.ndarray:
        """Log-likelihood of the rows in ``data`` at every posterior draw of ``idata``.

        Returns an array (chain, draw, rows). ``data`` holds the same ``pm.Data`` as a fit (for
        example one held-out participant), so a refit without that participant gives its exact
        leave-one-out predictive density. The compiled density function is reused.
        """
        import xarray as xr

        tree = xr.DataTree.from_dict({"posterior": idata["posterior"].to_dataset()})
        tree = self._add_pointwise_groups(tree, data, log_likelihood=True, log_prior=False)
        values = tree["log_likelihood"].to_dataset()
        return np.asarray(values[next(iter(values.data_vars))].values)

    def _density_functions(self):
        """Pointwise log-likelihood and log-prior functions, compiled once per structure.

        As ``pm.compute_log_likelihood`` does, the functions take the untransformed values
        stored in the posterior; unlike it, they are compiled once, not on every call.
        """
        if self._density is None:
            from pymc.backends.arviz import coords_and_dims_for_inferencedata
            from pymc.model.transform.conditioning import remove_value_transforms

            from bayes_peer.mcmc.wrappers import compile_mode

            umodel = remove_value_transforms(self.model)
            compile_kwargs = {"on_unused_input": "ignore", "mode": compile_mode(DENSITY_MODE)}
            like = umodel.compile_fn(
                inputs=umodel.value_vars,
                outs=umodel.logp(vars=list(umodel.observed_RVs), sum=False),
                **compile_kwargs,
            )
            prior = umodel.compile_fn(
                inputs=umodel.value_vars,
                outs=umodel.logp(vars=list(umodel.free_RVs), sum=False),
                **compile_kwargs,
            )
            coords, dims = coords_and_dims_for_inferencedata(umodel)
            self._density = (umodel, like, prior, coords, dims)
        return self._density

    def _add_pointwise_groups(self, idata, data, log_likelihood: bool, log_prior: bool):
        import pymc as pm
        from pymc.backends.arviz import apply_function_over_dataset

        umodel, like, prior, coords, dims = self._density_functions()
        # Both models' pm.Data must hold the sampled values (see the module docstring).
        for model in (self.model, umodel):
            with model:
                pm.set_data(data)
        posterior = idata["posterior"].to_dataset()
        free = [rv.name for rv in umodel.free_RVs]
        inputs = posterior[free].astype(
            {
                umodel.rvs_to_values[rv].name: umodel.rvs_to_values[rv].type.dtype
                for rv in umodel.free_RVs
            },
            copy=False,
        )
        groups = []
        if log_likelihood:
            groups.append(("log_likelihood", like, [rv.name for rv in umodel.observed_RVs]))
        if log_prior:
            groups.append(("log_prior", prior, free))
        for group, fn, names in groups:
            idata[group] = apply_function_over_dataset(
                fn, inputs, output_var_names=names, coords=coords, dims=dims, progressbar=False
            )
        return idata


#: Keys of a fit's diagnostics that ``fits[]`` does not repeat.
FIT_KEYS_SKIPPED = ("model", "divergences")


def sampler_record(settings: SamplerSettings, fits: dict[str, Fit]) -> dict:
    """The sampler keys every MCMC result carries: settings, divergences (all fits), each fit
    with its diagnostics under the one policy (verdict, r_hat, ESS, E-BFMI, tree depth, Pareto
    k and the reasons)."""
    return {
        "sampler": settings.describe(),
        "seed": settings.seed,
        "chains": settings.chains,
        "draws": settings.draws,
        "tune": settings.tune,
        "divergences": int(sum(f.divergences for f in fits.values())),
        "fits": [
            {
                "fit": name,
                "divergences": f.divergences,
                "target_accept": f.target_accept,
                "notes": f.notes,
                "seconds": f.seconds,
                **{k: v for k, v in f.diagnostics(str(name)).items() if k not in FIT_KEYS_SKIPPED},
            }
            for name, f in fits.items()
        ],
    }


_STRUCTURES: dict[str, ModelStructure] = {}


def get_structure(name: str, builder: Callable[[], object]) -> ModelStructure:
    """The process-wide :class:`ModelStructure` called ``name`` (built on first request)."""
    if name not in _STRUCTURES:
        _STRUCTURES[name] = ModelStructure(name, builder)
    return _STRUCTURES[name]


def compiled_structures() -> dict[str, ModelStructure]:
    """Structures built so far in this process (for run metadata and benchmarks)."""
    return dict(_STRUCTURES)


def structure_budget() -> dict[str, dict]:
    """The compiled structures this process used: compile seconds, number of fits and how the
    sampler's functions were compiled (``route``, see :mod:`bayes_peer.mcmc.wrappers`)."""
    return {
        name: {
            "compile_seconds": s.compile_seconds,
            "fits": s.fits,
            "route": s.compiled_with.route if s.compiled_with else None,
        }
        for name, s in compiled_structures().items()
    }
