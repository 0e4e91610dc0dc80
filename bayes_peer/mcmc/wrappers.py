"""nutpie's compiled model with C-callable wrappers that numba can cache on disk.

nutpie (0.16) samples a PyMC model through two numba ``cfunc`` wrappers around PyTensor's
numba functions: the log density with its gradient, and the expansion of a draw into the
model's variables. nutpie builds them as closures with per-process ``uuid4`` names for the
shared data, which numba refuses to cache, so every fresh process compiled them again: about 6 s
of the 10 s per structure measured in BENCHMARKS.md (6-variable joint model: 5.4 s for the
log density, 0.7 s for the expansion; PyTensor's own functions load from its cache).

Here the wrappers are generated as source with the shared data named by position
(``s0, s1, ...``) and registered with PyTensor's numba cache locator under a key made of the
wrapper's source, PyTensor's cache key of the wrapped function, the layout of the shared data
and the library versions. The second process that compiles the same structure loads both
wrappers from PyTensor's compile folder (which :mod:`bayes_peer.mcmc.cache` places in
bayes-peer's cache). The wrappers compute what nutpie's compute (the same PyTensor function,
the same status codes); the sampler, its settings and its random streams are nutpie's own.
Measured: the log density and gradient equal nutpie's to the last digit for the 3- and
6-variable joint models (and so do the draws) and to 4e-15 in a few gradient entries of the
2-variable one (cause not isolated; tested to 1e-12 in ``tests/test_mcmc_wrappers.py``). What
bayes-peer promises, the same draws for a seed whether the wrappers were compiled in this
process or loaded from the cache, is tested there too.

The module uses nutpie's internal helpers (``_make_functions``, ``CompiledPyMCModel``, ...);
:func:`compile_model` falls back to ``nutpie.compile_pymc_model`` when they are not there (a
different nutpie), and says so in ``CompiledWith.route``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import metadata

import numpy as np

#: The log-density wrapper: nutpie's ``logp_numba`` with the shared data unpacked by position.
_LOGP_SRC = """
def bayes_peer_logp(dim, x_, out_, logp_, user_data_):
    if dim != {n_dim}:
        return -1
    try:
        x = numba.carray(x_, ({n_dim},))
        out = numba.carray(out_, ({n_dim},))
        logp = numba.carray(logp_, ())
        user_data = numba.carray(user_data_, (), RECORD_DTYPE)
        shared = user_data["shared"]
{unpack}
        logp_val, grad = inner(x{args})
        logp[()] = logp_val
        out[...] = grad
        if not np.all(np.isfinite(out)):
            return 3
        if not np.isfinite(logp_val):
            return 4
    except Exception:  # noqa: BLE001
        return 1
    return 0
"""

#: The expansion wrapper: nutpie's ``expand_numba`` likewise.
_EXPAND_SRC = """
def bayes_peer_expand(dim, expanded, x_, out_, user_data_):
    if dim != {n_dim}:
        return -1
    if expanded != {n_expanded}:
        return -1
    try:
        x = numba.carray(x_, ({n_dim},))
        out = numba.carray(out_, ({n_expanded},))
        user_data = numba.carray(user_data_, (), RECORD_DTYPE)
        shared = user_data["shared"]
{unpack}
        (values,) = inner(x{args})
        out[...] = values
    except Exception:  # noqa: BLE001
        return -2
    return 0
"""


#: PyTensor rewrites left out of every compile. ``local_greedy_distributor`` (factoring
#: ``a*x + a*y`` into ``a*(x + y)``) took about half of the graph-rewriting time of a warm
#: compile (6-variable joint model: compile 5.5-6.3 s with it, 3.0 s without) and sampling was
#: no slower without it (0.96 s against 1.0-1.2 s for 4 x 2000 iterations).
EXCLUDED_REWRITES = ("local_greedy_distributor",)


def compile_mode(base: str = "NUMBA"):
    """PyTensor's ``base`` mode (``"NUMBA"`` or ``"FAST_RUN"``) without the rewrites above."""
    from pytensor.compile.mode import get_mode

    return get_mode(base).excluding(*EXCLUDED_REWRITES)


@dataclass(frozen=True)
class CompiledWith:
    """How a structure was compiled: ``route`` is ``"cached-wrappers"`` or ``"nutpie"``."""

    route: str
    reason: str = ""


def _unpack_lines(keys: list[str], shared_data: dict[str, np.ndarray]) -> tuple[str, str]:
    """Source lines that view each shared array in place, and the call's argument list."""
    lines = []
    for key in keys:
        value = shared_data[key]
        if value.ndim == 0:
            shape = "()"
        else:
            items = ", ".join(f'shared["shape"]["{key}"][{i}]' for i in range(value.ndim))
            shape = f"({items},)"
        lines.append(
            f'        {key} = numba.carray(address_as_void_pointer(shared["data"]["{key}"][()]),'
            f' int(shared["size"]["{key}"][()]), DTYPE_{key}).reshape({shape})'
        )
    return "\n".join(lines), "".join(f", {key}" for key in keys)


#: Changes whenever the generated wrappers or their environment change (a new cache entry).
WRAPPER_FORMAT = "2"


def _versions() -> str:
    return "|".join(f"{name}={metadata.version(name)}" for name in ("nutpie", "numba", "pytensor"))


def _cached_cfunc(template: str, name: str, inner, keys, shared_data, user_data, **fields):
    import numba
    from nutpie.compile_pymc import address_as_void_pointer
    from pytensor.configdefaults import config
    from pytensor.link.numba.cache import CACHED_SRC_FUNCTIONS, compile_numba_function_src

    inner_key = CACHED_SRC_FUNCTIONS.get(inner.py_func)
    if inner_key is None or not config.numba__cache:
        raise LookupError("PyTensor did not cache the wrapped function")
    unpack, args = _unpack_lines(keys, shared_data)
    src = template.format(unpack=unpack, args=args, **fields)
    layout = repr(
        [(key, shared_data[key].dtype.str, shared_data[key].ndim) for key in keys]
    ) + repr(user_data.dtype.descr)
    key = hashlib.sha256(
        "\n".join(
            [WRAPPER_FORMAT, src, inner_key, layout, _versions(), str(config.numba__fastmath)]
        ).encode()
    ).hexdigest()
    env = {
        "__name__": __name__,  # numba rebuilds a cached function's environment from its module
        "numba": numba,
        "np": np,
        "inner": inner,
        "address_as_void_pointer": address_as_void_pointer,
        "RECORD_DTYPE": user_data.dtype,
        **{f"DTYPE_{k}": shared_data[k].dtype for k in keys},
    }
    py_func = compile_numba_function_src(
        src, name, global_env=env, cache_key=f"bayes_peer_{name}_{key}"
    )
    return numba.cfunc(fields["signature"], cache=True)(py_func)


#: nutpie's internal helpers this module uses (checked before use).
NUTPIE_INTERNALS = (
    "_make_functions",
    "_wrap_with_lock",
    "_prepare_dims_and_coords",
    "make_user_data",
    "address_as_void_pointer",
    "CompiledPyMCModel",
)


def _compile_cached(model):
    """``nutpie.compile_pymc_model(model)`` (numba backend, defaults) with cacheable wrappers."""
    import numba
    from nutpie import compile_pymc as cp

    missing = [name for name in NUTPIE_INTERNALS if not hasattr(cp, name)]
    if missing:
        raise LookupError(f"nutpie {metadata.version('nutpie')} has no {', '.join(missing)}")
    from pymc.initial_point import make_initial_point_fn

    initial_point_fn = make_initial_point_fn(
        model=model,
        overrides=None,
        default_strategy="support_point",
        jitter_rvs=set(model.free_RVs),
        return_transformed=True,
    )
    initial_point_fn = cp._wrap_with_lock(initial_point_fn)
    (
        n_dim,
        n_expanded,
        logp_fn_pt,
        expand_fn_pt,
        initial_point_fn,
        shape_info,
        reparameterized_names,
    ) = cp._make_functions(
        model,
        mode=compile_mode("NUMBA"),
        compute_grad=True,
        join_expanded=True,
        pymc_initial_point_fn=initial_point_fn,
        var_names=None,
    )
    shared_data: dict[str, np.ndarray] = {}
    shared_var_keys: dict = {}
    for var in [*logp_fn_pt.get_shared(), *expand_fn_pt.get_shared()]:
        if var in shared_var_keys:
            continue
        key = f"s{len(shared_var_keys)}"
        shared_data[key] = np.array(var.get_value(), order="C", copy=True)
        shared_data[key].flags.writeable = False
        shared_var_keys[var] = key
    user_data = cp.make_user_data(shared_var_keys, shared_data)

    logp_sig = numba.types.int64(
        numba.types.uint64,
        numba.types.CPointer(numba.types.double),
        numba.types.CPointer(numba.types.double),
        numba.types.CPointer(numba.types.double),
        numba.types.voidptr,
    )
    expand_sig = numba.types.int64(
        numba.types.uint64,
        numba.types.uint64,
        numba.types.CPointer(numba.types.double),
        numba.types.CPointer(numba.types.double),
        numba.types.voidptr,
    )
    logp_c = _cached_cfunc(
        _LOGP_SRC,
        "bayes_peer_logp",
        logp_fn_pt.vm.jit_fn,
        [shared_var_keys[v] for v in logp_fn_pt.get_shared()],
        shared_data,
        user_data,
        n_dim=n_dim,
        signature=logp_sig,
    )
    expand_c = _cached_cfunc(
        _EXPAND_SRC,
        "bayes_peer_expand",
        expand_fn_pt.vm.jit_fn,
        [shared_var_keys[v] for v in expand_fn_pt.get_shared()],
        shared_data,
        user_data,
        n_dim=n_dim,
        n_expanded=n_expanded,
        signature=expand_sig,
    )
    dims, coords = cp._prepare_dims_and_coords(model, shape_info, reparameterized_names)
    return cp.CompiledPyMCModel(
        _n_dim=n_dim,
        dims=dims,
        _coords=coords,
        _shapes={name: tuple(shape) for name, _, shape in zip(*shape_info, strict=False)},
        compiled_logp_func=logp_c,
        compiled_expand_func=expand_c,
        initial_point_func=initial_point_fn,
        shared_data=shared_data,
        shared_var_keys=shared_var_keys,
        user_data=user_data,
        n_expanded=n_expanded,
        shape_info=shape_info,
        logp_func=logp_fn_pt,
        expand_func=expand_fn_pt,
        reparameterized_names=reparameterized_names,
    )


def compile_model(model, *, cached: bool = True):
    """Compile ``model`` for nutpie; returns ``(compiled, CompiledWith)``.

    Parameters
    ----------
    model : pymc.Model
        Every value that changes between fits is a ``pm.Data``.
    cached : bool
        Use the cacheable wrappers (default). ``False``, or nutpie internals that are not
        there, give ``nutpie.compile_pymc_model(model)``.
    """
    import nutpie

    if cached:
        try:
            return _compile_cached(model), CompiledWith("cached-wrappers")
        except (ImportError, LookupError) as error:
            reason = f"{type(error).__name__}: {error}"
    else:
        reason = "cached wrappers not asked for"
    return nutpie.compile_pymc_model(model), CompiledWith("nutpie", reason)
