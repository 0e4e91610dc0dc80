"""Informed priors on a correlation, and replication Bayes factors (exact, 1-D quadrature).

**"As in non-peer care."** A published meta-analysis gives the correlation a literature finds;
the question "is the peer alliance tied to outcomes as the alliance is in other therapies?" is
then a comparison of two hypotheses about rho: H_inf, "rho is as in the literature" (a normal
prior on Fisher's z centred on the published correlation, its SD carrying the between-study
heterogeneity), against the default H1, "rho could be anything" (the stretched beta of width
kappa), and both against H0, rho = 0:

* ``bf10_informed`` = p(data | H_inf) / p(data | H0) = E_inf[h(rho)];
* ``bf_informed_default`` = p(data | H_inf) / p(data | H1) = ``bf10_informed`` / BF10;
* the posterior under H_inf (its median and equal-tailed interval, accurate quantiles);
* ``p_similar`` = P(|rho - center| < delta | data, H1): how probable, under the default prior,
  it is that rho lies within delta of the literature's value.

h(rho) is the likelihood ratio of :mod:`bayes_peer.exact.correlation` (the data enter only
through r and n). One-sided variants truncate the prior to rho > 0 or rho < 0 and renormalize
it (so a one-sided informed BF is the truncated prior's).

The default anchor is Flückiger, Del Re, Wampold & Horvath (2018): r = .278, 95% CI [.256,
.299] over 295 studies, with about 2% of the effects negative. On Fisher's z the CI gives the
standard error of the mean effect, se = (atanh .299 - atanh .256) / (2 x 1.96) = 0.0119; the 2%
of negative effects give the between-study SD tau = atanh(.278) / z_.98 = 0.139; the prior is
z ~ N(atanh .278, sqrt(se² + tau²)) = N(0.2855, 0.139²): a new study's correlation as the
literature predicts it (its prediction distribution), not the mean effect alone.

**Replication Bayes factor** (Verhagen & Wagenmakers 2014; Ly, Etz, Marsman & Wagenmakers
2019): given an original study (r0, n0), the posterior of rho after it (under the default prior)
is the prior for the new data:

    bf_rep = p(new | original) / p(new | H0) = BF10(both) / BF10(original),

where BF10(both) multiplies the two studies' likelihood ratios under the default prior (the
evidence-updating identity, tested to 1e-10).

References
----------
Flückiger, C., Del Re, A. C., Wampold, B. E., & Horvath, A. O. (2018). The alliance in adult
psychotherapy: a meta-analytic synthesis. *Psychotherapy*, 55(4), 316-340.
Verhagen, J., & Wagenmakers, E.-J. (2014). Bayesian tests to quantify the result of a
replication attempt. *Journal of Experimental Psychology: General*, 143(4), 1457-1475.
Ly, A., Etz, A., Marsman, M., & Wagenmakers, E.-J. (2019). Replication Bayes factors from
evidence updating. *Behavior Research Methods*, 51, 2498-2508.
Gronau, Q. F., Ly, A., & Wagenmakers, E.-J. (2020). Informed Bayesian t-tests. *The American
Statistician*, 74(2), 137-143.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from scipy.special import log_ndtr, ndtri

from bayes_peer.exact.correlation import (
    Z_LIMIT,
    log_likelihood_ratio_z,
    log_prior_z,
    posterior_grid,
)
from bayes_peer.exact.quadrature import LogGrid, integrate_log

#: The literature's alliance-outcome correlation (Flückiger et al. 2018) and its spread.
FLUCKIGER_R, FLUCKIGER_CI, FLUCKIGER_NEGATIVE = 0.278, (0.256, 0.299), 0.02
#: The default |rho - center| of "similar" (p_similar).
SIMILAR_DELTA = 0.1


@dataclass(frozen=True)
class ZNormalPrior:
    """A normal prior on Fisher's z = atanh(rho): z ~ N(mu, sd²).

    Attributes
    ----------
    mu, sd : float
        Mean and SD on the z scale (sd > 0).
    source : str
        Where it comes from, in words (a literature anchor, or "given").
    """

    mu: float
    sd: float
    source: str = "given"

    @property
    def name(self) -> str:
        return f"znormal({self.mu:.4g},{self.sd:.4g})"

    @property
    def center(self) -> float:
        """The prior's median on the rho scale, tanh(mu)."""
        return math.tanh(self.mu)

    def log_density_z(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        return (
            -0.5 * ((z - self.mu) / self.sd) ** 2
            - math.log(self.sd)
            - 0.5 * math.log(2.0 * math.pi)
        )

    def log_mass(self, alternative: str) -> float:
        """log P(prior) of the half line of a one-sided alternative (0 when two-sided)."""
        if alternative == "greater":
            return float(log_ndtr(self.mu / self.sd))
        if alternative == "less":
            return float(log_ndtr(-self.mu / self.sd))
        return 0.0

    def text(self) -> str:
        """The prior in words, with its width."""
        lo, hi = math.tanh(self.mu - 1.96 * self.sd), math.tanh(self.mu + 1.96 * self.sd)
        return (
            f"informed prior: Fisher's z ~ Normal({self.mu:.4g}, {self.sd:.4g}²), i.e. rho "
            f"centred on {self.center:.3f} with 95% of its mass in [{lo:.3f}, {hi:.3f}] "
            f"({self.source})"
        )


def prior_from_literature(
    r: float,
    ci: tuple[float, float],
    *,
    heterogeneity_sd: float | None = None,
    share_negative: float | None = None,
    ci_prob: float = 0.95,
    source: str = "a published correlation",
) -> ZNormalPrior:
    """The z-normal prior a published correlation with its CI implies for a new study.

    Parameters
    ----------
    r : float
        The published (meta-analytic) correlation.
    ci : (float, float)
        Its confidence interval (``ci_prob``), giving the standard error on Fisher's z.
    heterogeneity_sd : float, optional
        Between-study SD tau on the z scale.
    share_negative : float, optional
        Instead of ``heterogeneity_sd``: the share of negative true effects the meta-analysis
        reports; tau = atanh(r) / z_(1 - share).
    ci_prob : float
        Probability of ``ci``.

    Returns
    -------
    ZNormalPrior
        z ~ N(atanh r, se² + tau²): the literature's prediction for a new study.

    Raises
    ------
    ValueError
        For |r| >= 1, an interval that does not hold r, or a non-positive spread.
    """
    low, high = ci
    if not (-1 < low < r < high < 1):
        raise ValueError(f"the interval [{low}, {high}] must lie in (-1, 1) around r = {r}")
    se = (math.atanh(high) - math.atanh(low)) / (2.0 * float(ndtri(0.5 + ci_prob / 2.0)))
    tau = 0.0
    if heterogeneity_sd is not None and share_negative is not None:
        raise ValueError("give heterogeneity_sd or share_negative, not both")
    if heterogeneity_sd is not None:
        if heterogeneity_sd < 0:
            raise ValueError(f"heterogeneity_sd must be >= 0, got {heterogeneity_sd}")
        tau = float(heterogeneity_sd)
    elif share_negative is not None:
        if not 0 < share_negative < 0.5:
            raise ValueError(f"share_negative must lie in (0, 0.5), got {share_negative}")
        tau = abs(math.atanh(r)) / float(ndtri(1.0 - share_negative))
    return ZNormalPrior(math.atanh(r), math.sqrt(se * se + tau * tau), source)


def fluckiger_2018() -> ZNormalPrior:
    """The alliance-outcome anchor of Flückiger et al. (2018): r = .278 [.256, .299], 2% of
    the effects negative (see the module docstring): z ~ N(0.2855, 0.139²)."""
    return prior_from_literature(
        FLUCKIGER_R,
        FLUCKIGER_CI,
        share_negative=FLUCKIGER_NEGATIVE,
        source="Flückiger et al. 2018: r = .278 [.256, .299], 295 studies, tau from the 2% of "
        "negative effects",
    )


#: Names a user may give instead of numbers.
NAMED_PRIORS = {"flueckiger2018": fluckiger_2018, "fluckiger2018": fluckiger_2018}
_ZNORMAL = re.compile(r"\s*znormal\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)\s*", re.IGNORECASE)


def parse_prior(text: str) -> ZNormalPrior:
    """``znormal(MU,SD)`` (Fisher-z mean and SD) or a named anchor (``flueckiger2018``).

    Raises
    ------
    ValueError
        For another form, numbers outside the grammar, or SD <= 0.
    """
    from bayes_peer.data.grammar import parse_decimal

    if not isinstance(text, str):
        raise ValueError(f"must be a text such as 'znormal(0.2855,0.139)', got {text!r:.40}")
    key = text.strip().lower()
    if key in NAMED_PRIORS:
        return NAMED_PRIORS[key]()
    match = _ZNORMAL.fullmatch(text)
    if not match:
        raise ValueError(f"must be znormal(MU,SD) or flueckiger2018, got {text!r:.60}")
    mu, sd = (parse_decimal(v) for v in match.groups())
    if mu is None or sd is None or not math.isfinite(mu) or not math.isfinite(sd):
        raise ValueError(f"znormal needs two numbers, got {text!r:.60}")
    if sd <= 0:
        raise ValueError(f"the SD of znormal(MU,SD) must be > 0, got {sd:g}")
    if abs(mu) > 5:
        raise ValueError(
            f"the mean of znormal(MU,SD) is on Fisher's z scale; |MU| <= 5 "
            f"(|rho| < 0.9999), got {mu:g}"
        )
    return ZNormalPrior(float(mu), float(sd))


def _limits(alternative: str) -> tuple[float, float]:
    limits = {"greater": (0.0, Z_LIMIT), "less": (-Z_LIMIT, 0.0)}
    return limits.get(alternative, (-Z_LIMIT, Z_LIMIT))


def informed_grid(r: float, n: int, prior: ZNormalPrior, alternative: str) -> LogGrid:
    """The unnormalized posterior of z under the informed prior (on the alternative's half
    line); ``log_integral`` is log BF10_informed minus the prior's log mass there."""

    def log_f(z: np.ndarray) -> np.ndarray:
        return log_likelihood_ratio_z(z, r, int(n)) + prior.log_density_z(z)

    return integrate_log(log_f, *_limits(alternative))


@dataclass(frozen=True)
class InformedResult:
    """The informed-prior keys of one correlation (log scale where a BF)."""

    log_bf10_informed: float
    log_bf_informed_default: float
    informed_median: float
    informed_ci_low: float
    informed_ci_high: float
    p_similar: float
    similar_center: float
    similar_delta: float


def informed_analysis(
    r: float,
    n: int,
    prior: ZNormalPrior,
    *,
    kappa: float = 1.0,
    alternative: str = "two-sided",
    ci_prob: float = 0.95,
    similar_delta: float = SIMILAR_DELTA,
    similar_center: float | None = None,
) -> InformedResult:
    """The informed prior against H0 and against the default prior, the posterior under it,
    and P(|rho - center| < delta | data) under the default prior.

    ``alternative`` applies to all three hypotheses (one-sided: every prior truncated to the
    half line and renormalized); ``similar_center`` defaults to the prior's centre tanh(mu).
    """
    n = int(n)
    grid = informed_grid(r, n, prior, alternative)
    log_bf_informed = grid.log_integral - prior.log_mass(alternative)
    default = posterior_grid(r, n, kappa, alternative)
    log_bf_default = default.log_integral + (0.0 if alternative == "two-sided" else math.log(2))
    tail = (1.0 - ci_prob) / 2.0
    lo, med, hi = np.tanh(grid.accurate_quantile([tail, 0.5, 1.0 - tail]))
    center = prior.center if similar_center is None else float(similar_center)
    edges = np.arctanh(
        np.clip([center - similar_delta, center + similar_delta], -1 + 1e-15, 1 - 1e-15)
    )
    low_cdf, high_cdf = default.accurate_cdf(edges)
    return InformedResult(
        log_bf10_informed=float(log_bf_informed),
        log_bf_informed_default=float(log_bf_informed - log_bf_default),
        informed_median=float(med),
        informed_ci_low=float(lo),
        informed_ci_high=float(hi),
        p_similar=float(high_cdf - low_cdf),
        similar_center=center,
        similar_delta=float(similar_delta),
    )


def log_bf_informed_default(r: float, n: int, prior: ZNormalPrior, kappa: float = 1.0) -> float:
    """log of p(data | informed) / p(data | default of width kappa), two-sided."""
    informed = informed_grid(r, n, prior, "two-sided").log_integral
    return informed - posterior_grid(r, int(n), kappa, "two-sided").log_integral


def log_bf_both(
    r: float, n: int, r0: float, n0: int, kappa: float = 1.0, alternative: str = "two-sided"
) -> float:
    """log BF10 of both studies together under the default prior: the two likelihood ratios
    multiplied (the studies independent given rho)."""

    def log_f(z: np.ndarray) -> np.ndarray:
        return (
            log_likelihood_ratio_z(z, r, int(n))
            + log_likelihood_ratio_z(z, r0, int(n0))
            + log_prior_z(z, kappa)
        )

    shift = 0.0 if alternative == "two-sided" else math.log(2.0)
    return integrate_log(log_f, *_limits(alternative)).log_integral + shift


def log_bf_replication(
    r: float, n: int, r0: float, n0: int, kappa: float = 1.0, alternative: str = "two-sided"
) -> float:
    """log of the replication Bayes factor of (r, n) given the original (r0, n0): the
    original's posterior under the default prior as the prior of the new data,
    ``E_post0[h_new(rho)]``, computed as the integral of h_new against that posterior."""
    original = posterior_grid(r0, int(n0), kappa, alternative)

    def log_f(z: np.ndarray) -> np.ndarray:
        return (
            log_likelihood_ratio_z(z, r, int(n))
            + log_likelihood_ratio_z(z, r0, int(n0))
            + log_prior_z(z, kappa)
            - original.log_integral
        )

    return integrate_log(log_f, *_limits(alternative)).log_integral


def similarity_design(
    rho: float, n: int, prior: ZNormalPrior, kappa: float = 1.0, threshold: float = 3.0
) -> dict:
    """What n can show about "as in the literature": the probability, when the true
    correlation is ``rho``, that the informed-vs-default BF exceeds ``threshold`` (evidence for
    "as in the literature") or falls below its inverse (evidence for "anything"), integrating
    the exact sampling density of r (:func:`bayes_peer.exact.design.r_density_z`)."""
    from bayes_peer.exact.design import r_density_z

    z, dens = r_density_z(rho, int(n))
    keep = dens > dens.max() * 1e-12
    z, dens = z[keep][::4], dens[keep][::4]
    logs = np.array([log_bf_informed_default(math.tanh(v), n, prior, kappa) for v in z])
    weights = dens / dens.sum()
    above = float(weights[logs > math.log(threshold)].sum())
    below = float(weights[logs < -math.log(threshold)].sum())
    return {
        "rho": rho,
        "n": int(n),
        "threshold": threshold,
        "p_bf_gt": above,
        "p_bf_lt_inverse": below,
        "p_inconclusive": 1.0 - above - below,
    }
