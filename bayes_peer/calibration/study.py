"""``bayes-peer calibrate``: prior SBC of the model structures, or the frequentist study, into a
results folder.

SBC folder: ``sbc.csv`` (one row per model and test quantity: ``model``, ``quantity``,
``sims``, ``statistic``, ``p_value``, ``calibrated``, then ``level`` and
``negative_control``), ``ranks.csv``, ``simulations.csv``, ``calibration.json``, ``figures/``
(ECDF differences with simultaneous 95 % bands, one figure per model), ``report.html`` and
``report.md``. Frequentist folder: ``coverage.csv``, ``calibration.json``, figures and report.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from pathlib import Path

from bayes_peer import __version__
from bayes_peer.calibration import frequentist
from bayes_peer.calibration.models import MODELS, N_STUDY, get_model
from bayes_peer.calibration.sbc import (
    ALPHA,
    FIT_ESS_MIN,
    FIT_RHAT_MAX,
    LOG_LIK,
    SBCSettings,
    problem_fit,
    summarize,
)
from bayes_peer.errors import InputError
from bayes_peer.params import check

#: Simulations per model when none are given (the documented full run uses 1,000).
DEFAULT_SIMS = 200
SCHEDULER = re.compile(r"^(tcp|tls|ws|wss|inproc|ucx)://\S+$")
STUDIES = ("sbc", "posterior", "frequentist")
NEEDED_BYTES = 20 * 2**20


def parse_models(models, study: str = "sbc") -> list[str]:
    """Model names from a list or a comma-separated string; ``all`` is every model (of the
    posterior SBC designs with ``study="posterior"``)."""
    from bayes_peer.calibration.posterior import DESIGNS

    if models is None:
        raise InputError("--model: name a model (or all); bayes-peer calibrate --list shows them")
    items = models.split(",") if isinstance(models, str) else list(models)
    names = [str(m).strip() for m in items if str(m).strip()]
    allowed = list(MODELS) if study == "sbc" else list(DESIGNS)
    if names == ["all"]:
        return allowed
    for name in names:
        if name not in allowed:
            what = "model" if study == "sbc" else "model for --study posterior"
            raise InputError(
                f"--model: unknown {what} {name!r}; choose from all, {', '.join(allowed)}"
            )
    if not names:
        raise InputError("--model: name a model (or all)")
    return list(dict.fromkeys(names))


def parse_methods(methods) -> list[str]:
    """Interval methods of the frequentist study (default exact and Fisher)."""
    if methods is None:
        return list(frequentist.METHODS)
    items = methods.split(",") if isinstance(methods, str) else list(methods)
    names = [str(m).strip() for m in items if str(m).strip()]
    known = [*frequentist.METHODS, *frequentist.MCMC_METHODS]
    for name in names:
        if name not in known:
            raise InputError(f"--methods: unknown method {name!r}; choose from {', '.join(known)}")
    if not names:
        raise InputError("--methods: name at least one method")
    return list(dict.fromkeys(names))


def model_list() -> list[dict]:
    """Every calibrated structure: name, description, negative control or not."""
    return [
        {"model": m.name, "description": m.description, "negative_control": m.negative_control}
        for m in MODELS.values()
    ]


def _model_summary(name: str, rows: list[dict], sims: list[dict]) -> dict:
    model = get_model(name)
    failed = [r["quantity"] for r in rows if not r["calibrated"]]
    calibrated = not failed
    if model.negative_control:
        verdict = (
            "flagged, as it must be"
            if not calibrated
            else "NOT flagged: at this number of simulations the check cannot detect it"
        )
    else:
        verdict = "calibrated" if calibrated else "MISCALIBRATED: " + ", ".join(failed)
    problems = sum(problem_fit(s) for s in sims)
    if problems:
        verdict += (
            f" ({problems} of {len(sims)} fits with divergences or r_hat > "
            f"{FIT_RHAT_MAX:g} or ESS < {FIT_ESS_MIN}: kept in the ranks)"
        )
    return {
        "model": name,
        "description": model.description,
        "negative_control": model.negative_control,
        "structure": sims[0].get("structure"),
        "sims": len(sims),
        "quantities": len(rows),
        "calibrated": calibrated,
        "failed_quantities": failed,
        "verdict": verdict,
        "divergent_sims": sum(1 for s in sims if s["divergences"] > 0),
        "problem_fits": problems,
        "max_r_hat": max(s["max_r_hat"] for s in sims),
        "min_ess_bulk": min(s["min_ess_bulk"] for s in sims),
        "seconds_per_sim": sum(s["seconds"] for s in sims) / len(sims),
    }


def _sbc_tables(names: list[str], results: list[dict]) -> tuple[dict, list[dict]]:
    by_model = {name: [r for r in results if r["model"] == name] for name in names}
    sbc_rows, summaries = [], []
    for name in names:
        rows = summarize(get_model(name), by_model[name])
        sbc_rows += rows
        summaries.append(_model_summary(name, rows, by_model[name]))
    ranks = [
        {"model": r["model"], "sim": r["sim"], "quantity": q, "rank": rank, "pit": r["pit"][q]}
        for r in results
        for q, rank in r["ranks"].items()
    ]
    simulations = [
        {k: r[k] for k in ("model", "sim", "divergences", "max_r_hat", "min_ess_bulk", "seconds")}
        for r in results
    ]
    return {"sbc": sbc_rows, "models": summaries}, [ranks, simulations]


def _open_folder(out, force: bool, command: str):
    from bayes_peer.runs.folders import ResultsFolder

    return ResultsFolder(
        out, kind="calibration", force=force, command=command, needed_bytes=NEEDED_BYTES
    )


def run_sbc(
    models,
    *,
    sims=DEFAULT_SIMS,
    seed: int = 0,
    out=None,
    force: bool = False,
    workers: int = 1,
    scheduler: str | None = None,
    quiet: bool = True,
    settings: SBCSettings | None = None,
    report: Callable[[Path], object] | None = None,
    command: str = "bayes-peer calibrate",
    study: str = "sbc",
) -> dict:
    """Prior SBC (``study="sbc"``) or posterior SBC given the demo data (``"posterior"``) of
    ``models``; the record (and, with ``out``, the results folder)."""
    from bayes_peer.calibration.execute import Checkpoint, execute, plan
    from bayes_peer.runs.outputs import library_versions, write_csv, write_json

    names = parse_models(models, study)
    sims = check("sbc_sims", sims, "`sims`")
    if scheduler is not None and not SCHEDULER.match(str(scheduler)):
        raise InputError(
            f"--scheduler: {scheduler!r} is not a Dask scheduler address "
            "(e.g. tcp://127.0.0.1:8786)"
        )
    settings = settings or SBCSettings()
    config = {
        "study": study,
        "models": names,
        "sims": sims,
        "seed": seed,
        "settings": settings.to_dict(),
        "n": N_STUDY,
        "bayes_peer": __version__,
    }
    start = time.perf_counter()
    record = {
        "study": study,
        "synthetic": True,
        "n": N_STUDY,
        "sims": sims,
        "seed": seed,
        "settings": settings.to_dict(),
        "sampler": (
            f"nutpie NUTS, {settings.chains} chains x {settings.draws} draws after "
            f"{settings.tune} warm-up steps, thinned by {settings.thin}: ranks among "
            f"{settings.rank_draws} draws"
        ),
        "test": (
            f"pot_c uniformity test of the PIT values (arviz-stats); calibrated when p >= "
            f"{ALPHA:g} / number of the model's quantities (Bonferroni)"
        ),
        "alpha": ALPHA,
        "log_lik_quantity": LOG_LIK,
        "workers": None if scheduler is not None else workers,
        "scheduler": scheduler,
    }
    tasks = plan(names, sims)
    kind = "prior" if study == "sbc" else "posterior"
    if study == "posterior":
        from bayes_peer.calibration.posterior import REFERENCE_CHAINS, REFERENCE_DRAWS

        record["conditioned_on"] = (
            f"the SYNTHETIC demo study (reference fit: {REFERENCE_CHAINS} chains x "
            f"{REFERENCE_DRAWS} draws, seed {seed}); each simulation adds a replicate study of "
            "the same design"
        )

    def fill(checkpoint) -> tuple[list[dict], list[dict]]:
        """Run (or resume) the simulations and put their tables into ``record``."""
        results = execute(
            tasks,
            seed,
            settings.to_dict(),
            checkpoint,
            workers=workers,
            scheduler=scheduler,
            quiet=quiet,
            study=kind,
        )
        tables, (ranks, simulations) = _sbc_tables(names, results)
        record.update(
            tables,
            resumed=checkpoint.resumed,
            seconds=time.perf_counter() - start,
            versions=library_versions(),
            exit_status=0,
        )
        return ranks, simulations

    if out is None:
        ranks, _ = fill(_MemoryCheckpoint())
        record["_ranks"] = ranks  # for Result.plot; not part of the JSON (api.calibrate pops it)
        return record
    folder = _open_folder(out, force, command)
    with folder as staging:
        checkpoint = Checkpoint(folder.out, config)
        ranks, simulations = fill(checkpoint)
        write_csv(staging / "sbc.csv", record["sbc"])
        write_csv(staging / "ranks.csv", ranks)
        write_csv(staging / "simulations.csv", simulations)
        write_json(staging / "calibration.json", record)
        if report is not None:
            report(staging)
    checkpoint.remove()
    record["_ranks"] = ranks  # for Result.plot; not part of the JSON (api.calibrate pops it)
    return record


class _MemoryCheckpoint:
    """No checkpoint (no output folder): batches are kept in memory only."""

    resumed = 0

    def open(self) -> dict:
        return {}

    def save(self, task, rows) -> None:
        pass


def run_frequentist(
    *,
    rho=None,
    n=None,
    reps=None,
    seed: int = 0,
    kappa: float = 1.0,
    ci_prob: float = 0.95,
    out=None,
    force: bool = False,
    report: Callable[[Path], object] | None = None,
    command: str = "bayes-peer calibrate --study frequentist",
    methods=None,
) -> dict:
    """The frequentist study; the record (and, with ``out``, the results folder)."""
    from bayes_peer.runs.outputs import library_versions, write_csv, write_json

    rhos = frequentist.RHOS if rho is None else [check("rho", r, "--rho") for r in rho]
    for r in rhos:
        if abs(r) >= 1:
            raise InputError(f"--rho must be in (-1, 1), got {r!r}")
    ns = frequentist.NS if n is None else [check("n", v, "--n") for v in n]
    reps = frequentist.REPS if reps is None else check("reps", reps, "`reps`")
    methods = parse_methods(methods)
    folder = _open_folder(out, force, command) if out is not None else None
    with folder if folder is not None else contextlib.nullcontext() as staging:
        start = time.perf_counter()
        rows = frequentist.frequentist_study(
            rhos, ns, reps, seed, kappa=kappa, ci_prob=ci_prob, methods=methods
        )
        record = {
            "study": "frequentist",
            "synthetic": True,
            "seed": seed,
            "rho": list(rhos),
            "n": list(ns),
            "reps": reps,
            "kappa": kappa,
            "ci_prob": ci_prob,
            "prior": f"stretched beta on rho, kappa = {kappa:g} (uniform when kappa = 1)",
            "methods": methods,
            "coverage": rows,
            "seconds": time.perf_counter() - start,
            "versions": library_versions(),
            "exit_status": 0,
        }
        if staging is not None:
            write_csv(staging / "coverage.csv", rows)
            write_json(staging / "calibration.json", record)
            if report is not None:
                report(staging)
    return record
