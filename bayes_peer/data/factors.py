"""Categorical columns (factors): levels, the reference level and treatment (dummy) coding.

A factor with k levels enters a regression as one *term* of k - 1 indicator columns, one per
level other than the reference (treatment coding, R's ``contr.treatment``): each coefficient
is the difference between that level and the reference, other terms held fixed. The columns
are named ``<factor>[<level>]``.

Which columns are factors:

* a column every observed cell of which is text (not a number in the number grammar of
  :mod:`bayes_peer.data.grammar`): ``f``/``m``, ``site A``, ``TRUE``/``FALSE``;
* a pandas ``bool`` or ``category`` column of a DataFrame;
* a column of numeric codes (1/2) only when declared (``factors=[...]``, ``--factor``, a
  spec's ``factors = [...]``).

A column that mixes numbers and text is neither: it is refused, naming the first cell that is
not a number, since it is more often a typing error than a set of categories.

The reference level is the first level in sorted order (numbers numerically, text by code
point), ``False`` for a boolean and the first category of a pandas categorical (its own
order, as R's factor levels), unless it is set (``reference={"site": "B"}``, ``--reference
site=B``, a spec's ``reference = {site = "B"}``). The coding changes which differences the
coefficients show, never the fit: R², ΔR², the F-change test and the JZS Bayes factors (which
are invariant to a linear recoding of a block's columns) are the same for every reference.

Blank, ``NA``, ``NaN``, ``N/A`` and ``.`` are missing in a factor as in a number; a row missing a
factor that a model uses is left out of it (and listed), as for any other missing value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayes_peer.data.grammar import MISSING_TOKENS, parse_decimal
from bayes_peer.errors import InputError

#: Most levels of a factor (a column with more is an identifier or free text, not categories).
MAX_LEVELS = 20
#: Fewest rows of every level among the rows a model uses (one row per level leaves its
#: coefficient without any residual information).
MIN_LEVEL_ROWS = 2

#: How a column came to be a factor, as records and reports say it.
ORIGINS = {
    "text": "text column",
    "boolean": "boolean column",
    "category": "pandas categorical",
    "declared": "declared factor",
}


def sort_levels(levels) -> list[str]:
    """Levels in sorted order: numerically when every level is a number, else by code point."""
    levels = list(levels)
    if levels and all(parse_decimal(level) is not None for level in levels):
        return sorted(levels, key=lambda level: (float(level), level))
    return sorted(levels)


def is_missing(cell: str) -> bool:
    """True for the missing tokens of the number grammar (after stripping spaces and tabs)."""
    return cell.strip(" \t").lower() in MISSING_TOKENS


@dataclass(frozen=True)
class Factor:
    """A categorical column: its levels (the reference first) and each row's level.

    Attributes
    ----------
    name : str
        The column's name.
    levels : tuple of str
        Every level observed, the reference first, then the others in order.
    codes : numpy.ndarray
        Per data row, the index of its level in ``levels`` (-1 where missing).
    origin : str
        "text", "boolean", "category" or "declared" (see :data:`ORIGINS`).
    """

    name: str
    levels: tuple[str, ...]
    codes: np.ndarray
    origin: str

    @property
    def reference(self) -> str:
        """The reference level (the coefficients are differences from it)."""
        return self.levels[0]

    @property
    def columns(self) -> list[str]:
        """The indicator columns of the treatment coding, one per non-reference level."""
        return [self.column(level) for level in self.levels[1:]]

    def column(self, level: str) -> str:
        """The name of a level's indicator column: ``<factor>[<level>]``."""
        return f"{self.name}[{level}]"

    def indicators(self) -> dict[str, np.ndarray]:
        """The indicator columns: 1.0 at the level's rows, 0.0 elsewhere, nan where missing."""
        missing = self.codes < 0
        out = {}
        for index, level in enumerate(self.levels[1:], start=1):
            values = (self.codes == index).astype(float)
            values[missing] = np.nan
            out[self.column(level)] = values
        return out

    def counts(self, rows: np.ndarray | None = None) -> dict[str, int]:
        """Rows per level (among ``rows``, a boolean mask, when given)."""
        codes = self.codes if rows is None else self.codes[rows]
        return {level: int(np.sum(codes == i)) for i, level in enumerate(self.levels)}

    @property
    def n_missing(self) -> int:
        return int(np.sum(self.codes < 0))

    def with_reference(self, reference: str, source: str, label: str = "`reference`") -> Factor:
        """The same factor with ``reference`` as its reference level (``label`` names the
        setting in messages).

        Raises
        ------
        InputError
            If ``reference`` is not one of the levels.
        """
        if reference not in self.levels:
            raise InputError(
                f"{source}: {label}: '{reference}' is not a level of factor '{self.name}' (levels: "
                f"{', '.join(self.levels)})"
            )
        order = [reference, *(level for level in self.levels if level != reference)]
        remap = np.array([order.index(level) for level in self.levels])
        codes = np.where(self.codes < 0, -1, remap[np.maximum(self.codes, 0)])
        return Factor(self.name, tuple(order), codes, self.origin)

    def check_usable(self, source: str) -> None:
        """InputError unless the factor has between 2 and :data:`MAX_LEVELS` levels."""
        if len(self.levels) < 2:
            only = f" ('{self.levels[0]}')" if self.levels else ""
            raise InputError(
                f"{source}: factor '{self.name}' has {len(self.levels)} level{only}; a factor "
                "needs at least two"
            )
        if len(self.levels) > MAX_LEVELS:
            raise InputError(
                f"{source}: column '{self.name}' has {len(self.levels)} distinct values; a factor "
                f"takes at most {MAX_LEVELS} levels (is it an identifier, free text, or a "
                "numeric column with text in it?)"
            )

    def check_rows(self, rows: np.ndarray, source: str, used: str) -> None:
        """InputError when a level has fewer than :data:`MIN_LEVEL_ROWS` rows among ``rows``."""
        for level, count in self.counts(rows).items():
            if count < MIN_LEVEL_ROWS:
                raise InputError(
                    f"{source}: factor '{self.name}': level '{level}' has {count} row"
                    f"{'' if count == 1 else 's'} among the {int(rows.sum())} rows {used}; "
                    f"every level needs at least {MIN_LEVEL_ROWS} (merge or drop the level)"
                )

    def describe(self) -> dict:
        """The record of the factor: levels, reference, coding, counts and missing cells."""
        return {
            "name": self.name,
            "origin": self.origin,
            "levels": list(self.levels),
            "reference": self.reference,
            "coding": "treatment",
            "columns": self.columns,
            "counts": self.counts(),
            "n_missing": self.n_missing,
        }


def build_factor(
    name: str, cells: list[str], origin: str, order: list[str] | None = None
) -> Factor:
    """A factor from a column's cells (stripped; missing tokens are missing).

    ``order`` gives the levels' order (a pandas categorical's categories, or False/True for a
    boolean); otherwise :func:`sort_levels`. Levels in ``order`` that no row has are dropped.
    """
    values = [cell.strip(" \t") for cell in cells]
    present = {v for v in values if not is_missing(v)}
    if order is not None:
        levels = [level for level in order if level in present]
        levels += sort_levels(present - set(levels))
    else:
        levels = sort_levels(present)
    index = {level: i for i, level in enumerate(levels)}
    codes = np.array([-1 if is_missing(v) else index[v] for v in values], dtype=int)
    return Factor(name=name, levels=tuple(levels), codes=codes, origin=origin)
