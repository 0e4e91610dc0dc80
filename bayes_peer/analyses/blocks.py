"""Blocked (hierarchical) regression's exact and frequentist layer: OLS steps, ΔR² and
F-change beside the exact JZS block Bayes factors, from participant rows, a published table or
published R² values.

Every block's model is fitted to the same rows (complete on the outcome and on all blocks'
terms), so ΔR², F-change and Bayes-factor ratios compare like with like. The rows left out are
listed, never dropped silently.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from bayes_peer.analyses.terms import (
    factor_records,
    label_coefficients,
    model_columns,
)
from bayes_peer.errors import InputError
from bayes_peer.exact.regression import jzs_prior_description, log_block_bfs, log_jzs_bf
from bayes_peer.frequentist import (
    block_steps,
    check_block_inputs,
    hierarchical_from_correlations,
)
from bayes_peer.numbers import bf_from_log


def check_blocks(outcome: str, blocks: list[list[str]]) -> list[str]:
    """Validate the outcome and blocks; return all terms in entry order."""
    if not blocks:
        raise InputError("give at least one --block of predictors")
    terms: list[str] = []
    for k, block in enumerate(blocks, start=1):
        if not block:
            raise InputError(f"block {k} is empty")
        for term in block:
            if term == outcome:
                raise InputError(f"the outcome '{outcome}' also appears in block {k}")
            if term in terms:
                raise InputError(f"term '{term}' is entered twice (again in block {k})")
            terms.append(term)
    return terms


def _block_records(
    n: int,
    r2s: list[float],
    ps: list[int],
    blocks: list[list[str]] | None,
    rscale: float,
) -> list[dict]:
    steps = block_steps(n, r2s, ps)
    log_bf_block = log_block_bfs(n, r2s, ps, rscale)
    records = []
    cumulative: list[str] = []
    for k, step in enumerate(steps):
        log_bf10 = log_jzs_bf(n, step.p, step.r2, rscale)
        if blocks is not None:
            cumulative += blocks[k]
        records.append(
            {
                "block": step.block,
                "terms": None if blocks is None else list(blocks[k]),
                "model_terms": None if blocks is None else list(cumulative),
                "n": step.n,
                "p": step.p,
                "r2": step.r2,
                "adj_r2": step.adj_r2,
                "delta_r2": step.delta_r2,
                "f_change": step.f_change,
                "df1": step.df1,
                "df2": step.df2,
                "p_change": step.p_change,
                "bf_block": bf_from_log(log_bf_block[k]),
                "log_bf_block": log_bf_block[k],
                "bf10": bf_from_log(log_bf10),
                "log_bf10": log_bf10,
            }
        )
    return records


def complete_rows(values: np.ndarray) -> np.ndarray:
    """Rows complete on every column: the rows every block's model uses."""
    return ~np.isnan(values).any(axis=1)


def regress_r2(n: int, r2s: list[float], ps: list[int], rscale: float) -> dict:
    """Blocks from published R² values and predictor counts alone (no coefficients)."""
    check_block_inputs(n, r2s, ps)
    return {"blocks": _block_records(n, r2s, ps, None, rscale), "coefficients": []}


def regress_blocks(
    source,
    outcome: str,
    blocks: list[list[str]],
    rscale: float,
    ci_prob: float = 0.95,
) -> dict:
    """Hierarchical OLS and JZS block BFs, from participant rows or a published table.

    The source gives the moments (n, correlations, SDs, means) of the rows complete on the
    outcome and every term, the same rows for every block, and the rows it left out
    (:mod:`bayes_peer.data.source`); the OLS estimates follow from the moments (Cohen et al.
    2003, ch. 3), identical to least squares on the rows. A factor is one term of k - 1
    indicator columns: its block's ``df1`` counts the columns, its coefficient rows name the
    ``level`` and the ``reference``.
    """
    terms = check_blocks(outcome, blocks)
    source.require([outcome])
    column_blocks = model_columns(source, blocks)
    columns = [c for block in column_blocks for c in block]
    moments = source.moments([outcome, *columns], len(columns))
    ols = hierarchical_from_correlations(
        moments.corr,
        moments.n,
        columns,
        [len(b) for b in column_blocks],
        moments.sds,
        moments.means,
        ci_prob,
    )
    records = _block_records(
        moments.n, [s.r2 for s in ols.steps], [s.p for s in ols.steps], blocks, rscale
    )
    for record, intercept in zip(records, ols.intercepts, strict=True):
        record["intercept"] = intercept
    out = {
        "blocks": records,
        "coefficients": label_coefficients([asdict(c) for c in ols.coefficients], source),
        "n_used": moments.n,
        "n_rows": moments.n_rows,
        "dropped": moments.dropped,
    }
    if factors := factor_records(source, terms):
        out["factors"] = factors
    return out


def regression_prior_text(rscale: float, label: str) -> str:
    """The sentence stating the prior behind every block Bayes factor."""
    return jzs_prior_description(rscale, label) + "; BF of a block = BF(model) / BF(previous model)"


#: What ``method`` may be: the exact layer (OLS, F-change, JZS block BFs) or a slope prior.
