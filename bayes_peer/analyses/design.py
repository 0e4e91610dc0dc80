"""What a sample can show: Bayes factor design analysis for a correlation, and retrodesign."""

from __future__ import annotations

import math

from bayes_peer.errors import InputError
from bayes_peer.params import MAX_SIMULATED_VALUES, check
from bayes_peer.results import Result


def design(
    n: int | None = None,
    rho: float | None = None,
    *,
    rho_beta: tuple[float, float] | None = None,
    kappa: float = 1.0,
    target_prob: float | None = None,
    sims: int | None = None,
    seed: int | None = None,
    effect: float | None = None,
    se: float | None = None,
    alpha: float = 0.05,
) -> Result:
    """Bayes factor design analysis at ``n`` for an assumed ``rho`` (or a design prior), or
    Gelman & Carlin's retrodesign of an ``effect`` estimated with standard error ``se``.

    Parameters
    ----------
    n : int
        Sample size (complete pairs).
    rho : float, optional
        Assumed true correlation; or ``rho_beta`` = (a, b): rho = 2 Beta(a, b) - 1.
    kappa : float
        Width of the analysis prior (stretched beta; 1 = uniform).
    target_prob : float, optional
        Also the smallest n with P(BF10 > 3) >= ``target_prob``.
    sims, seed : int, optional
        Also estimate the probabilities by simulating ``sims`` data sets (a check).
    effect, se, alpha : float, optional
        Retrodesign instead: power, type S error and exaggeration ratio of a two-sided test at
        level ``alpha`` for a true ``effect`` estimated with standard error ``se``.

    Returns
    -------
    Result
        ``to_dict()``: the JSON of ``bayes-peer design``. The probabilities integrate the exact
        sampling density of r (BF10 is monotone in |r| at fixed n): no Monte Carlo error.

    References
    ----------
    Schönbrodt, F. D., & Wagenmakers, E.-J. (2018). Bayes factor design analysis: planning for
    compelling evidence. *Psychonomic Bulletin & Review*, 25(1), 128-142.
    Gelman, A., & Carlin, J. (2014). Beyond power calculations: assessing type S (sign) and type
    M (magnitude) errors. *Perspectives on Psychological Science*, 9(6), 641-651.
    """
    from bayes_peer.exact.correlation import prior_description
    from bayes_peer.exact.design import design_analysis, n_for_target, retrodesign, simulate_design

    alpha = check("alpha", alpha, "`alpha`")
    if effect is not None or se is not None:
        if effect is None or se is None:
            raise InputError("`effect` and `se` go together (retrodesign)")
        if n is not None or rho is not None or rho_beta is not None:
            raise InputError("give either `effect` and `se`, or `n` with `rho` or `rho_beta`")
        effect, se = check("effect", effect, "`effect`"), check("se", se, "`se`")
        if effect == 0:
            raise InputError(
                "`effect` must be non-zero (power and exaggeration need a true effect)"
            )
        res = retrodesign(effect, se, alpha)
        return Result(
            "design",
            {
                "effect": effect,
                "se": se,
                "alpha": alpha,
                "power": res.power,
                "type_s": res.type_s,
                "exaggeration": res.exaggeration,
                "method": "exact normal integrals (Gelman & Carlin 2014)",
            },
        )
    if n is None or (rho is None) == (rho_beta is None):
        raise InputError("give `n` with exactly one of `rho` or `rho_beta` (or `effect`/`se`)")
    n = check("n", n, "`n`")
    kappa = check("kappa", kappa, "`kappa`")
    if rho is not None:
        rho = check("rho", rho, "`rho`")
    else:
        values = list(rho_beta)
        if len(values) != 2:
            raise InputError("`rho_beta` takes two positive numbers a, b: rho = 2 Beta(a, b) - 1")
        rho_beta = tuple(check("rho_beta", v, "`rho_beta`") for v in values)
    res = design_analysis(n, rho, kappa, rho_beta)
    doc = {
        "n": n,
        "rho": rho,
        "rho_beta": list(rho_beta) if rho_beta else None,
        "kappa": kappa,
        "prior": prior_description(kappa),
        "method": "exact: BF10 is monotone in |r|; probabilities integrate the exact "
        "sampling density of r",
        "p_bf10_gt_3": res.p_bf10_gt_3,
        "p_bf10_gt_10": res.p_bf10_gt_10,
        "p_bf10_lt_third": res.p_bf10_lt_third,
        "p_inconclusive": res.p_inconclusive,
        "median_bf10": res.median_bf10,
        "log_median_bf10": res.log_median_bf10,
        "max_bf01": res.max_bf01,
        "r_for_bf10_3": res.r_for_bf10_3,
        "r_for_bf10_10": res.r_for_bf10_10,
    }
    if rho is not None and rho != 0:
        retro = retrodesign(math.atanh(rho), 1 / math.sqrt(n - 3), alpha)
        doc["retrodesign"] = {
            "scale": "Fisher z",
            "power": retro.power,
            "type_s": retro.type_s,
            "exaggeration": retro.exaggeration,
        }
    if target_prob is not None:
        doc["target_prob"] = check("target_prob", target_prob, "`target_prob`")
        doc["n_for_target"] = n_for_target(doc["target_prob"], rho, kappa, rho_beta)
    if sims is not None:
        if rho is None:
            raise InputError("`sims` needs a point `rho`")
        sims = check("sims", sims, "`sims`")
        if sims * n > MAX_SIMULATED_VALUES:
            raise InputError(
                f"`sims` x `n` = {sims * n:,} simulated values; at most {MAX_SIMULATED_VALUES:,}"
            )
        seed = 1 if seed is None else check("seed", seed, "`seed`")
        doc["simulation"] = {
            "sims": sims,
            "seed": seed,
            **simulate_design(n, rho, kappa, sims, seed),
        }
    elif seed is not None:
        raise InputError("`seed` goes with `sims`")
    return Result("design", doc)
