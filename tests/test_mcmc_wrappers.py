"""The cacheable nutpie wrappers (bayes_peer.mcmc.wrappers): same draws as nutpie's own
wrappers, loaded from disk in a second process, same draws again."""

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


def test_cached_wrappers_draw_exactly_what_nutpies_own_wrappers_draw(monkeypatch):
    import nutpie
    import pymc as pm
    from nutpie import compile_pymc

    from bayes_peer.mcmc import wrappers
    from bayes_peer.mcmc.models.correlation import build_joint_model

    rng = np.random.default_rng(8)
    y = rng.multivariate_normal(np.zeros(3), [[1, 0.5, 0.2], [0.5, 1, 0.3], [0.2, 0.3, 1]], 46)
    data = {"y": y, "mask": np.ones_like(y), "eta": 1.0}
    model = build_joint_model(3)
    ours, how = wrappers.compile_model(model)
    assert how.route == "cached-wrappers"
    # nutpie's own compile with the same PyTensor mode (bayes-peer leaves out one rewrite)
    make = compile_pymc._make_functions
    monkeypatch.setattr(compile_pymc, "_make_functions",
                        lambda m, mode, **k: make(m, mode=wrappers.compile_mode(), **k))  # fmt: skip
    theirs = nutpie.compile_pymc_model(model)
    draws = []
    for compiled in (ours, theirs):
        idata = nutpie.sample(compiled.with_data(**data), draws=300, tune=300, chains=2,
                              cores=1, seed=4, progress_bar=False)  # fmt: skip
        draws.append(idata["posterior"]["chol_corr"].values)
    np.testing.assert_array_equal(draws[0], draws[1])
    assert isinstance(model, pm.Model)


def test_without_nutpie_internals_the_structure_falls_back_to_nutpie(monkeypatch):
    from bayes_peer.mcmc import wrappers
    from bayes_peer.mcmc.models.correlation import build_joint_model

    # a nutpie release without one of the helpers the cached route needs
    monkeypatch.setattr(wrappers, "NUTPIE_INTERNALS", (*wrappers.NUTPIE_INTERNALS, "_gone"))
    compiled, how = wrappers.compile_model(build_joint_model(2))
    assert how.route == "nutpie" and "has no _gone" in how.reason
    assert compiled.n_dim > 0
