"""The paper's fourth claim as analyses: informed priors ("as in non-peer care") and
replication Bayes factors, added to the correlation records of every analysis that computes
them (exact, partial, MCMC, runs).

The numbers come from :mod:`bayes_peer.exact.informed`; here the options are checked (messages
name parameters) and turned into the JSON contract's keys of each pair: ``bf10_informed``,
``bf_informed_default``, ``p_similar``, ``similar_center``, ``similar_delta``,
``informed_median``, ``informed_ci_low``, ``informed_ci_high`` (with an informed prior) and
``bf_rep`` (with an original study), each Bayes factor with its ``log_`` companion.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bayes_peer.analyses.sensitivity_exact import evidence_category
from bayes_peer.errors import InputError
from bayes_peer.exact.informed import (
    SIMILAR_DELTA,
    ZNormalPrior,
    informed_analysis,
    log_bf_replication,
    parse_prior,
)
from bayes_peer.numbers import bf_from_log
from bayes_peer.params import check


@dataclass(frozen=True)
class InformedOptions:
    """Checked informed-prior and replication options of one analysis."""

    prior: ZNormalPrior | None = None
    similar_delta: float = SIMILAR_DELTA
    similar_center: float | None = None
    replication_of: tuple[float, int] | None = None

    @property
    def active(self) -> bool:
        return self.prior is not None or self.replication_of is not None

    def record_keys(self) -> dict:
        """The top-level keys that state the informed prior and the original study."""
        out: dict = {}
        if self.prior is not None:
            out["prior_informed"] = self.prior.text()
            out["prior_informed_name"] = self.prior.name
        if self.replication_of is not None:
            r0, n0 = self.replication_of
            out["replication_of"] = {"r": r0, "n": n0}
            out["prior_replication"] = (
                f"replication BF: the posterior of rho after the original study (r = {r0:g}, "
                f"n = {n0}) under the default prior is the prior of these data (Ly et al. "
                "2019)"
            )
        return out


def check_informed(
    prior_rho=None,
    similar_delta=None,
    similar_center=None,
    replication_of=None,
) -> InformedOptions:
    """The informed-prior options, each checked (InputError naming the parameter)."""
    prior = None
    if prior_rho is not None:
        if isinstance(prior_rho, ZNormalPrior):
            prior = prior_rho
        else:
            try:
                prior = parse_prior(prior_rho)
            except ValueError as exc:
                raise InputError(f"`prior_rho`: {exc}") from None
    if (similar_delta is not None or similar_center is not None) and prior is None:
        raise InputError(
            "`similar_delta` and `similar_center` go with `prior_rho` (the "
            "literature's correlation)"
        )
    delta = (
        SIMILAR_DELTA
        if similar_delta is None
        else check("similar_delta", similar_delta, "`similar_delta`")
    )
    center = None if similar_center is None else check("r", similar_center, "`similar_center`")
    original = None
    if replication_of is not None:
        if not isinstance(replication_of, tuple | list) or len(replication_of) != 2:
            raise InputError(
                f"`replication_of` must be (r0, n0) of the original study, got "
                f"{replication_of!r:.60}"
            )
        r0 = check("r", replication_of[0], "`replication_of` r0")
        n0 = check("n", replication_of[1], "`replication_of` n0")
        original = (float(r0), int(n0))
    return InformedOptions(prior, float(delta), center, original)


_NORMAL = re.compile(r"\s*normal\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)\s*", re.IGNORECASE)


def parse_normal(text: str) -> tuple[float, float]:
    """``"normal(MU, SD)"`` -> (mu, sd), sd > 0 (``ValueError`` otherwise)."""
    match = _NORMAL.fullmatch(str(text))
    if match is None:
        raise ValueError(f"unknown prior {str(text)!r:.60}; expected normal(MU,SD)")
    try:
        mu, sd = float(match.group(1)), float(match.group(2))
    except ValueError:
        raise ValueError(f"normal(MU,SD) needs two numbers, got {text!r:.60}") from None
    if not (math.isfinite(mu) and math.isfinite(sd)) or sd <= 0:
        raise ValueError(f"normal(MU,SD) needs a finite MU and SD > 0, got {text!r:.60}")
    return mu, sd


def check_coefficient_priors(priors) -> dict[str, tuple[float, float]]:
    """``{term: "normal(MU,SD)"}`` -> ``{term: (mu, sd)}`` (InputError naming the term)."""
    if not isinstance(priors, dict) or not priors:
        raise InputError(
            "`prior_coefficient` must map a term to 'normal(MU,SD)', e.g. "
            "{'alliance_m24': 'normal(0.278,0.14)'}"
        )
    out = {}
    for term, text in priors.items():
        if isinstance(text, tuple | list) and len(text) == 2:
            text = f"normal({text[0]},{text[1]})"
        try:
            out[str(term)] = parse_normal(text)
        except ValueError as exc:
            raise InputError(f"`prior_coefficient` '{term}': {exc}") from None
    return out


def add_informed_keys(pairs: list[dict], options: InformedOptions) -> None:
    """Add the informed-prior and replication keys to every pair record (in place): each
    pair's r and n (``n_effective`` for a partial correlation), width and alternative."""
    if not options.active:
        return
    for pair in pairs:
        r, n = pair["r"], int(pair.get("n_effective") or pair["n"])
        kappa, alternative = pair["kappa"], pair.get("alternative", "two-sided")
        if options.prior is not None:
            result = informed_analysis(
                r,
                n,
                options.prior,
                kappa=kappa,
                alternative=alternative,
                ci_prob=pair.get("ci_prob", 0.95),
                similar_delta=options.similar_delta,
                similar_center=options.similar_center,
            )
            pair.update(
                bf10_informed=bf_from_log(result.log_bf10_informed),
                log_bf10_informed=result.log_bf10_informed,
                bf_informed_default=bf_from_log(result.log_bf_informed_default),
                log_bf_informed_default=result.log_bf_informed_default,
                informed_median=result.informed_median,
                informed_ci_low=result.informed_ci_low,
                informed_ci_high=result.informed_ci_high,
                p_similar=result.p_similar,
                similar_center=result.similar_center,
                similar_delta=result.similar_delta,
                informed_prior_mu=options.prior.mu,
                informed_prior_sd=options.prior.sd,
            )
        if options.replication_of is not None:
            r0, n0 = options.replication_of
            log_rep = log_bf_replication(r, n, r0, n0, kappa, alternative)
            pair.update(bf_rep=bf_from_log(log_rep), log_bf_rep=log_rep)


def wave_replication(contrasts: list[dict], pairs: list[dict]) -> None:
    """What each wave's correlation says about the other's (in place, on the contrasts):
    ``bf_rep_b_given_a`` treats wave a as the original study of wave b, ``bf_rep_a_given_b``
    the reverse (the same participants at both waves make them dependent: a description of
    how the evidence of one wave bears on the other, not a test of independent studies).
    Two-sided, as the contrasts; a partial correlation uses its effective n."""
    by_pair = {(p.get("construct1"), p.get("construct2"), p.get("wave")): p for p in pairs}
    for row in contrasts:
        c1, c2 = row["var1"], row["var2"]  # the contrast's constructs
        first = by_pair.get((c1, c2, row.get("wave_a")))
        second = by_pair.get((c1, c2, row.get("wave_b")))
        if first is None or second is None:
            continue
        kappa = first["kappa"]
        n_a = int(first.get("n_effective") or first["n"])
        n_b = int(second.get("n_effective") or second["n"])
        b_given_a = log_bf_replication(second["r"], n_b, first["r"], n_a, kappa)
        a_given_b = log_bf_replication(first["r"], n_a, second["r"], n_b, kappa)
        row.update(
            bf_rep_b_given_a=bf_from_log(b_given_a),
            log_bf_rep_b_given_a=b_given_a,
            bf_rep_a_given_b=bf_from_log(a_given_b),
            log_bf_rep_a_given_b=a_given_b,
        )


def replication_reading(bf_rep: float | None, original: str, new: str) -> str:
    """In words: what the original's result says about the new one (Jeffreys' bands)."""
    if bf_rep is None or not math.isfinite(bf_rep):
        return ""
    verdict = {
        "H1": "supports",
        "H0": "contradicts",
        "inconclusive": "neither supports nor contradicts",
    }[evidence_category(bf_rep)]
    return (
        f"taking {original} as the original study, {new} {verdict} it (replication BF {bf_rep:.3g})"
    )
