"""One kind of input for every analysis: participant rows or published summary statistics.

An analysis takes a *source* and does not care which kind it is. Both kinds answer the same
questions (the source protocol):

* ``pair(a, b)`` -> (r, n): a pair's Pearson correlation and its number of complete pairs;
* ``moments(names, predictors)`` -> :class:`~bayes_peer.data.moments.Moments`: n, correlation
  matrix, SDs and means of the rows complete on ``names`` (the rows every block of a
  regression uses) and the rows left out;
* ``require(names)``, ``variables``, ``variable_table()``, ``n_rows``, ``path``, ``sha256``,
  ``synthetic``, and ``has_rows`` (only models that need the rows, such as full-information
  missing data or a Student-t likelihood, ask for them).

:class:`~bayes_peer.data.participants.ParticipantData` (a CSV file or a pandas DataFrame) and
:class:`~bayes_peer.data.summary.SummaryStatistics` (a TOML table) implement it; :func:`as_source`
turns whatever a user passes into one of them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bayes_peer.data.participants import ParticipantData, parse_participants, read_participants
from bayes_peer.data.summary import SummaryStatistics
from bayes_peer.data.summary import read_summary as _read_summary
from bayes_peer.errors import InputError

#: What a DataFrame is called in messages and results.
FRAME_LABEL = "DataFrame"


def read_csv(
    path: str | Path, columns: list[str] | None = None, factors: list[str] | None = None
) -> ParticipantData:
    """Read and validate a participant CSV (one row per participant, wide format).

    Parameters
    ----------
    path : str or pathlib.Path
        The file, or ``"demo"`` for the shipped SYNTHETIC demo study. Its grammar (numbers,
        missing values, ids, separators, limits) is in ``docs/inputs.md``.
    columns : list of str, optional
        Columns to parse (default: all but the id column). A column whose every observed
        cell is text is read as a factor (categorical); see :mod:`bayes_peer.data.factors`.
    factors : list of str, optional
        Columns to read as factors whatever their cells (numeric codes such as 1/2).

    Returns
    -------
    ParticipantData

    Raises
    ------
    InputError
        For anything that would silently distort an estimate (see ``docs/inputs.md``).
    """
    from bayes_peer.data.resources import data_path, is_shipped_name

    if is_shipped_name(path):
        data = read_participants(data_path(path), columns, factors)
        return dataclasses.replace(data, path=str(path))
    return read_participants(path, columns, factors)


def read_summary(path: str | Path, *, nearest_correlation: bool = False) -> SummaryStatistics:
    """Read and validate published summary statistics (n, correlations, optional means, SDs).

    Parameters
    ----------
    path : str or pathlib.Path
        A TOML table (format in ``docs/inputs.md``), or a shipped table's name
        (``demo:m12``, ``demo:m24``).
    nearest_correlation : bool
        Replace a matrix that is not positive definite (common after rounding) by the nearest
        correlation matrix (Higham 2002); the entries that moved are reported.

    References
    ----------
    Higham, N. J. (2002). Computing the nearest correlation matrix: a problem from finance.
    *IMA Journal of Numerical Analysis*, 22(3), 329-343.
    """
    from bayes_peer.data.resources import data_path, is_shipped_name

    if is_shipped_name(path):
        table = _read_summary(data_path(path), nearest=nearest_correlation)
        return dataclasses.replace(table, path=str(path))
    return _read_summary(path, nearest=nearest_correlation)


def from_frame(
    frame, columns: list[str] | None = None, factors: list[str] | None = None
) -> ParticipantData:
    """Participant data from a pandas DataFrame (one row per participant).

    The frame is written as CSV in memory and read back through the same validation as a file,
    so a DataFrame obeys the same grammar (a column mixing numbers and other cells is refused,
    naming row and column). ``bool`` and ``category`` columns are factors (a categorical keeps
    its category order: the first category is the reference level), as are columns of text
    and those named in ``factors``. The index is ignored. ``frame.attrs["synthetic"] = True``
    labels it synthetic (as :func:`demo_data` does).
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"`data` must be a DataFrame, a CSV path or a table, got {type(frame).__name__}"
        )
    if frame.columns.duplicated().any():
        name = frame.columns[frame.columns.duplicated()][0]
        raise InputError(f"{FRAME_LABEL}: duplicate column name '{name}'")
    levels: dict[str, tuple[str, list[str]]] = {}
    for name in frame.columns:
        if not isinstance(name, str):
            raise InputError(f"{FRAME_LABEL}: column names must be strings, got {name!r}")
        dtype = frame[name].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            levels[name] = ("category", [str(c) for c in dtype.categories])
        elif pd.api.types.is_bool_dtype(dtype):
            levels[name] = ("boolean", ["False", "True"])
    text = frame.to_csv(index=False, na_rep="", lineterminator="\n")
    synthetic = bool(frame.attrs.get("synthetic", False))
    return parse_participants(
        FRAME_LABEL,
        text.encode("utf-8"),
        columns,
        synthetic=synthetic,
        factors=factors,
        levels=levels,
    )


def as_source(
    data,
    columns: list[str] | None = None,
    *,
    nearest_correlation: bool = False,
    factors: list[str] | None = None,
    reference: dict[str, str] | None = None,
):
    """The source behind ``data``: a DataFrame, a path (``.toml`` = summary statistics, else a
    participant CSV), a shipped name (``demo``, ``demo:m24``; :mod:`bayes_peer.data.resources`),
    :class:`ParticipantData` or :class:`SummaryStatistics`.

    ``columns`` limits the parsing of participant data to the columns an analysis needs (so a
    text column elsewhere in the file does not stop it); ``factors`` are read as categories
    whatever their cells and ``reference`` sets factors' reference levels (participant data
    only: a published table holds no categories).
    """
    from bayes_peer.data.resources import data_path, is_shipped_name

    if isinstance(data, SummaryStatistics) or (
        isinstance(data, str | Path) and Path(data_path(data)).suffix.lower() == ".toml"
    ):
        if factors or reference:
            given = "`factors`" if factors else "`reference`"
            raise InputError(
                f"{given} needs participant rows: a published table holds "
                "correlations of numeric variables only"
            )
    if isinstance(data, ParticipantData):
        if factors:
            missing = [f for f in factors if f not in data.factors]
            if missing:
                raise InputError(
                    f"{data.path}: `factors` names '{missing[0]}', which was read "
                    "as numeric; pass the file or frame itself (or read it with "
                    "read_csv(..., factors=...))"
                )
        return data.with_references(reference)
    if isinstance(data, SummaryStatistics):
        return data
    if is_shipped_name(data):  # read the shipped file, named by its short name
        source = as_source(
            data_path(data),
            columns,
            nearest_correlation=nearest_correlation,
            factors=factors,
            reference=reference,
        )
        return dataclasses.replace(source, path=data)
    if isinstance(data, str | Path):
        if Path(data).suffix.lower() == ".toml":
            return read_summary(data, nearest_correlation=nearest_correlation)
        return read_csv(data, columns, factors).with_references(reference)
    if data is None:
        raise InputError("`data` is required: a DataFrame, a CSV path or a summary table")
    return from_frame(data, columns, factors).with_references(reference)


def data_kind(source) -> str:
    """``"participants"`` (rows) or ``"summary"`` (a published table): the ``data_kind`` key of
    every record, so that a reader of the record need not guess."""
    return "participants" if source.has_rows else "summary"


def demo_data():
    """The shipped SYNTHETIC demo study as a pandas DataFrame (46 participants, 12- and
    24-month waves, realistic attrition; ``attrs["synthetic"]`` is True).

    Its generating process and true parameters: :mod:`bayes_peer.data.demo`.
    """
    import pandas as pd

    from bayes_peer.data.resources import demo_csv_path

    frame = pd.read_csv(demo_csv_path(), keep_default_na=True)
    frame.attrs["synthetic"] = True
    return frame
