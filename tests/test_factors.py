"""Categorical covariates (factors): reading, coding, blocked regressions, model averaging and
partial correlations, against R.

Oracle values come from ``scripts/crosscheck_factors.R`` on ``tests/data/factors_study.csv``
(R 4.2.2, BayesFactor 0.9.12-4.4; ``lm`` + ``anova`` with treatment contrasts, ``lmBF`` on the
dummy-coded numeric design with ``rscaleCont = sqrt(2)/4``). Regression numbers agree to 1e-10
(relative); Bayes factors within BayesFactor's own proportional error estimate.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import bayes_peer as bp

from conftest import ROOT

DATA = str(ROOT / "tests" / "data" / "factors_study.csv")
BLOCKS = [["x1", "sex"], ["site", "x2"]]

# R: summary(m1)$r.squared, summary(m2)$r.squared; anova(lm(y ~ 1), m1); anova(m1, m2)
R_R2 = [0.096749135700663541, 0.589624517488470445]
R_BLOCK1 = {"f_change": 1.87446250170485862, "df1": 2, "df2": 35, "p_change": 0.16851817670985353}
R_BLOCK2 = {"f_change": 1.2811041667404927e01, "df1": 3, "df2": 32,
            "p_change": 1.1513322821482309e-05}  # fmt: skip
# R: coef(summary(lm(y ~ x1 + sex + site + x2))) (estimate, SE, t, p); reference north, f
R_FULL = {
    ("x1", None): (7.4169366907986228e-02, 3.7120723352552031e-02, 1.9980582329597067,
                   5.4268732503054945e-02),
    ("sex", "m"): (1.111945684627248854, 0.638987342689258164, 1.7401685610038633,
                   9.1439905744358022e-02),
    ("site", "south"): (2.273376678307813314, 0.730122582710369894, 3.1136917719604793,
                        3.8774156922829857e-03),
    ("site", "west"): (-1.537429233313195143, 0.752699277931693556, -2.0425544150086390,
                       4.9407805921698182e-02),
    ("x2", None): (1.120263466559135557, 0.343904851831510705, 3.2574808427186315,
                   2.6623292593811517e-03),
}  # fmt: skip
# R: the same model with relevel(site, ref = "west")
R_WEST = {"north": (1.537429233313196031, 0.752699277931693667),
          "south": (3.810805911621007791, 0.774119170827761938)}  # fmt: skip
# R: lmBF(y ~ x1 + sexm) and lmBF(y ~ x1 + sexm + sitesouth + sitewest + x2): bf, error
R_LMBF_BLOCK1 = (5.4303465966511033e-01, 4.1401598308547406e-05)
R_LMBF_FULL = (1.5687262252249957e03, 4.1240278905175879e-06)
# R: y ~ x2 + site + group with group (1/2) a factor: anova(lm(y ~ x2), that model)
R_GROUP = {"n": 40, "f_change": 7.7741444076934672, "df1": 3, "df2": 35,
           "p_change": 4.1669625221422112e-04, "group2": (-0.62194064230035473,
                                                          0.65322247810781320)}  # fmt: skip
# R: log(lmBF(model) / lmBF(y ~ sexm)) and error, the factor's two columns entering together
R_BMA = {
    (): (0.0, 2.07e-05), ("x1",): (0.43089262480133239, 4.14e-05),
    ("site",): (4.8149394676363801, 1.82e-05), ("x2",): (2.2712698076032884, 6.88e-05),
    ("x1", "site"): (5.5059427508124807, 3.31e-05), ("x1", "x2"): (2.5068932514081221, 3.5e-06),
    ("site", "x2"): (7.8808954113237837, 1.99e-06),
    ("x1", "site", "x2"): (8.3994940034626104, 4.12e-06),
}  # fmt: skip
# R: partial correlation of y and x1 given site and x2 (residual correlation; t with n - 5 df)
R_PARTIAL = {"n": 39, "r": 0.342600569087185669, "t": 2.126373068959783286,
             "p": 0.040813104590522946}  # fmt: skip


def close(a, b, rel=1e-10):
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-13)


def test_blocks_with_factors_equal_r_lm_and_anova():
    res = bp.regress(DATA, "y", BLOCKS)
    blocks = res.record["blocks"]
    assert [b["terms"] for b in blocks] == BLOCKS
    assert [b["n"] for b in blocks] == [38, 38]
    for block, expected, r2 in zip(blocks, (R_BLOCK1, R_BLOCK2), R_R2, strict=True):
        assert close(block["r2"], r2)
        for key, value in expected.items():
            assert close(block[key], value), (key, block[key], value)
    assert blocks[1]["p"] == 5  # columns: x1, sex[m], site[south], site[west], x2
    full = [c for c in res.record["coefficients"] if c["block"] == 2]
    assert len(full) == 5
    for row in full:
        b, se, t, p = R_FULL[(row["term"], row["level"])]
        assert close(row["b"], b) and close(row["se"], se)
        assert close(row["t"], t) and close(row["p_value"], p)
        assert row["reference"] == {"sex": "f", "site": "north"}.get(row["term"])
    (site,) = [f for f in res.record["factors"] if f["name"] == "site"]
    assert site["levels"] == ["north", "south", "west"] and site["reference"] == "north"


def test_block_bayes_factors_agree_with_lmbf_within_its_error():
    blocks = bp.regress(DATA, "y", BLOCKS).record["blocks"]
    bf1, err1 = R_LMBF_BLOCK1
    assert abs(blocks[0]["bf_block"] / bf1 - 1) <= 3 * err1
    full, err_full = R_LMBF_FULL
    ratio = full / bf1  # the second block's BF = BF(full) / BF(block 1 model)
    assert abs(blocks[1]["bf_block"] / ratio - 1) <= 3 * (err1 + err_full)


def test_the_reference_level_changes_coefficients_not_the_fit():
    default = bp.regress(DATA, "y", BLOCKS)
    west = bp.regress(DATA, "y", BLOCKS, reference={"site": "west"})
    for a, b in zip(default.record["blocks"], west.record["blocks"], strict=True):
        for key in ("r2", "delta_r2", "f_change", "p_change", "bf_block"):
            assert close(a[key], b[key], 1e-9), key
    rows = {c["level"]: c for c in west.record["coefficients"]
            if c["block"] == 2 and c["term"] == "site"}  # fmt: skip
    assert set(rows) == {"north", "south"} and rows["north"]["reference"] == "west"
    for level, (b, se) in R_WEST.items():
        assert close(rows[level]["b"], b) and close(rows[level]["se"], se)


def test_numeric_codes_are_a_factor_only_when_declared():
    numeric = bp.regress(DATA, "y", [["x2"], ["site", "group"]])
    assert numeric.record["blocks"][1]["df1"] == 3  # site (2 columns) + group as a number
    assert numeric.record["coefficients"][-1]["level"] is None
    declared = bp.regress(DATA, "y", [["x2"], ["site", "group"]], factors=["group"])
    block = declared.record["blocks"][1]
    assert block["n"] == R_GROUP["n"]
    for key in ("f_change", "df1", "df2", "p_change"):
        assert close(block[key], R_GROUP[key]), key
    (group,) = [c for c in declared.record["coefficients"] if c["term"] == "group"]
    assert (group["level"], group["reference"]) == ("2", "1")
    assert close(group["b"], R_GROUP["group2"][0]) and close(group["se"], R_GROUP["group2"][1])


def test_model_averaging_keeps_a_factor_whole_and_agrees_with_lmbf():
    res = bp.regress(DATA, "y", [["sex"]], method="bma", candidates=["x1", "site", "x2"])
    record = res.record
    assert record["n_models"] == 8  # 2^3 terms, not 2^4 columns
    for model in record["models"]:
        log_bf, error = R_BMA[tuple(model["candidates"])]
        assert abs(model["log_bf"] - log_bf) <= 3 * error + 1e-9, model["candidates"]
    inclusion = {row["term"]: row for row in record["inclusion"]}
    probs = {tuple(m["candidates"]): m["post_prob"] for m in record["models"]}
    p_site = sum(p for terms, p in probs.items() if "site" in terms)
    assert close(inclusion["site"]["p_incl"], p_site, 1e-9)
    odds = p_site / (1 - p_site)  # uniform model prior: prior inclusion odds 1
    assert close(inclusion["site"]["bf_incl"], odds, 1e-6)
    assert inclusion["site"]["mean"] is None  # a factor's coefficients are per level
    levels = [c for c in record["coefficients"] if c["term"] == "site"]
    assert [c["level"] for c in levels] == ["south", "west"]
    assert all(c["reference"] == "north" for c in levels)
    assert [c["term"] for c in record["forced_coefficients"]] == ["sex"]


def test_partial_correlation_given_a_factor_equals_r():
    res = bp.correlate(DATA, ["y", "x1"], partial_on=["site", "x2"])
    (pair,) = res.record["pairs"]
    assert pair["n"] == R_PARTIAL["n"] and pair["n_effective"] == R_PARTIAL["n"] - 3
    assert close(pair["r"], R_PARTIAL["r"]) and close(pair["t"], R_PARTIAL["t"])
    assert close(pair["p_value"], R_PARTIAL["p"])
    assert pair["df"] == R_PARTIAL["n"] - 2 - 3
    # the exact layer treats it as a correlation of n - m observations (Fisher 1924)
    simple = bp.correlate(r=R_PARTIAL["r"], n=R_PARTIAL["n"] - 3).record
    assert close(pair["bf10"], simple["bf10"]) and close(pair["ci_low"], simple["ci_low"])
    assert res.record["partial_on"] == ["site", "x2"]
    assert res.record["factors"][0]["name"] == "site"


def test_a_dataframe_takes_bool_category_and_text_columns():
    frame = pd.read_csv(DATA)
    frame["male"] = pd.array((frame["sex"] == "m").where(frame["sex"].notna()),
                             dtype="boolean")  # missing where sex is  # fmt: skip
    frame["site"] = pd.Categorical(frame["site"], categories=["west", "north", "south"])
    res = bp.regress(frame, "y", [["x1", "male"], ["site", "x2"]])
    coefficients = [c for c in res.record["coefficients"] if c["block"] == 2]
    labels = {(c["term"], c["level"], c["reference"]) for c in coefficients}
    assert ("male", "True", "False") in labels  # boolean: False is the reference
    assert ("site", "north", "west") in labels  # a categorical keeps its own order
    file_fit = bp.regress(DATA, "y", BLOCKS, reference={"site": "west"}).record["blocks"]
    assert close(res.record["blocks"][1]["r2"], file_fit[1]["r2"], 1e-9)  # rows with sex seen


@pytest.mark.parametrize(
    ("call", "fragments"),
    [
        (lambda: bp.regress(DATA, "site", [["x1"]]), ["column 'site' is categorical", "outcomes"]),
        (lambda: bp.correlate(DATA, ["y", "site"]), ["column 'site' is categorical", "`factors`"]),
        (lambda: bp.regress(DATA, "y", [["x1"], ["site"]], reference={"site": "east"}),
         ["`reference`: 'east' is not a level of factor 'site'", "north, south, west"]),
        (lambda: bp.regress(DATA, "y", [["x1"], ["x2"]], reference={"x2": "1"}),
         ["'x2', which is a numeric column, not a factor"]),
        (lambda: bp.regress(DATA, "y", [["x1"]], reference={"site": "west"}),
         ["'site', which is not among the columns analysed"]),
        (lambda: bp.regress(DATA, "y", [["x1"], ["site"]], factors=["nope"]),
         ["`factors` names 'nope'"]),
        (lambda: bp.regress(DATA, "y", [["x1"], ["site"]], method="normal", impute=True),
         ["factor 'site' is missing in 1 row"]),
        (lambda: bp.regress(bp.read_summary("demo:m24"), "qol_m24", [["alliance_m24"]],
                            factors=["x"]), ["`factors` needs participant rows"]),
    ],
)  # fmt: skip
def test_factor_misuse_is_refused_naming_the_column(call, fragments):
    with pytest.raises(bp.InputError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message


def _factor_file(tmp_path, levels: list[str]):
    rng = np.random.default_rng(3)
    rows = ["y,x,g"] + [f"{rng.normal():.3f},{rng.normal():.3f},{g}" for g in levels]
    path = tmp_path / "f.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_levels_too_rare_too_many_or_one_are_refused(tmp_path):
    rare = _factor_file(tmp_path, ["a"] * 10 + ["b"] * 10 + ["c"])
    with pytest.raises(bp.InputError, match=r"level 'c' has 1 row among the 21 rows"):
        bp.regress(rare, "y", [["x"], ["g"]])
    many = _factor_file(tmp_path, [f"L{i}" for i in range(21)] * 2)
    with pytest.raises(bp.InputError, match="21 distinct values; a factor takes at most 20"):
        bp.regress(many, "y", [["x"], ["g"]])
    one = _factor_file(tmp_path, ["a"] * 12)
    with pytest.raises(bp.InputError, match="factor 'g' has 1 level"):
        bp.regress(one, "y", [["x"], ["g"]])


def test_a_column_mixing_numbers_and_text_is_refused_with_the_hint(tmp_path):
    path = tmp_path / "mixed.csv"
    cells = ["2", "3", "abc", "2", "3", "abc", "2", "3"]
    path.write_text("y,x\n" + "".join(f"{i},{c}\n" for i, c in enumerate(cells, start=1)))
    with pytest.raises(bp.InputError) as info:
        bp.regress(path, "y", [["x"]])
    assert "non-numeric value 'abc' in column 'x', row 3" in str(info.value)
    assert "declare it a factor" in str(info.value)
    declared = bp.regress(path, "y", [["x"]], factors=["x"]).record
    assert declared["blocks"][0]["df1"] == 2 and declared["factors"][0]["levels"] == [
        "2", "3", "abc"]  # fmt: skip


def test_plain_correlate_leaves_text_columns_out_and_says_so(cli):
    res = bp.correlate(DATA)
    assert [v["name"] for v in res.record["variables"]] == ["y", "x1", "x2", "group"]
    assert len(res.record["pairs"]) == 6
    assert any("column 'site' is categorical" in w for w in res.record["warnings"])
    assert any("column 'sex' is categorical" in w for w in res.warnings)
    status, out, _ = cli("correlate", "--data", DATA, "--json")
    assert status == 0 and len(json.loads(out)["warnings"]) == 2
    status, _, err = cli("correlate", "--data", DATA, "--vars", "y,sex")
    assert status == 2 and "column 'sex' is categorical" in err and "--factor" in err


def test_command_line_contract_for_factor_levels(cli):
    status, out, err = cli("regress", "--data", DATA, "--outcome", "y", "--block", "x2",
                           "--block", "site,group", "--factor", "group", "--reference",
                           "site=west", "--json")  # fmt: skip
    assert status == 0, err
    record = json.loads(out)
    block = record["blocks"][1]
    assert {k: block[k] for k in ("df1", "df2")} == {"df1": 3, "df2": 35}
    assert all(k in block for k in ("f_change", "p_change", "bf_block"))
    levels = {(c["term"], c["level"], c["reference"]) for c in record["coefficients"]
              if c["block"] == 2}  # fmt: skip
    assert levels == {("x2", None, None), ("site", "north", "west"), ("site", "south", "west"),
                      ("group", "2", "1")}  # fmt: skip
    status, out, err = cli("correlate", "--data", DATA, "--vars", "y,x1", "--partial-on",
                           "site,x2", "--json")  # fmt: skip
    assert status == 0 and math.isclose(json.loads(out)["pairs"][0]["r"], R_PARTIAL["r"])
    status, _, err = cli("correlate", "--data", DATA, "--vars", "y,x1", "--factor", "group")
    assert status == 2 and "--factor goes with --partial-on" in err
    status, _, err = cli("regress", "--data", DATA, "--outcome", "y", "--block", "x1",
                         "--reference", "site")  # fmt: skip
    assert status == 2 and "FACTOR=LEVEL" in err


def test_a_spec_declares_factors_and_reference_levels(tmp_path):
    from bayes_peer.runs.run import load_sources
    from bayes_peer.runs.specs import load_spec

    spec = tmp_path / "s.toml"
    spec.write_text(f'[data]\ncsv = "{DATA}"\n[regressions]\noutcomes = ["y"]\n'
                    'blocks = [["x2"], ["site", "group"]]\nfactors = ["group"]\n'
                    'reference = {site = "west"}\n')  # fmt: skip
    loaded = load_spec(spec)
    assert loaded.regressions["factors"] == ["group"]
    data = load_sources([loaded])["s"]
    assert data.factors["group"].reference == "1" and data.factors["site"].reference == "west"
    bad = tmp_path / "bad.toml"
    bad.write_text(spec.read_text().replace('{site = "west"}', '{site = "east"}'))
    with pytest.raises(bp.InputError, match=r"key 'regressions\.reference'.*'east'"):
        load_sources([load_spec(bad)])


@pytest.mark.slow
def test_mcmc_regression_has_one_coefficient_per_level():
    res = bp.regress(DATA, "y", BLOCKS, method="normal", draws=300, tune=300, chains=2, seed=3)
    full = [c for c in res.record["coefficients"] if c["block"] == 2]
    assert [(c["term"], c["level"]) for c in full] == list(R_FULL)
    for row in full:  # the posterior of a standardized slope sits near the OLS estimate
        assert abs(row["posterior_median"] - row["beta_std"]) < 0.15
    beta = res.fits["block2"]["posterior"]["beta"]
    assert beta.shape[-1] >= 5


@pytest.mark.slow
def test_two_wave_model_takes_a_factor_measured_once():
    res = bp.regress("demo", "recovery", [["contacts", "female"], ["alliance"]],
                     waves=["m12", "m24"], baseline="m0", factors=["female"], method="normal",
                     draws=200, tune=200, chains=2, seed=5)  # fmt: skip
    rows = [c for c in res.record["coefficients"] if c["term"] == "female"]
    assert {c["wave"] for c in rows} == {"m12", "m24"}
    assert all(c["level"] == "1" and c["reference"] == "0" for c in rows)
    assert [c["term"] for c in res.record["contrasts"]] == ["alliance"]
