"""One benchmark run, side by side with R's peers: bayes_peer against BayesFactor, rstanarm
and brms on the same machine (issue 11). Results go to BENCHMARKS.md by hand.

Usage: .venv/bin/python scripts/bench.py [--parts exact,mcmc,r,demo] [--json FILE]

Measures (demo study, n = 46; wall-clock seconds of fresh processes unless "in-process"):

* exact layer: one BF10 in-process (closed form; the full posterior with quadrature), and a
  `bayes-peer correlate --r R --n N` process, against an Rscript computing the same BF with
  BayesFactor's `correlationBF` (data with exactly that r); blocked regression BFs
  (`regress --data`) against `lmBF` for the same two models;
* MCMC: the 6-variable joint correlation model and a two-block regression as fresh
  processes, cold (an empty compile cache: BAYES_PEER_CACHE_DIR -> a new folder) and warm
  (the same folder again); a refit in-process; effective draws per second of sampling;
* R: brms `mvbind(6 variables) ~ 1 + set_rescor(TRUE)` (compile + sample, ESS/s) and two
  rstanarm `stan_glm` fits (block 1 and block 2 model) in one fresh Rscript (ESS/s);
* the demo end to end, cold and warm (`bayes-peer demo`).

R runs need `Rscript` with BayesFactor, rstanarm and brms (Debian: r-cran-bayesfactor,
r-cran-rstanarm, r-cran-brms; brms needs `rstan_options(boost_lib = "/usr/include")`). All
Stan fits use `cores = 1` (4 chains in sequence) and 1000 + 1000 iterations like ours.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("PYTENSOR_FLAGS", "blas__ldflags=")

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "bayes_peer" / "data" / "demo_study.csv"
SIX = ["alliance", "contacts", "satisfaction", "empowerment", "recovery", "qol"]
OUTCOME, BLOCK1, BLOCK2 = "recovery_m24", ["recovery_m0", "contacts_m24"], ["alliance_m24"]


def _time(cmd: list[str], env: dict | None = None, cwd: Path = ROOT) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})}, check=False)  # fmt: skip
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 3):
        raise RuntimeError(f"{' '.join(cmd[:4])}... failed: {done.stderr[-2000:]}")
    return seconds, done.stdout


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "bayes_peer", *args]


def _median(cmd: list[str], runs: int = 5, env: dict | None = None) -> float:
    return statistics.median(_time(cmd, env)[0] for _ in range(runs))


def _rscript(code: str) -> tuple[float, str]:
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as fh:
        fh.write(code)
    try:
        return _time(["Rscript", fh.name])
    finally:
        os.unlink(fh.name)


def exact_layer(results: dict, with_r: bool) -> None:
    import timeit

    from bayes_peer.exact.correlation import correlation_posterior, log_bf10_closed_form

    calls = 2000
    per = timeit.timeit(lambda: log_bf10_closed_form(0.3, 46, 1.0), number=calls) / calls
    results["bf10_in_process_closed_form_ms"] = per * 1e3
    per = timeit.timeit(lambda: correlation_posterior(0.3, 46, 1.0), number=50) / 50
    results["posterior_in_process_quadrature_ms"] = per * 1e3
    results["cli_correlate_r_n_s"] = _median(_cli("correlate", "--r", "0.3", "--n", "46",
                                                  "--json"))  # fmt: skip
    blocks = ["--block", ",".join(BLOCK1), "--block", ",".join(BLOCK2)]
    results["cli_regress_blocks_s"] = _median(_cli("regress", "--data", str(DEMO), "--outcome",
                                                   OUTCOME, *blocks, "--json"))  # fmt: skip
    if not with_r:
        return
    r_corr = """suppressMessages(library(BayesFactor)); library(MASS)
xy <- mvrnorm(46, c(0, 0), matrix(c(1, .3, .3, 1), 2), empirical = TRUE)
bf <- correlationBF(xy[, 1], xy[, 2], rscale = 1); cat(exp(bf@bayesFactor$bf), "\\n")"""
    results["rscript_correlationBF_s"] = statistics.median(_rscript(r_corr)[0] for _ in range(3))
    r_lm = f"""suppressMessages(library(BayesFactor))
d <- read.csv("{DEMO}"); v <- c("{OUTCOME}", "{'", "'.join(BLOCK1 + BLOCK2)}")
d <- d[complete.cases(d[, v]), v]
b1 <- lmBF({OUTCOME} ~ {" + ".join(BLOCK1)}, data = d, progress = FALSE)
b2 <- lmBF({OUTCOME} ~ {" + ".join(BLOCK1 + BLOCK2)}, data = d, progress = FALSE)
cat(exp((b2 / b1)@bayesFactor$bf), "\\n")"""
    results["rscript_lmBF_two_models_s"] = statistics.median(_rscript(r_lm)[0] for _ in range(3))


def mcmc(results: dict) -> None:
    six = ",".join(f"{c}_m24" for c in SIX)
    joint = _cli("correlate", "--data", str(DEMO), "--vars", six, "--model", "joint", "--json")
    blocks = ["--block", ",".join(BLOCK1), "--block", ",".join(BLOCK2)]
    regress = _cli("regress", "--data", str(DEMO), "--outcome", OUTCOME, *blocks, "--prior",
                   "normal", "--json")  # fmt: skip
    with tempfile.TemporaryDirectory() as cache:
        env = {"BAYES_PEER_CACHE_DIR": cache}
        results["joint6_fresh_process_cold_s"], out = _time(joint, env)
        results["joint6_fresh_process_warm_s"], out = _time(joint, env)
        doc = json.loads(out)
        results["joint6_compile_warm_s"] = doc["compile_seconds"]
        results["joint6_sampling_s"] = sum(f["seconds"] for f in doc["fits"])
        ess = min(p["ess_bulk"] for p in doc["pairs"])
        results["joint6_min_bulk_ess"] = ess
        results["joint6_ess_per_s"] = ess / results["joint6_sampling_s"]
        results["regress2_fresh_process_cold_s"], out = _time(regress, env)
        results["regress2_fresh_process_warm_s"], out = _time(regress, env)
        doc = json.loads(out)
        results["regress2_compile_warm_s"] = doc["compile_seconds"]
        fits = doc["fits"]
        results["regress2_sampling_per_fit_s"] = statistics.mean(f["seconds"] for f in fits)
        ess = min(c["ess_bulk"] for c in doc["coefficients"] if c.get("ess_bulk"))
        results["regress2_min_bulk_ess"] = ess
        results["regress2_ess_per_s"] = ess / fits[-1]["seconds"]
    # a refit in-process (the structure compiled once; new data = another outcome)
    import numpy as np

    from bayes_peer.analyses.regress_mcmc import regression_structure
    from bayes_peer.mcmc.sampler import SamplerSettings

    rng = np.random.default_rng(1)
    x = np.zeros((40, 4))
    x[:, :3] = rng.standard_normal((40, 3))
    y = x[:, :3] @ [0.3, 0.2, 0.1] + rng.standard_normal(40)
    structure = regression_structure(4)
    data = {"X": x, "y": (y - y.mean()) / y.std(), "active": np.array([1.0, 1, 1, 0]),
            "prior_scale": 1.0, "mean_R2": 0.5, "prec_R2": 2.0, "cons_D2": 0.5}  # fmt: skip
    structure.fit(data, SamplerSettings(), log_likelihood=False, log_prior=False)
    start = time.perf_counter()
    structure.fit({**data, "y": -data["y"]}, SamplerSettings(), log_likelihood=False,
                  log_prior=False)  # fmt: skip
    results["regression_refit_in_process_s"] = time.perf_counter() - start


def r_peers(results: dict) -> None:
    six = ", ".join(f"{c}_m24" for c in SIX)
    brms = f"""suppressMessages({{library(brms); library(rstan)}})
rstan_options(boost_lib = "/usr/include")
d <- read.csv("{DEMO}"); v <- c({", ".join(f'"{c}_m24"' for c in SIX)})
d <- as.data.frame(scale(d[complete.cases(d[, v]), v]))
t0 <- Sys.time()
fit <- brm(bf(mvbind({six}) ~ 1) + set_rescor(TRUE), data = d, chains = 4, iter = 2000,
           warmup = 1000, cores = 1, seed = 1, refresh = 0, silent = 2)
t1 <- Sys.time()
tm <- rstan::get_elapsed_time(fit$fit)
s <- rstan::summary(fit$fit)$summary
ess <- min(s[grepl("^rescor", rownames(s)), "n_eff"])
cat("total", as.numeric(t1 - t0, units = "secs"), "sampling", sum(tm[, "sample"]),
    "warmup", sum(tm[, "warmup"]), "ess", ess, "\\n")"""
    wall, out = _rscript(brms)
    parts = out.split()
    values = {parts[i]: float(parts[i + 1]) for i in range(0, len(parts) - 1, 2)}
    results["brms_joint6_wall_s"] = wall
    results["brms_joint6_compile_plus_sample_s"] = values["total"]
    # per second of warm-up + sampling, as ours (nutpie's time includes its tuning)
    results["brms_joint6_sampling_s"] = values["sampling"] + values["warmup"]
    results["brms_joint6_min_bulk_ess"] = values["ess"]
    results["brms_joint6_ess_per_s"] = values["ess"] / results["brms_joint6_sampling_s"]
    rstanarm = f"""t0 <- Sys.time(); suppressMessages(library(rstanarm))
d <- read.csv("{DEMO}"); v <- c("{OUTCOME}", "{'", "'.join(BLOCK1 + BLOCK2)}")
z <- as.data.frame(scale(d[complete.cases(d[, v]), v]))
t1 <- Sys.time()
f1 <- stan_glm({OUTCOME} ~ {" + ".join(BLOCK1)}, data = z, prior = normal(0, 1),
               chains = 4, iter = 2000, seed = 1, refresh = 0, cores = 1)
t2 <- Sys.time()
f2 <- stan_glm({OUTCOME} ~ {" + ".join(BLOCK1 + BLOCK2)}, data = z, prior = normal(0, 1),
               chains = 4, iter = 2000, seed = 1, refresh = 0, cores = 1)
t3 <- Sys.time()
tm <- rstan::get_elapsed_time(f2$stanfit)
s <- rstan::summary(f2$stanfit)$summary
ess <- min(s[c("{BLOCK1[0]}", "{BLOCK1[1]}", "{BLOCK2[0]}"), "n_eff"])
cat("load", as.numeric(t1 - t0, units = "secs"), "fit1", as.numeric(t2 - t1, units = "secs"),
    "fit2", as.numeric(t3 - t2, units = "secs"), "sampling", sum(tm[, "sample"]),
    "warmup", sum(tm[, "warmup"]), "ess", ess,
    "\\n")"""
    wall, out = _rscript(rstanarm)
    parts = out.split()
    values = {parts[i]: float(parts[i + 1]) for i in range(0, len(parts) - 1, 2)}
    results["rstanarm_two_fits_fresh_rscript_s"] = wall
    results["rstanarm_library_load_s"] = values["load"]
    results["rstanarm_one_fit_s"] = values["fit2"]
    results["rstanarm_min_bulk_ess"] = values["ess"]
    results["rstanarm_ess_per_s"] = values["ess"] / (values["sampling"] + values["warmup"])


def demo(results: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {"BAYES_PEER_CACHE_DIR": str(Path(tmp) / "cache")}
        for label in ("cold", "warm"):
            out = Path(tmp) / label
            results[f"demo_{label}_s"] = _time(_cli("demo", "--out", str(out), "--quiet"), env)[0]
            shutil.rmtree(out, ignore_errors=True)


def ratios(r: dict) -> dict:
    """Ours / theirs for each goal of issue 11 (None where a side was not measured)."""

    def ratio(a: str, b: str):
        return r[a] / r[b] if a in r and b in r else None

    return {
        "cli_bf_vs_rscript_bayesfactor (goal <= 0.5)": ratio("cli_correlate_r_n_s",
                                                             "rscript_correlationBF_s"),
        "cli_block_bfs_vs_rscript_lmBF": ratio("cli_regress_blocks_s",
                                               "rscript_lmBF_two_models_s"),
        "joint6_fresh_warm_vs_brms (goal <= 0.1)": ratio("joint6_fresh_process_warm_s",
                                                         "brms_joint6_wall_s"),
        "joint6_fresh_cold_vs_brms (goal <= 1/3)": ratio("joint6_fresh_process_cold_s",
                                                         "brms_joint6_wall_s"),
        "regress2_fresh_warm_vs_rstanarm_two_fits (goal <= 1)": ratio(
            "regress2_fresh_process_warm_s", "rstanarm_two_fits_fresh_rscript_s"),
        "refit_vs_one_stan_glm_fit (goal <= 1)": ratio("regression_refit_in_process_s",
                                                       "rstanarm_one_fit_s"),
        "ess_per_s_joint6_vs_brms (goal >= 2)": ratio("joint6_ess_per_s",
                                                      "brms_joint6_ess_per_s"),
        "ess_per_s_regression_vs_rstanarm (goal >= 2)": ratio("regress2_ess_per_s",
                                                              "rstanarm_ess_per_s"),
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="exact,mcmc,r,demo",
                        help="comma-separated subset of exact,mcmc,r,demo")  # fmt: skip
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    with_r = "r" in parts and shutil.which("Rscript") is not None
    results: dict = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "python": platform.python_version(),
    }
    steps = {
        "exact": lambda: exact_layer(results, with_r),
        "mcmc": lambda: mcmc(results),
        "r": lambda: r_peers(results) if with_r else None,
        "demo": lambda: demo(results),
    }
    for name, step in steps.items():
        if name in parts:
            step()
            print(json.dumps(results, indent=1), file=sys.stderr)
    results["ratios"] = ratios(results)
    text = json.dumps(results, indent=1)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
