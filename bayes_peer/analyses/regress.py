"""Blocked (hierarchical) regression: OLS steps and F-change beside exact JZS block BFs.

Every block's model is fitted to the same rows (complete on the outcome and on all blocks'
terms), so ΔR², F-change and Bayes-factor ratios compare like with like. The rows left out are
listed, never dropped silently.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from bayes_peer.data.participants import ParticipantData
from bayes_peer.data.summary import SummaryStatistics
from bayes_peer.errors import InputError
from bayes_peer.exact.regression import jzs_prior_description, log_block_bfs, log_jzs_bf
from bayes_peer.frequentist import (
    HierarchicalOLS,
    block_steps,
    check_block_inputs,
    hierarchical_from_correlations,
    hierarchical_ols,
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


def _result(ols: HierarchicalOLS, n: int, blocks: list[list[str]], rscale: float) -> dict:
    r2s = [s.r2 for s in ols.steps]
    ps = [s.p for s in ols.steps]
    block_records = _block_records(n, r2s, ps, blocks, rscale)
    for record, intercept in zip(block_records, ols.intercepts, strict=True):
        record["intercept"] = intercept
    return {
        "blocks": block_records,
        "coefficients": [asdict(c) for c in ols.coefficients],
    }


def complete_rows(values: np.ndarray) -> np.ndarray:
    """Rows complete on every column: the rows every block's model uses."""
    return ~np.isnan(values).any(axis=1)


def regress_r2(n: int, r2s: list[float], ps: list[int], rscale: float) -> dict:
    """Blocks from published R² values and predictor counts alone (no coefficients)."""
    check_block_inputs(n, r2s, ps)
    return {"blocks": _block_records(n, r2s, ps, None, rscale), "coefficients": []}


def regress_data(
    data: ParticipantData,
    outcome: str,
    blocks: list[list[str]],
    rscale: float,
    ci_prob: float = 0.95,
) -> dict:
    """Hierarchical OLS and JZS block BFs on the rows complete on every variable involved."""
    terms = check_blocks(outcome, blocks)
    names = [outcome, *terms]
    values = data.matrix(names)
    complete = complete_rows(values)
    dropped = [
        {
            "row": i + 1,
            "line": data.lines[i],
            "id": data.ids[i],
            "missing": [name for name, v in zip(names, values[i], strict=True) if np.isnan(v)],
        }
        for i in np.flatnonzero(~complete)
    ]
    n = int(complete.sum())
    p = len(terms)
    if n <= p + 1:
        raise InputError(
            f"{data.path}: only {n} rows are complete on {', '.join(names)}; a regression with "
            f"{p} predictors needs at least {p + 2}"
        )
    used = values[complete]
    for j, name in enumerate(names):
        if np.all(used[:, j] == used[0, j]):
            raise InputError(
                f"{data.path}: column '{name}' has zero variance on the {n} complete rows"
            )
    ols = hierarchical_ols(used[:, 0], used[:, 1:], terms, [len(b) for b in blocks], ci_prob)
    result = _result(ols, n, blocks, rscale)
    result.update({"n_used": n, "n_rows": data.n_rows, "dropped": dropped})
    return result


def regress_summary(
    summary: SummaryStatistics,
    outcome: str,
    blocks: list[list[str]],
    rscale: float,
    ci_prob: float = 0.95,
) -> dict:
    """Hierarchical regression from a published correlation matrix (and SDs, means if given)."""
    terms = check_blocks(outcome, blocks)
    idx = [summary.index(name) for name in [outcome, *terms]]
    p = len(terms)
    if summary.n <= p + 1:
        raise InputError(
            f"{summary.path}: n = {summary.n} is too small for {p} predictors (needs > {p + 1})"
        )
    corr = summary.correlations[np.ix_(idx, idx)]
    sds = None if summary.sds is None else summary.sds[idx]
    means = None if summary.means is None else summary.means[idx]
    ols = hierarchical_from_correlations(
        corr, summary.n, terms, [len(b) for b in blocks], sds, means, ci_prob
    )
    result = _result(ols, summary.n, blocks, rscale)
    result.update({"n_used": summary.n, "n_rows": summary.n, "dropped": []})
    return result


def regression_prior_text(rscale: float, label: str) -> str:
    """The sentence stating the prior behind every block Bayes factor."""
    return jzs_prior_description(rscale, label) + "; BF of a block = BF(model) / BF(previous model)"
