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
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bayes_peer.errors import InputError

REQUIRED_KEYS = ("n", "variables", "correlations")
OPTIONAL_KEYS = ("means", "sds", "title", "source", "synthetic")

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
            f"{eigenvalues[0]:.6g}); no data set has these correlations, check the transcription"
        )
    return mat


def read_summary(path: str | Path) -> SummaryStatistics:
    """Read and validate a summary-statistics TOML file.

    Raises
    ------
    InputError
        For a missing or unparsable file, missing or unknown keys, wrong shapes, a matrix that
        is not symmetric, has a diagonal other than 1, an |r| > 1 or a negative eigenvalue
        (named), SDs that are not positive, or n <= number of variables + 1.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror})") from None
    if not raw.strip():
        raise InputError(f"{path}: the file is empty")
    try:
        doc = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None

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
    if len(set(variables)) != len(variables):
        dup = next(v for v in variables if variables.count(v) > 1)
        raise InputError(f"{path}: key 'variables' names '{dup}' twice")
    k = len(variables)

    n = doc["n"]
    if isinstance(n, bool) or not isinstance(n, int):
        raise InputError(f"{path}: key 'n' must be a whole number, got {n!r}")
    if n <= k + 1:
        raise InputError(
            f"{path}: key 'n' is {n} but must exceed the number of variables + 1 = {k + 1}"
        )

    correlations = _correlation_matrix(path, doc["correlations"], k)
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
    )
