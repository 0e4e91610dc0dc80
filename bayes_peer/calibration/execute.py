"""Running the simulations: batches in this process, on a local Dask cluster, or on a running
Dask scheduler; finished batches are kept in a checkpoint so that a killed run resumes.

* A task is a batch of simulations of one model (:func:`run_batch`). Workers build and compile
  each model structure once, on first use, and refit it for every later simulation (compiled
  models do not pickle, so nothing compiled travels between processes).
* Every simulation draws its random numbers from its own seed sequence
  (:func:`bayes_peer.calibration.sbc.simulation_seed`), so the results do not depend on the
  number of workers, the batch size or the order in which batches finish.
* The checkpoint is a hidden folder beside the results folder,
  ``.<name>.calibrate-checkpoint``, holding ``checkpoint.json`` (the configuration: models,
  simulations, seed, sampler settings, version) and one JSON file per finished batch, each
  written atomically. The same command run again after an interruption (Ctrl-C, a killed
  process, a lost worker) loads the finished batches and runs only the others; the tables are
  then identical to an uninterrupted run's. The checkpoint is removed once the results folder
  is written. A checkpoint of a different configuration is replaced; a folder of that name
  without bayes-peer's checkpoint marker is refused and left alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bayes_peer.errors import InputError

#: Simulations per task.
BATCH_SIZE = 10
#: Format key of a checkpoint's ``checkpoint.json``.
CHECKPOINT_FORMAT = "bayes-peer-calibration-checkpoint"
BATCH_FILE = re.compile(r"^(?P<model>[a-z0-9-]+)-(?P<start>\d+)-(?P<stop>\d+)\.json$")


def default_workers() -> int:
    """One worker process per core when Dask is installed, else 1 (this process)."""
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        return 1
    return max(1, min(os.cpu_count() or 1, 64))


def plan(models: list[str], sims: int, batch_size: int = BATCH_SIZE) -> list[tuple[str, int, int]]:
    """Every task: (model, first simulation, one past the last)."""
    return [
        (m, start, min(start + batch_size, sims))
        for m in models
        for start in range(0, sims, batch_size)
    ]


def run_batch(
    model: str, start: int, stop: int, seed: int, settings: dict, study: str = "prior"
) -> list[dict]:
    """Simulations ``start`` to ``stop - 1`` of ``model`` (the task a worker runs); ``study``
    "prior" or "posterior" SBC."""
    from bayes_peer.mcmc.cache import activate

    activate()  # the persistent compile cache (configured when bayes_peer loaded)
    from bayes_peer.calibration.models import get_model
    from bayes_peer.calibration.sbc import SBCSettings, simulate_once

    calibration = get_model(model)
    options = SBCSettings(**{k: v for k, v in settings.items() if k != "rank_draws"})
    return [simulate_once(calibration, i, seed, options, study) for i in range(start, stop)]


# ---------------------------------------------------------------------------- checkpoint
def checkpoint_path(out: Path) -> Path:
    """The checkpoint folder of results folder ``out``."""
    return out.parent / f".{out.name}.calibrate-checkpoint"


def _config_hash(config: dict) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _ours(folder: Path) -> dict | None:
    """The checkpoint's configuration record if ``folder`` is a bayes-peer checkpoint holding
    only files it writes, else None."""
    try:
        doc = json.loads((folder / "checkpoint.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != CHECKPOINT_FORMAT:
        return None
    for entry in folder.rglob("*"):
        rel = entry.relative_to(folder)
        if entry.is_symlink():
            return None
        if rel.as_posix() in ("checkpoint.json", "batches") or (
            rel.parent.as_posix() == "batches"
            and (BATCH_FILE.match(entry.name) or entry.name.endswith(".tmp"))
        ):
            continue
        return None
    return doc


class Checkpoint:
    """Finished batches of one calibration configuration (see the module docstring)."""

    def __init__(self, out: Path, config: dict):
        self.folder = checkpoint_path(out)
        self.config = config
        self.hash = _config_hash(config)
        self.resumed = 0

    def open(self) -> dict[tuple[str, int, int], list[dict]]:
        """Create or reopen the checkpoint; return the batches already finished."""
        if self.folder.exists() or self.folder.is_symlink():
            doc = _ours(self.folder) if self.folder.is_dir() else None
            if doc is None:
                raise InputError(
                    f"{self.folder}: exists and is not a bayes-peer calibration checkpoint; "
                    "not touched (move it away to run this calibration)"
                )
            if doc.get("hash") != self.hash:
                shutil.rmtree(self.folder)  # ours, for another configuration
        batches = self.folder / "batches"
        try:
            batches.mkdir(parents=True, exist_ok=True)
            _write_atomic(
                self.folder / "checkpoint.json",
                json.dumps(
                    {"format": CHECKPOINT_FORMAT, "hash": self.hash, "config": self.config},
                    indent=1,
                ),
            )
        except OSError as exc:
            raise InputError(f"{self.folder}: cannot write ({exc.strerror})") from None
        done = {}
        for path in sorted(batches.glob("*.json")):
            match = BATCH_FILE.match(path.name)
            if not match:
                continue
            try:
                rows = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # a torn write cannot happen (atomic), but a bad file is redone
            key = (match["model"], int(match["start"]), int(match["stop"]))
            done[key] = rows
        self.resumed = sum(len(rows) for rows in done.values())
        return done

    def save(self, task: tuple[str, int, int], rows: list[dict]) -> None:
        model, start, stop = task
        _write_atomic(self.folder / "batches" / f"{model}-{start}-{stop}.json", json.dumps(rows))

    def remove(self) -> None:
        if _ours(self.folder) is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


# ---------------------------------------------------------------------------- executors
def _progress(quiet: bool, total: int) -> Callable[[int], None]:
    start = time.perf_counter()
    last = [0.0]

    def report(done: int) -> None:
        now = time.perf_counter()
        if quiet or (now - last[0] < 2.0 and done < total):
            return
        last[0] = now
        print(
            f"calibrate: {done}/{total} simulations ({now - start:.0f} s)",
            file=sys.stderr,
            flush=True,
        )

    return report


def _client(workers: int, scheduler: str | None):
    """A Dask client: the scheduler at ``scheduler``, or a local cluster of ``workers``
    single-threaded worker processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError(
            "calibrate: --workers above 1 and --scheduler need Dask: pip install 'bayes-peer[dask]'"
        ) from None
    if scheduler is not None:
        try:
            return Client(scheduler, timeout="15s"), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
    import logging

    # silence_logs: no heartbeat errors and "killing" warnings as the cluster shuts down
    try:
        from bayes_peer.mcmc.cache import cache_root

        cluster = LocalCluster(
            n_workers=workers,
            local_directory=str(cache_root() / "dask"),  # not $TMPDIR/dask-scratch-space
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        )
    except RuntimeError as exc:  # most often: a script without a __main__ guard
        raise InputError(
            f"calibrate: could not start {workers} worker processes ({exc}); a Python script "
            "that calls bp.calibrate with workers > 1 must do so under "
            "`if __name__ == '__main__':`, or pass workers=1"
        ) from None
    return Client(cluster), cluster


def execute(
    tasks: list[tuple[str, int, int]],
    seed: int,
    settings: dict,
    checkpoint: Checkpoint,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    quiet: bool = True,
    study: str = "prior",
) -> list[dict]:
    """Run every task not already in the checkpoint; return all simulations' results.

    A Dask client is connected before the checkpoint is opened, so a scheduler that cannot be
    reached leaves no checkpoint behind.
    """
    client = cluster = None
    if scheduler is not None or workers > 1:
        client, cluster = _client(workers, scheduler)
    try:
        return _execute(tasks, seed, settings, checkpoint, client, quiet, study)
    finally:
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close()


def _execute(tasks, seed, settings, checkpoint, client, quiet, study) -> list[dict]:
    done = checkpoint.open()
    todo = [t for t in tasks if t not in done]
    total = sum(stop - start for _, start, stop in tasks)
    finished = sum(len(done[t]) for t in tasks if t in done)
    progress = _progress(quiet, total)
    if checkpoint.resumed and not quiet:
        print(f"calibrate: resuming, {finished} simulations already done", file=sys.stderr)
    if todo and client is None:
        for task in todo:
            done[task] = run_batch(*task, seed, settings, study)
            checkpoint.save(task, done[task])
            finished += task[2] - task[1]
            progress(finished)
    elif todo:
        from distributed import as_completed

        futures = {
            client.submit(run_batch, *task, seed, settings, study, pure=False): task
            for task in todo
        }
        for future in as_completed(futures):
            task = futures[future]
            done[task] = future.result()
            checkpoint.save(task, done[task])
            finished += task[2] - task[1]
            progress(finished)
    return [row for task in tasks for row in done[task]]
