"""Files that ship inside the package, by name: the demo study, its published tables, the specs.

A pip user has no checkout, so every command that needs a shipped file finds it with
:mod:`importlib.resources`, and the user names it with a short ``demo`` name instead of a path:

========================  =====================================================================
name                      file
========================  =====================================================================
``demo``, ``demo:study``  the SYNTHETIC demo study (``bayes_peer/data/demo_study.csv``)
``demo:m12``, ``demo:m24`` its published-style tables per wave (``specs/tables/demo_<wave>.toml``)
``demo:<spec>``           a shipped spec (``specs/<spec>.toml``: ``demo:correlations``,
                          ``demo:blocks``, ``demo:published_tables``)
========================  =====================================================================

The specs' home in the repository is the top-level ``models/`` folder; ``bayes_peer/data/specs``
is a link to it, so the wheel carries the same files. A file of one's own that is literally
called ``demo`` is read as ``./demo``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from bayes_peer.errors import InputError

#: What every shipped name starts with (or is: ``demo`` alone is the demo study).
PREFIX = "demo"
#: The names of the demo study itself.
STUDY_NAMES = ("demo", "demo:study")


def _folder() -> Path:
    return Path(str(resources.files("bayes_peer.data").joinpath("specs")))


def is_shipped_name(value) -> bool:
    """True for ``demo`` and every ``demo:<name>`` (a str; a Path is always a file path)."""
    return isinstance(value, str) and (value == PREFIX or value.startswith(PREFIX + ":"))


def shipped_specs() -> list[Path]:
    """The shipped specs (the demo runs all of them), in name order."""
    folder = _folder()
    specs = sorted(folder.glob("*.toml"))
    if not specs:
        raise InputError(f"{folder}: no shipped specs found; the installation is incomplete")
    return specs


def shipped_names() -> dict[str, list[str]]:
    """Every shipped name by kind (``study``, ``tables``, ``specs``), as the help lists them."""
    return {
        "study": list(STUDY_NAMES),
        "tables": [
            f"demo:{p.stem.removeprefix('demo_')}"
            for p in sorted((_folder() / "tables").glob("demo_*.toml"))
        ],
        "specs": [f"demo:{p.stem}" for p in shipped_specs()],
    }


def demo_csv_path() -> Path:
    """The shipped SYNTHETIC demo study's CSV."""
    return Path(str(resources.files("bayes_peer.data").joinpath("demo_study.csv")))


def resolve(name: str, kind: str) -> Path:
    """The file behind a shipped name.

    Parameters
    ----------
    name : str
        ``demo``, ``demo:study``, ``demo:<wave>`` or ``demo:<spec>``.
    kind : {"data", "spec"}
        "data": the demo study or one of its tables; "spec": a shipped spec.

    Raises
    ------
    InputError
        For a name that ships nothing of that kind (the message lists those that do).
    """
    names = shipped_names()
    if kind == "spec":
        if name in names["specs"]:
            return _folder() / f"{name.split(':', 1)[1]}.toml"
        raise InputError(f"'{name}' is not a shipped spec (shipped: {', '.join(names['specs'])})")
    if name in STUDY_NAMES:
        return demo_csv_path()
    if name in names["tables"]:
        return _folder() / "tables" / f"demo_{name.split(':', 1)[1]}.toml"
    listed = ", ".join([*names["study"], *names["tables"]])
    raise InputError(f"'{name}' is not shipped data (shipped: {listed})")


def data_path(value):
    """``value`` with a shipped data name replaced by its file; anything else unchanged."""
    return resolve(value, "data") if is_shipped_name(value) else value


def spec_path(value):
    """``value`` with a shipped spec name replaced by its file; anything else unchanged."""
    return resolve(value, "spec") if is_shipped_name(value) else value
