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

from pathlib import Path

from bayes_peer.data.participants import ParticipantData, parse_participants, read_participants
from bayes_peer.data.summary import SummaryStatistics
from bayes_peer.data.summary import read_summary as _read_summary
from bayes_peer.errors import InputError

#: What a DataFrame is called in messages and results.
FRAME_LABEL = "DataFrame"


def read_csv(path: str | Path, columns: list[str] | None = None) -> ParticipantData:
    """Read and validate a participant CSV (one row per participant, wide format).

    Parameters
    ----------
    path : str or pathlib.Path
        The file. Its grammar (numbers, missing values, ids, separators, limits) is in
        ``docs/inputs.md``.
    columns : list of str, optional
        Columns to parse as numbers (default: all but the id column).

    Returns
    -------
    ParticipantData
    """
    return read_participants(path, columns)


def read_summary(path: str | Path, *, nearest_correlation: bool = False) -> SummaryStatistics:
    """Read and validate published summary statistics (n, correlations, optional means, SDs).

    Parameters
    ----------
    path : str or pathlib.Path
        A TOML table (format in ``docs/inputs.md``).
    nearest_correlation : bool
        Replace a matrix that is not positive definite (common after rounding) by the nearest
        correlation matrix (Higham 2002); the entries that moved are reported.

    References
    ----------
    Higham, N. J. (2002). Computing the nearest correlation matrix: a problem from finance.
    *IMA Journal of Numerical Analysis*, 22(3), 329-343.
    """
    return _read_summary(path, nearest=nearest_correlation)


def from_frame(frame, columns: list[str] | None = None) -> ParticipantData:
    """Participant data from a pandas DataFrame (one row per participant).

    The frame is written as CSV in memory and read back through the same validation as a file,
    so a DataFrame obeys the same grammar (cells that are not numbers, booleans, mixed types are
    refused, naming row and column). The index is ignored. ``frame.attrs["synthetic"] = True``
    labels it synthetic (as :func:`demo_data` does).
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"`data` must be a DataFrame, a CSV path or a table, got {frame!r:.60}")
    if frame.columns.duplicated().any():
        name = frame.columns[frame.columns.duplicated()][0]
        raise InputError(f"{FRAME_LABEL}: duplicate column name '{name}'")
    for name in frame.columns:
        if not isinstance(name, str):
            raise InputError(f"{FRAME_LABEL}: column names must be strings, got {name!r}")
        if frame[name].dtype == bool:
            raise InputError(f"{FRAME_LABEL}: column '{name}' is boolean; code it as 0/1")
    text = frame.to_csv(index=False, na_rep="", lineterminator="\n")
    synthetic = bool(frame.attrs.get("synthetic", False))
    return parse_participants(FRAME_LABEL, text.encode("utf-8"), columns, synthetic=synthetic)


def as_source(data, columns: list[str] | None = None, *, nearest_correlation: bool = False):
    """The source behind ``data``: a DataFrame, a path (``.toml`` = summary statistics, else a
    participant CSV), :class:`ParticipantData` or :class:`SummaryStatistics`.

    ``columns`` limits the parsing of participant data to the columns an analysis needs (so a
    text column elsewhere in the file does not stop it).
    """
    if isinstance(data, ParticipantData | SummaryStatistics):
        return data
    if isinstance(data, str | Path):
        if Path(data).suffix.lower() == ".toml":
            return read_summary(data, nearest_correlation=nearest_correlation)
        return read_csv(data, columns)
    if data is None:
        raise InputError("`data` is required: a DataFrame, a CSV path or a summary table")
    return from_frame(data, columns)


def demo_data():
    """The shipped SYNTHETIC demo study as a pandas DataFrame (46 participants, 12- and
    24-month waves, realistic attrition; ``attrs["synthetic"]`` is True).

    Its generating process and true parameters: :mod:`bayes_peer.data.demo`.
    """
    import pandas as pd

    from bayes_peer.data.demo import demo_path

    frame = pd.read_csv(str(demo_path()), keep_default_na=True)
    frame.attrs["synthetic"] = True
    return frame
