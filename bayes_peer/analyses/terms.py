"""Regression terms: a predictor is a numeric column or a factor (k - 1 indicator columns).

One home for the concept: blocks, Bayes factors, model averaging, the MCMC models and the
tables count *terms* where a reader does (a block's terms, a factor's inclusion) and *columns*
where the arithmetic does (a block's ``df1``, the JZS p, the slopes); the coefficient rows of a
factor's levels carry ``term`` (the factor), ``level`` and ``reference``. The coding itself
(levels, reference, indicators) lives in :mod:`bayes_peer.data.factors`.
"""

from __future__ import annotations

from bayes_peer.errors import InputError
from bayes_peer.params import name_list


def model_columns(source, blocks: list[list[str]]) -> list[list[str]]:
    """Blocks of terms as blocks of model columns: a numeric term is its column, a factor its
    indicator columns (treatment coding, :mod:`bayes_peer.data.factors`)."""
    return [[column for term in block for column in source.term_columns(term)] for block in blocks]


def label_coefficients(rows: list[dict], source, key: str = "term") -> list[dict]:
    """Coefficient rows with a factor level's ``term`` (the factor), ``level`` and
    ``reference``; when any row is a level, every row gets the two keys (None for a numeric
    term), so a table has one schema."""
    labels = [source.term_label(row[key]) for row in rows]
    if not any(labels):
        return rows
    out = []
    for row, label in zip(rows, labels, strict=True):
        label = label or {"term": row[key], "level": None, "reference": None}
        labelled = {}
        for name, value in row.items():
            labelled[name] = label["term"] if name == key else value
            if name == key:
                labelled.update(level=label["level"], reference=label["reference"])
        out.append(labelled)
    return out


def factor_records(source, terms: list[str]) -> list[dict]:
    """The coding of every factor among ``terms`` (levels, reference, rows per level)."""
    factors = getattr(source, "factors", {})
    return [factors[t].describe() for t in dict.fromkeys(terms) if t in factors]


def factor_names(factors) -> list[str]:
    """``factors`` as a list of names (a comma-separated string is accepted), each once."""
    if factors is None or (isinstance(factors, list | tuple) and not factors):
        return []
    return name_list(factors, "factors")


def check_reference(reference) -> dict[str, str]:
    """``reference`` as {factor: level}, each a non-empty string."""
    if reference is None:
        return {}
    if not isinstance(reference, dict) or not all(
        isinstance(k, str)
        and k.strip()
        and isinstance(v, str | int | float | bool)
        and str(v).strip()
        for k, v in reference.items()
    ):
        raise InputError(
            f"`reference` must map factor names to levels, e.g. {{'site': 'B'}}, "
            f"got {reference!r:.80}"
        )
    return {k.strip(): str(v).strip() for k, v in reference.items()}


def table_header(data, read_header) -> list[str] | None:
    """The column names of a CSV path or a DataFrame before it is parsed (None otherwise)."""
    from pathlib import Path

    from bayes_peer.data.resources import data_path

    data = data_path(data)
    if isinstance(data, str | Path) and Path(data).suffix.lower() != ".toml":
        return read_header(data)
    columns = getattr(data, "columns", None)
    if columns is not None and not isinstance(columns, dict):
        return [str(c) for c in columns]
    header = getattr(data, "header", None)
    return list(header) if header is not None else None
