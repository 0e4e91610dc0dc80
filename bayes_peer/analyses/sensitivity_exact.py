"""Small-sample sensitivity with the exact layer: prior-width robustness, sequential and
leave-one-out evidence for correlations and blocks (milliseconds to seconds, no MCMC)."""

from __future__ import annotations

import math

import numpy as np

from bayes_peer.analyses.terms import model_columns
from bayes_peer.exact.correlation import correlation_posterior
from bayes_peer.exact.correlation_grid import (
    log_bf10_and_median_many,
    log_bf10_and_quantiles_many,
)
from bayes_peer.exact.design import robustness_curve
from bayes_peer.exact.regression import RSCALES, log_block_bfs
from bayes_peer.frequentist import hierarchical_ols
from bayes_peer.numbers import bf_from_log

#: Random orders of the participants for the spread of the sequential analysis, and their seed.
SEQUENTIAL_ORDERS = 50
SEQUENTIAL_SEED = 20261126
FIRST_N = 4


def evidence_category(bf: float) -> str:
    """'H1' (BF10 > 3), 'H0' (BF10 < 1/3) or 'inconclusive'."""
    if bf > 3:
        return "H1"
    if bf < 1 / 3:
        return "H0"
    return "inconclusive"


def evidence_category_log(log_bf: float) -> str:
    """:func:`evidence_category` of exp(log_bf), without overflow."""
    return evidence_category(math.exp(max(min(log_bf, 50.0), -50.0)))


def correlation_robustness(r: float, n: int, alternative: str = "two-sided") -> dict:
    """``robustness`` (list of {kappa, bf10}), ``max_bf10`` and ``kappa_at_max``."""
    curve, log_max, k_star = robustness_curve(r, n, alternative)
    return {
        "robustness": [
            {"kappa": c["kappa"], "bf10": bf_from_log(c["log_bf10"]), "log_bf10": c["log_bf10"]}
            for c in curve
        ],
        "max_bf10": bf_from_log(log_max),
        "log_max_bf10": log_max,
        "kappa_at_max": k_star,
    }


def _sample_r(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Running correlations r_k of the first k pairs, k = 1..n (nan where undefined)."""
    k = np.arange(1, x.size + 1)
    sx, sy = np.cumsum(x), np.cumsum(y)
    sxx, syy, sxy = np.cumsum(x * x), np.cumsum(y * y), np.cumsum(x * y)
    cov = sxy - sx * sy / k
    vx, vy = sxx - sx**2 / k, syy - sy**2 / k
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / np.sqrt(vx * vy)
    r[(vx <= 1e-12 * np.abs(sxx)) | (vy <= 1e-12 * np.abs(syy))] = np.nan
    return r


def sequential(
    x: np.ndarray, y: np.ndarray, kappa: float = 1.0, alternative: str = "two-sided"
) -> dict:
    """BF and posterior median as complete pairs accumulate, in file order and random orders.

    Returns ``sequential`` (list of {n, bf10, posterior_median}, file order, from n = 4) and
    ``sequential_random`` (list of {n, bf10_q05, bf10_median, bf10_q95} over
    :data:`SEQUENTIAL_ORDERS` random orders, seeded). As everywhere in the JSON contract,
    ``bf10`` is the Bayes factor of the chosen ``alternative`` (BF+0 or BF-0 when one-sided)
    and the median is that of the (truncated) posterior under it.
    """
    n_total = x.size
    steps = np.arange(FIRST_N, n_total + 1)

    def run(order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r = _sample_r(x[order], y[order])[steps - 1]
        ok = np.isfinite(r) & (np.abs(r) < 1)
        log_bf = np.full(steps.size, np.nan)
        med = np.full(steps.size, np.nan)
        if ok.any():
            log_bf[ok], med[ok] = log_bf10_and_median_many(r[ok], steps[ok], kappa, alternative)
        return log_bf, med

    log_bf, med = run(np.arange(n_total))
    rng = np.random.default_rng(SEQUENTIAL_SEED)
    orders = [rng.permutation(n_total) for _ in range(SEQUENTIAL_ORDERS)]
    random_log_bf = np.array([run(o)[0] for o in orders])
    return sequential_record(steps, log_bf, med, random_log_bf)


def sequential_record(steps, log_bf, median, random_log_bf) -> dict:
    """The ``sequential`` and ``sequential_random`` keys from the file order's log BFs and
    medians and the random orders' log BFs (rows: orders), shared by Pearson and Kendall."""
    q = np.nanquantile(random_log_bf, [0.05, 0.5, 0.95], axis=0)
    med = median
    return {
        "sequential": [
            {
                "n": int(k),
                "bf10": bf_from_log(b) if np.isfinite(b) else None,
                "posterior_median": float(m) if np.isfinite(m) else None,
            }
            for k, b, m in zip(steps, log_bf, med, strict=True)
        ],
        "sequential_random": [
            {
                "n": int(k),
                "bf10_q05": bf_from_log(a),
                "bf10_median": bf_from_log(b),
                "bf10_q95": bf_from_log(c),
            }
            for k, a, b, c in zip(steps, *q, strict=True)
        ],
        "sequential_orders": SEQUENTIAL_ORDERS,
        "sequential_seed": SEQUENTIAL_SEED,
    }


def influence(
    x: np.ndarray,
    y: np.ndarray,
    ids: list[str],
    kappa: float = 1.0,
    ci_prob: float = 0.95,
    alternative: str = "two-sided",
) -> dict:
    """Each participant left out in turn; who changes a conclusion.

    A conclusion changes when the evidence category (BF > 3, < 1/3, in between) differs from
    the full data's, or when the credible interval's exclusion of 0 flips. Under a one-sided
    ``alternative`` the BF is BF+0 (BF-0) and the posterior the truncated one, as in the
    JSON contract's ``bf10`` and ``ci_low``/``ci_high``.
    """
    n = x.size
    full = correlation_posterior(float(np.corrcoef(x, y)[0, 1]), n, kappa, alternative, ci_prob)
    full_excludes = full.ci_low > 0 or full.ci_high < 0
    tail = (1.0 - ci_prob) / 2.0
    keeps = [np.arange(n) != i for i in range(n)]
    rs = np.array([np.corrcoef(x[k], y[k])[0, 1] for k in keeps])
    log_bfs, quantiles = log_bf10_and_quantiles_many(
        rs, n - 1, kappa, (tail, 0.5, 1.0 - tail), alternative
    )
    name = {"two-sided": "BF10", "greater": "BF+0", "less": "BF-0"}[alternative]
    rows, flagged = [], []
    for i in range(n):
        r, log_bf = float(rs[i]), float(log_bfs[i])
        lo, med, hi = (float(v) for v in quantiles[i])
        bf = bf_from_log(log_bf)
        reasons = []
        if evidence_category_log(log_bf) != evidence_category_log(full.log_bf):
            reasons.append(
                f"{name} {math.exp(min(full.log_bf, 700)):.3g} -> "
                f"{math.exp(min(log_bf, 700)):.3g} crosses an evidence threshold (3 or 1/3)"
            )
        if (lo > 0 or hi < 0) != full_excludes:
            reasons.append("the credible interval's exclusion of 0 flips")
        rows.append(
            {
                "id": ids[i],
                "r": r,
                "bf10": bf,
                "log_bf10": log_bf,
                "posterior_median": med,
                "ci_low": lo,
                "ci_high": hi,
                "changes_conclusion": bool(reasons),
            }
        )
        if reasons:
            flagged.append({"id": ids[i], "reasons": reasons})
    return {"influence": rows, "influential": flagged}


def block_robustness(n: int, r2s: list[float], ps: list[int]) -> list[dict]:
    """For each block: BF of the block over JZS scales, with the maximum over r in (0, 2]."""
    from scipy import optimize

    grid = np.unique(np.concatenate([np.linspace(0.05, 2.0, 40), list(RSCALES.values()), [1.0]]))
    out = []
    for k in range(len(r2s)):
        f = lambda s, k=k: log_block_bfs(n, r2s, ps, s)[k]  # noqa: E731
        values = [f(float(s)) for s in grid]
        best = int(np.argmax(values))
        lo = math.log(grid[max(best - 1, 0)]) if best > 0 else math.log(1e-3)
        hi = math.log(grid[min(best + 1, grid.size - 1)])
        res = optimize.minimize_scalar(
            lambda ls, f=f: -f(math.exp(ls)),
            bounds=(lo, hi),
            method="bounded",
            options={"xatol": 1e-8},
        )
        s_star, log_max = math.exp(res.x), -res.fun
        if values[best] > log_max:
            s_star, log_max = float(grid[best]), values[best]
        out.append(
            {
                "robustness": [
                    {"rscale": float(s), "bf_block": bf_from_log(v), "log_bf_block": v}
                    for s, v in zip(grid, values, strict=True)
                ],
                "max_bf_block": bf_from_log(log_max),
                "rscale_at_max": s_star,
            }
        )
    return out


def block_influence(
    y: np.ndarray, x: np.ndarray, terms: list[str], sizes: list[int], ids: list[str], rscale: float
) -> list[dict]:
    """Each row left out in turn: ΔR² and block BF of every block, and conclusion changes."""
    n = y.size
    full = hierarchical_ols(y, x, terms, sizes)
    full_log = log_block_bfs(n, [s.r2 for s in full.steps], [s.p for s in full.steps], rscale)
    per_block: list[list[dict]] = [[] for _ in sizes]
    for i in range(n):
        keep = np.arange(n) != i
        ols = hierarchical_ols(y[keep], x[keep], terms, sizes)
        logs = log_block_bfs(n - 1, [s.r2 for s in ols.steps], [s.p for s in ols.steps], rscale)
        for k, step in enumerate(ols.steps):
            changes = evidence_category(math.exp(logs[k])) != evidence_category(
                math.exp(full_log[k])
            )
            per_block[k].append(
                {
                    "id": ids[i],
                    "delta_r2": step.delta_r2,
                    "bf_block": bf_from_log(logs[k]),
                    "log_bf_block": logs[k],
                    "changes_conclusion": changes,
                }
            )
    return per_block


def add_correlation_sensitivity(
    pairs: list[dict],
    source,
    *,
    kappa: float,
    alternative: str,
    ci_prob: float,
    robustness: bool = False,
    sequential_orders: bool = False,
    leave_one_out: bool = False,
) -> None:
    """Add ``robustness`` (over prior widths), ``sequential`` (as participants accumulate) and
    ``influence`` (each participant left out) keys to each pair record, in place.

    ``source`` gives the rows the last two need (None for a correlation given as r and n).
    """
    for pair in pairs:
        if robustness:
            pair.update(correlation_robustness(pair["r"], pair["n"], alternative))
        if sequential_orders or leave_one_out:
            x, y, ids = source.complete_pair(pair["var1"], pair["var2"])
            if sequential_orders:
                pair.update(sequential(x, y, kappa, alternative))
            if leave_one_out:
                pair.update(influence(x, y, ids, kappa, ci_prob, alternative))


def add_block_sensitivity(
    result: dict,
    source,
    outcome: str | None,
    blocks: list[list[str]] | None,
    rscale: float,
    *,
    robustness: bool = False,
    leave_one_out: bool = False,
) -> None:
    """Add ``robustness`` (over JZS scales) and ``influence`` (each participant left out) keys to
    each block record of a blocked regression, in place."""
    steps = result["blocks"]
    n = steps[0]["n"]
    if robustness:
        curves = block_robustness(n, [b["r2"] for b in steps], [b["p"] for b in steps])
        for block, curve in zip(steps, curves, strict=True):
            block.update(curve)
    if leave_one_out:
        column_blocks = model_columns(source, blocks)  # a factor: its indicator columns
        terms = [c for b in column_blocks for c in b]
        values = source.matrix([outcome, *terms])
        keep = ~np.isnan(values).any(axis=1)
        ids = [i for i, k in zip(source.ids, keep, strict=True) if k]
        per_block = block_influence(
            values[keep, 0], values[keep, 1:], terms, [len(b) for b in column_blocks], ids, rscale
        )
        for block, rows in zip(steps, per_block, strict=True):
            block["influence"] = rows
            block["influential"] = [r["id"] for r in rows if r["changes_conclusion"]]


def result_robustness(result):
    """How the Bayes factors of a correlate or regress result move over prior widths.

    Correlations: BF (of the result's alternative) over kappa in (0, 2] with its maximum;
    blocks: the block BF over JZS scales in (0, 2]. Returns a ``Result`` of kind
    "sensitivity" whose table has one row per pair or block with ``max_bf10`` /
    ``max_bf_block`` and where it is reached; the curves are in ``record``.
    """
    from bayes_peer.errors import InputError
    from bayes_peer.results import Result

    record = result.record
    if result.kind == "correlation":
        pairs = [dict(p) for p in record.get("pairs", [record])]
        add_correlation_sensitivity(
            pairs,
            None,
            kappa=record["kappa"],
            alternative=record["alternative"],
            ci_prob=record["ci_prob"],
            robustness=True,
        )
        rows = [
            {
                k: p.get(k)
                for k in ("var1", "var2", "wave", "n", "r", "bf10", "max_bf10", "kappa_at_max")
            }
            for p in pairs
        ]
        return Result(
            "sensitivity",
            {
                "kind": "robustness",
                "kappa": record["kappa"],
                "synthetic": result.synthetic,
                "pairs": pairs,
            },
            tables_extra={"variants": rows},
        )
    if result.kind == "regression":
        if record.get("waves"):
            raise InputError("robustness of a two-wave regression: analyse each wave on its own")
        copy = {"blocks": [dict(b) for b in record["blocks"]]}
        add_block_sensitivity(copy, None, None, None, record["rscale"], robustness=True)
        rows = [
            {
                k: b.get(k)
                for k in (
                    "block",
                    "n",
                    "r2",
                    "delta_r2",
                    "bf_block",
                    "max_bf_block",
                    "rscale_at_max",
                )
            }
            for b in copy["blocks"]
        ]
        return Result(
            "sensitivity",
            {
                "kind": "robustness",
                "rscale": record["rscale"],
                "synthetic": result.synthetic,
                "blocks": copy["blocks"],
            },
            tables_extra={"variants": rows},
        )
    raise InputError(
        f"sensitivity of a {result.kind} result: give a correlate or regress result, or a spec"
    )
