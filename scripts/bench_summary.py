"""Cost of one log-density + gradient evaluation: summary statistics vs participant rows.

Usage: python scripts/bench_summary.py

The sufficient-statistics likelihood of the joint correlation model costs O(d^3) per gradient
whatever n (one Cholesky factor, two triangular solves); the row-wise likelihood costs
O(n d^2). Timed with PyMC's compiled log density and gradient (C backend; what NUTS evaluates
at every leapfrog step) for d = 6 and n = 46, 460, 4,600 and 46,000, after one warm-up call.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time

import numpy as np


def main() -> None:
    import pymc as pm

    from bayes_peer.mcmc.models.correlation import build_joint_model
    from bayes_peer.mcmc.models.sufficient import build_joint_summary_model, standardized_statistics

    d = 6
    rng = np.random.default_rng(1)
    corr = 0.3 * np.ones((d, d)) + 0.7 * np.eye(d)
    summary_model = build_joint_summary_model(d)
    raw_model = build_joint_model(d)
    summary_fn = summary_model.compile_logp(jacobian=True)
    summary_grad = summary_model.compile_dlogp(jacobian=True)
    raw_fn = raw_model.compile_logp(jacobian=True)
    raw_grad = raw_model.compile_dlogp(jacobian=True)
    print(f"{'n':>7} {'summary us/call':>16} {'rows us/call':>13}")
    for n in (46, 460, 4600, 46000):
        y = rng.multivariate_normal(np.zeros(d), corr, size=n)
        with summary_model:
            pm.set_data(standardized_statistics(np.corrcoef(y, rowvar=False), n))
        with raw_model:
            pm.set_data({"y": y, "mask": np.ones_like(y)})
        out = []
        for fn, grad, model in ((summary_fn, summary_grad, summary_model),
                                (raw_fn, raw_grad, raw_model)):  # fmt: skip
            point = model.initial_point()
            fn(point), grad(point)
            repeats = 300 if model is raw_model and n >= 4600 else 2000
            start = time.perf_counter()
            for _ in range(repeats):
                fn(point)
                grad(point)
            out.append(1e6 * (time.perf_counter() - start) / repeats)
        print(f"{n:>7} {out[0]:>16.1f} {out[1]:>13.1f}")


if __name__ == "__main__":
    main()
