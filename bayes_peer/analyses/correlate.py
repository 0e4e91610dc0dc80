"""Correlations: exact Bayes factors and posteriors beside Pearson's r, p and CI."""

from __future__ import annotations

import itertools

import numpy as np

from bayes_peer.data.moments import MIN_PAIRS
from bayes_peer.data.source import data_kind
from bayes_peer.errors import InputError
from bayes_peer.exact.correlation import ALTERNATIVES, correlation_posterior, prior_description
from bayes_peer.frequentist import pearson_from_r
from bayes_peer.mcmc.sampler import DEFAULT_SEED
from bayes_peer.numbers import bf_from_log
from bayes_peer.params import check, check_total_draws, check_variable_count
from bayes_peer.results import Result


def correlation_record(
    r: float,
    n: int,
    kappa: float = 1.0,
    alternative: str = "two-sided",
    ci_prob: float = 0.95,
) -> dict:
    """Exact Bayesian and frequentist results for one correlation (the JSON contract's keys).

    ``bf10`` is the Bayes factor of the chosen alternative against rho = 0 (BF+0 or BF-0 when
    one-sided) and the posterior summaries are those of the (truncated) posterior under it;
    ``p_value`` follows the alternative; the frequentist interval stays two-sided.
    """
    post = correlation_posterior(r, n, kappa, alternative, ci_prob)
    freq = pearson_from_r(r, n, alternative, ci_prob)
    return {
        "n": int(n),
        "r": float(r),
        "kappa": float(kappa),
        "alternative": alternative,
        **bayes_keys(post, ci_prob),
        "t": freq.t,
        "df": freq.df,
        "p_value": freq.p_value,
        "freq_ci_low": freq.ci_low,
        "freq_ci_high": freq.ci_high,
    }


def bayes_keys(post, ci_prob: float) -> dict:
    """The Bayes factors and posterior summaries of an exact posterior (Pearson's or
    Kendall's), under the JSON contract's names: ``bf10`` is the chosen alternative's BF."""
    return {
        "bf10": bf_from_log(post.log_bf),
        "log_bf10": post.log_bf,
        "bf01": bf_from_log(-post.log_bf),
        "bf10_two_sided": bf_from_log(post.log_bf10),
        "log_bf10_two_sided": post.log_bf10,
        "bf_plus0": bf_from_log(post.log_bf_plus0),
        "log_bf_plus0": post.log_bf_plus0,
        "bf_minus0": bf_from_log(post.log_bf_minus0),
        "log_bf_minus0": post.log_bf_minus0,
        "posterior_median": post.posterior_median,
        "posterior_mean": post.posterior_mean,
        "ci_low": post.ci_low,
        "ci_high": post.ci_high,
        "ci_prob": float(ci_prob),
    }


def two_sided_comparison(record: dict) -> dict:
    """The exact two-sided posterior of a record, to stand beside an MCMC posterior.

    The MCMC models put a two-sided prior on rho, so their posterior is compared with the exact
    two-sided posterior whatever ``alternative`` the record's Bayes factor and exact summaries
    follow. Returns ``exact_two_sided_median``, ``exact_two_sided_ci_low`` and
    ``exact_two_sided_ci_high``.
    """
    if record["alternative"] == "two-sided":
        post = record
        keys = ("posterior_median", "ci_low", "ci_high")
        values = [post[k] for k in keys]
    else:
        n = record.get("n_effective", record["n"])
        two = correlation_posterior(record["r"], n, record["kappa"], "two-sided",
                                    record["ci_prob"])  # fmt: skip
        values = [two.posterior_median, two.ci_low, two.ci_high]
    return dict(zip(("exact_two_sided_median", "exact_two_sided_ci_low",
                     "exact_two_sided_ci_high"), values, strict=True))  # fmt: skip


def correlate_pairs(
    source,
    names: list[str],
    kappa: float = 1.0,
    alternative: str = "two-sided",
    ci_prob: float = 0.95,
) -> list[dict]:
    """One record per pair of ``names``, from participant rows (each pair's complete rows) or a
    published matrix (its n): the source gives each pair's r and n
    (:mod:`bayes_peer.data.source`)."""
    if len(names) < 2:
        raise InputError(f"need at least two variables for a correlation, got {len(names)}")
    records = []
    for a, b in itertools.combinations(names, 2):
        r, n = source.pair(a, b)
        records.append({"var1": a, "var2": b, **correlation_record(r, n, kappa, alternative,
                                                                      ci_prob)})  # fmt: skip
    return records


def partial_pairs(
    source,
    names: list[str],
    controls: list[str],
    kappa: float = 1.0,
    alternative: str = "two-sided",
    ci_prob: float = 0.95,
) -> list[dict]:
    """One record per pair of ``names``: the partial correlation given ``controls`` (numeric
    columns or factors, a factor as its indicator columns) on the rows complete on the pair and
    every control. The frequentist test has n - 2 - m degrees of freedom and the exact Bayes
    factor and posterior use n - m in place of n (m = control columns): the sampling
    distribution of a partial correlation is that of a simple one from n - m observations
    (Fisher 1924). ``n`` is the rows used, ``n_effective`` = n - m.

    References
    ----------
    Fisher, R. A. (1924). The distribution of the partial correlation coefficient. *Metron*,
    3, 329-332.
    """
    from bayes_peer.data.moments import check_correlation

    if len(names) < 2:
        raise InputError(f"need at least two variables for a correlation, got {len(names)}")
    for control in controls:
        if control in names:
            raise InputError(f"`partial_on`: '{control}' is also in `vars`")
    columns = [c for t in controls for c in source.term_columns(t)]
    m = len(columns)
    records = []
    for a, b in itertools.combinations(names, 2):
        values = source.matrix([a, b, *columns])
        keep = ~np.isnan(values).any(axis=1)
        n = int(keep.sum())
        if n - m < MIN_PAIRS:
            raise InputError(f"{source.path}: '{a}' and '{b}' have {n} rows complete on them and "
                             f"the {m} control column(s); a partial correlation needs at least "
                             f"{MIN_PAIRS + m}")  # fmt: skip
        for name in controls:
            if name in getattr(source, "factors", {}):
                source.factors[name].check_rows(keep, source.path, f"complete on '{a}', '{b}' "
                                                "and the controls")  # fmt: skip
        corr = np.corrcoef(values[keep], rowvar=False)
        r = float(_partial_from_corr(corr)) if m else float(corr[0, 1])
        check_correlation(source.path, a, b, r)
        record = correlation_record(r, n - m, kappa, alternative, ci_prob)
        record.update(n=n, n_effective=n - m)
        records.append({"var1": a, "var2": b, **record})
    return records


def _partial_from_corr(corr: np.ndarray) -> float:
    """Partial correlation of the first two variables given the rest (from the precision)."""
    precision = np.linalg.inv(corr)
    return -precision[0, 1] / np.sqrt(precision[0, 0] * precision[1, 1])


def correlation_prior_text(kappa: float) -> str:
    """The sentence stating the prior behind every Bayes factor and posterior."""
    return (
        prior_description(kappa)
        + "; right-Haar prior on means and SDs; exact posterior (Ly, Marsman & Wagenmakers 2018)"
    )


def _settings(draws: int, tune: int, chains: int, seed: int):
    """Sampler settings, each checked against its documented range."""
    from bayes_peer.mcmc.sampler import SamplerSettings

    values = {name: check(name, value, f"`{name}`") for name, value in
              (("draws", draws), ("tune", tune), ("chains", chains), ("seed", seed))}  # fmt: skip
    check_total_draws(values["draws"], values["chains"], "`draws` x `chains`")
    return SamplerSettings(**values)


def _variables(data, vars, waves, partial_on, mcmc: bool) -> tuple[list[str] | None, list | None]:
    """The variables an analysis names (constructs with ``waves``) and the columns to parse."""
    names = _name_list(vars, "vars") if vars is not None else None
    waves = _name_list(waves, "waves") if waves is not None else None
    partial_on = _name_list(partial_on, "partial_on") if partial_on else None
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


def _name_list(value, parameter: str) -> list[str]:
    """A list of names (a comma-separated string is accepted), each named once."""
    items = [v.strip() for v in value.split(",")] if isinstance(value, str) else list(value)
    if not items or any(not isinstance(v, str) or not v.strip() for v in items):
        raise InputError(f"`{parameter}` must name at least one column, got {value!r}")
    items = [v.strip() for v in items]
    for item in items:
        if items.count(item) > 1:
            raise InputError(f"`{parameter}`: '{item}' is named twice")
    return items


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
        raise InputError(f"`alternative` must be one of {', '.join(ALTERNATIVES)}, got "
                         f"{alternative!r}")  # fmt: skip
    if method not in METHODS:
        raise InputError(f"`method` must be one of {', '.join(METHODS)}, got {method!r}")
    if tau is not None:
        if method not in ("exact", "kendall") or r is not None:
            raise InputError("`tau` is one Kendall's tau: give it with `n`, without `r` and "
                             "with method='kendall'")  # fmt: skip
        method = "kendall"
    mcmc = method not in EXACT_METHODS
    if mcmc and (robustness or sequential or influence):
        raise InputError("`robustness`, `sequential` and `influence` use the exact layer: "
                         "method='exact' or 'kendall'")  # fmt: skip
    common = {"kappa": kappa, "alternative": alternative, "ci_prob": ci_prob}
    from bayes_peer.analyses.informed import add_informed_keys, check_informed

    informed = check_informed(prior_rho, similar_delta, similar_center, replication_of)
    if informed.active and method == "kendall":
        raise InputError("`prior_rho` and `replication_of` are for Pearson's r, not Kendall's tau")
    if method == "kendall":
        from bayes_peer.analyses.correlate_kendall import correlate_kendall

        return correlate_kendall(data, vars, tau, n, common, robustness, sequential, influence,
                                 rounding_sensitivity, nearest_correlation)  # fmt: skip
    prior = correlation_prior_text(kappa)
    if r is not None or n is not None:
        if data is not None or vars is not None:
            raise InputError("give either `data` (with `vars`) or `r` with `n`, not both")
        if r is None or n is None:
            raise InputError("`r` needs `n` (the number of pairs), and `n` needs `r`")
        if mcmc or sequential or influence:
            raise InputError("a correlation given as `r` and `n` has no rows: method='exact', "
                             "without `sequential` or `influence`")  # fmt: skip
        record = correlation_record(check("r", r, "`r`"), check("n", n, "`n`"), **common)
        add_correlation_sensitivity([record], None, **common, robustness=robustness)
        add_informed_keys([record], informed)
        return Result("correlation", {**record, "prior": prior, **informed.record_keys()})
    from bayes_peer.analyses.terms import check_reference, factor_names

    coding = {"factors": factor_names(factors), "reference": check_reference(reference)}
    if (coding["factors"] or coding["reference"]) and not partial_on:
        raise InputError("`factors` and `reference` set how controls are coded: they go with "
                         "`partial_on`")  # fmt: skip
    names, columns = _variables(data, vars, waves, partial_on, mcmc)
    source = as_source(data, columns, nearest_correlation=nearest_correlation, **coding)
    if (sequential or influence) and not source.has_rows:
        raise InputError("`sequential` and `influence` need participant data (rows)")
    if rounding_sensitivity is not None and source.has_rows:
        raise InputError("`rounding_sensitivity` checks a published table; give a table")
    partial = _name_list(partial_on, "partial_on") if partial_on else []
    left_out = []
    if names is None or waves is not None:
        if names is None:
            names = [c for c in source.variables if c not in partial]
            left_out = [f for f in getattr(source, "factors", {}) if f not in partial]
    if waves is None:
        source.require(names)
        if len(names) < 2:
            raise InputError(f"need at least two numeric variables for a correlation, got "
                             f"{len(names)}" + "".join(f"; left out: {source.categorical_note(f)}"
                                                       for f in left_out))  # fmt: skip
    analysed = columns or [*names, *partial]
    meta = {"source": source.path, "data_kind": data_kind(source),
            "data_sha256": source.sha256,
            "synthetic": source.synthetic, "n_rows": source.n_rows,
            "variables": _variable_table(source, analysed)}  # fmt: skip
    if left_out:
        meta["warnings"] = [f"{source.categorical_note(f)}: left out (correlations need numeric "
                            "columns)" for f in left_out]  # fmt: skip
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
        options = {"eta": check("eta", eta, "`eta`"), "rope": check("rope", rope, "`rope`"),
                   **common}  # fmt: skip

        def refit(table):
            return correlate_mcmc(table, names, method, settings, **options).result["pairs"]

        outcome = correlate_mcmc(
            source, names, method, settings, **options, missing=missing, robust=robust,
            partial_on=_name_list(partial_on, "partial_on") if partial_on else None,
            waves=_name_list(waves, "waves") if waves is not None else None,
            informed=informed,
        )  # fmt: skip
        fits = {name: fit.idata for name, fit in outcome.fits.items()}
        record = {**meta, **common, "prior_exact": prior, **informed.record_keys(),
                  **outcome.result}  # fmt: skip
        keys = ("mcmc_median", "mcmc_ci_low", "mcmc_ci_high", "p_positive", "bf10")
    else:

        def refit(table):
            return correlate_pairs(table, names, **common)

        if partial:
            if not source.has_rows:
                raise InputError("`partial_on` needs participant data (rows)")
            if sequential or influence or robustness:
                raise InputError("`robustness`, `sequential` and `influence` analyse simple "
                                 "correlations: drop `partial_on`")  # fmt: skip
            pairs = partial_pairs(source, names, partial, **common)
        else:
            pairs = correlate_pairs(source, names, **common)
        add_informed_keys(pairs, informed)
        record = {**meta, **common, "prior": prior, **informed.record_keys(), "pairs": pairs}
        if partial:
            record["partial_on"] = partial
        add_correlation_sensitivity(
            pairs, source, **common, robustness=robustness, sequential_orders=sequential,
            leave_one_out=influence,
        )  # fmt: skip
        keys = ("posterior_median", "ci_low", "ci_high", "bf10")
    if rounding_sensitivity is not None:
        from bayes_peer.analyses.rounding import rounding_sensitivity as rounding

        record["rounding_sensitivity"] = rounding(
            source, refit, lambda row: f"{row['var1']} ~ {row['var2']}", keys,
            decimals=check("decimals", decimals, "`decimals`"),
            count=check("rounding_sensitivity", rounding_sensitivity, "`rounding_sensitivity`"),
            seed=1 if seed is None else check("seed", seed, "`seed`"),
        )  # fmt: skip
    return Result("correlation", record, fits=fits)


def _variable_table(source, names: list[str]) -> list[dict]:
    """Observed and missing counts of the analysed variables, in the source's order."""
    return [v for v in source.variable_table() if v["name"] in names]


#: What ``method`` may be; the first two are the exact layer (no MCMC).
METHODS = ("exact", "kendall", "joint", "pairwise")
EXACT_METHODS = ("exact", "kendall")
