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
from pathlib import Path

import numpy as np

from bayes_peer.data.factors import Factor, build_factor
from bayes_peer.data.files import MAX_CSV_BYTES, read_regular_file
from bayes_peer.data.grammar import MISSING_TOKENS, parse_cell, shown
from bayes_peer.data.rows import ParticipantData
from bayes_peer.errors import InputError

#: Column names read as the participant identifier (case-insensitive).
ID_NAMES = frozenset({"id"})
#: The name given to an unnamed first column (the row names that R's ``write.csv`` and
#: pandas' ``to_csv`` write): the id column when there is no ``id`` column, else not data.
ROW_NAMES = "(row names)"


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
    header = [cell.strip() for cell in record]
    if header and header[0] == "" and len(header) > 1:
        header[0] = ROW_NAMES
    return header


def read_participants(
    path: str | Path, columns: list[str] | None = None, factors: list[str] | None = None
) -> ParticipantData:
    """Read a participant CSV and parse the requested numeric columns.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV file with a header row; one row per participant. An ``id`` column (any case) is
        kept as a label.
    columns : list of str, optional
        Columns to parse. Default: every column except the id column. A column whose every
        observed cell is text becomes a factor (:mod:`bayes_peer.data.factors`).
    factors : list of str, optional
        Columns read as factors whatever their cells (numeric codes such as 1/2).

    Returns
    -------
    ParticipantData

    Raises
    ------
    InputError
        For a missing, empty, binary or undecodable file; a missing header; empty, duplicate or
        unknown column names; ragged rows; a column mixing numbers and text, or infinite cells
        (naming column, row and line); duplicated ids; a numeric column without observed
        values or with zero variance.
    """
    path = Path(path)
    raw = read_regular_file(path, what="participant CSV", limit=MAX_CSV_BYTES)
    return parse_participants(str(path), raw, columns, factors=factors)


def parse_participants(
    label: str,
    raw: bytes,
    columns: list[str] | None = None,
    synthetic: bool | None = None,
    *,
    factors: list[str] | None = None,
    levels: dict[str, tuple[str, list[str]]] | None = None,
    lenient: bool = False,
) -> ParticipantData:
    """Validate and parse the bytes of a participant CSV (see :func:`read_participants`).

    ``label`` names the source in messages and results (a path, or "DataFrame"); ``synthetic``
    None means "the shipped demo study's bytes". ``factors`` are columns read as categories
    whatever their cells; ``levels`` maps a column to (origin, level order) for a DataFrame's
    boolean and categorical columns (:mod:`bayes_peer.data.factors`). ``lenient`` (a starter
    spec's look at a file) keeps going past a column that cannot be used, naming it and why
    in ``skipped``, instead of refusing the file.
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
    if header[0] == "" and len(header) > 1:  # R's write.csv and pandas' to_csv: row names
        header[0] = ROW_NAMES
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
    if id_column is None and ROW_NAMES in header:
        id_column = ROW_NAMES
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
                    f"(rows {first_row[value]} and {row_number}); the file must hold one row "
                    "per participant (wide format: a long file with one row per measurement "
                    "needs reshaping, each wave's measures as columns)"
                )
            first_row[value] = row_number
    else:
        ids = [str(i) for i in range(1, len(rows) + 1)]

    if columns is None:
        wanted = [name for name in header if name not in (id_column, ROW_NAMES)]
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

    declared = list(dict.fromkeys(factors or []))
    for name in declared:
        if name not in seen:
            available = ", ".join(h for h in header if h != id_column)
            raise InputError(
                f"{path}: `factors` names '{name}', which is not a column (the "
                f"file has: {available})"
            )
        if name == id_column:
            raise InputError(f"{path}: column '{name}' is the id column, not a factor")
    wanted += [name for name in declared if name not in wanted]
    parsed: dict[str, np.ndarray] = {}
    found: dict[str, Factor] = {}
    skipped: dict[str, str] = {}
    for name in wanted:
        cells = [record[seen[name] - 1] for record in rows]
        if name in declared or name in (levels or {}):
            origin, order = (levels or {}).get(name, ("declared", None))
            found[name] = build_factor(name, cells, origin, order)
            continue
        try:
            values = _numeric_column(path, name, cells, lines)
        except InputError as exc:
            if not lenient:
                raise
            skipped[name] = str(exc).removeprefix(f"{path}: ")
            continue
        if values is None:  # every observed cell is text: a categorical column
            found[name] = build_factor(name, cells, "text")
            continue
        parsed[name] = values
    for factor in found.values():
        for column in factor.columns:
            if column in seen:
                raise InputError(
                    f"{path}: column '{column}' has the name of an indicator column of factor "
                    f"'{factor.name}'; rename one of them"
                )

    return ParticipantData(
        path=str(path),
        sha256=hashlib.sha256(raw).hexdigest(),
        header=header,
        id_column=id_column,
        ids=ids,
        lines=lines,
        columns=parsed,
        synthetic=is_demo_bytes(raw) if synthetic is None else synthetic,
        factors={name: found[name] for name in header if name in found},
        skipped=skipped,
    )


def _numeric_column(path: str, name: str, cells: list[str], lines: list[int]) -> np.ndarray | None:
    """A numeric column's values (None for a text column); InputError for a column mixing
    numbers and text, without observed values or without variance."""
    values, text = _parse_numeric(path, name, cells, lines)
    if text is not None:
        return None
    observed = values[~np.isnan(values)]
    if observed.size == 0:
        raise InputError(f"{path}: column '{name}' has no observed values")
    if observed.size > 1 and np.all(observed == observed[0]):
        raise InputError(
            f"{path}: column '{name}' has zero variance (every observed value is {observed[0]:g})"
        )
    return values


def _parse_numeric(
    path: str, name: str, cells: list[str], lines: list[int]
) -> tuple[np.ndarray, str | None]:
    """A column's numbers (nan where missing) or, when every observed cell is text, the first
    text cell; a column mixing numbers and text is refused, naming the first text cell."""
    values = np.empty(len(cells))
    first_text: tuple[int, str] | None = None
    numbers = 0
    for row_number, cell in enumerate(cells, start=1):
        value = _parse_number(cell)
        if value is None:
            first_text = first_text or (row_number, cell)
            values[row_number - 1] = np.nan
            continue
        if math.isinf(value):
            raise InputError(
                f"{path}: value {shown(cell.strip(' '))} in column '{name}', row "
                f"{row_number} (line {lines[row_number - 1]}) is too large for a floating-point "
                "number"
            )
        numbers += not math.isnan(value)
        values[row_number - 1] = value
    if first_text is None:
        return values, None
    row_number, cell = first_text
    if numbers == 0:
        return values, cell
    what = (
        "infinite"
        if cell.strip(" \t").lower().lstrip("+-") in ("inf", "infinity")
        else ("non-numeric")
    )
    raise InputError(
        f"{path}: {what} value {shown(cell.strip(' '))} in column '{name}', row {row_number} "
        f"(line {lines[row_number - 1]}); numbers are written with ASCII digits, an optional "
        f"sign, decimal point and exponent (if '{name}' holds categories, declare it a factor: "
        "`factors`)"
    )
