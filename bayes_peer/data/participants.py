"""Reading and validating participant CSVs (one row per participant, wide format).

Real files arrive with a UTF-8 byte-order mark, Windows line endings, quoted headers,
semicolon or tab separators and several spellings of "missing"; all of these are accepted.
Everything else that would silently distort an estimate is refused with an
:class:`~bayes_peer.errors.InputError` whose message names the file, the column, the row (the
1-based data row and the file line) or the value at fault.

Missing values are never dropped silently: :meth:`ParticipantData.missing_counts` reports them
per column, and every estimate reports the rows it used.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bayes_peer.data.files import MAX_CSV_BYTES, read_regular_file
from bayes_peer.data.grammar import MISSING_TOKENS, parse_cell, shown
from bayes_peer.data.moments import MIN_PAIRS, Moments, check_correlation, pearson_r
from bayes_peer.errors import InputError

#: Column names read as the participant identifier (case-insensitive).
ID_NAMES = frozenset({"id"})


@dataclass(frozen=True)
class ParticipantData:
    """Validated numeric columns of a participant CSV.

    Attributes
    ----------
    path : str
        File the data came from (as given).
    sha256 : str
        Hash of the file's bytes (recorded in results for reproducibility).
    header : list of str
        All column names in file order.
    id_column : str or None
        Name of the identifier column, if the file has one.
    ids : list of str
        Identifier of each data row (the id cell, or the 1-based row number without an id column).
    lines : list of int
        File line of each data row (1-based, header = line 1 unless blank lines precede it).
    columns : dict of str to numpy.ndarray
        The parsed numeric columns, ``nan`` where missing, in the order requested.
    synthetic : bool
        True when the file is the shipped synthetic demo study.
    """

    path: str
    sha256: str
    header: list[str]
    id_column: str | None
    ids: list[str]
    lines: list[int]
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    synthetic: bool = False

    @property
    def n_rows(self) -> int:
        """Number of data rows in the file."""
        return len(self.ids)

    def missing_counts(self) -> dict[str, int]:
        """Number of missing cells per parsed column."""
        return {name: int(np.isnan(v).sum()) for name, v in self.columns.items()}

    def variable_table(self) -> list[dict]:
        """Per-column observed and missing counts, for reports and JSON."""
        return [
            {
                "name": name,
                "n_observed": int(np.sum(~np.isnan(v))),
                "n_missing": int(np.sum(np.isnan(v))),
            }
            for name, v in self.columns.items()
        ]

    def matrix(self, names: list[str]) -> np.ndarray:
        """Columns ``names`` stacked as an (n_rows, len(names)) array with nan for missing."""
        return np.column_stack([self.columns[name] for name in names])

    # The source protocol (bayes_peer.data.source): what an analysis asks of its data.
    has_rows = True

    @property
    def variables(self) -> list[str]:
        """The parsed numeric columns."""
        return list(self.columns)

    def require(self, names: list[str]) -> None:
        """InputError naming the file unless every name is a parsed column."""
        for name in names:
            if name not in self.columns:
                available = ", ".join(h for h in self.header if h != self.id_column)
                raise InputError(
                    f"{self.path}: unknown column '{name}' (the file has: {available})"
                )

    def dropped_rows(self, names: list[str], keep: np.ndarray) -> list[dict]:
        """The rows not in ``keep``, each with the columns among ``names`` it misses."""
        values = self.matrix(names)
        return [
            {"row": int(i) + 1, "line": self.lines[i], "id": self.ids[i],
             "missing": [n for n, v in zip(names, values[i], strict=True) if np.isnan(v)]}
            for i in np.flatnonzero(~keep)
        ]  # fmt: skip

    def complete_pair(self, a: str, b: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Columns ``a`` and ``b`` on their pairwise-complete rows, and those rows' ids.

        Raises
        ------
        InputError
            With fewer than :data:`MIN_PAIRS` complete rows or a column without variance on them.
        """
        x, y = self.columns[a], self.columns[b]
        complete = ~(np.isnan(x) | np.isnan(y))
        n = int(complete.sum())
        if n < MIN_PAIRS:
            raise InputError(
                f"{self.path}: columns '{a}' and '{b}' have {n} pairwise-complete rows; a "
                f"correlation needs at least {MIN_PAIRS}"
            )
        xa, ya = x[complete], y[complete]
        if np.all(xa == xa[0]) or np.all(ya == ya[0]):
            which = a if np.all(xa == xa[0]) else b
            raise InputError(
                f"{self.path}: column '{which}' has zero variance on the rows where '{a}' and "
                f"'{b}' are both observed"
            )
        return xa, ya, [i for i, k in zip(self.ids, complete, strict=True) if k]

    def pair(self, a: str, b: str) -> tuple[float, int]:
        """Pearson r and n of columns ``a`` and ``b`` on their pairwise-complete rows.

        Raises
        ------
        InputError
            As :meth:`complete_pair`, and for a perfect correlation.
        """
        xa, ya, _ = self.complete_pair(a, b)
        r = pearson_r(xa, ya)
        check_correlation(self.path, a, b, r)
        return r, int(xa.size)

    def moments(self, names: list[str], predictors: int) -> Moments:
        """n, correlation matrix, SDs and means of ``names`` on the rows complete on all of
        them (the rows every block of a regression uses), and the rows left out.

        Raises
        ------
        InputError
            When too few rows are complete for ``predictors`` predictors, or a column has no
            variance on them.
        """
        values = self.matrix(names)
        complete = ~np.isnan(values).any(axis=1)
        n = int(complete.sum())
        if n <= predictors + 1:
            raise InputError(
                f"{self.path}: only {n} rows are complete on {', '.join(names)}; a regression "
                f"with {predictors} predictors needs at least {predictors + 2}"
            )
        used = values[complete]
        for j, name in enumerate(names):
            if np.all(used[:, j] == used[0, j]):
                raise InputError(
                    f"{self.path}: column '{name}' has zero variance on the {n} complete rows"
                )
        return Moments(
            n=n, n_rows=self.n_rows, corr=np.corrcoef(used, rowvar=False),
            sds=used.std(axis=0, ddof=1), means=used.mean(axis=0),
            dropped=self.dropped_rows(names, complete),
        )  # fmt: skip


def _decode(path: Path, raw: bytes) -> str:
    if not raw.strip():
        raise InputError(f"{path}: the file is empty")
    if b"\x00" in raw[:65536]:
        raise InputError(f"{path}: binary file (contains NUL bytes); expected a CSV text file")
    try:
        text = raw.decode("utf-8-sig")  # one byte-order mark is stripped
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text (undecodable byte 0x{raw[exc.start]:02x} at byte "
            f"{exc.start}); save the file as UTF-8 CSV"
        ) from None
    if text.startswith("\ufeff"):
        raise InputError(
            f"{path}: the file starts with two byte-order marks (U+FEFF); save it again as "
            "UTF-8 CSV"
        )
    return text


#: Separators recognised, in order of preference when they split the header equally.
DELIMITERS = (",", ";", "\t")


def _sniff_delimiter(text: str) -> str:
    """The separator that splits the first record into the most fields (quotes respected)."""
    best, fields = ",", 0
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            record = next((r for r in reader if r and any(c.strip() for c in r)), [])
        except csv.Error:
            continue
        if len(record) > fields:
            best, fields = delimiter, len(record)
    return best


def _parse_number(cell: str) -> float | None:
    """The float in ``cell``, nan for a missing token, or None when it is not a number."""
    return parse_cell(cell)


def _looks_numeric(cell: str) -> bool:
    value = _parse_number(cell)
    return value is not None and not math.isnan(value)


def _read_text(path: Path) -> str:
    return _decode(path, read_regular_file(path, what="participant CSV", limit=MAX_CSV_BYTES))


def read_header(path: str | Path) -> list[str]:
    """Column names of a participant CSV (full validation happens in read_participants)."""
    path = Path(path)
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    try:
        record = next((r for r in reader if r and any(c.strip() for c in r)), [])
    except csv.Error as exc:
        raise InputError(f"{path}: malformed CSV at line {reader.line_num}: {exc}") from None
    return [cell.strip() for cell in record]


def read_participants(path: str | Path, columns: list[str] | None = None) -> ParticipantData:
    """Read a participant CSV and parse the requested numeric columns.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV file with a header row; one row per participant. An ``id`` column (any case) is
        kept as a label.
    columns : list of str, optional
        Columns to parse as numbers. Default: every column except the id column.

    Returns
    -------
    ParticipantData

    Raises
    ------
    InputError
        For a missing, empty, binary or undecodable file; a missing header; empty, duplicate or
        unknown column names; ragged rows; non-numeric or infinite cells (naming column, row
        and line); duplicated ids; a column without observed values or with zero variance.
    """
    path = Path(path)
    raw = read_regular_file(path, what="participant CSV", limit=MAX_CSV_BYTES)
    return parse_participants(str(path), raw, columns)


def parse_participants(
    label: str, raw: bytes, columns: list[str] | None = None, synthetic: bool | None = None
) -> ParticipantData:
    """Validate and parse the bytes of a participant CSV (see :func:`read_participants`).

    ``label`` names the source in messages and results (a path, or "DataFrame"); ``synthetic``
    None means "the shipped demo study's bytes".
    """
    from bayes_peer.data.demo import is_demo_bytes  # local: avoids an import cycle

    path = label
    text = _decode(path, raw)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    header: list[str] | None = None
    header_line = 0
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for record in reader:
            line = reader.line_num
            if not record or all(not cell.strip() for cell in record):
                continue  # blank line
            if header is None:
                header, header_line = [cell.strip() for cell in record], line
                continue
            rows.append(record)
            lines.append(line)
    except csv.Error as exc:
        raise InputError(f"{path}: malformed CSV at line {reader.line_num}: {exc}") from None

    if header is None:
        raise InputError(f"{path}: the file is empty")
    if all(_looks_numeric(cell) for cell in header):
        raise InputError(
            f"{path}: no header row (line {header_line} holds only numbers); "
            "the first line must name the columns"
        )
    for position, name in enumerate(header, start=1):
        if not name:
            raise InputError(f"{path}: column {position} of the header has no name")
        if not name.isprintable():
            raise InputError(
                f"{path}: the name of column {position} ({name!a}) contains an invisible "
                "or control character"
            )
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in seen:
            raise InputError(
                f"{path}: duplicate column name '{name}' (columns {seen[name]} and {position})"
            )
        seen[name] = position
    if not rows:
        raise InputError(f"{path}: the header is there but there are no data rows")
    for record, line in zip(rows, lines, strict=True):
        if len(record) != len(header):
            raise InputError(
                f"{path}: line {line} has {len(record)} fields but the header has {len(header)}"
            )

    id_columns = [name for name in header if name.lower() in ID_NAMES]
    if len(id_columns) > 1:
        raise InputError(
            f"{path}: ambiguous id columns {', '.join(repr(c) for c in id_columns)}; keep one "
            "(the id column's name is matched without regard to case)"
        )
    id_column = id_columns[0] if id_columns else None
    if id_column is not None:
        id_index = header.index(id_column)
        ids = [record[id_index].strip() for record in rows]
        first_row: dict[str, int] = {}
        for row_number, value in enumerate(ids, start=1):
            if value.lower() in MISSING_TOKENS:
                raise InputError(
                    f"{path}: column '{id_column}' is empty at row {row_number} "
                    f"(line {lines[row_number - 1]}); every participant needs an id"
                )
            if value in first_row:
                raise InputError(
                    f"{path}: duplicated id '{value}' in column '{id_column}' "
                    f"(rows {first_row[value]} and {row_number})"
                )
            first_row[value] = row_number
    else:
        ids = [str(i) for i in range(1, len(rows) + 1)]

    if columns is None:
        wanted = [name for name in header if name != id_column]
    else:
        wanted = list(dict.fromkeys(columns))
        for name in wanted:
            if name not in seen:
                available = ", ".join(h for h in header if h != id_column)
                raise InputError(f"{path}: unknown column '{name}' (the file has: {available})")
            if name == id_column:
                raise InputError(f"{path}: column '{name}' is the id column, not a variable")
    if not wanted:
        raise InputError(f"{path}: no data columns besides the id column")

    parsed: dict[str, np.ndarray] = {}
    for name in wanted:
        index = seen[name] - 1
        values = np.empty(len(rows))
        for row_number, (record, line) in enumerate(zip(rows, lines, strict=True), start=1):
            cell = record[index]
            value = _parse_number(cell)
            if value is None:
                what = "infinite" if cell.strip(" \t").lower().lstrip("+-") in (
                    "inf", "infinity") else "non-numeric"  # fmt: skip
                raise InputError(
                    f"{path}: {what} value {shown(cell.strip(' '))} in column '{name}', "
                    f"row {row_number} (line {line}); numbers are written with ASCII digits, "
                    "an optional sign, decimal point and exponent"
                )
            if math.isinf(value):
                raise InputError(
                    f"{path}: value {shown(cell.strip(' '))} in column '{name}', row "
                    f"{row_number} (line {line}) is too large for a floating-point number"
                )
            values[row_number - 1] = value
        observed = values[~np.isnan(values)]
        if observed.size == 0:
            raise InputError(f"{path}: column '{name}' has no observed values")
        if observed.size > 1 and np.all(observed == observed[0]):
            raise InputError(
                f"{path}: column '{name}' has zero variance (every observed value is "
                f"{observed[0]:g})"
            )
        parsed[name] = values

    return ParticipantData(
        path=str(path),
        sha256=hashlib.sha256(raw).hexdigest(),
        header=header,
        id_column=id_column,
        ids=ids,
        lines=lines,
        columns=parsed,
        synthetic=is_demo_bytes(raw) if synthetic is None else synthetic,
    )
