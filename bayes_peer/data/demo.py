"""The shipped SYNTHETIC demo study and its documented data-generating process.

The real study's data are not public, so the toolkit ships a synthetic data set with the same
design (46 adults, measures at baseline, 12 and 24 months). Nothing in it is a published
number: the generating parameters below are this demo's own assumptions, chosen to follow the
abstract's qualitative pattern (the alliance is unrelated to the number of contacts; moderate
associations with satisfaction and some outcomes at 24 months; weak ones at 12 months).

Generating process
------------------
1. Latent standard-normal variables follow a recursive linear structural model
   ``x_j = sum_k B[j, k] x_k + e_j`` (k before j in :data:`LATENT_ORDER`) with the standardized
   path coefficients of :data:`PATHS`; each residual variance is set so that ``var(x_j) = 1``.
   The implied latent correlation matrix :func:`true_correlations` is exact, and population
   regression coefficients of any variable on any set of others follow from it
   (:func:`true_regression`).
2. Observed scales are affine maps of the latents (:data:`SCALES`: mean, SD, rounding, limits),
   so correlations among them equal the latent ones up to rounding and (rare) clipping. Two
   exceptions, documented: ``contacts_*`` are counts, ``round(exp(log(mean) + 0.45 x))``, and
   ``female`` is an independent Bernoulli(0.5) indicator.
3. Attrition is monotone and missing at random given the baseline recovery score:
   P(drop out before 12 months) = logistic(-2.2 - 0.6 z_rec0), P(drop out before 24 | present
   at 12) = logistic(-2.0 - 0.6 z_rec0); a dropout misses every measure of that wave and later.
   In addition each follow-up cell is missing completely at random with probability 0.02.

The shipped file ``demo_study.csv`` is ``generate_demo(seed=DEMO_SEED)``;
``scripts/make_demo_data.py`` regenerates it byte for byte. The seed was *selected*: it is the
first seed from 20180352 upward whose sample shows the abstract's pattern (criteria in
:func:`shows_abstract_pattern`; ``scripts/make_demo_data.py --search`` repeats the search), so
the shipped sample is a typical-looking illustration, not a random draw. Calibration and
recovery tests therefore simulate fresh data sets with other seeds.
"""

from __future__ import annotations

import hashlib
import io
from importlib import resources

import numpy as np

#: Seed of the shipped demo study.
DEMO_SEED = 20180356
SEARCH_START = 20180352
DEMO_N = 46
DEMO_FILENAME = "demo_study.csv"

#: Latent variables in generation (topological) order.
LATENT_ORDER = (
    "age",
    "empowerment_m0",
    "recovery_m0",
    "qol_m0",
    "alliance_m12",
    "contacts_m12",
    "budget_used_m12",
    "satisfaction_m12",
    "empowerment_m12",
    "recovery_m12",
    "qol_m12",
    "alliance_m24",
    "contacts_m24",
    "budget_used_m24",
    "satisfaction_m24",
    "empowerment_m24",
    "recovery_m24",
    "qol_m24",
)

#: Standardized path coefficients: PATHS[target] = {source: coefficient}. Assumptions of the
#: demo, not estimates from the paper.
PATHS: dict[str, dict[str, float]] = {
    "age": {},
    "empowerment_m0": {},
    "recovery_m0": {"empowerment_m0": 0.5},
    "qol_m0": {"empowerment_m0": 0.3, "recovery_m0": 0.4},
    "alliance_m12": {"recovery_m0": 0.1},
    "contacts_m12": {},  # the alliance is unrelated to the number of contacts
    "budget_used_m12": {"contacts_m12": 0.25, "age": -0.1},
    "satisfaction_m12": {"alliance_m12": 0.2, "budget_used_m12": 0.2},
    "empowerment_m12": {"empowerment_m0": 0.5, "alliance_m12": 0.1, "budget_used_m12": 0.15},
    "recovery_m12": {"recovery_m0": 0.5, "alliance_m12": 0.1, "budget_used_m12": 0.1},
    "qol_m12": {"qol_m0": 0.5, "alliance_m12": 0.05, "budget_used_m12": 0.1},
    "alliance_m24": {"alliance_m12": 0.6},
    "contacts_m24": {"contacts_m12": 0.5},
    "budget_used_m24": {"budget_used_m12": 0.5, "contacts_m24": 0.2},
    "satisfaction_m24": {"satisfaction_m12": 0.3, "alliance_m24": 0.45, "budget_used_m24": 0.15},
    "empowerment_m24": {"empowerment_m12": 0.4, "alliance_m24": 0.4, "budget_used_m24": 0.1},
    "recovery_m24": {"recovery_m12": 0.45, "alliance_m24": 0.35},
    "qol_m24": {"qol_m12": 0.45, "alliance_m24": 0.15},
}

#: Observed scale of each latent: (mean, sd, decimals, lower, upper). Plausible ranges of the
#: instruments named in STUDY.md (WAI-S 1-7, CSQ-8 8-32, empowerment 1-4, RAS 1-5, QoL 1-7).
SCALES: dict[str, tuple[float, float, int, float, float]] = {
    "age": (44.0, 11.0, 0, 18.0, 75.0),
    "alliance": (5.3, 0.9, 2, 1.0, 7.0),
    "satisfaction": (26.0, 3.5, 0, 8.0, 32.0),
    "empowerment": (2.8, 0.35, 2, 1.0, 4.0),
    "recovery": (3.7, 0.55, 2, 1.0, 5.0),
    "qol": (4.6, 0.9, 2, 1.0, 7.0),
    "budget_used": (2400.0, 700.0, 0, 0.0, 6000.0),
}
#: Mean number of contacts with the peer per 12-month period (log-normal count).
CONTACTS_MEAN = 18.0
CONTACTS_LOG_SD = 0.45

#: Column order of the shipped CSV.
COLUMNS = (
    "id",
    "age",
    "female",
    "alliance_m12",
    "alliance_m24",
    "contacts_m12",
    "contacts_m24",
    "budget_used_m12",
    "budget_used_m24",
    "satisfaction_m12",
    "satisfaction_m24",
    "empowerment_m0",
    "empowerment_m12",
    "empowerment_m24",
    "recovery_m0",
    "recovery_m12",
    "recovery_m24",
    "qol_m0",
    "qol_m12",
    "qol_m24",
)

DROPOUT_12 = (-2.2, -0.6)  # logistic intercept and slope on standardized baseline recovery
DROPOUT_24 = (-2.0, -0.6)
SPORADIC_MISSING = 0.02


def path_matrix() -> np.ndarray:
    """B with B[j, k] the path coefficient of latent k on latent j (strictly lower triangular)."""
    index = {name: i for i, name in enumerate(LATENT_ORDER)}
    b = np.zeros((len(LATENT_ORDER), len(LATENT_ORDER)))
    for target, sources in PATHS.items():
        for source, coef in sources.items():
            if index[source] >= index[target]:
                raise ValueError(f"path {source} -> {target} goes against LATENT_ORDER")
            b[index[target], index[source]] = coef
    return b


def residual_variances() -> np.ndarray:
    """Residual variances that give every latent unit variance (ValueError if impossible)."""
    b = path_matrix()
    k = b.shape[0]
    cov = np.zeros((k, k))
    psi = np.zeros(k)
    for j in range(k):
        explained = b[j, :j] @ cov[:j, :j] @ b[j, :j]
        psi[j] = 1.0 - explained
        if psi[j] <= 0:
            raise ValueError(
                f"paths into {LATENT_ORDER[j]} explain {explained:.3f} >= 1 of its variance"
            )
        cov[j, :j] = cov[:j, :j] @ b[j, :j]
        cov[:j, j] = cov[j, :j]
        cov[j, j] = 1.0
    return psi


def true_correlations() -> tuple[list[str], np.ndarray]:
    """Exact latent correlation matrix implied by :data:`PATHS` (the demo's true values)."""
    b = path_matrix()
    psi = residual_variances()
    inv = np.linalg.inv(np.eye(b.shape[0]) - b)
    cov = inv @ np.diag(psi) @ inv.T
    return list(LATENT_ORDER), cov


def true_regression(outcome: str, predictors: list[str]) -> dict[str, float | dict[str, float]]:
    """Population standardized coefficients and R² of ``outcome`` on ``predictors`` (latent scale).

    ``female`` is independent of everything and has coefficient 0 when included.
    """
    names, cov = true_correlations()
    keep = [p for p in predictors if p != "female"]
    ix = [names.index(p) for p in keep]
    iy = names.index(outcome)
    sxx = cov[np.ix_(ix, ix)]
    sxy = cov[ix, iy]
    beta = np.linalg.solve(sxx, sxy)
    coefs = dict(zip(keep, beta.tolist(), strict=True))
    if "female" in predictors:
        coefs["female"] = 0.0
    return {"beta_std": {p: coefs[p] for p in predictors}, "r2": float(sxy @ beta)}


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def simulate_latent(n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw n rows of the latent variables (columns in :data:`LATENT_ORDER`)."""
    b = path_matrix()
    sd = np.sqrt(residual_variances())
    x = np.zeros((n, len(LATENT_ORDER)))
    noise = rng.standard_normal((n, len(LATENT_ORDER)))
    for j in range(len(LATENT_ORDER)):
        x[:, j] = x[:, :j] @ b[j, :j] + sd[j] * noise[:, j]
    return x


def _to_scale(name: str, latent: np.ndarray) -> np.ndarray:
    construct = name.rsplit("_m", 1)[0] if "_m" in name else name
    if construct == "contacts":
        return np.round(np.exp(np.log(CONTACTS_MEAN) + CONTACTS_LOG_SD * latent))
    mean, sd, decimals, lower, upper = SCALES[construct]
    return np.round(np.clip(mean + sd * latent, lower, upper), decimals)


def generate_demo(
    n: int = DEMO_N, seed: int = DEMO_SEED, *, attrition: bool = True
) -> dict[str, np.ndarray]:
    """Simulate one synthetic study from the documented generating process.

    Parameters
    ----------
    n : int
        Number of participants at baseline.
    seed : int
        Seed of numpy's PCG64 generator.
    attrition : bool
        Apply the MAR dropout and sporadic missingness (True for the shipped study).

    Returns
    -------
    dict of str to numpy.ndarray
        Columns of :data:`COLUMNS` (nan = missing); ``id`` holds strings "P01", "P02", ...
    """
    if n < 4:
        raise ValueError(f"n must be at least 4, got {n}")
    rng = np.random.default_rng(seed)
    latent = simulate_latent(n, rng)
    female = rng.binomial(1, 0.5, size=n).astype(float)
    data: dict[str, np.ndarray] = {"id": np.array([f"P{i:02d}" for i in range(1, n + 1)])}
    for j, name in enumerate(LATENT_ORDER):
        data[name] = _to_scale(name, latent[:, j])
    data["female"] = female
    if attrition:
        z_rec0 = latent[:, LATENT_ORDER.index("recovery_m0")]
        u12, u24 = rng.random(n), rng.random(n)
        gone12 = u12 < _logistic(DROPOUT_12[0] + DROPOUT_12[1] * z_rec0)
        gone24 = gone12 | (u24 < _logistic(DROPOUT_24[0] + DROPOUT_24[1] * z_rec0))
        sporadic = rng.random((n, len(COLUMNS)))
        for c, name in enumerate(COLUMNS):
            if name.endswith("_m12"):
                data[name][gone12] = np.nan
            if name.endswith("_m24"):
                data[name][gone24] = np.nan
            if name.endswith(("_m12", "_m24")):
                data[name][sporadic[:, c] < SPORADIC_MISSING] = np.nan
    return {name: data[name] for name in COLUMNS}


def to_csv_text(data: dict[str, np.ndarray]) -> str:
    """Render generated columns as CSV text (blank cell = missing, LF line endings)."""
    out = io.StringIO()
    out.write(",".join(data) + "\n")
    n = len(next(iter(data.values())))
    for i in range(n):
        cells = []
        for values in data.values():
            v = values[i]
            if isinstance(v, str):
                cells.append(v)
            elif np.isnan(v):
                cells.append("")
            elif float(v).is_integer():
                cells.append(str(int(v)))
            else:
                cells.append(f"{v:.2f}")
        out.write(",".join(cells) + "\n")
    return out.getvalue()


def demo_path():
    """Path (importlib Traversable) of the shipped synthetic demo CSV."""
    return resources.files("bayes_peer.data").joinpath(DEMO_FILENAME)


def _demo_sha256() -> str:
    return hashlib.sha256(demo_path().read_bytes()).hexdigest()


def is_demo_bytes(raw: bytes) -> bool:
    """True when ``raw`` is the shipped synthetic demo study (compared by SHA-256)."""
    try:
        return hashlib.sha256(raw).hexdigest() == _demo_sha256()
    except FileNotFoundError:
        return False


def shows_abstract_pattern(data: dict[str, np.ndarray]) -> bool:
    """The selection criteria of :data:`DEMO_SEED` (qualitative pattern of the abstract).

    At 12 months no alliance-outcome correlation has p < .10; at 24 months the alliance-
    satisfaction correlation has p < .05 and one or two of empowerment, recovery and quality
    of life do; the alliance-contacts correlation has |r| < .15 at both waves.
    """
    from scipy.special import stdtr

    from bayes_peer.data.moments import pearson_r

    def test(a: str, b: str) -> tuple[float, float]:
        """r and the two-sided p of Pearson's t test on the pair's complete rows."""
        x, y = data[a], data[b]
        keep = ~(np.isnan(x) | np.isnan(y))
        r, df = pearson_r(x[keep], y[keep]), int(keep.sum()) - 2
        return r, float(2.0 * stdtr(df, -abs(r) * np.sqrt(df / (1.0 - r * r))))

    outcomes = ("satisfaction", "empowerment", "recovery", "qol")
    if any(test("alliance_m12", f"{o}_m12")[1] <= 0.10 for o in outcomes):
        return False
    if test("alliance_m24", "satisfaction_m24")[1] >= 0.05:
        return False
    hits = sum(test("alliance_m24", f"{o}_m24")[1] < 0.05 for o in outcomes[1:])
    if not 1 <= hits <= 2:
        return False
    return all(abs(test(f"alliance_{w}", f"contacts_{w}")[0]) < 0.15 for w in ("m12", "m24"))
