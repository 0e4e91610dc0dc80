"""Time the exact layer in-process and as CLI processes (prints a small table).

Usage: .venv/bin/python scripts/bench_exact.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def timed(fn, repeat: int) -> float:
    values = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        values.append(time.perf_counter() - start)
    return statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from bayes_peer.exact.correlation import correlation_posterior, posterior_grid
    from bayes_peer.exact.informed import (
        fluckiger_2018,
        informed_analysis,
        log_bf_replication,
        similarity_design,
    )
    from bayes_peer.exact.regression import log_jzs_bf

    grid = posterior_grid(0.3, 46, 1.0, "two-sided")
    prior = fluckiger_2018()

    rows = [
        (
            "correlation_posterior(r=.3, n=46), in-process",
            timed(lambda: correlation_posterior(0.3, 46), args.repeat),
        ),
        (
            "correlation_posterior(r=.5, n=10000), in-process",
            timed(lambda: correlation_posterior(0.5, 10_000), args.repeat),
        ),
        (
            "3 quantiles of one posterior: trapezoid CDF + interpolation (before issue 30)",
            timed(lambda: grid.quantile([0.025, 0.5, 0.975]), args.repeat),
        ),
        (
            "3 quantiles of one posterior: Gauss-Legendre CDF + Newton (accurate to 1e-10)",
            timed(lambda: grid.accurate_quantile([0.025, 0.5, 0.975]), args.repeat),
        ),
        (
            "informed_analysis(r=.3, n=46, Flückiger 2018), in-process",
            timed(lambda: informed_analysis(0.3, 46, prior), args.repeat),
        ),
        (
            "log_bf_replication(r=.3, n=46, r0=.278, n0=300), in-process",
            timed(lambda: log_bf_replication(0.3, 46, 0.278, 300), args.repeat),
        ),
        (
            "similarity_design(rho=.278, n=46), in-process",
            timed(lambda: similarity_design(0.278, 46, prior), args.repeat),
        ),
        (
            "log_jzs_bf(N=46, p=3, R²=.25), in-process",
            timed(lambda: log_jzs_bf(46, 3, 0.25), args.repeat),
        ),
    ]
    cli = [sys.executable, "-m", "bayes_peer"]
    rows.append(
        (
            "python -c pass (interpreter start)",
            timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), args.repeat),
        )
    )
    rows.append(
        (
            "CLI: correlate --r .6 --n 20 --json",
            timed(
                lambda: subprocess.run(
                    [*cli, "correlate", "--r", ".6", "--n", "20", "--json"],
                    check=True,
                    capture_output=True,
                ),
                args.repeat,
            ),
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(
            (
                "CLI: demo (exact + frequentist, 30 r, 8 regressions)",
                timed(
                    lambda: subprocess.run(
                        [*cli, "demo", "--exact", "--out", f"{tmp}/d", "--force"],
                        check=True,
                        capture_output=True,
                    ),
                    args.repeat,
                ),
            )
        )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    for name, seconds in rows:
        print(f"{seconds * 1000:9.1f} ms  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
