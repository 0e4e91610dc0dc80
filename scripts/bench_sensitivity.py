"""Time `bayes-peer sensitivity --demo` end to end (fresh processes, the shipped demo study).

Usage: python scripts/bench_sensitivity.py [--runs 2] [--workers 2] [--with-run]

Each run is a fresh CLI process writing to a temporary folder. With ``--with-run`` the folder
first gets `bayes-peer demo --no-report` (not timed), so the sensitivity command also rebuilds
the demo's report with the new section (as a user who ran the demo first sees it). The first
run may include cold PyTensor compiles; later runs use the warm on-disk cache. Prints the wall
time, the analysis time per spec and the report time, from the command's JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "bayes_peer", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, check=False)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--with-run", action="store_true")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    for k in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "demo"
            if args.with_run:
                done = _cli("demo", "--out", str(out), "--no-report", "--quiet")
                if done.returncode not in (0, 3):
                    print(done.stderr, file=sys.stderr)
                    return 1
            start = time.perf_counter()
            done = _cli("sensitivity", "--demo", "--out", str(out), "--force", "--quiet",
                        "--json", "--workers", str(args.workers))  # fmt: skip
            wall = time.perf_counter() - start
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
            record = json.loads(done.stdout)
            specs = ", ".join(
                f"{e['name']} {e['seconds']:.0f} s ({e['summary']['variants']} estimates)"
                for e in record["specs"]
            )
            reports = "with the demo report rebuilt" if record.get("reports") else "own reports"
            print(f"run {k + 1}: {wall:.0f} s wall; analyses: {specs}; "
                  f"{record['workers']} worker(s); {reports}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
