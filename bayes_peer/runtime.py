"""Process settings every entry point applies before numpy and PyTensor load.

* ``OPENBLAS_NUM_THREADS=1`` (unless set): BLAS threads oversubscribe small machines; PyMC's
  sampling ran about 25 times slower without it on 2 cores.
* ``NUMBA_OPT=1`` (unless set): LLVM's optimization level for numba's machine code. A cold
  compile of the 6-variable joint model's log density took 26.2 s at numba's default level 3,
  21.0 s at 2 and 19.0 s at 1 (34.0 s at 0), while sampling took the same time (0.76-0.78 s
  for 4 x 2000 iterations) and gave bit-identical draws at levels 1, 2 and 3: without
  fast-math, LLVM may not change floating-point results at any level.
* ``PYTENSOR_FLAGS``: ``blas__ldflags=`` (unless set) silences PyTensor's warning that it found
  no system BLAS (no cost at these matrix sizes), and ``numba__fastmath=False`` always.

Why fast-math is off: with PyTensor's default ``numba__fastmath=True``, LLVM may reassociate
floating-point operations differently depending on how a function was compiled (fresh, loaded
from the on-disk cache, or uncached), so one seed gave three different posteriors (medians
-0.0478002, -0.0478426 and -0.0475570 for one model). Without fast-math the three agree to the
last digit and sampling is no slower (measured in BENCHMARKS.md). bayes-peer promises that a seed
gives the same numbers again, so it compiles without fast-math whatever the environment says.
"""

from __future__ import annotations

import os

#: Garbage-collector thresholds of bayes-peer's own processes (the command line and its worker
#: processes). Compiling a model builds and rewrites large PyTensor graphs; with Python's
#: default (700, 10, 10) the collector ran so often that a warm 6-variable joint model took
#: 0.9 s longer (10.7 s against 9.8 s in one process).
GC_THRESHOLDS = (10_000, 20, 50)

#: PyTensor settings that bayes-peer always applies.
FORCED_FLAGS = {"numba__fastmath": "False"}
#: PyTensor settings applied unless the user set them.
DEFAULT_FLAGS = {"blas__ldflags": ""}


def parse_flags(flags: str) -> list[tuple[str, str]]:
    """``PYTENSOR_FLAGS`` text as (key, value) pairs, in order, blank items skipped."""
    items = []
    for item in flags.split(","):
        if item.strip():
            key, _, value = item.partition("=")
            items.append((key.strip(), value.strip()))
    return items


def configure_environment() -> None:
    """Set the environment variables above (idempotent; inherited by worker processes)."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("NUMBA_OPT", "1")
    items = [
        (k, v)
        for k, v in parse_flags(os.environ.get("PYTENSOR_FLAGS", ""))
        if k not in FORCED_FLAGS
    ]
    keys = {k for k, _ in items}
    items += [(k, v) for k, v in DEFAULT_FLAGS.items() if k not in keys]
    items += list(FORCED_FLAGS.items())
    os.environ["PYTENSOR_FLAGS"] = ",".join(f"{k}={v}" for k, v in items)


def deterministic_pytensor() -> None:
    """Turn fast-math off in an already imported PyTensor (read when a graph is compiled)."""
    import pytensor

    pytensor.config.numba__fastmath = False
