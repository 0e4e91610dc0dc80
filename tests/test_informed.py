"""The paper's fourth claim (issue 30): accurate exact quantiles against a 30-digit mpmath
reference, informed priors and replication Bayes factors against independent quadrature,
their invariants, the CLI's JSON contract and refusals; (slow) Savage-Dickey BFs of the MCMC
models against the exact layer and a 1-D quadrature of the regression's marginal likelihood."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from scipy import integrate, special, stats

import bayes_peer as bp
from bayes_peer.exact.correlation import correlation_posterior, log_bayes_factors
from bayes_peer.exact.informed import (
    FLUCKIGER_CI,
    FLUCKIGER_NEGATIVE,
    FLUCKIGER_R,
    ZNormalPrior,
    fluckiger_2018,
    informed_analysis,
    log_bf_both,
    log_bf_replication,
    parse_prior,
    similarity_design,
)
from bayes_peer.exact.kendall import kendall_posterior

from conftest import ROOT

DATA = ROOT / "tests" / "data"


def _read(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------------------- quantiles
# tests/data/exact_quantiles_mpmath.csv and kendall_quantiles_mpmath.csv: written by
# scripts/reference_quantiles.py with mpmath at 30 significant digits (2026-12-04), code
# independent of bayes_peer (Hotelling's form of the likelihood with mpmath's 2F1; van Doorn
# et al.'s normal approximation for Kendall), the CDF by Gauss-Legendre quadrature per segment
# and Newton steps.
PEARSON = _read("exact_quantiles_mpmath.csv")
KENDALL = _read("kendall_quantiles_mpmath.csv")
QUANTILE_TOL = 1e-10


def test_the_reference_grids_are_complete():
    assert len(PEARSON) == 4 * 3 * 5 * 3
    assert {row["alternative"] for row in PEARSON} == {"two-sided", "greater", "less"}
    assert {row["prior"].split("=")[0] for row in PEARSON} == {"kappa", "znormal"}
    assert len(KENDALL) == 4 * 3 * 3 * 3


@pytest.mark.parametrize(
    "row", PEARSON, ids=lambda r: f"{r['r']}-{r['n']}-{r['prior']}-{r['alternative']}"
)
def test_exact_quantiles_agree_with_mpmath_to_1e_10(row):
    r, n, alternative = float(row["r"]), int(row["n"]), row["alternative"]
    kind, value = row["prior"].split("=")
    if kind == "kappa":
        post = correlation_posterior(r, n, float(value), alternative)
        got = (post.ci_low, post.posterior_median, post.ci_high)
    else:
        mu, sd = (float(v) for v in value.split(","))
        res = informed_analysis(r, n, ZNormalPrior(mu, sd), alternative=alternative)
        got = (res.informed_ci_low, res.informed_median, res.informed_ci_high)
    want = (float(row["q0.025"]), float(row["q0.5"]), float(row["q0.975"]))
    for g, w in zip(got, want, strict=True):
        assert abs(g - w) < QUANTILE_TOL, (g, w)


@pytest.mark.parametrize(
    "row", KENDALL, ids=lambda r: f"{r['tau']}-{r['n']}-{r['kappa']}-{r['alternative']}"
)
def test_kendall_quantiles_agree_with_mpmath_to_1e_10(row):
    post = kendall_posterior(
        float(row["tau"]), int(row["n"]), float(row["kappa"]), row["alternative"]
    )
    got = (post.ci_low, post.posterior_median, post.ci_high)
    want = (float(row["q0.025"]), float(row["q0.5"]), float(row["q0.975"]))
    for g, w in zip(got, want, strict=True):
        assert abs(g - w) < QUANTILE_TOL, (g, w)


# ---------------------------------------------------------------------------- independent code
def _h(rho: float, r: float, n: int) -> float:
    """Likelihood ratio p(r | rho) / p(r | 0) in Hotelling's form with scipy's 2F1 (code
    independent of bayes_peer.exact)."""
    return (
        (1 - rho * rho) ** ((n - 1) / 2)
        * (1 - rho * r) ** (1.5 - n)
        * special.hyp2f1(0.5, 0.5, n - 0.5, (1 + rho * r) / 2)
        / special.hyp2f1(0.5, 0.5, n - 0.5, 0.5)
    )


def _uniform(rho: float) -> float:
    return 0.5  # the stretched beta with kappa = 1


def _znormal_rho(prior: ZNormalPrior):
    def density(rho: float) -> float:
        z = math.atanh(rho)
        return stats.norm.pdf(z, prior.mu, prior.sd) / (1 - rho * rho)

    return density


def _quad(f, a=-1.0, b=1.0) -> float:
    value, _ = integrate.quad(
        f, a, b, epsabs=0.0, epsrel=1e-13, limit=500, points=[0.0] if a < 0 < b else None
    )
    return value


def test_the_flueckiger_prior_follows_from_the_published_numbers():
    # Flückiger et al. (2018): r = .278, 95% CI [.256, .299], about 2% of the effects negative
    prior = fluckiger_2018()
    se = (math.atanh(FLUCKIGER_CI[1]) - math.atanh(FLUCKIGER_CI[0])) / (2 * stats.norm.ppf(0.975))
    tau = math.atanh(FLUCKIGER_R) / stats.norm.ppf(1 - FLUCKIGER_NEGATIVE)
    assert prior.mu == pytest.approx(math.atanh(0.278), abs=1e-15)
    assert prior.sd == pytest.approx(math.hypot(se, tau), abs=1e-15)
    assert prior.sd == pytest.approx(0.1395, abs=5e-4)
    assert parse_prior("flueckiger2018") == prior


@pytest.mark.parametrize(("r", "n"), [(0.35, 46), (-0.2, 46), (0.6, 20), (0.05, 150)])
def test_informed_bf_and_p_similar_agree_with_independent_quadrature(r, n):
    prior = ZNormalPrior(0.2855, 0.10)
    res = informed_analysis(r, n, prior, similar_delta=0.1)
    bf_inf = _quad(lambda rho: _h(rho, r, n) * _znormal_rho(prior)(rho))
    bf_default = _quad(lambda rho: _h(rho, r, n) * _uniform(rho))
    assert res.log_bf10_informed == pytest.approx(math.log(bf_inf), abs=1e-9)
    assert res.log_bf_informed_default == pytest.approx(math.log(bf_inf / bf_default), abs=1e-9)
    c = math.tanh(prior.mu)
    mass = _quad(lambda rho: _h(rho, r, n) * _uniform(rho), c - 0.1, c + 0.1) / bf_default
    assert res.p_similar == pytest.approx(mass, abs=1e-10)
    assert res.similar_center == pytest.approx(c) and res.similar_delta == 0.1


def test_one_sided_informed_bfs_average_to_the_two_sided_one():
    """The two-sided informed prior is the mixture of its halves with weights P(z > 0) and
    P(z < 0), so BF10 = P(+) BF+0 + P(-) BF-0 (the invariant BF+0 + BF-0 = 2 BF10 of a
    symmetric prior, for an asymmetric one)."""
    prior = ZNormalPrior(0.2855, 0.30)
    two, plus, minus = (
        informed_analysis(0.25, 46, prior, alternative=a).log_bf10_informed
        for a in ("two-sided", "greater", "less")
    )
    p_plus = stats.norm.cdf(prior.mu / prior.sd)
    assert math.exp(two) == pytest.approx(
        p_plus * math.exp(plus) + (1 - p_plus) * math.exp(minus), rel=1e-10
    )


@pytest.mark.parametrize(
    ("r", "n", "r0", "n0"), [(0.45, 46, 0.278, 300), (0.1, 46, 0.5, 30), (-0.3, 80, 0.2, 46)]
)
def test_replication_bf_is_the_evidence_updating_identity(r, n, r0, n0):
    """bf_rep = BF10(both) / BF10(original) (Ly et al. 2019, eq. 5), BF10(both) with the two
    likelihoods multiplied under the default prior: to 1e-10 against bayes_peer's own BF10s,
    and against scipy quadrature of the original's posterior times the new likelihood."""
    log_rep = log_bf_replication(r, n, r0, n0)
    log_orig = log_bayes_factors(r0, n0, 1.0)[0]
    assert log_rep == pytest.approx(log_bf_both(r, n, r0, n0) - log_orig, abs=1e-10)
    norm = _quad(lambda rho: _h(rho, r0, n0) * _uniform(rho))
    rep = _quad(lambda rho: _h(rho, r, n) * _h(rho, r0, n0) * _uniform(rho)) / norm
    assert log_rep == pytest.approx(math.log(rep), abs=1e-9)
    # one-sided: both priors truncated to rho > 0, the identity holds in the same terms
    log_rep_plus = log_bf_replication(r, n, r0, n0, alternative="greater")
    plus_both = log_bf_both(r, n, r0, n0, alternative="greater")
    plus_orig = log_bayes_factors(r0, n0, 1.0)[1]
    assert log_rep_plus == pytest.approx(plus_both - plus_orig, abs=1e-10)


def test_a_study_replicates_itself_and_a_null_original_says_little():
    # the same r as a large original: bf_rep > BF10 of the new data alone (the original's
    # posterior concentrates where the new likelihood is)
    assert log_bf_replication(0.3, 46, 0.3, 500) > log_bayes_factors(0.3, 46, 1.0)[0]
    # an original at r = 0 with n0 large puts the prior near 0: bf_rep ~ 1 for modest data
    assert abs(log_bf_replication(0.1, 46, 0.0, 2000)) < 0.1


def test_similarity_design_is_a_probability_and_grows_with_n():
    prior = fluckiger_2018()
    small = similarity_design(0.278, 46, prior)
    large = similarity_design(0.278, 300, prior)
    for d in (small, large):
        assert 0 <= d["p_bf_gt"] <= 1 and 0 <= d["p_bf_lt_inverse"] <= 1
        assert d["p_bf_gt"] + d["p_bf_lt_inverse"] + d["p_inconclusive"] == pytest.approx(1.0)
    assert large["p_bf_gt"] > small["p_bf_gt"]


# ---------------------------------------------------------------------------- contract
INFORMED_KEYS = (
    "bf10_informed",
    "bf_informed_default",
    "p_similar",
    "similar_center",
    "similar_delta",
    "informed_median",
    "informed_ci_low",
    "informed_ci_high",
)


def test_cli_contract_from_r_and_n(cli):
    status, out, err = cli(
        "correlate",
        "--r",
        "0.35",
        "--n",
        "46",
        "--prior-rho",
        "znormal(0.2855,0.10)",
        "--similar-delta",
        "0.15",
        "--replication-of",
        "0.278,300",
        "--json",
    )
    assert status == 0, err
    record = json.loads(out)
    for key in (*INFORMED_KEYS, "bf_rep"):
        assert isinstance(record[key], float), key
    assert record["similar_delta"] == 0.15
    res = informed_analysis(0.35, 46, ZNormalPrior(0.2855, 0.10), similar_delta=0.15)
    assert record["bf10_informed"] == pytest.approx(math.exp(res.log_bf10_informed), rel=1e-12)
    assert record["bf_rep"] == pytest.approx(
        math.exp(log_bf_replication(0.35, 46, 0.278, 300)), rel=1e-12
    )
    assert "Normal(0.2855, 0.1²)" in record["prior_informed"]
    assert record["replication_of"] == {"r": 0.278, "n": 300}


def test_cli_contract_with_data_and_vars(cli, tmp_path):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(46)
    rows = np.column_stack([x, 0.4 * x + rng.standard_normal(46), rng.standard_normal(46)])
    path = tmp_path / "study.csv"
    np.savetxt(path, rows, delimiter=",", header="a,b,c", comments="", fmt="%.6f")
    status, out, err = cli(
        "correlate",
        "--data",
        str(path),
        "--vars",
        "a,b,c",
        "--prior-rho",
        "flueckiger2018",
        "--replication-of",
        "0.3,60",
        "--json",
    )
    assert status == 0, err
    record = json.loads(out)
    assert len(record["pairs"]) == 3
    for pair in record["pairs"]:
        for key in (*INFORMED_KEYS, "bf_rep"):
            assert isinstance(pair[key], float), key
        res = informed_analysis(pair["r"], pair["n"], fluckiger_2018())
        assert pair["informed_median"] == pytest.approx(res.informed_median, abs=1e-12)
    assert record["prior_informed_name"] == fluckiger_2018().name


def test_api_takes_the_same_options():
    res = bp.correlate(r=0.35, n=46, prior_rho="znormal(0.2855,0.10)", replication_of=(0.278, 300))
    assert res.record["bf10_informed"] > 0 and res.record["bf_rep"] > 0
    assert res.record["similar_delta"] == 0.1
    for bad in (5, {"r": 0.3, "n": 50}, (0.3,), "0.3,50"):
        with pytest.raises(bp.InputError, match="replication_of"):
            bp.correlate(r=0.35, n=46, replication_of=bad)
    with pytest.raises(bp.InputError, match="prior_coefficient"):
        bp.regress(
            "demo",
            "satisfaction_m24",
            [["alliance_m24"]],
            method="bma",
            candidates=["contacts_m24"],
            prior_coefficient={"alliance_m24": "normal(0,1)"},
        )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--prior-rho", "znormal(0.3,0)"), "> 0"),
        (("--prior-rho", "znormal(0.3,-1)"), "> 0"),
        (("--prior-rho", "cauchy(0,1)"), "znormal(MU,SD)"),
        (("--prior-rho", "znormal(a,b)"), "znormal"),
        (("--replication-of", "1.0,50"), "R0"),
        (("--replication-of=-1.2,50",), "R0"),
        (("--replication-of", "0.3,3"), "N0"),
        (("--replication-of", "0.3"), "R0,N0"),
        (("--similar-delta", "0.2"), "prior_rho"),
        (("--prior-rho", "flueckiger2018", "--similar-delta", "0"), "similar_delta"),
    ],
)
def test_nonsense_exits_2_with_one_error_line(cli, args, needle):
    status, out, err = cli("correlate", "--r", "0.3", "--n", "46", *args)
    lines = err.strip().splitlines()
    assert status == 2 and out == ""
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    assert needle.replace("_", "-") in lines[0] or needle in lines[0], lines[0]


def test_kendall_refuses_an_informed_prior(cli):
    status, _, err = cli("correlate", "--tau", "0.3", "--n", "46", "--prior-rho", "flueckiger2018")
    assert status == 2 and "Kendall" in err


def test_regression_prior_coefficient_is_checked(cli):
    model = ["regress", "--data", "demo", "--outcome", "satisfaction_m24"]
    model += ["--block", "alliance_m24"]
    for args, needle in (
        (("--prior-coefficient", "alliance_m24=normal(0.3,0)"), "SD > 0"),
        (("--prior-coefficient", "nonsense=normal(0.3,0.1)"), "nonsense"),
        (("--prior-coefficient", "alliance_m24"), "TERM=normal"),
    ):
        status, _, err = cli(*model, "--prior", "normal", *args)
        assert status == 2, err
        assert err.startswith("error:") and needle in err, err
    status, _, err = cli(*model, "--prior-coefficient", "alliance_m24=normal(0.3,0.1)")
    assert status == 2 and "--prior" in err


def test_savage_dickey_stays_finite_for_a_strong_effect():
    """log BF10 of about 1000: the posterior density at 0 is below the smallest float, so
    the estimate must be formed in log space (draws from the slope's conjugate posterior)."""
    from bayes_peer.mcmc.savage_dickey import slope_at_zero

    rng = np.random.default_rng(1)
    n = 2000
    x = rng.standard_normal(n)
    y = 0.9 * x + 0.4 * rng.standard_normal(n)
    stats_ = {"XtX": np.array([[x @ x]]), "Xty": np.array([x @ y]), "sum_x": np.array([x.sum()])}
    b_hat = (x @ y) / (x @ x)
    sigma = np.full((2, 500), 0.4)
    beta = (b_hat + 0.4 / math.sqrt(x @ x) * rng.standard_normal((2, 500)))[..., None]
    sd = slope_at_zero(np.zeros((2, 500)), beta, sigma, stats_, 0, 0.0, 1.0)
    # the exact conditional BF given sigma and intercept: prior N(0, 1) at 0 over the
    # normal full conditional at 0 (every draw has the same conditional here)
    precision = (x @ x) / 0.16 + 1.0
    mean = ((x @ y) / 0.16) / precision
    exact = (-0.5 * math.log(2 * math.pi)) - (
        0.5 * math.log(precision / (2 * math.pi)) - 0.5 * precision * mean**2
    )
    assert exact > 1000 and math.isfinite(sd.log_bf10)
    assert sd.log_bf10 == pytest.approx(exact, rel=1e-12)
    assert sd.log_bf10_mcse == pytest.approx(0.0, abs=1e-12)


# ---------------------------------------------------------------------------- MCMC (slow)
SHORT = {"draws": 1000, "tune": 1000, "chains": 4, "seed": 11, "quiet": True}


def _agree(log_exact: float, log_mcmc: float, mcse: float) -> None:
    """Within 4 Monte Carlo SEs (plus a floor of 0.005 for the MCSE's own error)."""
    assert abs(log_exact - log_mcmc) < 4 * mcse + 0.005, (log_exact, log_mcmc, mcse)


@pytest.mark.slow
def test_pairwise_savage_dickey_and_informed_posterior_agree_with_the_exact_layer():
    res = bp.correlate(
        "demo",
        vars=["alliance_m24", "satisfaction_m24", "recovery_m24"],
        method="pairwise",
        prior_rho="flueckiger2018",
        **SHORT,
    )
    for pair in res.record["pairs"]:
        _agree(
            pair["log_bf10"],
            pair["log_mcmc_bf10_savage_dickey"],
            pair["log_mcmc_bf10_savage_dickey_mcse"],
        )
        assert pair["log_bf10_informed_two_sided"] == pair["log_bf10_informed"]  # two-sided
        _agree(
            pair["log_bf10_informed"],
            pair["log_mcmc_informed_bf10_savage_dickey"],
            pair["log_mcmc_informed_bf10_savage_dickey_mcse"],
        )
        assert abs(pair["mcmc_informed_median"] - pair["exact_two_sided_informed_median"]) < (
            4 * pair["mcmc_informed_mcse_median"] + 1e-3
        )
        assert pair["mcmc_informed_diagnostics_ok"]
    assert "informed prior" in res.record["prior"]


def _regression_bf_oracle(y: np.ndarray, x: np.ndarray, mu: float, sd: float) -> float:
    """log BF10 of slope = 0 in y = a + b x + N(0, s²), a ~ N(0, 2.5²), b ~ N(mu, sd²),
    s ~ Exponential(1): given s the marginal of y is normal (a and b integrate out exactly),
    and s is integrated by adaptive quadrature (code independent of the sampler)."""
    n = y.size

    def log_marginal(design: np.ndarray, mean: np.ndarray, cov: np.ndarray, s: float) -> float:
        return stats.multivariate_normal.logpdf(
            y, design @ mean, s * s * np.eye(n) + design @ cov @ design.T
        )

    ones = np.ones((n, 1))
    full, null = np.column_stack([ones, x]), ones
    h1 = (full, np.array([0.0, mu]), np.diag([2.5**2, sd**2]))
    h0 = (null, np.array([0.0]), np.array([[2.5**2]]))
    peak = max(log_marginal(*h1, s) for s in np.linspace(0.3, 2, 40))

    def integrand(s: float, h) -> float:
        return math.exp(log_marginal(*h, s) - peak - s)

    m1, _ = integrate.quad(integrand, 0, 20, args=(h1,), epsrel=1e-11, limit=200)
    m0, _ = integrate.quad(integrand, 0, 20, args=(h0,), epsrel=1e-11, limit=200)
    return math.log(m1 / m0)


@pytest.mark.slow
def test_regression_savage_dickey_agrees_with_quadrature_of_the_marginal_likelihood(tmp_path):
    rng = np.random.default_rng(8)
    x = rng.standard_normal(46)
    y = 0.35 * x + rng.standard_normal(46)
    path = tmp_path / "one.csv"
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", header="x,y", comments="", fmt="%.8f")
    zx = (x - x.mean()) / x.std(ddof=1)
    zy = (y - y.mean()) / y.std(ddof=1)
    for prior, (mu, sd) in ((None, (0.0, 1.0)), ({"x": "normal(0.278,0.14)"}, (0.278, 0.14))):
        res = bp.regress(str(path), "y", [["x"]], method="normal", prior_coefficient=prior, **SHORT)
        row = res.record["coefficients"][0]
        assert (row["slope_prior_mean"], row["slope_prior_sd"]) == (mu, sd)
        _agree(
            _regression_bf_oracle(zy, zx, mu, sd),
            row["log_mcmc_bf10_savage_dickey"],
            row["log_mcmc_bf10_savage_dickey_mcse"],
        )


# ---------------------------------------------------------------------------- specs, claims
SPEC = """title = "t"
[data]
csv = "demo"
[correlations]
constructs = ["alliance", "contacts", "satisfaction"]
waves = ["m12", "m24"]
[informed]
{informed}
"""


@pytest.mark.parametrize(
    ("informed", "key"),
    [
        ('prior_rho = "znormal(0.3,0)"', "informed.prior_rho"),
        ('prior_rho = "beta(2,2)"', "informed.prior_rho"),
        ('prior_rho = "flueckiger2018"\nsimilar_delta = 2', "informed.similar_delta"),
        ('prior_rho = "flueckiger2018"\npairs_with = "nope"', "informed.pairs_with"),
        ('prior_rho = "flueckiger2018"\noutcomes = ["satisfaction"]', "informed.outcomes"),
        (
            'prior_rho = "flueckiger2018"\npairs_with = "alliance"\noutcomes = ["qol"]',
            "informed.outcomes",
        ),
        ("similar_delta = 0.1", "informed.prior_rho"),
        ('prior_rho = "flueckiger2018"\nwidth = 1', "informed.width"),
    ],
)
def test_spec_informed_table_is_checked_naming_the_key(cli, tmp_path, informed, key):
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC.format(informed=informed), encoding="utf-8")
    status, out, err = cli("run", str(spec), "--out", str(tmp_path / "o"), "--quiet")
    assert status == 2 and out == ""
    assert err.startswith("error:") and f"'{key}'" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_spec_informed_table_is_read():
    from bayes_peer.runs.specs import load_spec

    spec = load_spec("demo:correlations")
    assert spec.informed == {
        "prior_rho": "flueckiger2018",
        "pairs_with": "alliance",
        "outcomes": ["satisfaction", "empowerment", "recovery", "qol"],
        "similar_delta": 0.1,
        "similar_center": None,
    }


def _row(wave, a, b, bf10, **extra):
    return {
        "wave": wave,
        "var1": f"{a}_{wave}",
        "var2": f"{b}_{wave}",
        "bf10": bf10,
        "bf01": 1 / bf10,
        **extra,
    }


def test_paper_claims_read_each_analysis():
    from bayes_peer.analyses.claims import paper_claims

    rows = [
        _row("m12", "alliance", "contacts", 0.2),
        _row("m24", "alliance", "contacts", 0.5),
        _row("m12", "alliance", "satisfaction", 0.4),
        _row(
            "m24",
            "alliance",
            "satisfaction",
            40.0,
            bf_informed_default=2.0,
            p_similar=0.3,
            informed_prior_mu=fluckiger_2018().mu,
            informed_prior_sd=fluckiger_2018().sd,
            similar_center=0.278,
            similar_delta=0.1,
        ),
        _row("m24", "alliance", "contacts2", 1.0, bf_informed_default=9.0, p_similar=0.1),
    ]
    blocks = [
        {
            "outcome": "satisfaction_m24",
            "wave": "m24",
            "block": 2,
            "terms": "alliance_m24",
            "bf_block": 12.0,
        }
    ]
    claims = paper_claims(rows, blocks)
    assert [c["claim"][:2] for c in claims] == ["1.", "2.", "3.", "4."]
    assert "m12: BF01 = 5, evidence for no relation" in claims[0]["evidence"]
    assert "m24: BF01 = 2, inconclusive about no relation" in claims[0]["evidence"]
    assert "satisfaction: BF10 0.4 (m12) -> 40 (m24)" in claims[1]["evidence"]
    assert "BF = 12 (strong evidence for" in claims[2]["evidence"]
    assert claims[3]["evidence"] == "satisfaction: BF(inf vs default) = 2, P(similar) = 0.30"
    assert "Flückiger et al. 2018" in claims[3]["analysis"]  # not an outcome: contacts2 left out
    assert "|rho - 0.278| < 0.1" in claims[3]["analysis"]
    assert paper_claims([_row("m12", "a", "b", 1.0)]) == []  # not the paper's constructs


def test_result_plots_the_literature_comparison(tmp_path):
    res = bp.correlate(
        "demo",
        vars=["alliance_m24", "satisfaction_m24", "recovery_m24"],
        prior_rho="flueckiger2018",
    )
    assert "literature" in res.plot_kinds()
    target = tmp_path / "lit.png"
    res.plot("literature").savefig(target)
    assert target.stat().st_size > 10_000
