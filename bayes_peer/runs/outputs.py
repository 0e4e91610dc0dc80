"""Writing the files of a results folder (CSV tables, JSON records) and the versions every
folder records. Where folders go and when one may be replaced: :mod:`bayes_peer.runs.folders`."""

from __future__ import annotations

import csv
import json
import platform
from importlib import metadata
from pathlib import Path

from bayes_peer.numbers import json_safe

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
