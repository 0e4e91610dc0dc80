"""Count what MCMC commands leave in $TMPDIR and $HOME (issue 32's measurement).

Runs 20 ``bayes-peer`` MCMC commands (correlations, a joint model, a regression) in fresh
processes with an empty ``$TMPDIR``, an empty ``$HOME`` and ``BAYES_PEER_CACHE_DIR`` pointing
elsewhere; some are interrupted with SIGINT (while importing, compiling or sampling) and one
is killed with SIGKILL. Prints one JSON object: each command's exit status and the files left
in ``$TMPDIR`` and ``$HOME`` afterwards (both should be 0).

    .venv/bin/python scripts/check_leftovers.py [--commands 20]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PAIR = "alliance_m24,qol_m24"
SAMPLER = ["--draws", "200", "--tune", "200", "--chains", "2"]
COMMANDS = [
    ["correlate", "--data", "demo", "--vars", PAIR, "--model", "pairwise", *SAMPLER],
    [
        "correlate",
        "--data",
        "demo",
        "--vars",
        PAIR + ",recovery_m24",
        "--model",
        "joint",
        *SAMPLER,
    ],
    [
        "regress",
        "--data",
        "demo",
        "--outcome",
        "qol_m24",
        "--block",
        "qol_m0",
        "--block",
        "alliance_m24",
        "--prior",
        "normal",
        *SAMPLER,
    ],
]
#: (command number, seconds after which it is interrupted, signal)
INTERRUPTS = {
    4: (1.5, signal.SIGINT),
    8: (6.0, signal.SIGINT),
    12: (3.0, signal.SIGINT),
    16: (4.0, signal.SIGKILL),
}


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=20)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bayes-peer-leftovers-"))
    tmp, home, cache, work = (root / name for name in ("tmp", "home", "cache", "work"))
    for folder in (tmp, home, work):
        folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_CACHE_HOME", "MPLCONFIGDIR")}
    env |= {"TMPDIR": str(tmp), "HOME": str(home), "BAYES_PEER_CACHE_DIR": str(cache)}
    env |= {"OPENBLAS_NUM_THREADS": "1", "PYTENSOR_FLAGS": ""}
    runs = []
    for i in range(args.commands):
        command = [*COMMANDS[i % len(COMMANDS)], "--out", f"out{i}"]
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "bayes_peer", *command],
            cwd=work,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        interrupt = INTERRUPTS.get(i)
        if interrupt is not None:
            try:
                process.wait(timeout=interrupt[0])
            except subprocess.TimeoutExpired:
                process.send_signal(interrupt[1])
        _, err = process.communicate(timeout=900)
        runs.append(
            {
                "command": " ".join(command[:2] + command[4:7]),
                "signal": None if interrupt is None else signal.Signals(interrupt[1]).name,
                "exit_status": process.returncode,
                "seconds": round(time.perf_counter() - start, 1),
                "last_error_line": next(
                    (x for x in err.splitlines()[::-1] if x.startswith("error:")), None
                ),
                "tmpdir_files_so_far": len(files_under(tmp)),
            }
        )
    summary = {
        "commands": len(runs),
        "interrupted": sum(r["signal"] is not None for r in runs),
        "tmpdir_files": files_under(tmp),
        "home_files": files_under(home),
        "runs": runs,
    }
    print(json.dumps(summary, indent=1))
    return 0 if not summary["tmpdir_files"] and not summary["home_files"] else 1


if __name__ == "__main__":
    sys.exit(main())
