"""Writing the files of a results folder (CSV tables, JSON records) and the versions every
folder records. Where folders go and when one may be replaced: :mod:`bayes_peer.runs.folders`."""

from __future__ import annotations

import csv
import hashlib
import json
import platform
import re
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


def safe_stem(name: str) -> str:
    """A file-name stem for any name (a model, a pair of columns): every character that is
    not an ASCII letter, digit, ``_``, ``-`` or ``.`` replaced by ``_`` and, when any was, a
    short hash of the name appended (so that ``a b`` and ``a/b`` stay apart and no column name
    can make a path)."""
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    if stem != name or stem.startswith("."):
        stem = f"{stem.lstrip('.')}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"
    return stem[:120]


def posterior_file(model: str) -> str:
    """The NetCDF file of a model's posterior: ``posterior_<safe stem of the model>.nc``."""
    return f"posterior_{safe_stem(model)}.nc"


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


#: Groups a run's or the demo's NetCDF keep: what the report and a reader of the posterior use.
#: Warm-up draws and the pointwise log-likelihood and log-prior (their use, PSIS-LOO and
#: power-scaling, is done when the model is fitted and is in the tables) are left out.
NETCDF_GROUPS = (
    "posterior",
    "sample_stats",
    "prior",
    "observed_data",
    "prior_predictive",
    "posterior_predictive",
)
#: ... and what a single command's ``--out`` adds, for a user's own LOO and power-scaling.
POINTWISE_GROUPS = ("log_likelihood", "log_prior")
#: Sampler statistics kept (what ArviZ's diagnostics and the trace plots read).
SAMPLE_STATS = (
    "diverging",
    "energy",
    "depth",
    "maxdepth_reached",
    "step_size",
    "n_steps",
    "logp",
    "mean_tree_accept",
    "tuning",
)


def write_netcdf(tree, path: Path, compact: bool = True) -> None:
    """A fit's draws as gzip-compressed NetCDF (byte shuffle), without warm-up draws.

    ``compact`` (runs and the demo): the groups of :data:`NETCDF_GROUPS`, float64 draws stored
    as float32 (7 significant digits, far below Monte Carlo error; every number in the tables
    is computed from the float64 draws before writing). Otherwise (a single command's
    ``--out``): float64, with the pointwise :data:`POINTWISE_GROUPS` too.
    """
    import numpy as np
    import xarray as xr

    names = NETCDF_GROUPS if compact else (*NETCDF_GROUPS, *POINTWISE_GROUPS)
    groups = {}
    for name in names:
        if name not in tree.children:
            continue
        ds = tree[name].to_dataset()
        if name == "sample_stats":
            ds = ds[[v for v in SAMPLE_STATS if v in ds.data_vars]]
        groups[name] = ds
    encoding = {
        f"/{name}": {
            var: {
                "zlib": True,
                "complevel": 4,
                "shuffle": True,
                **({"dtype": "float32"} if compact and da.dtype == np.float64 else {}),
            }
            for var, da in ds.data_vars.items()
        }
        for name, ds in groups.items()
    }
    xr.DataTree.from_dict(groups).to_netcdf(path, engine="h5netcdf", encoding=encoding)


def save_result(result, folder: Path) -> list[str]:
    """Write one command's result into ``folder`` (``--out`` of correlate and regress).

    MCMC results: one NetCDF posterior per fitted model, the tables as CSV and ``result.json``
    (the JSON the command prints); the exact layer: ``result.json`` (and ``sensitivity.json``
    when a sensitivity analysis ran). Returns the names of the files written (the run-layout
    tables: :mod:`bayes_peer.runs.command_folder`; figures and report: the report layer).
    """
    record = result.record
    names: list[str] = []

    def table(name: str, rows: list[dict]) -> None:
        write_csv(folder / name, [_flags_joined(r) for r in rows])
        names.append(name)

    if not result.fits:  # the exact layer: the record and, with a sensitivity option, its part
        sensitive = ("robustness", "sequential", "influence")
        if result.kind == "correlation":
            pairs = record.get("pairs", [record])
            if any(key in pair for pair in pairs for key in sensitive):
                write_json(folder / "sensitivity.json", {"pairs": pairs})
                names.append("sensitivity.json")
        elif any(key in block for block in record.get("blocks", []) for key in sensitive):
            write_json(folder / "sensitivity.json", {"blocks": record["blocks"]})
            names.append("sensitivity.json")
        write_json(folder / "result.json", record)
        return [*names, "result.json"]
    for key, tree in result.fits.items():
        if result.kind == "correlation":
            name = posterior_file(key)
        else:
            waves = "_waves" if record.get("waves") else ""
            name = posterior_file(f"{record['outcome']}{waves}_{key}")
        write_netcdf(tree, folder / name, compact=False)
        names.append(name)
    if result.kind == "correlation":
        table("correlations_mcmc.csv", record["pairs"])
    elif record.get("waves"):
        pass  # blocks.csv, coefficients.csv, coefficient_contrasts.csv: the run layout's
    else:
        table("blocks_mcmc.csv", record["blocks"])
        table("coefficients_mcmc.csv", record["coefficients"])
    write_json(folder / "result.json", record)
    return [*names, "result.json"]


def _flags_joined(row: dict) -> dict:
    """A row with its ``flags`` list as one '; '-joined cell."""
    if isinstance(row.get("flags"), list):
        return {**row, "flags": "; ".join(row["flags"])}
    return row
