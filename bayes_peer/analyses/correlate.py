"""Correlations: exact Bayes factors and posteriors beside Pearson's r, p and CI."""

from __future__ import annotations

from bayes_peer.analyses.pairs import (
    correlate_pairs,
    correlation_prior_text,
    correlation_record,
    partial_pairs,
)
from bayes_peer.data.source import data_kind
from bayes_peer.errors import InputError
from bayes_peer.exact.correlation import ALTERNATIVES
from bayes_peer.mcmc.sampler import DEFAULT_SEED
from bayes_peer.params import check, check_total_draws, check_variable_count, name_list
from bayes_peer.results import Result


def _settings(draws: int, tune: int, chains: int, seed: int):
    """Sampler settings, each checked against its documented range."""
    from bayes_peer.mcmc.sampler import SamplerSettings

    values = {
        name: check(name, value, f"`{name}`")
        for name, value in (("draws", draws), ("tune", tune), ("chains", chains), ("seed", seed))
    }
    check_total_draws(values["draws"], values["chains"], "`draws` x `chains`")
    return SamplerSettings(**values)


def _variables(data, vars, waves, partial_on, mcmc: bool) -> tuple[list[str] | None, list | None]:
    """The variables an analysis names (constructs with ``waves``) and the columns to parse."""
    names = name_list(vars, "vars") if vars is not None else None
    waves = name_list(waves, "waves") if waves is not None else None
    partial_on = name_list(partial_on, "partial_on") if partial_on else None
    if waves is not None:
        if names is None:
            raise InputError("`waves` needs `vars` naming the constructs (e.g. alliance, qol)")
        if len(waves) < 2:
            raise InputError("`waves` needs at least two waves, e.g. m12, m24")
        if partial_on:
            raise InputError("`partial_on` cannot be combined with `waves`")
        columns = [f"{c}_{w}" for w in waves for c in names]
    else:
        columns = names
    if columns is not None and partial_on:
        columns = [*columns, *partial_on]
    count = len(columns) if columns is not None else _column_count(data)
    if count is not None:
        check_variable_count(count, named=vars is not None, mcmc=mcmc, label="`vars`")
    return names, columns


def _column_count(data) -> int | None:
    """Variables of a data source before it is parsed (all but an id column)."""
    from pathlib import Path

    from bayes_peer.data.resources import data_path

    data = data_path(data)
    if isinstance(data, str | Path) and Path(data).suffix.lower() != ".toml":
        from bayes_peer.data.participants import ROW_NAMES, read_header

        return sum(1 for h in read_header(data) if h.lower() != "id" and h != ROW_NAMES)
    columns = getattr(data, "columns", None)
    if columns is not None and not isinstance(columns, dict):  # a DataFrame
        return sum(1 for c in columns if str(c).lower() != "id")
    return None


def correlate(
    data=None,
    vars: list[str] | str | None = None,
    *,
    r: float | None = None,
    n: int | None = None,
    tau: float | None = None,
    method: str = "exact",
    kappa: float = 1.0,
    alternative: str = "two-sided",
    ci_prob: float = 0.95,
    eta: float = 1.0,
    rope: float = 0.1,
    missing: str = "fiml",
    robust: bool = False,
    partial_on: list[str] | None = None,
    waves: list[str] | None = None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int | None = None,
    robustness: bool = False,
    sequential: bool = False,
    influence: bool = False,
    rounding_sensitivity: int | None = None,
    decimals: int = 2,
    nearest_correlation: bool = False,
    factors: list[str] | str | None = None,
    reference: dict[str, str] | None = None,
    prior_rho: str | None = None,
    similar_delta: float | None = None,
    similar_center: float | None = None,
    replication_of: tuple[float, int] | None = None,
) -> Result:
    """Bayesian and frequentist correlations side by side (exact layer, or PyMC models).

    Parameters
    ----------
    data : pandas.DataFrame, str, pathlib.Path, ParticipantData or SummaryStatistics
        Participant rows (a DataFrame or a CSV path) or published summary statistics (a TOML
        path or :func:`bayes_peer.read_summary`). Not with ``r``/``n``.
    vars : list of str, optional
        Variables (default: every numeric column; categorical columns are left out and named
        in ``warnings``); with ``waves``, constructs.
    r, n : float, int, optional
        One correlation and its number of pairs instead of ``data``.
    tau : float, optional
        One Kendall's tau (with ``n``) instead of ``data``; implies ``method="kendall"``.
    method : {"exact", "kendall", "joint", "pairwise"}
        "exact": Pearson's correlation with closed-form Bayes factors and posteriors (Ly,
        Marsman & Wagenmakers 2018). "kendall": Kendall's tau-b with its Bayes factors and
        posterior (van Doorn et al. 2018), from participant rows. "joint": one LKJ(``eta``)
        model of all variables (full information under MAR by default). "pairwise": one
        bivariate model per pair, on the exact layer's prior.
    kappa : float
        Width of the stretched-beta prior on rho of the exact layer (1 = uniform, JASP's
        default; 1/3 = BayesFactor's "medium") and of the pairwise model; for Kendall's tau the
        same prior carried over to tau, kappa at most 2.
    alternative : {"two-sided", "greater", "less"}
        ``bf10`` is then BF10, BF+0 or BF-0 and the exact posterior the (truncated) one.
    ci_prob : float
        Probability of every interval (equal-tailed).
    eta, rope, missing, robust, waves
        The joint model: LKJ shape, half-width of the ROPE around 0, "fiml" or "listwise",
        a multivariate Student-t likelihood, waves (column suffixes) to model jointly with
        their contrasts.
    partial_on : list of str, optional
        Partial correlations given these columns (numeric, or factors: a factor's k - 1
        indicator columns). Exact layer: Pearson's partial r on the rows complete on the pair
        and every control, its t test with n - 2 - m degrees of freedom, and the exact Bayes
        factor and posterior with n - m in place of n (m = control columns; Fisher 1924's
        sampling distribution of a partial correlation). Joint model: the controls enter the
        LKJ model and the partial correlation is computed per draw.
    factors, reference : optional
        Controls read as factors whatever their cells (numeric codes), and reference levels
        (``{factor: level}``; see :mod:`bayes_peer.data.factors`).
    prior_rho : str, optional
        An informed prior, ``"znormal(MU,SD)"`` (Fisher's z ~ Normal(MU, SD²)) or
        ``"flueckiger2018"`` (the non-peer alliance-outcome correlation, r = .278): each pair
        gets ``bf10_informed`` (against rho = 0), ``bf_informed_default`` (against the default
        prior of width ``kappa``: "as in the literature" vs "anything"), the posterior under
        it (``informed_median``, ``informed_ci_low``, ``informed_ci_high``) and ``p_similar`` =
        P(|rho - similar_center| < similar_delta | data) under the default prior. With
        ``method="pairwise"`` the MCMC model uses it too (Savage-Dickey BF).
    similar_delta, similar_center : float, optional
        How close is "similar" (default 0.1) and to what (default: the prior's centre).
    replication_of : (float, int), optional
        An original study's (r0, n0): each pair's ``bf_rep``, the replication Bayes factor of
        these data given it (Verhagen & Wagenmakers 2014; Ly et al. 2019).
    draws, tune, chains, seed
        The sampler (seed default 20261126; one seed gives the same draws again).
    robustness, sequential, influence : bool
        Exact-layer sensitivity: BF over prior widths, BF as participants accumulate, each
        participant left out.
    rounding_sensitivity, decimals : int, optional
        For a published table: refit on that many tables with every correlation moved within
        its rounding interval (``decimals`` decimals), seeded by ``seed`` (default 1).
    nearest_correlation : bool
        A table that is not positive definite is replaced by the nearest correlation matrix.

    Returns
    -------
    Result
        ``table``: one row per pair; ``to_dict()``: the JSON of ``bayes-peer correlate``.

    References
    ----------
    Ly, A., Marsman, M., & Wagenmakers, E.-J. (2018). Analytic posteriors for Pearson's
    correlation coefficient. *Statistica Neerlandica*, 72(1), 4-13.
    van Doorn, J., Ly, A., Marsman, M., & Wagenmakers, E.-J. (2018). Bayesian inference for
    Kendall's rank correlation coefficient. *The American Statistician*, 72(4), 303-308.
    Lewandowski, D., Kurowicka, D., & Joe, H. (2009). Generating random correlation matrices
    based on vines and extended onion method. *Journal of Multivariate Analysis*, 100(9).
    Ly, A., Etz, A., Marsman, M., & Wagenmakers, E.-J. (2019). Replication Bayes factors from
    evidence updating. *Behavior Research Methods*, 51, 2498-2508.
    """
    from bayes_peer.analyses.sensitivity_exact import add_correlation_sensitivity
    from bayes_peer.data.source import as_source

    kappa = check("kappa", kappa, "`kappa`")
    ci_prob = check("ci_prob", ci_prob, "`ci_prob`")
    if alternative not in ALTERNATIVES:
        raise InputError(
            f"`alternative` must be one of {', '.join(ALTERNATIVES)}, got {alternative!r}"
        )
    if method not in METHODS:
        raise InputError(f"`method` must be one of {', '.join(METHODS)}, got {method!r}")
    if tau is not None:
        if method not in ("exact", "kendall") or r is not None:
            raise InputError(
                "`tau` is one Kendall's tau: give it with `n`, without `r` and "
                "with method='kendall'"
            )
        method = "kendall"
    mcmc = method not in EXACT_METHODS
    if mcmc and (robustness or sequential or influence):
        raise InputError(
            "`robustness`, `sequential` and `influence` use the exact layer: "
            "method='exact' or 'kendall'"
        )
    common = {"kappa": kappa, "alternative": alternative, "ci_prob": ci_prob}
    from bayes_peer.analyses.informed import add_informed_keys, check_informed

    informed = check_informed(prior_rho, similar_delta, similar_center, replication_of)
    if informed.active and method == "kendall":
        raise InputError("`prior_rho` and `replication_of` are for Pearson's r, not Kendall's tau")
    if method == "kendall":
        from bayes_peer.analyses.correlate_kendall import correlate_kendall

        return correlate_kendall(
            data,
            vars,
            tau,
            n,
            common,
            robustness,
            sequential,
            influence,
            rounding_sensitivity,
            nearest_correlation,
        )
    prior = correlation_prior_text(kappa)
    if r is not None or n is not None:
        if data is not None or vars is not None:
            raise InputError("give either `data` (with `vars`) or `r` with `n`, not both")
        if r is None or n is None:
            raise InputError("`r` needs `n` (the number of pairs), and `n` needs `r`")
        if mcmc or sequential or influence:
            raise InputError(
                "a correlation given as `r` and `n` has no rows: method='exact', "
                "without `sequential` or `influence`"
            )
        record = correlation_record(check("r", r, "`r`"), check("n", n, "`n`"), **common)
        add_correlation_sensitivity([record], None, **common, robustness=robustness)
        add_informed_keys([record], informed)
        return Result("correlation", {**record, "prior": prior, **informed.record_keys()})
    from bayes_peer.analyses.terms import check_reference, factor_names

    coding = {"factors": factor_names(factors), "reference": check_reference(reference)}
    if (coding["factors"] or coding["reference"]) and not partial_on:
        raise InputError(
            "`factors` and `reference` set how controls are coded: they go with `partial_on`"
        )
    names, columns = _variables(data, vars, waves, partial_on, mcmc)
    source = as_source(data, columns, nearest_correlation=nearest_correlation, **coding)
    if (sequential or influence) and not source.has_rows:
        raise InputError("`sequential` and `influence` need participant data (rows)")
    if nearest_correlation and source.has_rows:
        raise InputError("`nearest_correlation` repairs a published table; give a table")
    if rounding_sensitivity is not None and source.has_rows:
        raise InputError("`rounding_sensitivity` checks a published table; give a table")
    partial = name_list(partial_on, "partial_on") if partial_on else []
    left_out = []
    if names is None or waves is not None:
        if names is None:
            names = [c for c in source.variables if c not in partial]
            left_out = [f for f in getattr(source, "factors", {}) if f not in partial]
    if waves is None:
        source.require(names)
        if len(names) < 2:
            raise InputError(
                f"need at least two numeric variables for a correlation, got "
                f"{len(names)}"
                + "".join(f"; left out: {source.categorical_note(f)}" for f in left_out)
            )
    analysed = columns or [*names, *partial]
    meta = {
        "source": source.path,
        "data_kind": data_kind(source),
        "data_sha256": source.sha256,
        "synthetic": source.synthetic,
        "n_rows": source.n_rows,
        "variables": _variable_table(source, analysed),
    }
    if left_out:
        meta["warnings"] = [
            f"{source.categorical_note(f)}: left out (correlations need numeric columns)"
            for f in left_out
        ]
    if partial and source.has_rows:
        meta["factors"] = [source.factors[t].describe() for t in partial if t in source.factors]
    if not source.has_rows:
        meta["warnings"] = source.warnings
        if source.repair is not None:
            meta["matrix_repair"] = source.repair
    fits = {}
    if mcmc:
        from bayes_peer.analyses.correlate_mcmc import correlate_mcmc

        settings = _settings(draws, tune, chains, DEFAULT_SEED if seed is None else seed)
        options = {
            "eta": check("eta", eta, "`eta`"),
            "rope": check("rope", rope, "`rope`"),
            **common,
        }

        def refit(table):
            return correlate_mcmc(table, names, method, settings, **options).result["pairs"]

        outcome = correlate_mcmc(
            source,
            names,
            method,
            settings,
            **options,
            missing=missing,
            robust=robust,
            partial_on=name_list(partial_on, "partial_on") if partial_on else None,
            waves=name_list(waves, "waves") if waves is not None else None,
            informed=informed,
        )
        fits = {name: fit.idata for name, fit in outcome.fits.items()}
        record = {
            **meta,
            **common,
            "prior_exact": prior,
            **informed.record_keys(),
            **outcome.result,
        }
        keys = ("mcmc_median", "mcmc_ci_low", "mcmc_ci_high", "p_positive", "bf10")
    else:

        def refit(table):
            return correlate_pairs(table, names, **common)

        if partial:
            if not source.has_rows:
                raise InputError("`partial_on` needs participant data (rows)")
            if sequential or influence or robustness:
                raise InputError(
                    "`robustness`, `sequential` and `influence` analyse simple "
                    "correlations: drop `partial_on`"
                )
            pairs = partial_pairs(source, names, partial, **common)
        else:
            pairs = correlate_pairs(source, names, **common)
        add_informed_keys(pairs, informed)
        record = {**meta, **common, "prior": prior, **informed.record_keys(), "pairs": pairs}
        if partial:
            record["partial_on"] = partial
        add_correlation_sensitivity(
            pairs,
            source,
            **common,
            robustness=robustness,
            sequential_orders=sequential,
            leave_one_out=influence,
        )
        keys = ("posterior_median", "ci_low", "ci_high", "bf10")
    if rounding_sensitivity is not None:
        from bayes_peer.analyses.rounding import rounding_sensitivity as rounding

        record["rounding_sensitivity"] = rounding(
            source,
            refit,
            lambda row: f"{row['var1']} ~ {row['var2']}",
            keys,
            decimals=check("decimals", decimals, "`decimals`"),
            count=check("rounding_sensitivity", rounding_sensitivity, "`rounding_sensitivity`"),
            seed=1 if seed is None else check("seed", seed, "`seed`"),
        )
    return Result("correlation", record, fits=fits)


def _variable_table(source, names: list[str]) -> list[dict]:
    """Observed and missing counts of the analysed variables, in the source's order."""
    return [v for v in source.variable_table() if v["name"] in names]


#: What ``method`` may be; the first two are the exact layer (no MCMC).
METHODS = ("exact", "kendall", "joint", "pairwise")
EXACT_METHODS = ("exact", "kendall")
