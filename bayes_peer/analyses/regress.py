"""Blocked (hierarchical) regression: OLS steps and F-change beside exact JZS block BFs.

Every block's model is fitted to the same rows (complete on the outcome and on all blocks'
terms), so ΔR², F-change and Bayes-factor ratios compare like with like. The rows left out are
listed, never dropped silently.
"""

from __future__ import annotations

from bayes_peer.analyses.blocks import (
    check_blocks,
    regress_blocks,
    regress_r2,
    regression_prior_text,
)
from bayes_peer.analyses.terms import (
    check_reference,
    factor_names,
    table_header,
)
from bayes_peer.data.source import data_kind
from bayes_peer.errors import InputError
from bayes_peer.params import check
from bayes_peer.results import Result

METHODS = ("exact", "normal", "r2d2", "bma")
LIKELIHOODS = ("normal", "student")


def _blocks(blocks, parameter: str = "blocks") -> list[list[str]]:
    """Blocks as lists of names (a comma-separated string per block is accepted)."""
    from bayes_peer.params import name_list

    if blocks is None or isinstance(blocks, str) or not list(blocks):
        raise InputError(f"give at least one block of predictors (`{parameter}`)")
    return [name_list(b, parameter) for b in blocks]


def regress(
    data=None,
    outcome: str | None = None,
    blocks: list[list[str]] | None = None,
    *,
    r2: list[float] | None = None,
    p: list[int] | None = None,
    n: int | None = None,
    method: str = "exact",
    candidates: list[str] | None = None,
    model_prior: str = "uniform",
    waves: list[str] | None = None,
    baseline: str | None = None,
    rscale: str | float = "medium",
    ci_prob: float = 0.95,
    prior_scale: float | None = None,
    mean_r2: float | None = None,
    prec_r2: float | None = None,
    cons_d2: float | None = None,
    likelihood: str = "normal",
    impute: bool = False,
    rope: float = 0.1,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int | None = None,
    robustness: bool = False,
    influence: bool = False,
    rounding_sensitivity: int | None = None,
    decimals: int = 2,
    nearest_correlation: bool = False,
    factors: list[str] | str | None = None,
    reference: dict[str, str] | None = None,
    prior_coefficient: dict[str, str] | None = None,
) -> Result:
    """Hierarchical (blocked) regression: OLS, ΔR² and F-change beside JZS block Bayes factors,
    and with a slope prior, each block's PyMC posterior.

    Parameters
    ----------
    data : pandas.DataFrame, str, pathlib.Path, ParticipantData or SummaryStatistics
        Participant rows or a published table (see :func:`bayes_peer.correlate`).
    outcome : str
        The outcome column (with ``waves``: the construct, e.g. "recovery").
    blocks : list of list of str
        Predictors entered block by block; every block's model uses the same rows. With
        ``method="bma"``: covariates forced into every model (optional).
    r2, p, n : lists and int, optional
        Published R² of each block's model, its total number of predictors, and N, instead of
        ``data`` (Bayes factors and F-change only).
    method : {"exact", "normal", "r2d2", "bma"}
        "exact": OLS and the exact JZS block BFs. "normal": also each block's model by MCMC with
        Normal(0, ``prior_scale``) standardized slopes (rstanarm's defaults otherwise);
        "r2d2": the R2-D2 prior on R² (``mean_r2``, ``prec_r2``, ``cons_d2``; Zhang et al. 2022).
        "bma": Bayesian model averaging over every subset of ``candidates`` (exact, JZS).
    candidates : list of str, optional
        With ``method="bma"``: the predictors averaged over (at most 15).
    model_prior : {"uniform", "beta-binomial"}
        With ``method="bma"``: every model equally likely, or beta-binomial(1, 1) on the
        number of candidates in the model (every size equally likely).
    waves, baseline : optional
        Column suffixes of two waves (``<construct>_<wave>``) modelled jointly, and the wave of
        the outcome's baseline score added to block 1.
    rscale : "medium", "wide", "ultrawide" or float
        JZS scale of the block BFs (medium = sqrt(2)/4, as BayesFactor and JASP).
    ci_prob : float
        Probability of every interval.
    likelihood : {"normal", "student"}, impute : bool, rope : float
        Residual distribution, imputation of missing predictors in the model (MAR), ROPE on
        standardized slopes.
    draws, tune, chains, seed
        The sampler (seed default 20261126).
    robustness, influence : bool
        Exact-layer sensitivity: block BFs over JZS scales; each participant left out.
    rounding_sensitivity, decimals, nearest_correlation
        For a published table (see :func:`bayes_peer.correlate`).
    factors : list of str, optional
        Predictors read as categorical whatever their cells (numeric codes such as 1/2); text,
        boolean and pandas ``category`` columns are factors anyway. A factor with k levels is
        one term of k - 1 indicator columns (treatment coding): its block's ΔR², F-change
        (``df1`` = k - 1) and JZS Bayes factor cover all of them, model averaging keeps or
        drops them together, and each level's coefficient row names the ``level`` and the
        ``reference``.
    reference : dict of str to str, optional
        Reference level of some factors (default: the first in sorted order; see
        :mod:`bayes_peer.data.factors`).
    prior_coefficient : dict of str to str, optional
        With ``method="normal"``: an informed prior on named standardized slopes, e.g.
        ``{"alliance_m24": "normal(0.278, 0.14)"}`` (the others keep Normal(0,
        ``prior_scale``)). Every coefficient row then carries the Savage-Dickey BF10 of its
        slope = 0 under the prior it was fitted with (``mcmc_bf10_savage_dickey``; Dickey
        1971, Wagenmakers et al. 2010).

    Returns
    -------
    Result
        ``table``: one row per block (with ``method="bma"``: per candidate, its inclusion);
        ``tables["coefficients"]`` (``tables["models"]``); ``to_dict()``: the JSON of
        ``bayes-peer regress``.

    References
    ----------
    Liang, F., Paulo, R., Molina, G., Clyde, M. A., & Berger, J. O. (2008). Mixtures of g priors
    for Bayesian variable selection. *JASA*, 103(481), 410-423.
    Rouder, J. N., & Morey, R. D. (2012). Default Bayes factors for model selection in
    regression. *Multivariate Behavioral Research*, 47(6), 877-903.
    Zhang, Y. D., Naughton, B. P., Bondell, H. D., & Reich, B. J. (2022). Bayesian regression
    using a prior on the model fit: the R2-D2 shrinkage prior. *JASA*, 117(538), 862-874.
    Hinne, M., Gronau, Q. F., van den Bergh, D., & Wagenmakers, E.-J. (2020). A conceptual
    introduction to Bayesian model averaging. *AMPPS*, 3(2), 200-215.
    """
    from bayes_peer.analyses.correlate import _settings
    from bayes_peer.analyses.sensitivity_exact import add_block_sensitivity
    from bayes_peer.data.source import as_source
    from bayes_peer.exact.regression import resolve_rscale
    from bayes_peer.mcmc.models.regression import R2D2_CONS, R2D2_MEAN, R2D2_PREC
    from bayes_peer.mcmc.sampler import DEFAULT_SEED

    scale, label = resolve_rscale(rscale, "`rscale`")
    coding = {"factors": factor_names(factors), "reference": check_reference(reference)}
    ci_prob = check("ci_prob", ci_prob, "`ci_prob`")
    if method not in METHODS:
        raise InputError(f"`method` must be one of {', '.join(METHODS)}, got {method!r}")
    if likelihood not in LIKELIHOODS:
        raise InputError(f"`likelihood` must be normal or student, got {likelihood!r}")
    if (candidates is not None or model_prior != "uniform") and method != "bma":
        raise InputError("`candidates` and `model_prior` go with method='bma'")
    if method == "bma":
        from bayes_peer.analyses.averaging import regress_bma_result

        refused = [
            name
            for name, value in (
                ("r2", r2),
                ("p", p),
                ("n", n),
                ("waves", waves),
                ("baseline", baseline),
                ("robustness", robustness or None),
                ("influence", influence or None),
                ("rounding_sensitivity", rounding_sensitivity),
                ("prior_scale", prior_scale),
                ("mean_r2", mean_r2),
                ("prec_r2", prec_r2),
                ("cons_d2", cons_d2),
                ("impute", impute or None),
                ("prior_coefficient", prior_coefficient),
                ("likelihood", None if likelihood == "normal" else likelihood),
            )
            if value is not None
        ]
        if refused:
            raise InputError(f"`{refused[0]}` does not go with method='bma'")
        return regress_bma_result(
            data,
            outcome,
            blocks,
            candidates,
            rscale,
            model_prior,
            ci_prob,
            nearest_correlation,
            **coding,
        )
    mcmc = method not in ("exact", "bma")
    coefficient_priors = None
    if prior_coefficient is not None:
        from bayes_peer.analyses.informed import check_coefficient_priors

        if method != "normal" or waves is not None or r2 is not None:
            raise InputError(
                "`prior_coefficient` goes with method='normal' (one wave, rows or a table)"
            )
        coefficient_priors = check_coefficient_priors(prior_coefficient)
    if not mcmc:
        given = [
            name
            for name, value in (
                ("prior_scale", prior_scale),
                ("mean_r2", mean_r2),
                ("prec_r2", prec_r2),
                ("cons_d2", cons_d2),
                ("impute", impute or None),
                ("likelihood", None if likelihood == "normal" else likelihood),
            )
            if value is not None
        ]
        if given:
            raise InputError(f"`{given[0]}` goes with method='normal' or 'r2d2'")
    if method == "r2d2" and prior_scale is not None:
        raise InputError("`prior_scale` goes with method='normal' (R2-D2 takes `mean_r2` ...)")
    if method == "normal" and any(v is not None for v in (mean_r2, prec_r2, cons_d2)):
        raise InputError("`mean_r2`, `prec_r2` and `cons_d2` go with method='r2d2'")
    if mcmc and (robustness or influence):
        raise InputError("`robustness` and `influence` use the exact layer: method='exact'")
    r2d2 = tuple(
        R2D2_DEFAULT if value is None else check(name, value, f"`{name}`")
        for name, value, R2D2_DEFAULT in (
            ("mean_r2", mean_r2, R2D2_MEAN),
            ("prec_r2", prec_r2, R2D2_PREC),
            ("cons_d2", cons_d2, R2D2_CONS),
        )
    )
    keys = {"rscale": scale, "rscale_label": label}
    if r2 is not None or p is not None:
        if data is not None or outcome is not None or blocks is not None:
            raise InputError(
                "give either `data` with `outcome` and `blocks`, or `r2`, `p` and "
                "`n` (published R² values)"
            )
        if r2 is None or p is None or n is None:
            raise InputError("published R² values need `r2`, `p` and `n` together")
        if mcmc or influence or coding["factors"] or coding["reference"]:
            raise InputError(
                "published R² values have no rows or coefficients: method='exact'"
                ", without `influence`, `factors` or `reference`"
            )
        n = check("n", n, "`n`")
        r2s = [check("r2", v, "`r2`") for v in r2]
        ps = [check("p", v, "`p`") for v in p]
        result = regress_r2(n, r2s, ps, scale)
        result.update({"n_used": n, "n_rows": n, "dropped": []})
        if robustness:
            add_block_sensitivity(result, None, None, None, scale, robustness=True)
        return Result(
            "regression",
            {
                "outcome": None,
                **keys,
                "prior": regression_prior_text(scale, label),
                "ci_prob": ci_prob,
                **result,
            },
        )
    if outcome is None or not str(outcome).strip():
        raise InputError("`outcome` is required with `data`")
    outcome = str(outcome).strip()
    block_list = _blocks(blocks)
    if waves is not None:
        return _regress_waves(
            data,
            outcome,
            block_list,
            waves,
            baseline,
            method,
            keys,
            ci_prob,
            prior_scale,
            r2d2,
            likelihood,
            impute,
            rope,
            robustness,
            influence,
            (draws, tune, chains, seed),
            coding,
        )
    if baseline is not None:
        raise InputError("`baseline` goes with `waves`")
    terms = check_blocks(outcome, block_list)
    source = as_source(data, [outcome, *terms], nearest_correlation=nearest_correlation, **coding)
    if influence and not source.has_rows:
        raise InputError("`influence` needs participant data (rows)")
    if nearest_correlation and source.has_rows:
        raise InputError("`nearest_correlation` repairs a published table; give a table")
    if rounding_sensitivity is not None and (source.has_rows or not mcmc):
        raise InputError(
            "`rounding_sensitivity` refits a published table's posterior: give a "
            "table and method='normal' or 'r2d2'"
        )
    meta = {
        "source": source.path,
        "data_kind": data_kind(source),
        "data_sha256": source.sha256,
        "synthetic": source.synthetic,
    }
    extras = {}
    if not source.has_rows:
        extras["warnings"] = source.warnings
        if source.repair is not None:
            extras["matrix_repair"] = source.repair
    if not mcmc:
        result = regress_blocks(source, outcome, block_list, scale, ci_prob)
        add_block_sensitivity(
            result,
            source,
            outcome,
            block_list,
            scale,
            robustness=robustness,
            leave_one_out=influence,
        )
        prior = regression_prior_text(scale, label)
        record = {
            **meta,
            **extras,
            "outcome": outcome,
            **keys,
            "prior": prior,
            "ci_prob": ci_prob,
            **result,
        }
        return Result("regression", record)
    from bayes_peer.analyses.regress_mcmc import regress_mcmc

    settings = _settings(draws, tune, chains, DEFAULT_SEED if seed is None else seed)
    options = {
        "prior": method,
        "ci_prob": ci_prob,
        "rope": check("rope", rope, "`rope`"),
        "r2d2": r2d2,
        "prior_scale": 1.0
        if prior_scale is None
        else check("prior_scale", prior_scale, "`prior_scale`"),
    }
    fitted = regress_mcmc(
        source,
        outcome,
        block_list,
        scale,
        settings,
        **options,
        likelihood=likelihood,
        impute=impute,
        coefficient_priors=coefficient_priors,
    )
    record = {
        **meta,
        "outcome": outcome,
        **keys,
        "prior_jzs": regression_prior_text(scale, label),
        "ci_prob": ci_prob,
        **fitted.result,
        **extras,
    }
    if rounding_sensitivity is not None:
        from bayes_peer.analyses.rounding import rounding_sensitivity as rounding

        def refit(table):
            refitted = regress_mcmc(
                table,
                outcome,
                block_list,
                scale,
                settings,
                **options,
                coefficient_priors=coefficient_priors,
            )
            return refitted.result["coefficients"]

        record["rounding_sensitivity"] = rounding(
            source,
            refit,
            lambda row: f"block {row['block']}: {row['term']}",
            ("posterior_median", "ci_low", "ci_high", "p_direction"),
            decimals=check("decimals", decimals, "`decimals`"),
            count=check("rounding_sensitivity", rounding_sensitivity, "`rounding_sensitivity`"),
            seed=1 if seed is None else check("seed", seed, "`seed`"),
        )
    return Result("regression", record, fits={f"block{k}": f.idata for k, f in fitted.fits.items()})


def _regress_waves(
    data,
    outcome,
    blocks,
    waves,
    baseline,
    method,
    keys,
    ci_prob,
    prior_scale,
    r2d2,
    likelihood,
    impute,
    rope,
    robustness,
    influence,
    sampler,
    coding,
) -> Result:
    """Blocked regressions of ``outcome`` at two waves (columns ``<construct>_<wave>``; a
    term without wave columns, such as a factor, is the same column at every wave)."""
    from bayes_peer.analyses.correlate import _settings
    from bayes_peer.analyses.regress_waves import (
        MISSING_TEXT,
        regress_waves_exact,
        regress_waves_mcmc,
        wave_blocks,
        wave_column,
    )
    from bayes_peer.data.source import as_source
    from bayes_peer.mcmc.sampler import DEFAULT_SEED
    from bayes_peer.params import name_list

    waves = name_list(waves, "waves")
    if robustness or influence:
        raise InputError("`robustness` and `influence` run without `waves`")
    if impute:
        raise InputError("`impute` is available for one wave (without `waves`)")
    baseline = str(baseline).strip() if baseline else None
    from bayes_peer.data.participants import read_header

    header = table_header(data, read_header)
    columns = [f"{outcome}_{w}" for w in waves] + [
        wave_column(header, c, w) for b in blocks for c in b for w in waves
    ]
    if baseline:
        columns.append(f"{outcome}_{baseline}")
    source = as_source(data, list(dict.fromkeys(columns)), **coding)
    if not source.has_rows:
        raise InputError(
            "`waves` needs participant data (a table has one wave: give one table per wave)"
        )
    design = wave_blocks(source.header, outcome, waves, baseline, blocks)
    label = keys["rscale_label"]
    prior = regression_prior_text(keys["rscale"], label)
    meta = {
        "source": source.path,
        "data_kind": data_kind(source),
        "data_sha256": source.sha256,
        "synthetic": source.synthetic,
        "outcome": outcome,
        "waves": waves,
        "baseline": baseline,
        **keys,
        "prior_jzs": prior,
        "ci_prob": ci_prob,
    }
    if method == "exact":
        result = regress_waves_exact(source, design, keys["rscale"], ci_prob)
        result["missing"] = "each wave: rows complete on the outcome and that wave's predictors"
        return Result("regression", {**meta, **result})
    if len(waves) != 2:
        raise InputError("the joint MCMC model takes exactly two `waves`")
    draws, tune, chains, seed = sampler
    settings = _settings(draws, tune, chains, DEFAULT_SEED if seed is None else seed)
    fitted = regress_waves_mcmc(
        source,
        design,
        keys["rscale"],
        settings,
        prior=method,
        prior_scale=1.0
        if prior_scale is None
        else check("prior_scale", prior_scale, "`prior_scale`"),
        likelihood=likelihood,
        r2d2=r2d2,
        ci_prob=ci_prob,
        rope=check("rope", rope, "`rope`"),
    )
    result = fitted.result
    result["missing"] = MISSING_TEXT
    return Result(
        "regression",
        {**meta, **result},
        fits={f"block{k}": f.idata for k, f in fitted.fits.items()},
    )
