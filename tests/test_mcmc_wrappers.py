"""The cacheable nutpie wrappers (bayes_peer.mcmc.wrappers): the log density and gradient of
nutpie's own wrappers; loaded from disk in a second process; the same draws cold and warm."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytestmark = pytest.mark.slow

#: A fresh process: compile a small regression structure with the cached wrappers, fit it,
#: and print whether the wrappers came from the disk cache and a digest of the draws.
_CHILD = textwrap.dedent(
    """
    import json, sys
    from bayes_peer.runtime import configure_environment
    configure_environment()
    from bayes_peer.mcmc.cache import configure
    configure()
    import numpy as np
    import pymc as pm
    from bayes_peer.mcmc.sampler import ModelStructure, SamplerSettings

    def build():
        with pm.Model() as model:
            x = pm.Data("x", np.zeros(5))
            y = pm.Data("y", np.zeros(5))
            scale = pm.Data("scale", 1.0)
            beta = pm.Normal("beta", 0.0, scale)
            sigma = pm.HalfNormal("sigma", 1.0)
            pm.Normal("obs", beta * x, sigma, observed=y)
        return model

    structure = ModelStructure("wrapper-test", build)
    rng = np.random.default_rng(3)
    x = rng.normal(size=30)
    fit = structure.fit({"x": x, "y": 0.4 * x + rng.normal(size=30), "scale": 2.0},
                        SamplerSettings(draws=200, tune=200, chains=2, cores=1, seed=11))
    compiled = structure.compiled
    print(json.dumps({
        "route": structure.compiled_with.route,
        "logp_hits": compiled.compiled_logp_func.cache_hits,
        "expand_hits": compiled.compiled_expand_func.cache_hits,
        "beta": fit.idata["posterior"]["beta"].values.ravel().tolist(),
    }))
    """
)


def _child(cache_dir) -> dict:
    env = {**os.environ, "BAYES_PEER_CACHE_DIR": str(cache_dir)}
    env.pop("PYTENSOR_FLAGS", None)
    done = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True,
                          text=True, timeout=600, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_second_process_loads_the_wrappers_from_disk_and_draws_the_same(tmp_path):
    first = _child(tmp_path / "cache")
    second = _child(tmp_path / "cache")
    assert first["route"] == second["route"] == "cached-wrappers"
    assert first["logp_hits"] == 0 and first["expand_hits"] == 0  # compiled and saved
    assert second["logp_hits"] == 1 and second["expand_hits"] == 1  # loaded, not compiled
    assert first["beta"] == second["beta"]  # same seed, same draws, cold or warm


def _logp_and_gradient(compiled, points: np.ndarray) -> list[tuple[int, float, np.ndarray]]:
    """Call a compiled model's C log-density function as nutpie's sampler does."""
    import ctypes

    as_double = ctypes.POINTER(ctypes.c_double)
    function = compiled.compiled_logp_func.ctypes
    values = []
    for point in points:
        x = np.ascontiguousarray(point, dtype=float)
        gradient, logp = np.zeros(compiled.n_dim), np.zeros(())
        status = function(compiled.n_dim, x.ctypes.data_as(as_double),
                          gradient.ctypes.data_as(as_double), logp.ctypes.data_as(as_double),
                          ctypes.c_void_p(compiled.user_data.ctypes.data))  # fmt: skip
        values.append((status, float(logp), gradient))
    return values


def test_cached_wrappers_compute_what_nutpies_own_wrappers_compute(monkeypatch):
    import nutpie
    from nutpie import compile_pymc

    from bayes_peer.mcmc import wrappers
    from bayes_peer.mcmc.models.correlation import build_joint_model

    rng = np.random.default_rng(8)
    y = rng.multivariate_normal(np.zeros(2), [[1, 0.5], [0.5, 1]], 46)  # 2-D and 0-D data
    data = {"y": y, "mask": np.ones_like(y), "eta": 1.0}
    model = build_joint_model(2)
    ours, how = wrappers.compile_model(model)
    assert how.route == "cached-wrappers"
    # nutpie's own compile with the same PyTensor mode (bayes-peer leaves out one rewrite)
    make = compile_pymc._make_functions
    monkeypatch.setattr(compile_pymc, "_make_functions",
                        lambda m, mode, **k: make(m, mode=wrappers.compile_mode(), **k))  # fmt: skip
    theirs = nutpie.compile_pymc_model(model)
    assert ours.n_dim == theirs.n_dim
    points = np.random.default_rng(1).normal(0.0, 0.7, size=(25, ours.n_dim))
    mine = _logp_and_gradient(ours.with_data(**data), points)
    nutpies = _logp_and_gradient(theirs.with_data(**data), points)
    for (status_a, logp_a, grad_a), (status_b, logp_b, grad_b) in zip(mine, nutpies,
                                                                      strict=True):  # fmt: skip
        assert status_a == status_b == 0
        # the same computation; measured: equal up to 4e-15 in a few gradient entries
        np.testing.assert_allclose(logp_a, logp_b, rtol=1e-12)
        np.testing.assert_allclose(grad_a, grad_b, rtol=1e-12, atol=1e-12)
    # a point outside the support is refused alike (nutpie's status codes)
    bad = np.full((1, ours.n_dim), np.nan)
    assert (
        _logp_and_gradient(ours.with_data(**data), bad)[0][0]
        == (_logp_and_gradient(theirs.with_data(**data), bad)[0][0])
    )


def test_without_nutpie_internals_the_structure_falls_back_to_nutpie(monkeypatch):
    import pymc as pm

    from bayes_peer.mcmc import wrappers

    with pm.Model() as model:  # the smallest structure: the route is what is tested
        pm.Normal("obs", pm.Normal("mu", 0.0, 1.0), 1.0, observed=pm.Data("y", np.zeros(3)))
    # a nutpie release without one of the helpers the cached route needs
    monkeypatch.setattr(wrappers, "NUTPIE_INTERNALS", (*wrappers.NUTPIE_INTERNALS, "_gone"))
    compiled, how = wrappers.compile_model(model)
    assert how.route == "nutpie" and "has no _gone" in how.reason
    assert compiled.n_dim == 1
