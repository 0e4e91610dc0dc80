"""Validated participant rows: the numeric columns and factors of a participant CSV or a
DataFrame, with the source protocol every analysis asks of its data
(:mod:`bayes_peer.data.source`). Reading and validating the file:
:mod:`bayes_peer.data.participants`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from bayes_peer.data.factors import ORIGINS, Factor
from bayes_peer.data.moments import MIN_PAIRS, Moments, check_correlation, pearson_r
from bayes_peer.errors import InputError


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
    factors : dict of str to Factor
        The categorical columns parsed (text, boolean, pandas categorical or declared; see
        :mod:`bayes_peer.data.factors`), in file order.
    skipped : dict of str to str
        Columns a lenient read left out, and why (empty otherwise).
    """

    path: str
    sha256: str
    header: list[str]
    id_column: str | None
    ids: list[str]
    lines: list[int]
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    synthetic: bool = False
    factors: dict[str, Factor] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

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
        """Columns ``names`` stacked as an (n_rows, len(names)) array with nan for missing;
        a name may be a factor's indicator column (``site[B]``)."""
        return np.column_stack([self._column(name) for name in names])

    def _column(self, name: str) -> np.ndarray:
        if name in self.columns:
            return self.columns[name]
        term = self._indicator_of(name)
        if term is None:
            raise KeyError(name)
        return self.factors[term[0]].indicators()[name]

    def _indicator_of(self, column: str) -> tuple[str, str] | None:
        """(factor, level) of an indicator column, or None."""
        for factor in self.factors.values():
            for level in factor.levels[1:]:
                if factor.column(level) == column:
                    return factor.name, level
        return None

    # Terms: a regression's predictors are terms, a numeric column or a factor.
    def term_columns(self, term: str) -> list[str]:
        """The model columns of a term: the column itself, or a factor's indicator columns.

        Raises
        ------
        InputError
            For an unknown column, or a factor with one level or more than
            :data:`~bayes_peer.data.factors.MAX_LEVELS`.
        """
        if term in self.columns:
            return [term]
        if term in self.factors:
            factor = self.factors[term]
            factor.check_usable(self.path)
            return factor.columns
        self.require([term])
        return [term]

    def term_label(self, column: str) -> dict | None:
        """``{"term", "level", "reference"}`` of a factor's indicator column, else None."""
        found = self._indicator_of(column)
        if found is None:
            return None
        name, level = found
        return {"term": name, "level": level, "reference": self.factors[name].reference}

    def with_references(
        self, reference: dict[str, str] | None, label: str = "`reference`"
    ) -> ParticipantData:
        """The same data with the reference level of some factors set (``{factor: level}``;
        ``label`` names the setting in messages).

        Raises
        ------
        InputError
            For a name that is not a factor, or a level it does not have.
        """
        if not reference:
            return self
        factors = dict(self.factors)
        for name, level in reference.items():
            if name not in factors:
                what = (
                    "a numeric column"
                    if name in self.columns
                    else "not among the columns analysed"
                    if name in self.header
                    else "not a column"
                )
                raise InputError(
                    f"{self.path}: {label} names '{name}', which is {what}, not a factor"
                )
            factors[name] = factors[name].with_reference(str(level), self.path, label)
        return replace(self, factors=factors)

    def factor_table(self) -> list[dict]:
        """Every factor parsed: levels, reference, coding, rows per level, missing cells."""
        return [factor.describe() for factor in self.factors.values()]

    def categorical_note(self, name: str) -> str:
        """Why a factor is not a numeric variable, for messages and warnings."""
        factor = self.factors[name]
        shown_levels = ", ".join(f"'{level}'" for level in factor.levels[:4])
        more = ", ..." if len(factor.levels) > 4 else ""
        return (
            f"column '{name}' is categorical ({ORIGINS[factor.origin]}; levels "
            f"{shown_levels}{more})"
        )

    # The source protocol (bayes_peer.data.source): what an analysis asks of its data.
    has_rows = True

    @property
    def variables(self) -> list[str]:
        """The parsed numeric columns."""
        return list(self.columns)

    def require(self, names: list[str]) -> None:
        """InputError naming the file unless every name is a parsed numeric column."""
        for name in names:
            if name in self.factors:
                raise InputError(
                    f"{self.path}: {self.categorical_note(name)}: correlations and outcomes "
                    "need numeric columns (a categorical column enters a regression or a "
                    "partial correlation as a covariate: `factors`)"
                )
            if name not in self.columns:
                available = ", ".join(h for h in self.header if h != self.id_column)
                raise InputError(
                    f"{self.path}: unknown column '{name}' (the file has: {available})"
                )

    def dropped_rows(self, names: list[str], keep: np.ndarray) -> list[dict]:
        """The rows not in ``keep``, each with the columns among ``names`` it misses (a
        factor's indicator columns by the factor's name)."""
        values = self.matrix(names)
        terms = [(self.term_label(n) or {"term": n})["term"] for n in names]
        return [
            {
                "row": int(i) + 1,
                "line": self.lines[i],
                "id": self.ids[i],
                "missing": list(
                    dict.fromkeys(t for t, v in zip(terms, values[i], strict=True) if np.isnan(v))
                ),
            }
            for i in np.flatnonzero(~keep)
        ]

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
                f"{self.path}: only {n} rows are complete on {', '.join(self._terms(names))}; "
                "a regression "
                f"with {predictors} predictors needs at least {predictors + 2}"
            )
        factors = {label["term"] for name in names if (label := self.term_label(name))}
        for name in factors:
            self.factors[name].check_rows(
                complete, self.path, "complete on " + ", ".join(self._terms(names))
            )
        used = values[complete]
        for j, name in enumerate(names):
            if np.all(used[:, j] == used[0, j]):
                raise InputError(
                    f"{self.path}: column '{name}' has zero variance on the {n} complete rows"
                )
        corr, sds, means = _moments(used)
        return Moments(
            n=n,
            n_rows=self.n_rows,
            corr=corr,
            sds=sds,
            means=means,
            dropped=self.dropped_rows(names, complete),
        )

    def _terms(self, names: list[str]) -> list[str]:
        """Column names with a factor's indicator columns given once, by the factor's name."""
        return list(dict.fromkeys((self.term_label(n) or {"term": n})["term"] for n in names))


def _moments(used: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Correlation matrix, SDs and means of the columns of ``used``; columns so large (1e300)
    or small (1e-300) that their sums of squares overflow or underflow are rescaled by their
    largest magnitude first (ordinary data take the direct route, bit for bit)."""
    with np.errstate(all="ignore"):
        corr = np.corrcoef(used, rowvar=False)
        sds, means = used.std(axis=0, ddof=1), used.mean(axis=0)
    tiny = np.finfo(float).tiny
    if np.isfinite(corr).all() and np.isfinite(sds).all() and (sds**2 > tiny).all():
        return corr, sds, means
    scale = np.abs(used).max(axis=0)
    scaled = used / scale
    corr = np.corrcoef(scaled, rowvar=False)
    return corr, scaled.std(axis=0, ddof=1) * scale, scaled.mean(axis=0) * scale
