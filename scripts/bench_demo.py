"""Time `bayes-peer demo` end to end in fresh processes, with a cold and a warm compile cache.

Usage: .venv/bin/python scripts/bench_demo.py

Cold: PyTensor's compile cache is pointed at an empty temporary folder
(PYTENSOR_FLAGS=base_compiledir=...), so every model structure compiles from scratch (numba's
on-disk cache lives there too). Warm: the same folder again, now filled.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time


def run(env: dict, out: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bayes_peer", "demo", "--out", out, "--force", "--quiet"],
        env=env, check=False, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - start


def main() -> int:
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as out:
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1",
                   PYTENSOR_FLAGS=f"blas__ldflags=,base_compiledir={cache}")  # fmt: skip
        cold = run(env, f"{out}/demo")
        warm = run(env, f"{out}/demo")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"bayes-peer demo, cold compile cache: {cold:.0f} s")
    print(f"bayes-peer demo, warm compile cache: {warm:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
