"""Analysis specs (``models/*.toml``): one readable file per analysis, validated up front.

A spec names its data (``[data] csv = "demo" | "path.csv"``, or published tables: ``[data]
summary = "table.toml"`` or one per wave ``{m12 = "t12.toml", m24 = "t24.toml"}``), then a
``[correlations]`` and/or a ``[regressions]`` section, and optionally ``[sampler]`` settings.
Every error names the spec and the key (``error: models/blocks.toml: key 'regressions.prior'
...``), exit status 2.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from bayes_peer.data.files import path_problem, read_toml
from bayes_peer.data.grammar import MAX_NAME_CHARS, unusable_name
from bayes_peer.data.resources import STUDY_NAMES, is_shipped_name, resolve
from bayes_peer.errors import InputError
from bayes_peer.params import check, check_total_draws

ALLOWED = {
    "": {"title", "data", "correlations", "informed", "regressions", "sampler", "output"},
    "data": {"csv", "summary"},
    "output": {"folder"},
    "correlations": {
        "constructs",
        "variables",
        "waves",
        "eta",
        "kappa",
        "missing",
        "robust",
        "kendall",
    },
    "regressions": {
        "outcomes",
        "factors",
        "reference",
        "waves",
        "baseline",
        "blocks",
        "prior",
        "prior_scale",
        "likelihood",
        "rscale",
        "mean_R2",
        "prec_R2",
        "cons_D2",
        "bma",
        "model_prior",
    },
    "informed": {"prior_rho", "pairs_with", "outcomes", "similar_delta", "similar_center"},
    "sampler": {"draws", "tune", "chains", "seed"},
}


@dataclass(frozen=True)
class Spec:
    """A validated spec: its path, hash, text and sections (plain dicts of checked values)."""

    path: Path
    name: str
    sha256: str
    text: str
    title: str
    data: Path | None  # None = the shipped demo study
    correlations: dict | None
    regressions: dict | None
    sampler: dict
    output: Path | None = None  # results folder (relative to the spec); CLI --out wins
    summary: dict | None = None  # {wave or None: table path} when the data are published tables
    informed: dict | None = None  # [informed]: prior_rho, pairs_with, similar_delta/center


def _fail(path: Path, key: str, message: str) -> InputError:
    return InputError(f"{path}: key '{key}' {message}")


def _names(path: Path, key: str, value, minimum: int = 1) -> list[str]:
    if (
        not isinstance(value, list)
        or len(value) < minimum
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise _fail(path, key, f"must be a list of at least {minimum} names")
    for name in value:
        if unusable_name(name):
            raise _fail(
                path,
                key,
                f"names {name[:40]!a}, which holds an invisible or control character or is "
                f"longer than {MAX_NAME_CHARS} characters",
            )
    if len(set(value)) != len(value):
        raise _fail(path, key, "names a value twice")
    return [v.strip() for v in value]


def _variables(path: Path, c: dict) -> list[str]:
    """``[correlations]``: ``constructs`` (with ``waves``) or ``variables`` (columns named as
    they are: dots, spaces, non-ASCII letters, suffixes that look like waves)."""
    if "constructs" in c and "variables" in c:
        raise _fail(
            path,
            "correlations.variables",
            "and correlations.constructs exclude each other: give one",
        )
    key = "variables" if "variables" in c else "constructs"
    return _names(path, f"correlations.{key}", c.get(key), 2)


def _reference(path: Path, value) -> dict[str, str]:
    """``reference = {site = "B"}``: a factor's reference level (a string, number or boolean)."""
    if not isinstance(value, dict) or not all(
        isinstance(v, str | int | float | bool) and str(v).strip() for v in value.values()
    ):
        raise _fail(
            path, "regressions.reference", 'must be a table of factor = "level", e.g. {site = "B"}'
        )
    return {str(k): str(v).strip() for k, v in value.items()}


def _number(path: Path, key: str, value, name: str):
    """A numeric spec value checked against the documented range of parameter ``name``."""
    return check(name, value, f"{path}: key '{key}'")


def _choice(path: Path, key: str, value, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise _fail(path, key, f"must be one of {', '.join(choices)}, got {value!r}")
    return value


def load_spec(path: str | Path) -> Spec:
    """Read and validate a spec; InputError naming the key on any problem.

    ``path`` is a spec file or the name of a shipped spec (``demo:blocks``; see
    :mod:`bayes_peer.data.resources`).
    """
    from bayes_peer.data.resources import spec_path

    path = Path(spec_path(path))
    raw, doc = read_toml(path, what="spec")
    for section, allowed in ALLOWED.items():
        table = doc if section == "" else doc.get(section, {})
        if not isinstance(table, dict):
            raise _fail(path, section, "must be a table")
        for key in table:
            if key not in allowed:
                full = key if section == "" else f"{section}.{key}"
                raise _fail(path, full, f"is unknown (allowed: {', '.join(sorted(allowed))})")
    if "correlations" not in doc and "regressions" not in doc:
        raise InputError(f"{path}: a spec needs a [correlations] or a [regressions] section")
    summary = None
    data = None
    if "summary" in doc.get("data", {}):
        summary = _summary_source(path, doc)
    else:
        csv = doc.get("data", {}).get("csv")
        if not isinstance(csv, str) or not csv.strip():
            raise _fail(path, "data.csv", 'must name a CSV file (or "demo")')
        if (problem := path_problem(csv, writing=False)) is not None:
            raise _fail(path, "data.csv", f"the path {problem}")
        if is_shipped_name(csv):
            _shipped(path, "data.csv", csv)
            if csv not in STUDY_NAMES:
                raise _fail(path, "data.csv", f"names a table ({csv!r}): use data.summary")
        data = None if csv in STUDY_NAMES else (path.parent / csv)

    correlations = None
    if "correlations" in doc:
        c = doc["correlations"]
        correlations = {
            "constructs": _variables(path, c),
            "waves": _names(path, "correlations.waves", c.get("waves", []), 0) or None,
            "eta": _number(path, "correlations.eta", c.get("eta", 1.0), "eta"),
            "kappa": _number(path, "correlations.kappa", c.get("kappa", 1.0), "kappa"),
            "missing": _choice(
                path, "correlations.missing", c.get("missing", "fiml"), ("fiml", "listwise")
            ),
            "robust": c.get("robust", False),
            "kendall": c.get("kendall", False),
        }
        for key in ("robust", "kendall"):
            if not isinstance(correlations[key], bool):
                raise _fail(path, f"correlations.{key}", "must be true or false")
        if correlations["kendall"] and summary is not None:
            raise _fail(
                path,
                "correlations.kendall",
                "needs participant rows (Kendall's tau is "
                "computed from ranks; a published table holds Pearson's r)",
            )
        if correlations["kendall"] and correlations["kappa"] > 2:
            raise _fail(
                path,
                "correlations.kappa",
                "must be at most 2 with kendall = true "
                "(beyond, the prior on tau is infinite at +/-1)",
            )
        if correlations["waves"] is not None and len(correlations["waves"]) != 2:
            raise _fail(path, "correlations.waves", "must name exactly two waves")
        if correlations["waves"] is not None and "variables" in c:
            raise _fail(
                path,
                "correlations.waves",
                "goes with constructs (columns <construct>_<wave>), not with variables "
                "(columns named as they are)",
            )
        if summary is not None and correlations["robust"]:
            raise _fail(
                path,
                "correlations.robust",
                "needs participant rows (a Student-t likelihood has no sufficient statistics)",
            )
    informed = _informed(path, doc, correlations)
    regressions = None
    if "regressions" in doc:
        r = doc["regressions"]
        blocks = r.get("blocks")
        if not isinstance(blocks, list) or not blocks:
            raise _fail(path, "regressions.blocks", "must be a list of blocks (lists of names)")
        blocks = [_names(path, "regressions.blocks", b) for b in blocks]
        prior = _choice(path, "regressions.prior", r.get("prior", "normal"), ("normal", "r2d2"))
        regressions = {
            "outcomes": _names(path, "regressions.outcomes", r.get("outcomes")),
            "waves": _names(path, "regressions.waves", r.get("waves", []), 0) or None,
            "baseline": r.get("baseline"),
            "blocks": blocks,
            "prior": prior,
            "prior_scale": _number(
                path, "regressions.prior_scale", r.get("prior_scale", 1.0), "prior_scale"
            ),
            "likelihood": _choice(
                path, "regressions.likelihood", r.get("likelihood", "normal"), ("normal", "student")
            ),
            "rscale": r.get("rscale", "medium"),
            "bma": r.get("bma", False),
            "model_prior": _choice(
                path,
                "regressions.model_prior",
                r.get("model_prior", "uniform"),
                ("uniform", "beta-binomial"),
            ),
            "r2d2": tuple(
                _number(path, f"regressions.{k}", r.get(k, default), k.lower())
                for k, default in (("mean_R2", 0.5), ("prec_R2", 2.0), ("cons_D2", 0.5))
            ),
            "factors": _names(path, "regressions.factors", r.get("factors", []), 0),
            "reference": _reference(path, r.get("reference", {})),
        }
        if summary is not None and (regressions["factors"] or regressions["reference"]):
            raise _fail(
                path,
                "regressions.factors",
                "needs participant rows (data.csv): a published table holds no categories",
            )
        unknown = (
            set(regressions["reference"])
            - set(regressions["factors"])
            - {t for b in blocks for t in b}
        )
        if unknown:
            raise _fail(
                path,
                "regressions.reference",
                f"names '{sorted(unknown)[0]}', which is not a term of the blocks",
            )
        if not isinstance(regressions["bma"], bool):
            raise _fail(path, "regressions.bma", "must be true or false")
        if "model_prior" in r and not regressions["bma"]:
            raise _fail(path, "regressions.model_prior", "goes with bma = true")
        if regressions["waves"] is not None and len(regressions["waves"]) != 2:
            raise _fail(path, "regressions.waves", "must name exactly two waves")
        if summary is not None and regressions["likelihood"] != "normal":
            raise _fail(
                path,
                "regressions.likelihood",
                "must be normal with data.summary (a "
                "Student-t likelihood has no sufficient statistics)",
            )
        if regressions["baseline"] is not None and not isinstance(regressions["baseline"], str):
            raise _fail(path, "regressions.baseline", "must be a wave name such as m0")
        if regressions["baseline"] is not None and regressions["waves"] is None:
            raise _fail(path, "regressions.baseline", "needs regressions.waves")
        from bayes_peer.exact.regression import resolve_rscale

        regressions["rscale"] = resolve_rscale(
            regressions["rscale"], f"{path}: key 'regressions.rscale'"
        )
    s = doc.get("sampler", {})
    sampler = {
        k: _number(path, f"sampler.{k}", s[k], k)
        for k in ("draws", "tune", "chains", "seed")
        if k in s
    }
    if "draws" in sampler or "chains" in sampler:
        check_total_draws(
            sampler.get("draws", 1000),
            sampler.get("chains", 4),
            f"{path}: keys 'sampler.draws' x 'sampler.chains'",
        )
    folder = _output_folder(path, doc.get("output", {}).get("folder"))
    title = doc.get("title", path.stem)
    if not isinstance(title, str):
        raise _fail(path, "title", "must be a string")
    if unusable_name(title):
        raise _fail(
            path, "title", f"must be one printable line of at most {MAX_NAME_CHARS} characters"
        )
    if summary is not None:
        for section in (correlations, regressions):
            waves = (section or {}).get("waves")
            if section and (waves or [None]) != list(summary) and set(waves or []) - set(summary):
                raise _fail(
                    path,
                    "data.summary",
                    f"needs one table per wave ({', '.join(waves)})"
                    ' as {wave = "table.toml"}, or one table for all',
                )
    return Spec(
        path=path,
        name=path.stem,
        sha256=hashlib.sha256(raw).hexdigest(),
        text=raw.decode("utf-8-sig"),
        title=title,
        data=data,
        correlations=correlations,
        regressions=regressions,
        sampler=sampler,
        output=folder,
        summary=summary,
        informed=informed,
    )


def _informed(path: Path, doc: dict, correlations: dict | None) -> dict | None:
    """``[informed]``: the informed prior of the correlations (``prior_rho``), the construct
    whose pairs get it (``pairs_with``, default every pair) with which others (``outcomes``,
    default all) and "similar" (``similar_delta``,
    ``similar_center``); checked as the API checks them, errors naming the key."""
    if "informed" not in doc:
        return None
    table = doc["informed"]
    if correlations is None:
        raise _fail(path, "informed", "goes with a [correlations] section")
    if "prior_rho" not in table:
        raise _fail(
            path,
            "informed.prior_rho",
            'is required, e.g. "flueckiger2018" or "znormal(0.2855,0.14)"',
        )
    from bayes_peer.analyses.informed import check_informed

    try:
        check_informed(table["prior_rho"], table.get("similar_delta"), table.get("similar_center"))
    except InputError as exc:
        text = str(exc)
        key = next(
            (k for k in ("similar_delta", "similar_center") if f"`{k}`" in text), "prior_rho"
        )
        detail = text.replace(f"`{key}`", "").strip(" :")
        raise _fail(path, f"informed.{key}", f"is invalid: {detail}") from None
    pairs_with = table.get("pairs_with")
    if pairs_with is not None and pairs_with not in correlations["constructs"]:
        raise _fail(
            path,
            "informed.pairs_with",
            f"must be one of the correlations' "
            f"{', '.join(correlations['constructs'])}, got {pairs_with!r}",
        )
    outcomes = table.get("outcomes")
    if outcomes is not None:
        if pairs_with is None:
            raise _fail(path, "informed.outcomes", "goes with informed.pairs_with")
        outcomes = _names(path, "informed.outcomes", outcomes)
        unknown = [o for o in outcomes if o not in correlations["constructs"] or o == pairs_with]
        if unknown:
            raise _fail(
                path,
                "informed.outcomes",
                f"names '{unknown[0]}', which is not one of the other constructs of [correlations]",
            )
    return {
        "prior_rho": table["prior_rho"],
        "pairs_with": pairs_with,
        "outcomes": outcomes,
        "similar_delta": table.get("similar_delta"),
        "similar_center": table.get("similar_center"),
    }


def _output_folder(path: Path, folder) -> Path | None:
    """``[output] folder``: a new folder inside the spec's folder (or the working folder).

    Absolute paths, '.', and '..' that leave those folders are refused: a spec must not be able
    to make a run replace the folder that holds it (or anything above it).
    """
    if folder is None:
        return None
    if not isinstance(folder, str) or not folder.strip():
        raise _fail(path, "output.folder", "must be a folder name")
    if (problem := path_problem(folder, writing=True)) is not None:
        raise _fail(path, "output.folder", f"the folder {problem}")
    relative = Path(folder)
    if relative.is_absolute() or folder.startswith("~"):
        raise _fail(path, "output.folder", f"must be relative to the spec's folder, got {folder!r}")
    target = (path.parent / relative).resolve()
    homes = [path.parent.resolve(), Path.cwd().resolve()]
    if not any(home in target.parents for home in homes):
        raise _fail(
            path, "output.folder", f"must name a folder inside the spec's folder, got {folder!r}"
        )
    return path.parent / relative


def _shipped(path: Path, key: str, name: str) -> Path:
    """The file behind a shipped data name, or an error naming the spec and key."""
    try:
        return resolve(name, "data")
    except InputError as exc:
        raise _fail(path, key, str(exc)) from None


def _summary_source(path: Path, doc: dict) -> dict[str | None, Path]:
    """``[data] summary``: one table (``"t.toml"``) or one per wave (``{m12 = "a.toml"}``)."""
    if "csv" in doc["data"]:
        raise _fail(path, "data.summary", "and data.csv exclude each other: give one")
    value = doc["data"]["summary"]

    def table(file: str) -> Path:
        if (problem := path_problem(file, writing=False)) is not None:
            raise _fail(path, "data.summary", f"the path {problem}")
        if not is_shipped_name(file):
            return path.parent / file
        if file in STUDY_NAMES:
            raise _fail(path, "data.summary", f"names the demo study ({file!r}): use data.csv")
        return _shipped(path, "data.summary", file)

    if isinstance(value, str) and value.strip():
        return {None: table(value)}
    if (
        isinstance(value, dict)
        and value
        and all(isinstance(v, str) and v.strip() for v in value.values())
    ):
        return {str(wave): table(file) for wave, file in value.items()}
    raise _fail(
        path,
        "data.summary",
        'must name a table ("t.toml") or one per wave ({m12 = "t12.toml", m24 = "t24.toml"})',
    )


def shipped_specs() -> list[Path]:
    """The shipped specs (``models/``, inside the package as ``bayes_peer/data/specs``)."""
    from bayes_peer.data.resources import shipped_specs as shipped

    return shipped()
