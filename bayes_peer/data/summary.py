"""Published summary statistics: n, a correlation matrix and optional means and SDs (TOML).

Example file::

    # Table 2 of the paper (fill in from the publication)
    n = 46
    variables = ["alliance", "satisfaction", "recovery"]
    correlations = [            # lower triangle with the diagonal, or the full matrix
      [1.0],
      [0.35, 1.0],
      [0.28, 0.41, 1.0],
    ]
    means = [5.1, 26.0, 3.7]    # optional
    sds = [1.0, 4.1, 0.6]       # optional
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bayes_peer.data.files import read_toml
from bayes_peer.data.grammar import MAX_NAME_CHARS, unusable_name
from bayes_peer.data.moments import Moments, check_correlation
from bayes_peer.errors import InputError
from bayes_peer.params import check

REQUIRED_KEYS = ("n", "variables", "correlations")
#: Most variables a table may hold.
MAX_VARIABLES = 100
OPTIONAL_KEYS = ("means", "sds", "title", "source", "synthetic", "deletion")
DELETION = ("listwise", "pairwise")
#: Smallest eigenvalue asked of a repaired matrix (strictly positive definite).
REPAIR_EIGEN_MIN = 1e-6

#: Tolerances for symmetry, the unit diagonal and positive semi-definiteness: published
#: matrices are rounded to 2-3 decimals, so exact equality cannot be asked for.
SYMMETRY_TOL = 1e-6
EIGEN_TOL = -1e-10


@dataclass(frozen=True)
class SummaryStatistics:
    """A validated table of summary statistics.

    Attributes
    ----------
    path, sha256 : source file and the hash of its bytes.
    n : int
        Sample size behind every correlation (complete cases).
    variables : list of str
    correlations : numpy.ndarray
        Full symmetric (k, k) correlation matrix.
    means, sds : numpy.ndarray or None
        Optional; without SDs, regression coefficients exist only on the standardized scale.
    synthetic : bool
        True when the file says ``synthetic = true``.
    """

    path: str
    sha256: str
    n: int
    variables: list[str]
    correlations: np.ndarray
    means: np.ndarray | None
    sds: np.ndarray | None
    title: str | None = None
    synthetic: bool = False
    deletion: str = "listwise"
    repair: dict | None = None

    @property
    def warnings(self) -> list[str]:
        """What the user should know about using this table as data."""
        out = []
        if self.deletion == "pairwise":
            out.append(
                "the table says its correlations come from pairwise deletion: such a matrix is "
                "not the summary of any one data set (not a sufficient statistic), so the "
                f"likelihood that treats it as the complete-case summary of n = {self.n} "
                "participants is an approximation"
            )
        if self.repair:
            out.append(
                f"the published matrix is not positive definite; the nearest correlation "
                f"matrix was used (largest change {self.repair['max_abs_change']:.4f}; see "
                "matrix_repair)"
            )
        return out

    # The source protocol (bayes_peer.data.source): what an analysis asks of its data.
    has_rows = False

    @property
    def n_rows(self) -> int:
        """The table's n (a table is taken as its complete cases)."""
        return self.n

    def require(self, names: list[str]) -> None:
        """InputError naming the file unless every name is a variable of the table."""
        for name in names:
            self.index(name)

    def variable_table(self) -> list[dict]:
        """Per-variable observed and missing counts (a table has no missing values)."""
        return [{"name": v, "n_observed": self.n, "n_missing": 0} for v in self.variables]

    def pair(self, a: str, b: str) -> tuple[float, int]:
        """The published r of ``a`` and ``b`` and the table's n (InputError for |r| = 1)."""
        r = float(self.correlations[self.index(a), self.index(b)])
        check_correlation(self.path, a, b, r)
        return r, self.n

    def moments(self, names: list[str], predictors: int) -> Moments:
        """n, correlation matrix, SDs and means (None when not published) of ``names``."""
        idx = [self.index(name) for name in names]
        if self.n <= predictors + 1:
            raise InputError(
                f"{self.path}: n = {self.n} is too small for {predictors} predictors (needs > "
                f"{predictors + 1})"
            )
        return Moments(
            n=self.n,
            n_rows=self.n,
            corr=self.correlations[np.ix_(idx, idx)],
            sds=None if self.sds is None else self.sds[idx],
            means=None if self.means is None else self.means[idx],
            dropped=[],
        )

    def term_columns(self, term: str) -> list[str]:
        """The model columns of a regression term: a table's variable is one column."""
        self.index(term)
        return [term]

    def term_label(self, column: str) -> None:
        """A table has no factors, so no column is a factor's indicator."""
        return None

    def index(self, name: str) -> int:
        """Position of variable ``name``; InputError naming the file if absent."""
        try:
            return self.variables.index(name)
        except ValueError:
            raise InputError(
                f"{self.path}: unknown variable '{name}' (the file has: "
                f"{', '.join(self.variables)})"
            ) from None


def _number_list(path: Path, key: str, value: object, length: int) -> np.ndarray:
    if not isinstance(value, list) or len(value) != length:
        raise InputError(f"{path}: key '{key}' must be a list of {length} numbers")
    out = []
    for i, item in enumerate(value, start=1):
        if isinstance(item, bool) or not isinstance(item, int | float) or not math.isfinite(item):
            raise InputError(f"{path}: key '{key}' entry {i} is not a finite number: {item!r}")
        out.append(float(item))
    return np.array(out)


def _correlation_matrix(path: Path, value: object, k: int) -> np.ndarray:
    if not isinstance(value, list) or len(value) != k:
        raise InputError(
            f"{path}: key 'correlations' must have {k} rows (one per variable), "
            f"got {len(value) if isinstance(value, list) else type(value).__name__}"
        )
    lengths = [len(row) if isinstance(row, list) else -1 for row in value]
    lower = lengths == list(range(1, k + 1))
    full = lengths == [k] * k
    if not (lower or full):
        raise InputError(
            f"{path}: key 'correlations' must be the full {k}x{k} matrix or its lower "
            f"triangle with the diagonal (row lengths 1..{k}); got row lengths {lengths}"
        )
    mat = np.full((k, k), np.nan)
    for i, row in enumerate(value):
        for j, item in enumerate(row):
            if (
                isinstance(item, bool)
                or not isinstance(item, int | float)
                or not math.isfinite(item)
            ):
                raise InputError(
                    f"{path}: key 'correlations' row {i + 1}, column {j + 1} is not a finite "
                    f"number: {item!r}"
                )
            mat[i, j] = float(item)
    if lower:
        mat = np.where(np.isnan(mat), mat.T, mat)
    for i in range(k):
        if abs(mat[i, i] - 1.0) > SYMMETRY_TOL:
            raise InputError(
                f"{path}: key 'correlations' diagonal entry {i + 1} is {mat[i, i]:g}, must be 1"
            )
    for i in range(k):
        for j in range(i + 1):  # lower triangle: positions as written in either layout
            if abs(mat[i, j]) > 1.0:
                raise InputError(
                    f"{path}: key 'correlations' row {i + 1}, column {j + 1} is {mat[i, j]:g}; "
                    "|r| must be <= 1"
                )
    for i in range(k):
        for j in range(k):
            if abs(mat[i, j] - mat[j, i]) > SYMMETRY_TOL:
                raise InputError(
                    f"{path}: key 'correlations' is not symmetric: row {i + 1}, column {j + 1} "
                    f"is {mat[i, j]:g} but row {j + 1}, column {i + 1} is {mat[j, i]:g}"
                )
    mat = 0.5 * (mat + mat.T)
    eigenvalues = np.linalg.eigvalsh(mat)
    if eigenvalues[0] < EIGEN_TOL:
        raise InputError(
            f"{path}: key 'correlations' is not positive semi-definite (smallest eigenvalue "
            f"{eigenvalues[0]:.6g}); no data set has these correlations: check the "
            "transcription, or pass --nearest-correlation to use the nearest correlation matrix "
            "(Higham 2002; common after rounding to two decimals)"
        )
    return mat


def nearest_correlation(corr: np.ndarray, variables: list[str]) -> tuple[np.ndarray, dict]:
    """The nearest positive-definite correlation matrix and how far each entry moved.

    Higham's (2002) alternating projections with Dykstra's correction, between the matrices
    whose eigenvalues are at least :data:`REPAIR_EIGEN_MIN` (so the result is positive
    definite, not merely semi-definite) and the matrices with a unit diagonal; the same answer
    as statsmodels' ``corr_nearest`` (checked in the tests), without its iteration-limit
    warnings.

    References
    ----------
    Higham, N. J. (2002). Computing the nearest correlation matrix: a problem from finance.
    *IMA Journal of Numerical Analysis*, 22(3), 329-343.
    """
    before = float(np.linalg.eigvalsh(corr)[0])
    fixed, correction = corr.copy(), np.zeros_like(corr)
    for _ in range(10_000):
        shifted = fixed - correction
        w, v = np.linalg.eigh(shifted)
        projected = (v * np.maximum(w, REPAIR_EIGEN_MIN)) @ v.T
        correction = projected - shifted
        new = 0.5 * (projected + projected.T)
        np.fill_diagonal(new, 1.0)
        done = np.linalg.norm(new - fixed) < 1e-12
        fixed = new
        if done:
            break
    k = len(variables)
    changes = [
        {
            "var1": variables[i],
            "var2": variables[j],
            "published": float(corr[i, j]),
            "repaired": float(fixed[i, j]),
            "change": float(fixed[i, j] - corr[i, j]),
        }
        for i in range(k)
        for j in range(i + 1, k)
        if abs(fixed[i, j] - corr[i, j]) > 1e-9
    ]
    record = {
        "method": "nearest correlation matrix in the Frobenius norm with eigenvalues >= "
        f"{REPAIR_EIGEN_MIN:g} (Higham 2002, alternating projections)",
        "smallest_eigenvalue_before": before,
        "smallest_eigenvalue_after": float(np.linalg.eigvalsh(fixed)[0]),
        "max_abs_change": max((abs(c["change"]) for c in changes), default=0.0),
        "changes": changes,
    }
    return fixed, record


def read_summary(path: str | Path, *, nearest: bool = False) -> SummaryStatistics:
    """Read and validate a summary-statistics TOML file.

    With ``nearest`` a matrix that is not positive definite is replaced by the nearest
    correlation matrix (:func:`nearest_correlation`, recorded in ``repair``); without it such a
    matrix is refused.

    Raises
    ------
    InputError
        For a missing or unparsable file, missing or unknown keys, wrong shapes, a matrix that
        is not symmetric, has a diagonal other than 1, an |r| > 1 or a negative eigenvalue
        (named), SDs that are not positive, or n <= number of variables + 1.
    """
    path = Path(path)
    raw, doc = read_toml(path, what="summary-statistics table")

    unknown = sorted(set(doc) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        raise InputError(
            f"{path}: unknown key '{unknown[0]}' (allowed: "
            f"{', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)})"
        )
    for key in REQUIRED_KEYS:
        if key not in doc:
            raise InputError(f"{path}: missing required key '{key}'")

    variables = doc["variables"]
    if (
        not isinstance(variables, list)
        or len(variables) < 2
        or not all(isinstance(v, str) and v.strip() for v in variables)
    ):
        raise InputError(f"{path}: key 'variables' must be a list of at least 2 names")
    variables = [v.strip() for v in variables]
    for position, name in enumerate(variables, start=1):
        if unusable_name(name):
            raise InputError(
                f"{path}: key 'variables': name {position} ({name[:40]!a}) contains an invisible "
                f"or control character or is longer than {MAX_NAME_CHARS} characters"
            )
    if len(set(variables)) != len(variables):
        dup = next(v for v in variables if variables.count(v) > 1)
        raise InputError(f"{path}: key 'variables' names '{dup}' twice")
    k = len(variables)

    if k > MAX_VARIABLES:
        raise InputError(f"{path}: key 'variables' names {k} variables; at most {MAX_VARIABLES}")
    n = check("n", doc["n"], f"{path}: key 'n'")
    if n <= k + 1:
        raise InputError(
            f"{path}: key 'n' is {n} but must exceed the number of variables + 1 = {k + 1}"
        )

    repair = None
    if nearest:
        try:
            correlations = _correlation_matrix(path, doc["correlations"], k)
        except InputError as exc:
            if "not positive semi-definite" not in str(exc):
                raise
            raw_matrix = np.array(
                [row + [None] * (k - len(row)) for row in doc["correlations"]], dtype=float
            )
            raw_matrix = np.where(np.isnan(raw_matrix), raw_matrix.T, raw_matrix)
            correlations, repair = nearest_correlation(0.5 * (raw_matrix + raw_matrix.T), variables)
        else:
            if np.linalg.eigvalsh(correlations)[0] < REPAIR_EIGEN_MIN:
                correlations, repair = nearest_correlation(correlations, variables)
    else:
        correlations = _correlation_matrix(path, doc["correlations"], k)
    deletion = doc.get("deletion", "listwise")
    if deletion not in DELETION:
        raise InputError(
            f"{path}: key 'deletion' must be one of {', '.join(DELETION)}, got {deletion!r}"
        )
    means = _number_list(path, "means", doc["means"], k) if "means" in doc else None
    sds = None
    if "sds" in doc:
        sds = _number_list(path, "sds", doc["sds"], k)
        bad = np.flatnonzero(sds <= 0)
        if bad.size:
            raise InputError(
                f"{path}: key 'sds' entry {bad[0] + 1} ('{variables[bad[0]]}') is "
                f"{sds[bad[0]]:g}; SDs must be positive"
            )
    synthetic = doc.get("synthetic", False)
    if not isinstance(synthetic, bool):
        raise InputError(f"{path}: key 'synthetic' must be true or false")
    title = doc.get("title")
    return SummaryStatistics(
        path=str(path),
        sha256=hashlib.sha256(raw).hexdigest(),
        n=n,
        variables=variables,
        correlations=correlations,
        means=means,
        sds=sds,
        title=str(title) if title is not None else None,
        synthetic=synthetic,
        deletion=deletion,
        repair=repair,
    )
