"""Every numeric setting the toolkit takes, with its documented range, checked when it is read.

One table (:data:`PARAMETERS`) serves the Python API, the command line and the analysis specs,
so a value is checked the same way wherever it comes from, before any model is compiled. A
message names what the caller knows the value by: the API's parameter name (``kappa``), the
command-line flag (``--kappa``) or the spec file and key (``models/x.toml: key
'correlations.eta'``). Numbers written as text follow :mod:`bayes_peer.data.grammar`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bayes_peer.data.grammar import parse_decimal, parse_whole
from bayes_peer.errors import InputError, shown_value


@dataclass(frozen=True)
class Bounds:
    """A closed or open interval of allowed values, optionally of whole numbers only."""

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False
    whole: bool = False
    meaning: str = ""
    edge_note: str = ""  # said when the value sits on an excluded end of the range

    def contains(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def describe(self) -> str:
        def fmt(x: float) -> str:
            if x == 2**63 - 1:
                return "2^63 - 1"
            return f"{x:,.0f}" if float(x).is_integer() and abs(x) >= 1e4 else f"{x:g}"

        if self.whole:
            return f"a whole number from {fmt(self.low)} to {fmt(self.high)}"
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"a number in {left}{fmt(self.low)}, {fmt(self.high)}{right}"


#: Largest sample size the exact layer and the design analysis are documented for.
N_MAX = 1_000_000

#: The documented range of every numeric setting (see docs/reference.md, "Limits").
PARAMETERS: dict[str, Bounds] = {
    "r": Bounds(
        -1,
        1,
        True,
        True,
        meaning="a sample correlation",
        edge_note="a perfect correlation has an infinite Bayes factor; give |r| < 1",
    ),
    "tau": Bounds(-1, 1, meaning="a sample Kendall's tau"),
    "n": Bounds(4, N_MAX, whole=True, meaning="a sample size"),
    "kappa": Bounds(0.001, 100, meaning="width of the stretched-beta prior"),
    "ci_prob": Bounds(0.5, 0.999, meaning="probability of an interval"),
    "eta": Bounds(0.1, 100, meaning="LKJ shape"),
    "rope": Bounds(0, 1, True, True, meaning="half-width of the ROPE"),
    "prior_scale": Bounds(0.01, 100, meaning="SD of the normal slope prior"),
    "mean_r2": Bounds(0.01, 0.99, meaning="R2-D2 prior mean of R²"),
    "prec_r2": Bounds(0.1, 1000, meaning="R2-D2 prior precision of R²"),
    "cons_d2": Bounds(0.01, 100, meaning="R2-D2 Dirichlet concentration"),
    "rscale": Bounds(0.01, 10, meaning="JZS scale"),
    "draws": Bounds(10, 100_000, whole=True, meaning="draws per chain"),
    "tune": Bounds(10, 100_000, whole=True, meaning="warm-up steps per chain"),
    "chains": Bounds(1, 16, whole=True, meaning="chains"),
    "seed": Bounds(0, 2**63 - 1, whole=True, meaning="a random seed"),
    "sims": Bounds(100, 1_000_000, whole=True, meaning="simulated data sets"),
    "sbc_sims": Bounds(10, 100_000, whole=True, meaning="calibration simulations per model"),
    "reps": Bounds(10, 1_000_000, whole=True, meaning="samples per cell of a simulation study"),
    "rounding_sensitivity": Bounds(1, 1000, whole=True, meaning="tables drawn"),
    "decimals": Bounds(1, 6, whole=True, meaning="decimals of a published table"),
    "workers": Bounds(1, 64, whole=True, meaning="worker processes"),
    "alpha": Bounds(0, 0.5, True, False, meaning="significance level"),
    "target_prob": Bounds(0, 1, True, True, meaning="target probability"),
    "rho": Bounds(-1, 1, True, True, meaning="an assumed true correlation"),
    "rho_beta": Bounds(0.01, 1000, meaning="a shape of the design prior on rho"),
    "effect": Bounds(-1e6, 1e6, meaning="an assumed true effect"),
    "se": Bounds(0, 1e6, True, False, meaning="a standard error"),
    "r2": Bounds(0, 1, False, True, meaning="an R²"),
    "p": Bounds(1, 10_000, whole=True, meaning="a number of predictors"),
    "imputations": Bounds(2, 1000, whole=True, meaning="imputations"),
    "similar_delta": Bounds(0, 1, True, False, meaning="the half-width of 'similar'"),
}

#: Most variables correlated when none are named (every column of the file): 435 pairs.
MAX_DEFAULT_VARIABLES = 30
#: Most variables correlated when they are named (4,950 pairs, about a minute exactly).
MAX_VARIABLES = 100
#: Most columns of one MCMC correlation model (a 12-column joint model compiles in minutes;
#: the pairwise model fits every pair, 66 fits for 12 variables).
MAX_MCMC_VARIABLES = 12

#: Largest draws x chains of one fit (memory of the stored draws).
MAX_TOTAL_DRAWS = 200_000
#: Largest simulated data sets x n of a design simulation (memory: 8 bytes each, twice).
MAX_SIMULATED_VALUES = 20_000_000


def check(name: str, value, label: str | None = None):
    """``value`` checked against :data:`PARAMETERS`[name]; an int for whole-number settings.

    Parameters
    ----------
    name : str
        The parameter's name in :data:`PARAMETERS`.
    value : int or float
        The value (from Python, TOML or already parsed text). Booleans and strings are refused.
    label : str, optional
        How the message names the value (a flag, or "spec: key 'x'"); default ``name``.

    Raises
    ------
    InputError
        For a non-number, a non-finite number, a fraction where a whole number is needed, or a
        value outside the range.
    """
    bounds = PARAMETERS[name]
    label = label or name
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            import numpy as np

            if isinstance(value, np.integer | np.floating) and not isinstance(value, np.bool_):
                value = value.item()
            else:
                raise TypeError
        except TypeError:
            raise InputError(
                f"{label} must be {bounds.describe()}, got {shown_value(value)}"
            ) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(
            f"{label} must be a finite number ({bounds.describe()}), got {shown_value(value)}"
        )
    if bounds.whole:
        if isinstance(value, float) and not value.is_integer():
            raise InputError(f"{label} must be {bounds.describe()}, got {shown_value(value)}")
        value = int(value)
    if not bounds.contains(value):
        on_edge = value in (bounds.low, bounds.high) and bounds.edge_note
        note = f" ({bounds.edge_note})" if on_edge else ""
        raise InputError(f"{label} must be {bounds.describe()}, got {shown_value(value)}{note}")
    return value


def parse(name: str, text: str, label: str, *, fraction: bool = False):
    """A number given as text (a command-line value), parsed and checked.

    ``fraction`` also accepts ``a/b`` (``--kappa 1/3``).
    """
    value: float | None
    if PARAMETERS[name].whole:
        whole = parse_whole(text)
        if whole is None:
            what = "a number" if parse_decimal(text) is None else "a whole number"
            raise InputError(f"{label}: {text!r} is not {what} ({PARAMETERS[name].describe()})")
        return check(name, whole, label)
    if fraction and "/" in text:
        num, _, den = text.partition("/")
        top, bottom = parse_decimal(num), parse_decimal(den)
        value = None if top is None or bottom in (None, 0.0) else top / bottom
    else:
        value = parse_decimal(text)
    if value is None:
        raise InputError(f"{label}: {text!r} is not a number ({PARAMETERS[name].describe()})")
    return check(name, value, label)


def parse_list(name: str, text: str, label: str) -> list:
    """A comma-separated list of numbers, each parsed and checked."""
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise InputError(f"{label}: expected a comma-separated list of numbers, got {text!r}")
    return [parse(name, item, label) for item in items]


def check_total_draws(draws: int, chains: int, label: str = "draws x chains") -> None:
    """Refuse fits whose stored draws would not fit in memory comfortably."""
    if draws * chains > MAX_TOTAL_DRAWS:
        raise InputError(
            f"{label} = {draws * chains:,} is more than {MAX_TOTAL_DRAWS:,} draws in all"
        )


def check_variable_count(count: int, *, named: bool, mcmc: bool, label: str = "--vars") -> None:
    """Refuse more variables than the documented limits (see the constants above)."""
    limit = MAX_MCMC_VARIABLES if mcmc else MAX_VARIABLES if named else MAX_DEFAULT_VARIABLES
    if count > limit:
        what = "an MCMC correlation model" if mcmc else "correlations"
        hint = "" if named else f"; name at most {MAX_VARIABLES} with {label}"
        raise InputError(f"{count} variables for {what}; at most {limit}{hint}")


def name_list(value, parameter: str) -> list[str]:
    """A list of names (a comma-separated string is accepted), each named once.

    Raises
    ------
    InputError
        Naming ``parameter``, for something that is not a list of names, an empty list, an
        empty name or a name given twice.
    """
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",")]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise InputError(f"`{parameter}` must name at least one column, got {shown_value(value)}")
    if not items or any(not isinstance(v, str) or not v.strip() for v in items):
        raise InputError(f"`{parameter}` must name at least one column, got {shown_value(value)}")
    items = [v.strip() for v in items]
    for item in items:
        if items.count(item) > 1:
            raise InputError(f"`{parameter}`: '{item}' is named twice")
    return items
