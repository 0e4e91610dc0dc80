"""Time the MCMC correlation models: a fresh CLI process, compile, sample and refit.

Usage: .venv/bin/python scripts/bench_mcmc.py

Measures (on the shipped synthetic demo study, n = 46 rows):
* the 6-variable joint LKJ model as a fresh `bayes-peer correlate --model joint` process
  (imports + compile + sampling + summaries), wall time;
* in one process: compile time of the joint(d=6) and pairwise structures, the first fit,
  and refits with new data (another wave) or a new prior value (eta = 2), which never recompile;
* effective draws per second of sampling (min bulk ESS over correlations / sampling time).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("PYTENSOR_FLAGS", "blas__ldflags=")

SIX = ["alliance", "contacts", "satisfaction", "empowerment", "recovery", "qol"]


def main() -> int:
    from bayes_peer.data.demo import demo_path

    demo = str(demo_path())
    names24 = ",".join(f"{c}_m24" for c in SIX)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bayes_peer", "correlate", "--data", demo, "--vars", names24,
         "--model", "joint", "--json"],
        check=True, capture_output=True,
    )  # fmt: skip
    fresh = time.perf_counter() - start

    t0 = time.perf_counter()
    import numpy as np
    import nutpie  # noqa: F401
    import pymc  # noqa: F401

    from bayes_peer.data.participants import read_participants
    from bayes_peer.mcmc.diagnostics import summarize_draws
    from bayes_peer.mcmc.models.correlation import (
        build_joint_model,
        build_pairwise_model,
        standardize,
        standardize_observed,
    )
    from bayes_peer.mcmc.sampler import SamplerSettings, get_structure

    imports = time.perf_counter() - t0
    data = read_participants(demo)
    settings = SamplerSettings()
    rows = [("fresh process: correlate --model joint, 6 variables (wall)", fresh),
            ("import PyMC + nutpie + package", imports)]  # fmt: skip

    def wave(w: str) -> np.ndarray:
        x = data.matrix([f"{c}_{w}" for c in SIX])
        return standardize(x[~np.isnan(x).any(axis=1)])

    def joint_data(w: str, eta: float) -> dict:
        y, mask = standardize_observed(data.matrix([f"{c}_{w}" for c in SIX]))
        return {"y": y, "mask": mask, "eta": eta}

    joint = get_structure("joint(d=6)", lambda: build_joint_model(6))
    t = time.perf_counter()
    _ = joint.compiled
    rows.append(("compile joint(d=6)", time.perf_counter() - t))
    for label, values in [("first fit joint(d=6) FIML, m24", joint_data("m24", 1.0)),
                          ("refit, new data (m12)", joint_data("m12", 1.0)),
                          ("refit, new prior (eta = 2)", joint_data("m12", 2.0))]:  # fmt: skip
        t = time.perf_counter()
        fit = joint.fit(values, settings)
        total = time.perf_counter() - t
        corr = fit.idata["posterior"]["chol_corr"].values
        ess = min(
            summarize_draws(corr[..., i, j])["ess_bulk"] for i in range(6) for j in range(i + 1, 6)
        )
        rows.append((f"{label}: sampling only", fit.seconds))
        rows.append((f"{label}: with log-lik/log-prior groups", total))
        rows.append((f"{label}: min bulk ESS per sampling second", ess / fit.seconds))
    pairwise = get_structure("pairwise", build_pairwise_model)
    t = time.perf_counter()
    _ = pairwise.compiled
    rows.append(("compile pairwise", time.perf_counter() - t))
    x = wave("m24")[:, :2]
    for label in ("first fit pairwise", "refit pairwise"):
        t = time.perf_counter()
        fit = pairwise.fit({"y": x, "prior_a": 1.0}, settings)
        rows.append((label + " (with groups)", time.perf_counter() - t))
    from bayes_peer.analyses.regress_mcmc import regress_mcmc
    from bayes_peer.exact.regression import RSCALES

    blocks24 = [["recovery_m0", "contacts_m24", "budget_used_m24"], ["alliance_m24"]]
    blocks12 = [["qol_m0", "contacts_m12", "budget_used_m12"], ["alliance_m12"]]
    t = time.perf_counter()
    first = regress_mcmc(data, "recovery_m24", blocks24, RSCALES["medium"], settings)
    rows.append(("regression(P=4): compile", first.result["compile_seconds"]))
    rows.append(
        ("regress --prior normal: 3 fits (intercept-only + 2 blocks) incl. compile",
         time.perf_counter() - t)
    )  # fmt: skip
    t = time.perf_counter()
    again = regress_mcmc(data, "qol_m12", blocks12, RSCALES["medium"], settings, prior_scale=0.5)
    rows.append(
        ("regress, new outcome/wave/prior scale: 3 refits, no compile", time.perf_counter() - t)
    )
    rows.append(("  of which sampling", sum(f["seconds"] for f in again.result["fits"])))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    for name, value in rows:
        unit = "/s" if "per sampling second" in name else " s"
        print(f"{value:10.2f}{unit}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
