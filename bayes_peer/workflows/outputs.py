"""Writing a results folder atomically: everything goes to a temporary sibling folder that is
renamed into place at the end, so an interrupted run leaves nothing half-written."""

from __future__ import annotations

import csv
import json
import platform
import shutil
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from bayes_peer.errors import InputError
from bayes_peer.workflows.numbers import json_safe

#: Libraries whose versions every results folder records.
RECORDED_PACKAGES = ("bayes-peer", "numpy", "scipy", "mpmath", "pandas", "pymc", "nutpie", "arviz")


def library_versions() -> dict[str, str | None]:
    """Installed versions of the recorded packages (None where not installed) and Python."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in RECORDED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def write_csv(path: Path, rows: list[dict]) -> None:
    """Write dict rows as CSV (union of keys in first-seen order; lists joined with ';')."""
    fields: list[str] = []
    for row in rows:
        for key in row:
            if key not in fields:
                fields.append(key)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for row in json_safe(rows):
            writer.writerow(
                {k: ";".join(map(str, v)) if isinstance(v, list) else v for k, v in row.items()}
            )


def write_json(path: Path, obj: dict) -> None:
    """Write a JSON document (non-finite numbers as null)."""
    path.write_text(json.dumps(json_safe(obj), indent=2, allow_nan=False) + "\n", encoding="utf-8")


def check_output_folder(out: str | Path, force: bool) -> Path:
    """Refuse (InputError) an existing output folder without ``force``, or a file in its place.

    Called before any work starts, so that a long run does not fail at its very end.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    if out.exists() and not force:
        raise InputError(f"{out}: the output folder exists; use --force to replace it")
    return out


def write_folder_atomically(out: str | Path, force: bool, fill: Callable[[Path], None]) -> Path:
    """Create ``out`` by calling ``fill(tmp)`` on a temporary sibling folder, then renaming it.

    Raises
    ------
    InputError
        If ``out`` exists and ``force`` is false, or is a file.
    """
    out = check_output_folder(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        fill(tmp)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            out.rename(old / out.name)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
