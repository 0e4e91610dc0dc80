"""What a study of n participants can show: Bayes factor design analysis and retrodesign.

Because BF10 of the exact correlation test is an increasing function of |r| for fixed n and
prior width, every design probability is a probability about |r|:
P(BF10 > 3) = P(|r| > r_3), P(BF10 < 1/3) = P(|r| < r_1/3), and the median BF10 is BF10 at
the median of |r|. These are computed by integrating the exact sampling density of r
(Fisher 1915; Hotelling 1953) -- no simulation, hence no Monte Carlo error. A simulation
(bivariate normal samples with a seed) is available as a check.

References
----------
Schönbrodt, F. D., & Wagenmakers, E.-J. (2018). Bayes factor design analysis: planning for
compelling evidence. *Psychonomic Bulletin & Review*, 25, 128-142.
Gelman, A., & Carlin, J. (2014). Beyond power calculations: assessing type S (sign) and type M
(magnitude) errors. *Perspectives on Psychological Science*, 9(6), 641-651.
Hotelling, H. (1953). New light on the correlation coefficient and its transforms. *JRSS B*,
15(2), 193-232.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy.special import betaln, ndtr, ndtri

from bayes_peer.exact.correlation import posterior_grid

#: Fisher-z grid for the sampling density of r.
_Z = np.linspace(-8.0, 8.0, 6401)


def log_bf10(r: float, n: int, kappa: float = 1.0) -> float:
    """Two-sided log BF10 of the exact correlation test (closed form, quadrature fallback)."""
    from bayes_peer.exact.correlation import log_bf10_closed_form

    return log_bf10_closed_form(r, n, kappa)


def max_bf01(n: int, kappa: float = 1.0) -> float:
    """Largest attainable BF01 at n (at r = 0): the most evidence for rho = 0 n can give."""
    return math.exp(-log_bf10(0.0, n, kappa))


def r_for_bf10(target: float, n: int, kappa: float = 1.0) -> float | None:
    """The |r| at which BF10 reaches ``target`` (None if it never does in [0, 1))."""
    goal = math.log(target)
    f = lambda r: log_bf10(r, n, kappa) - goal  # noqa: E731
    lo, hi = 0.0, 1.0 - 1e-12
    if f(lo) >= 0:
        return 0.0
    if f(hi) < 0:
        return None
    return float(optimize.brentq(f, lo, hi, xtol=1e-12))


def r_density_z(rho: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact sampling density of z_r = atanh(r) given rho, on a fixed grid (normalized).

    Hotelling's (1953) form: f(r | rho) ∝ (1 - r²)^((n-4)/2) (1 - rho r)^(3/2 - n)
    2F1(1/2, 1/2; n - 1/2; (1 + rho r)/2), the factors free of r dropping out in the
    normalization (the same density as :func:`~bayes_peer.exact.correlation.log_likelihood_ratio_z`
    read as a function of r).
    """
    from bayes_peer.exact.correlation import _log_hyp2f1_half

    r = np.tanh(_Z)
    log_1m_r2 = -2.0 * (np.abs(_Z) + np.log1p(np.exp(-2.0 * np.abs(_Z))) - math.log(2.0))
    log_dens = (
        0.5 * (n - 4) * log_1m_r2
        - (n - 1.5) * np.log1p(-rho * r)
        + _log_hyp2f1_half(n - 0.5, 0.5 * (1.0 + rho * r))
        + log_1m_r2  # dr/dz = 1 - r²
    )
    dens = np.exp(log_dens - log_dens.max())
    dens /= np.trapezoid(dens, _Z)
    return _Z, dens


def _abs_r_cdf(rho: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """CDF of |r| on a grid of |r| values in [0, 1)."""
    z, dens = r_density_z(rho, n)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(z))])
    cdf /= cdf[-1]
    a = np.tanh(np.linspace(0.0, 8.0, 3201))
    za = np.arctanh(a)
    p_abs = np.interp(za, z, cdf) - np.interp(-za, z, cdf)
    return a, np.clip(p_abs, 0.0, 1.0)


@dataclass(frozen=True)
class DesignResult:
    """Design probabilities for one n and an assumed rho (or a prior on rho)."""

    n: int
    kappa: float
    p_bf10_gt_3: float
    p_bf10_gt_10: float
    p_bf10_lt_third: float
    p_inconclusive: float
    median_bf10: float
    log_median_bf10: float
    max_bf01: float
    r_for_bf10_3: float | None
    r_for_bf10_10: float | None


def _probabilities(a: np.ndarray, cdf: np.ndarray, r3, r10, r_third):
    """P(BF10 > 3), P(BF10 > 10), P(BF10 < 1/3) and the median |r| from a CDF of |r|."""
    at = lambda x: float(np.interp(x, a, cdf)) if x is not None else 1.0  # noqa: E731
    p_third = at(r_third) if r_third is not None else 0.0
    return 1.0 - at(r3), 1.0 - at(r10), p_third, float(np.interp(0.5, cdf, a))


def design_analysis(
    n: int,
    rho: float | None = None,
    kappa: float = 1.0,
    rho_beta: tuple[float, float] | None = None,
) -> DesignResult:
    """Bayes factor design analysis at n for a point rho or a stretched Beta prior on rho.

    Parameters
    ----------
    n : int
        Sample size (>= 4).
    rho : float, optional
        Assumed true correlation.
    kappa : float
        Width of the analysis prior (stretched beta), as in the test that will be run.
    rho_beta : (a, b), optional
        Design prior instead of a point: rho = 2B - 1 with B ~ Beta(a, b); probabilities are
        averaged over it by Gauss-Legendre quadrature.
    """
    if (rho is None) == (rho_beta is None):
        raise ValueError("give either rho or rho_beta")
    r3, r10 = r_for_bf10(3.0, n, kappa), r_for_bf10(10.0, n, kappa)
    r_third = r_for_bf10(1.0 / 3.0, n, kappa)
    if rho is not None:
        a_grid, cdf = _abs_r_cdf(rho, n)
    else:
        # every probability is linear in the CDF of |r|: average the CDFs over the design prior
        a, b = rho_beta
        nodes, weights = np.polynomial.legendre.leggauss(64)
        beta_x = 0.5 * (nodes + 1.0)
        log_w = (a - 1) * np.log(beta_x) + (b - 1) * np.log1p(-beta_x) - betaln(a, b)
        w = weights * 0.5 * np.exp(log_w)
        w /= w.sum()
        grids = [_abs_r_cdf(2 * x - 1, n) for x in beta_x]
        a_grid = grids[0][0]
        cdf = sum(wi * g[1] for wi, g in zip(w, grids, strict=True))
    p3, p10, p_third, med_abs = _probabilities(a_grid, cdf, r3, r10, r_third)
    log_median_bf = log_bf10(min(med_abs, 1 - 1e-12), n, kappa)
    median_bf = math.exp(log_median_bf) if log_median_bf < 709.7 else math.inf  # float64 max
    return DesignResult(
        n=n,
        kappa=kappa,
        p_bf10_gt_3=float(p3),
        p_bf10_gt_10=float(p10),
        p_bf10_lt_third=float(p_third),
        p_inconclusive=float(1.0 - p3 - p_third),
        median_bf10=median_bf,
        log_median_bf10=log_median_bf,
        max_bf01=max_bf01(n, kappa),
        r_for_bf10_3=r3,
        r_for_bf10_10=r10,
    )


def simulate_design(
    n: int, rho: float, kappa: float = 1.0, sims: int = 2000, seed: int = 1
) -> dict[str, float]:
    """The same probabilities by simulating bivariate normal samples (a check; seeded)."""
    from bayes_peer.exact.correlation_grid import log_bf10_and_median_many

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((sims, n))
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((sims, n))
    xc = x - x.mean(axis=1, keepdims=True)
    yc = y - y.mean(axis=1, keepdims=True)
    r = (xc * yc).sum(1) / np.sqrt((xc**2).sum(1) * (yc**2).sum(1))
    log_bf, _ = log_bf10_and_median_many(r, n, kappa)
    bf = np.exp(log_bf)
    return {
        "p_bf10_gt_3": float(np.mean(bf > 3)),
        "p_bf10_gt_10": float(np.mean(bf > 10)),
        "p_bf10_lt_third": float(np.mean(bf < 1 / 3)),
        "p_inconclusive": float(np.mean((bf >= 1 / 3) & (bf <= 3))),
        "median_bf10": float(np.median(bf)),
    }


def n_for_target(
    target: float,
    rho: float | None = None,
    kappa: float = 1.0,
    rho_beta: tuple[float, float] | None = None,
    bf_threshold: float = 3.0,
    n_max: int = 20_000,
) -> int | None:
    """Smallest n with P(BF10 > bf_threshold) >= ``target`` (None beyond ``n_max``).

    P(BF10 > 3) is not exactly monotone in n for a point rho near 0, so the search brackets by
    doubling and then bisects; the n returned meets the target.
    """
    if not 0 < target < 1:
        raise ValueError(f"target probability must lie in (0, 1), got {target}")
    if rho_beta is not None:
        a, b = rho_beta
        nodes, weights = np.polynomial.legendre.leggauss(32)
        x = 0.5 * (nodes + 1.0)
        w = weights * np.exp((a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - betaln(a, b))
        rhos, w = 2 * x - 1, w / w.sum()
    else:
        rhos, w = np.array([rho]), np.array([1.0])

    def prob(n: int) -> float:
        r_star = r_for_bf10(bf_threshold, n, kappa)
        if r_star is None:
            return 0.0
        total = 0.0
        for rho_i, w_i in zip(rhos, w, strict=True):
            a_grid, cdf = _abs_r_cdf(float(rho_i), n)
            total += w_i * (1.0 - float(np.interp(r_star, a_grid, cdf)))
        return total

    lo, hi = 4, 8
    while prob(hi) < target:
        lo, hi = hi, hi * 2
        if hi > n_max:
            return None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if prob(mid) >= target:
            hi = mid
        else:
            lo = mid
    return hi


@dataclass(frozen=True)
class Retrodesign:
    """Power, type S error rate and exaggeration ratio of a significance test."""

    effect: float
    se: float
    alpha: float
    power: float
    type_s: float
    exaggeration: float


def retrodesign(effect: float, se: float, alpha: float = 0.05) -> Retrodesign:
    """Gelman & Carlin's (2014) retrodesign by exact normal integrals (no simulation).

    With estimate ~ Normal(effect, se) and significance |estimate| > z se (z = Phi^-1(1 -
    alpha/2)): power = P(significant); type S = P(wrong sign | significant); exaggeration =
    E[|estimate| | significant] / |effect|.

    Examples
    --------
    >>> res = retrodesign(0.1, 3.28)
    >>> round(res.power, 4), round(res.type_s, 4), round(res.exaggeration, 2)
    (0.0501, 0.4644, 76.69)
    """
    if se <= 0 or not math.isfinite(se):
        raise ValueError(f"se must be a positive number, got {se}")
    if effect == 0 or not math.isfinite(effect):
        raise ValueError(f"effect must be a non-zero number, got {effect}")
    a = abs(effect)
    z = float(ndtri(1 - alpha / 2))
    lam = a / se
    p_hi = 1 - float(ndtr(z - lam))
    p_lo = float(ndtr(-z - lam))
    power = p_hi + p_lo
    phi = lambda x: math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)  # noqa: E731
    upper = a * p_hi + se * phi(z - lam)  # E[X; X > z se]
    lower = se * phi(-z - lam) - a * p_lo  # E[-X; X < -z se]
    return Retrodesign(
        effect=effect,
        se=se,
        alpha=alpha,
        power=power,
        type_s=p_lo / power,
        exaggeration=(upper + lower) / power / a,
    )


def robustness_curve(
    r: float,
    n: int,
    alternative: str = "two-sided",
    kappas: np.ndarray | None = None,
    kendall: bool = False,
) -> tuple[list[dict], float, float]:
    """BF of ``alternative`` over prior widths, and its maximum over kappa in (0, 2].

    The grid holds 1/3, 1/2, 1, 3/2 and 2 exactly; the maximum is found by a bounded 1-D
    optimiser on log kappa (started from the best grid point), not read off the grid. With
    ``kendall`` ``r`` is Kendall's tau and the BFs those of :mod:`bayes_peer.exact.kendall`.
    """
    shift = 0.0 if alternative == "two-sided" else math.log(2.0)  # one-sided prior doubled
    if kendall:
        from bayes_peer.exact.kendall import posterior_grid as kendall_grid

    def log_bf(kappa: float) -> float:
        grid = (kendall_grid if kendall else posterior_grid)(r, n, kappa, alternative)
        return grid.log_integral + shift

    if kappas is None:
        kappas = np.unique(np.concatenate([np.linspace(0.02, 2.0, 100), [1 / 3, 0.5, 1, 1.5, 2]]))
    if alternative == "two-sided" and not kendall:  # one likelihood evaluation for the grid
        from bayes_peer.exact.correlation_grid import log_bf10_over_kappa

        values = log_bf10_over_kappa(r, n, kappas)
    else:
        values = [log_bf(float(k)) for k in kappas]
    curve = [{"kappa": float(k), "log_bf10": float(v)} for k, v in zip(kappas, values, strict=True)]
    best = max(range(len(curve)), key=lambda i: curve[i]["log_bf10"])
    f = lambda lk: -log_bf(math.exp(lk))  # noqa: E731
    lo = math.log(curve[max(best - 1, 0)]["kappa"]) if best > 0 else math.log(1e-4)
    hi = math.log(curve[min(best + 1, len(curve) - 1)]["kappa"])
    res = optimize.minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": 1e-8})
    k_star, log_max = math.exp(res.x), -res.fun
    if curve[best]["log_bf10"] > log_max:  # the optimiser can only improve on the grid
        k_star, log_max = curve[best]["kappa"], curve[best]["log_bf10"]
    return curve, log_max, k_star
