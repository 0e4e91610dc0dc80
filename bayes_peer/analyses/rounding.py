"""How much a reanalysis of a published table moves when its rounded correlations move within
their rounding intervals (a check the rows never need)."""

from __future__ import annotations

import numpy as np

from bayes_peer.data.summary import SummaryStatistics
from bayes_peer.errors import InputError


def jittered_matrices(
    corr: np.ndarray, decimals: int, count: int, seed: int
) -> tuple[list[np.ndarray], int]:
    """``count`` matrices with every correlation moved uniformly within its rounding interval.

    Each off-diagonal entry gets an independent uniform shift in [-h, h], h = 0.5 * 10^-decimals
    (the values a two-decimal table could have come from); a draw that is not positive definite
    is discarded and drawn again. Returns the matrices and the number of draws tried.

    Raises
    ------
    InputError
        If fewer than ``count`` positive-definite matrices turn up in 50 x ``count`` draws.
    """
    rng = np.random.default_rng(seed)
    half = 0.5 * 10.0 ** (-decimals)
    k = corr.shape[0]
    iu = np.triu_indices(k, 1)
    out: list[np.ndarray] = []
    tries = 0
    while len(out) < count and tries < 50 * count:
        tries += 1
        shift = np.zeros((k, k))
        shift[iu] = rng.uniform(-half, half, size=len(iu[0]))
        candidate = np.clip(corr + shift + shift.T, -1.0, 1.0)
        np.fill_diagonal(candidate, 1.0)
        if np.linalg.eigvalsh(candidate)[0] > 1e-8:
            out.append(candidate)
    if len(out) < count:
        raise InputError(
            f"rounding sensitivity: only {len(out)} of {tries} jittered matrices were positive "
            "definite; the published matrix is too close to singular for this check"
        )
    return out, tries


def rounding_sensitivity(
    summary: SummaryStatistics,
    refit,
    label_of,
    keys: tuple[str, ...],
    *,
    decimals: int = 2,
    count: int = 20,
    seed: int = 1,
) -> dict:
    """How much the results move when the published correlations are perturbed within rounding.

    ``refit(summary) -> list of rows`` reruns the analysis on a table; ``label_of(row)`` names a
    row; for every label and every key of ``keys`` the minimum and maximum over the jittered
    tables are reported, beside the value on the published table. ``conclusion_changes`` is
    true when, over the jittered tables, a 95% interval switches between excluding and
    including 0 or a BF10 crosses 3 or 1/3.
    """
    from dataclasses import replace

    if not (isinstance(decimals, int) and 0 < decimals <= 4):
        raise InputError(f"--decimals must be a whole number from 1 to 4, got {decimals!r}")
    if not (isinstance(count, int) and 2 <= count <= 500):
        raise InputError(
            f"--rounding-sensitivity must be a whole number from 2 to 500, got {count!r}"
        )
    base = {label_of(r): r for r in refit(summary)}
    matrices, tries = jittered_matrices(summary.correlations, decimals, count, seed)
    collected: dict[str, list[dict]] = {label: [] for label in base}
    for matrix in matrices:
        for row in refit(replace(summary, correlations=matrix)):
            collected[label_of(row)].append(row)
    rows = []
    for label, runs in collected.items():
        entry: dict = {"label": label}
        for key in keys:
            values = [r.get(key) for r in runs if r.get(key) is not None]
            entry[key] = base[label].get(key)
            entry[f"{key}_min"] = float(min(values)) if values else None
            entry[f"{key}_max"] = float(max(values)) if values else None
        flips = False
        for low_key, high_key in (("ci_low", "ci_high"), ("mcmc_ci_low", "mcmc_ci_high")):
            signs = {
                (r[low_key] > 0) - (r[high_key] < 0)
                for r in [*runs, base[label]]
                if r.get(low_key) is not None and r.get(high_key) is not None
            }
            flips = flips or len(signs) > 1
        bands = {
            int(np.digitize(r["bf10"], [1 / 3, 3]))
            for r in [*runs, base[label]]
            if r.get("bf10") is not None
        }
        entry["conclusion_changes"] = bool(flips or len(bands) > 1)
        rows.append(entry)
    return {
        "decimals": decimals,
        "half_width": 0.5 * 10.0 ** (-decimals),
        "matrices": count,
        "draws_tried": tries,
        "seed": seed,
        "method": "every published correlation shifted independently and uniformly within "
        "its rounding interval; matrices that are not positive definite are discarded",
        "rows": rows,
    }
