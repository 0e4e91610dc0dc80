"""A starter spec for a participant CSV of one's own (``bayes-peer init``, ``bp.init_spec``).

The spec is written to run as it is (``bayes-peer run SPEC``, to a report) and to be read and
edited: a comment lists every column the file has and what became of it (numeric, categorical,
identifier, left out and why); ``[correlations]`` names the numeric variables (or constructs
and two waves when the names carry wave suffixes); ``[regressions]`` gives one blocked
regression as an example, categorical columns as ``factors`` in its first block.

What is chosen, so that the spec runs on the data it was made for:

* waves: columns named ``<construct>_<wave>`` where ``<wave>`` is letters followed by digits
  (``m12``, ``t1``, ``w2``, ``12``); the two waves shared by most constructs, when at least two
  constructs have both (else no waves: every column is a variable as named);
* correlations: at most :data:`MAX_CORRELATED` variables (constructs), the first in file
  order, so that the run stays in minutes; the others are listed in a comment;
* the regression: the last numeric variable (construct) is the outcome; block 1 holds the
  categorical columns and numeric covariates, block 2 the remaining variables, at most
  :data:`MAX_PREDICTORS` columns in all; terms are dropped (and named in a comment) while the
  rows complete on the model are too few, a factor level has fewer than two rows among them,
  or a column adds nothing new (collinear).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np

from bayes_peer.data.factors import MAX_LEVELS, MIN_LEVEL_ROWS
from bayes_peer.data.moments import MIN_PAIRS
from bayes_peer.errors import InputError

#: Most variables (or constructs) a starter spec correlates (28 pairs, one small model each).
MAX_CORRELATED = 8
#: Most model columns of the starter regression.
MAX_PREDICTORS = 6
#: A wave suffix: ``_`` then letters and digits ending in digits (``_m12``, ``_t1``, ``_12``).
WAVE_SUFFIX = re.compile(r"^(?P<construct>.+)_(?P<wave>[A-Za-z]*[0-9]+)$")
#: Rows per model column the starter regression keeps at least (beyond the intercept).
ROWS_PER_COLUMN = 3


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def toml_list(names: list[str]) -> str:
    return "[" + ", ".join(toml_string(n) for n in names) + "]"


def _wave_design(numeric: list[str]) -> tuple[list[str], list[str]] | None:
    """(constructs, [wave a, wave b]) when at least two constructs have both waves, else
    None. The waves are the pair shared by most constructs, earlier waves first."""
    by_wave: dict[str, list[str]] = {}
    for name in numeric:
        match = WAVE_SUFFIX.match(name)
        if match:
            by_wave.setdefault(match["wave"], []).append(match["construct"])
    best = None
    waves = sorted(by_wave, key=_wave_order)
    for i, a in enumerate(waves):
        for b in waves[i + 1 :]:
            shared = [c for c in by_wave[a] if c in by_wave[b]]
            if len(shared) >= 2 and (best is None or len(shared) > len(best[0])):
                best = (shared, [a, b])
    return best


def _wave_order(wave: str) -> tuple:
    digits = re.search(r"[0-9]+$", wave)
    return (wave[: digits.start()], int(digits.group()))


def _distinct(values: np.ndarray) -> int:
    return int(np.unique(values[~np.isnan(values)]).size)


def _looks_like_identifier(values: np.ndarray) -> bool:
    """Whole numbers, all different, each row one: a row counter, not a measure."""
    observed = values[~np.isnan(values)]
    return (
        observed.size == values.size
        and np.all(observed == np.round(observed))
        and np.unique(observed).size == observed.size
        and np.all(np.diff(observed) == 1)
    )


def _usable_numeric(data) -> tuple[list[str], dict[str, str]]:
    """Numeric columns a spec can use, and those left out with the reason."""
    usable, left = [], {}
    for name, values in data.columns.items():
        observed = int(np.sum(~np.isnan(values)))
        if _looks_like_identifier(values):
            left[name] = "looks like a row number or identifier (whole numbers 1, 2, 3, ...)"
        elif observed < MIN_PAIRS + 1:
            left[name] = f"only {observed} observed values"
        else:
            usable.append(name)
    return usable, left


def _usable_factors(data) -> tuple[list[str], dict[str, str]]:
    usable, left = [], {}
    for name, factor in data.factors.items():
        counts = factor.counts()
        if len(factor.levels) < 2:
            left[name] = "categorical with one level"
        elif len(factor.levels) > MAX_LEVELS:
            left[name] = f"text with {len(factor.levels)} distinct values (more than {MAX_LEVELS})"
        elif min(counts.values()) < MIN_LEVEL_ROWS:
            rare = min(counts, key=counts.get)
            left[name] = f"categorical; level '{rare}' has {counts[rare]} row"
        else:
            usable.append(name)
    return usable, left


def _regression(candidates: list[str], unfit) -> tuple[list[str], list[str]]:
    """The terms among ``candidates`` (in order) the starter regression keeps, each added
    while ``unfit(terms)`` finds nothing wrong, and the others with the reason."""
    kept: list[str] = []
    dropped: list[str] = []
    for term in candidates:
        reason = unfit([*kept, term])
        if reason is None:
            kept.append(term)
        else:
            dropped.append(f"{term}: {reason}")
    return kept, dropped


def _unfit(data, outcome: str, terms: list[str]) -> str | None:
    """Why a regression of ``outcome`` on ``terms`` cannot be fitted well, or None."""
    columns = [c for t in terms for c in data.term_columns(t)]
    if len(columns) > MAX_PREDICTORS:
        return f"more than {MAX_PREDICTORS} model columns"
    values = data.matrix([outcome, *columns])
    rows = ~np.isnan(values).any(axis=1)
    n = int(rows.sum())
    if n < max(MIN_PAIRS, ROWS_PER_COLUMN * len(columns) + 2):
        return f"the model would keep {n} complete rows"
    for term in terms:
        if term in data.factors:
            counts = data.factors[term].counts(rows)
            if min(counts.values()) < MIN_LEVEL_ROWS:
                return "a level has fewer than two rows among the complete rows"
    used = values[rows]
    if np.any(used.std(axis=0) == 0):
        return "no variance among the complete rows"
    design = np.column_stack([np.ones(n), used[:, 1:]])
    if np.linalg.matrix_rank(design) < design.shape[1] or np.linalg.cond(design) > 1e10:
        return "collinear with the terms before it"
    return None


def init_spec(data, *, spec_folder: str | Path | None = None) -> str:
    """A commented starter spec (TOML text) for a participant CSV.

    Parameters
    ----------
    data : str or pathlib.Path
        The participant CSV (or ``"demo"`` for the shipped SYNTHETIC demo study). A spec names
        its data by path, so a DataFrame is refused: write it with ``to_csv`` first.
    spec_folder : str or pathlib.Path, optional
        Where the spec will be saved (default: the working folder); ``[data] csv`` is written
        relative to it.

    Returns
    -------
    str
        The spec. ``bayes-peer run`` runs it as written; every choice is explained in its
        comments.

    Raises
    ------
    InputError
        For a file that cannot be read, or one with fewer than two usable numeric columns.
    """
    from bayes_peer.data.files import MAX_CSV_BYTES, read_regular_file
    from bayes_peer.data.participants import parse_participants
    from bayes_peer.data.resources import STUDY_NAMES, data_path, is_shipped_name

    if not isinstance(data, str | Path):
        raise InputError(
            "`data` must be the path of a CSV file: a spec names its data by path "
            f"(got {type(data).__name__}; write it with to_csv first)"
        )
    if is_shipped_name(data) and str(data) not in STUDY_NAMES:
        raise InputError(
            f"`data`: {data!r} is a published table; a starter spec is for "
            "participant rows (use `demo`)"
        )
    path = Path(data_path(data))
    if path.suffix.lower() == ".toml":
        raise InputError(f"{path}: a starter spec is for a participant CSV, not a table")
    raw = read_regular_file(path, what="participant CSV", limit=MAX_CSV_BYTES)
    parsed = parse_participants(str(path), raw, None, lenient=True)
    numeric, left = _usable_numeric(parsed)
    factors, left_factors = _usable_factors(parsed)
    left.update(left_factors)
    left.update(parsed.skipped)
    if len(numeric) < 2 and not (numeric and factors):
        raise InputError(
            f"{path}: a starter spec needs two numeric columns, or one and a categorical "
            f"column, with enough observed values; usable: "
            f"{', '.join([*numeric, *factors]) or 'none'}"
            + "".join(f"; '{name}': {why}" for name, why in left.items())
        )
    if str(data) in STUDY_NAMES:
        csv = "demo"
    else:
        folder = Path(spec_folder) if spec_folder is not None else Path.cwd()
        csv = os.path.relpath(path.resolve(), folder.resolve())
    waves = _wave_design(numeric)
    lines = _header_comment(parsed, path, numeric, factors, left, waves)
    lines += [
        f"title = {toml_string('Reanalysis of ' + path.name)}",
        "",
        "[data]",
        f"csv = {toml_string(csv)}",
        "",
    ]
    sections = _correlations(numeric, waves) if len(numeric) >= 2 else []
    regression = _regressions(parsed, numeric, factors, waves)
    if not sections and regression[0] != "[regressions]":
        raise InputError(f"{path}: no analysis fits this file: {regression[0].lstrip('# ')}")
    lines += sections + regression
    lines += ["[sampler]", "draws = 1000", "tune = 1000", "chains = 4", "seed = 20261126", ""]
    return "\n".join(lines)


def _header_comment(data, path, numeric, factors, left, waves) -> list[str]:
    lines = [
        f"# Starter spec for {path.name} (written by `bayes-peer init`): it runs as it is",
        "# (`bayes-peer run THIS_FILE`); edit the variables, blocks and priors to your",
        '# question. Every key is described in docs/reference.md ("Specs").',
        "#",
        f"# {path.name}: {data.n_rows} rows, {len(data.header)} columns",
    ]
    if data.id_column is not None:
        lines.append(f"#   id column: {data.id_column}")
    for name in data.header:
        if name == data.id_column or name not in (*numeric, *factors, *left):
            continue
        if name in numeric:
            values = data.columns[name]
            missing = int(np.isnan(values).sum())
            kind = f"numeric, {missing} missing"
            if _distinct(values) <= 5:
                kind += "; few distinct values: if they are codes of categories, add it to factors"
        elif name in factors:
            factor = data.factors[name]
            levels = ", ".join(factor.levels[:6]) + (", ..." if len(factor.levels) > 6 else "")
            kind = (
                f"categorical ({len(factor.levels)} levels: {levels}; reference "
                f"{factor.reference}), {factor.n_missing} missing"
            )
        else:
            kind = f"left out: {left[name]}"
        lines.append(f"#   {name}: {kind}")
    if waves:
        constructs, pair = waves
        lines.append(
            f"# Waves: {', '.join(pair)} (columns <construct>_<wave>) for {', '.join(constructs)}"
        )
    else:
        lines.append("# No waves: every column is a variable as it is named.")
    lines.append("")
    return [_comment_safe(line) for line in lines]


def _comment_safe(line: str) -> str:
    """A comment line without characters TOML does not allow in comments."""
    return "".join(ch if ch == "\t" or ch.isprintable() else "?" for ch in line)


def _correlations(numeric: list[str], waves) -> list[str]:
    if waves:
        constructs, pair = waves
        chosen, rest = constructs[:MAX_CORRELATED], constructs[MAX_CORRELATED:]
        body = [
            f"constructs = {toml_list(chosen)}",
            f"waves = {toml_list(pair)}   # columns <construct>_<wave>; the change between "
            "the waves comes with each pair",
        ]
    else:
        chosen, rest = numeric[:MAX_CORRELATED], numeric[MAX_CORRELATED:]
        body = [f"variables = {toml_list(chosen)}"]
    lines = ["[correlations]"]
    lines += body
    if rest:
        lines.append(
            _comment_safe(
                f"# also numeric (add them above; each pair is one model): {', '.join(rest)}"
            )
        )
    lines += [
        "kappa = 1.0          # width of the exact layer's stretched-beta prior (JASP's default)",
        "eta = 1.0            # LKJ shape of each pair's joint model",
        'missing = "fiml"     # full information (MAR); or "listwise"',
        "kendall = true       # Kendall's tau-b beside Pearson's r (exact layer)",
        "",
    ]
    return lines


def _regressions(data, numeric: list[str], factors: list[str], waves) -> list[str]:
    if waves:
        constructs, pair = waves
        outcome = constructs[-1]
        once = [n for n in numeric if not WAVE_SUFFIX.match(n)]
        baseline = _baseline(data, outcome, pair)
        fixed = [f"{outcome}_{baseline}"] if baseline else []

        def unfit(terms: list[str]) -> str | None:
            for wave in pair:  # every term at both waves (a factor: the same column)
                columns = [t if t in factors or t in once else f"{t}_{wave}" for t in terms]
                if any(c not in data.columns and c not in data.factors for c in columns):
                    return f"not measured at {wave}"
                reason = _unfit(data, f"{outcome}_{wave}", [*fixed, *columns])
                if reason is not None:
                    return f"{reason} at {wave}"
            return None

        candidates = [*factors, *once, *(c for c in constructs if c != outcome)]
    else:
        graded = [n for n in numeric if _distinct(data.columns[n]) > 5]
        outcome, baseline = (graded or numeric)[-1], None

        def unfit(terms: list[str]) -> str | None:
            return _unfit(data, outcome, terms)

        candidates = [*factors, *(n for n in numeric if n != outcome)]
    terms, dropped = _regression(candidates, unfit)
    if not terms:
        return ["# No regression: " + "; ".join(dropped or ["no predictor fits"]), ""]
    used_factors = [t for t in terms if t in factors]
    first = [t for t in terms if t in factors or (waves and t not in waves[0])]
    rest = [t for t in terms if t not in first]
    if not first:
        first, rest = terms[:1], terms[1:]
    blocks = [first, rest] if rest else [first]
    lines = [
        "[regressions]",
        f"outcomes = {toml_list([outcome])}"
        + ("   # a construct: its column at each wave" if waves else ""),
    ]
    if waves:
        lines.append(f"waves = {toml_list(waves[1])}")
        if baseline:
            lines.append(
                f"baseline = {toml_string(baseline)}   # adds {outcome}_{baseline} to block 1"
            )
    lines.append(
        "blocks = ["
        + ", ".join(toml_list(b) for b in blocks)
        + "]"
        + "   # block 1, then block 2 entered after it (ΔR², F-change, block BF)"
    )
    if used_factors:
        lines.append(
            f"factors = {toml_list(used_factors)}   # categorical: k - 1 indicator "
            "columns each, reference = first level in sorted order"
        )
    lines += [
        'prior = "normal"        # SD prior_scale on standardized slopes; or "r2d2"',
        "prior_scale = 1.0",
        'likelihood = "normal"   # or "student"',
        'rscale = "medium"       # JZS scale of the block Bayes factors',
        "bma = true              # also average over every subset of the terms",
    ]
    lines += [_comment_safe(f"# left out of the regression: {d}") for d in dropped]
    lines.append("")
    return lines


def _baseline(data, outcome: str, pair: list[str]) -> str | None:
    """A wave of ``outcome`` before the two modelled (``<outcome>_<earlier>``), if measured."""
    for name in data.columns:
        match = WAVE_SUFFIX.match(name)
        if match and match["construct"] == outcome and match["wave"] not in pair:
            if _wave_order(match["wave"]) < _wave_order(pair[0]):
                return match["wave"]
    return None


def write_new_file(target: Path, text: str) -> None:
    """Write ``text`` to ``target``, which must not exist (a spec is never written over a
    file, bayes-peer's or not); InputError naming the file otherwise."""
    from bayes_peer.data.files import path_problem, shown_path

    if (problem := path_problem(str(target), writing=True)) is not None:
        raise InputError(f"`out` {shown_path(str(target))}: the file {problem}")
    if target.suffix.lower() != ".toml":
        raise InputError(f"{target}: a spec is a .toml file")
    if target.exists() or target.is_symlink():
        raise InputError(
            f"{target}: the file exists; bayes-peer init never writes over a file "
            "(choose another name or remove it)"
        )
    if not target.parent.is_dir():
        raise InputError(f"{target}: the folder {target.parent} does not exist")
    try:
        with target.open("x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise InputError(
            f"{target}: the file exists; bayes-peer init never writes over a file"
        ) from None
    except OSError as exc:
        raise InputError(f"{target}: cannot write the spec ({exc.strerror})") from None
