"""bayes_peer: Bayesian reanalysis of small-sample correlational studies.

The API, one function per capability, each returning a :class:`Result`::

    import bayes_peer as bp

    df = bp.demo_data()                                  # the SYNTHETIC demo study
    res = bp.correlate(df, vars=["alliance_m24", "satisfaction_m24"], method="joint")
    res.table          # Bayesian and frequentist numbers side by side (pandas DataFrame)
    res.idata          # the posterior (ArviZ DataTree; None for exact-only results)
    res.prior          # the prior behind each number
    res.diagnostics    # pass / warn / fail and the numbers behind them
    res.to_dict()      # the JSON that `bayes-peer correlate ... --json` prints

    bp.regress(df, outcome="recovery_m24",
               blocks=[["recovery_m0", "contacts_m24"], ["alliance_m24"]], method="normal")
    bp.correlate("demo:m24", vars=[...])  # a shipped published-style table (or a .toml path)
    bp.design(n=46, rho=0.3)
    bp.init_spec("my_study.csv")          # a starter spec for your own CSV (TOML text)
    bp.run("demo:blocks")                 # a spec (file or shipped name) into results/blocks/
    bp.sensitivity("demo:blocks")         # its small-sample sensitivity analyses

Layers (each imports only those above it in this list): ``data`` (inputs), ``exact`` and
``frequentist``, ``mcmc`` (PyMC models, sampler, diagnostics policy), ``analyses`` (use cases
returning Results), ``runs`` (specs, results folders), ``report``, then ``api`` and ``cli``.
Nothing imports PyMC until an MCMC method is asked for.
"""

from bayes_peer.runtime import configure_environment

configure_environment()  # before numpy and PyTensor load: BLAS threads, no fast-math

from bayes_peer.mcmc.cache import configure as _configure_cache  # noqa: E402

_configure_cache()  # one compile cache for the API, the CLI and worker processes

__version__ = "0.1.0"

#: The public API: name -> module that defines it (imported on first use, so that
#: ``import bayes_peer`` stays cheap and the exact layer never loads PyMC).
_API = {
    "correlate": "bayes_peer.api",
    "regress": "bayes_peer.api",
    "design": "bayes_peer.api",
    "sensitivity": "bayes_peer.api",
    "run": "bayes_peer.api",
    "demo": "bayes_peer.api",
    "rebuild_report": "bayes_peer.api",
    "adopt_folder": "bayes_peer.api",
    "init_spec": "bayes_peer.api",
    "write_spec": "bayes_peer.api",
    "calibrate": "bayes_peer.api",
    "calibration_models": "bayes_peer.api",
    "Result": "bayes_peer.results",
    "InputError": "bayes_peer.errors",
    "demo_data": "bayes_peer.api",
    "read_csv": "bayes_peer.api",
    "read_summary": "bayes_peer.api",
}

__all__ = sorted(_API)


def __getattr__(name: str):
    if name in _API:
        import importlib

        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bayes_peer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
