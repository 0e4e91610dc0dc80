"""The public API's calibration functions (re-exported by :mod:`bayes_peer.api`):
simulation-based calibration of the model structures and the frequentist coverage study."""

from __future__ import annotations

from pathlib import Path

from bayes_peer.api.arguments import checked
from bayes_peer.errors import InputError
from bayes_peer.results import Result


@checked
def calibration_models() -> list[dict]:
    """Every model structure :func:`calibrate` checks: ``model``, ``description`` and
    ``negative_control`` (the deliberately wrong model the check must flag)."""
    from bayes_peer.calibration.study import model_list

    return model_list()


@checked
def calibrate(
    models: str | list[str] | tuple | None = None,
    *,
    study: str = "sbc",
    sims: int | None = None,
    seed: int = 0,
    out: str | Path | None = None,
    force: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
    rho=None,
    n=None,
    reps: int | None = None,
    kappa: float = 1.0,
    ci_prob: float = 0.95,
    methods=None,
    report: bool = True,
    quiet: bool = True,
) -> Result:
    """Calibration of the toolkit's models by simulation.

    ``study="sbc"``: prior simulation-based calibration (Talts et al. 2018) of ``models``
    (names from :func:`calibration_models`, a comma-separated string, or ``"all"``): ``sims``
    simulated studies of n = 46 per model, each fitted with the toolkit's own compiled
    structure and sampler; the ranks of every reported parameter and of the joint
    log-likelihood are tested for uniformity. ``study="posterior"``: posterior SBC
    (Säilynoja et al. 2025) conditional on the SYNTHETIC demo study for the main models
    (``joint-fiml``, ``regression-normal``). ``study="frequentist"``: coverage, bias, RMSE and
    width of the exact posterior and Fisher z intervals for rho, and the rates of BF10 > 3 and
    < 1/3, over ``rho`` x ``n`` with ``reps`` samples per cell (Morris et al. 2019).

    Parameters
    ----------
    models : str or list of str
        SBC only: the models to check.
    sims : int
        SBC simulations per model (default 200; 10 to 100,000).
    seed : int
        Every random number derives from it; the same seed gives the same tables with any
        number of workers.
    out : str or Path, optional
        Results folder (tables, ``calibration.json``, figures, report). SBC keeps finished
        batches in a checkpoint beside it, so an interrupted run resumes.
    workers : int, optional
        SBC: worker processes of a local Dask cluster; 1 runs in this process (no Dask
        needed). Default: one per core when Dask is installed, else 1.
    scheduler : str, optional
        SBC: address of a running Dask scheduler (``tcp://HOST:PORT``) to run on instead.
    rho, n, reps : optional
        Frequentist study design (defaults: rho in {0, .1, .3, .5, .7, .9}, n in {20, 46,
        100}, 2,000 samples per cell).
    kappa, ci_prob : float
        Frequentist study: prior width of the exact posterior and the interval probability.
    methods : str or list of str, optional
        Frequentist study: interval methods, from exact, fisher (the default pair), pairwise
        and joint (the MCMC models, one fit per sample: slow).

    Returns
    -------
    Result
        ``kind="calibration"``; ``record["sbc"]`` (one row per model and quantity: ``model``,
        ``quantity``, ``sims``, ``statistic``, ``p_value``, ``calibrated``) and
        ``record["models"]`` (verdicts), or ``record["coverage"]``.

    References
    ----------
    Talts, S., Betancourt, M., Simpson, D., Vehtari, A., & Gelman, A. (2018). Validating
    Bayesian inference algorithms with simulation-based calibration. arXiv:1804.06788.
    Morris, T. P., White, I. R., & Crowther, M. J. (2019). Using simulation studies to evaluate
    statistical methods. *Statistics in Medicine*, 38(11), 2074-2102.
    """
    from bayes_peer.calibration.study import STUDIES, run_frequentist, run_sbc
    from bayes_peer.params import check
    from bayes_peer.report.calibration import write_calibration_report

    if study not in STUDIES:
        raise InputError(f"`study` must be one of {', '.join(STUDIES)}, got {study!r}")
    seed = check("seed", seed, "`seed`")
    writer = write_calibration_report if report else None
    if study == "frequentist":
        if models is not None or sims is not None or scheduler is not None or workers:
            raise InputError(
                "`study`='frequentist' takes `rho`, `n` and `reps`, not `models`, "
                "`sims`, `workers` or `scheduler`"
            )
        kappa = check("kappa", kappa, "`kappa`")
        ci_prob = check("ci_prob", ci_prob, "`ci_prob`")
        record = run_frequentist(
            rho=rho,
            n=n,
            reps=reps,
            seed=seed,
            kappa=kappa,
            ci_prob=ci_prob,
            out=out,
            force=force,
            report=writer,
            methods=methods,
        )
        return Result("calibration", record)
    if rho is not None or n is not None or reps is not None or methods is not None:
        raise InputError(
            f"`rho`, `n`, `reps` and `methods` go with `study`='frequentist', not {study!r}"
        )
    from bayes_peer.calibration.execute import default_workers
    from bayes_peer.calibration.study import DEFAULT_SIMS

    if workers is not None and scheduler is not None:
        raise InputError(
            "`workers` and `scheduler` exclude each other: the scheduler's cluster has its own "
            "workers"
        )
    workers = default_workers() if workers is None else check("workers", workers, "`workers`")
    record = run_sbc(
        models,
        sims=DEFAULT_SIMS if sims is None else sims,
        seed=seed,
        out=out,
        force=force,
        workers=workers,
        scheduler=scheduler,
        quiet=quiet,
        report=writer,
        study=study,
    )
    ranks = record.pop("_ranks", None)
    return Result("calibration", record, tables_extra={"ranks": ranks} if ranks else {})
