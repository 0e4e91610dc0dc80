"""Read a results folder written by ``bayes-peer run`` / ``demo`` back into numbers.

CSV cells are parsed to numbers (floats and whole numbers), booleans and None (empty cell); the
NetCDF posteriors are opened lazily, one at a time, on request.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from bayes_peer.errors import InputError


def _cell(text: str):
    if text == "":
        return None
    if text in ("True", "False"):
        return text == "True"
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text and "e" not in text else number


def read_table(path: Path) -> list[dict] | None:
    """Rows of a CSV written by :func:`bayes_peer.runs.outputs.write_csv` (None if absent)."""
    if not path.exists():
        return None
    with path.open(newline="", encoding="utf-8") as fh:
        return [{k: _cell(v) for k, v in row.items()} for row in csv.DictReader(fh)]


#: NetCDF groups the report reads.
REPORT_GROUPS = ("posterior", "prior", "observed_data", "posterior_predictive", "prior_predictive")


@dataclass
class SpecResults:
    """The tables, run record and posteriors of one spec's results folder."""

    folder: Path
    entry: dict
    correlations: list[dict] | None = None
    correlation_contrasts: list[dict] | None = None
    kendall: list[dict] | None = None
    bma_inclusion: list[dict] | None = None
    bma_models: list[dict] | None = None
    blocks: list[dict] | None = None
    coefficients: list[dict] | None = None
    coefficient_contrasts: list[dict] | None = None
    diagnostics: list[dict] = field(default_factory=list)
    dropped: list[dict] | None = None
    similarity_design: list[dict] | None = None
    preloaded: dict = field(default_factory=dict, repr=False)
    _trees: dict = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.entry["name"]

    @property
    def synthetic(self) -> bool:
        return bool(self.entry.get("synthetic"))

    @property
    def ci_prob(self) -> float:
        """Probability of every interval in the folder's tables (run.json; 0.95 before it was
        recorded)."""
        return float(self.entry.get("ci_prob") or 0.95)

    @property
    def level(self) -> str:
        """The interval label, e.g. '95%'."""
        return f"{100 * self.ci_prob:g}%"

    def tree(self, model: str, groups: tuple[str, ...] = REPORT_GROUPS):
        """The groups of one model's ``posterior_<model>.nc`` the report uses, loaded.

        Groups are read one by one (0.2 s for the report's five against 0.7 s for the whole
        file with its warm-up draws); a group the file lacks is left out. Cached per model;
        a run passes its fits in memory (``preloaded``), so nothing is read back.
        """
        key = (model, groups)
        if key not in self._trees and model in self.preloaded:
            import xarray as xr

            tree = self.preloaded[model]
            self._trees[key] = xr.DataTree.from_dict(
                {g: tree[g].to_dataset() for g in groups if g in tree.children}
            )
        if key not in self._trees:
            import h5py
            import xarray as xr

            from bayes_peer.runs.outputs import posterior_file

            path = self.folder / posterior_file(model)
            with h5py.File(path, "r") as fh:
                present = [g for g in groups if g in fh]
            datasets = {}
            for group in present:
                with xr.open_dataset(path, group=group, engine="h5netcdf") as ds:
                    datasets[group] = ds.load()
            self._trees[key] = xr.DataTree.from_dict(datasets)
        return self._trees[key]

    def verdict(self, model: str) -> str | None:
        return next((d["verdict"] for d in self.diagnostics if d["model"] == model), None)


def load_spec_results(folder: Path, entry: dict) -> SpecResults:
    """One spec folder's tables beside its ``run.json`` entry."""
    return SpecResults(
        folder=folder,
        entry=entry,
        correlations=read_table(folder / "correlations.csv"),
        correlation_contrasts=read_table(folder / "contrasts.csv"),
        kendall=read_table(folder / "kendall.csv"),
        bma_inclusion=read_table(folder / "bma_inclusion.csv"),
        bma_models=read_table(folder / "bma_models.csv"),
        blocks=read_table(folder / "blocks.csv"),
        coefficients=read_table(folder / "coefficients.csv"),
        coefficient_contrasts=read_table(folder / "coefficient_contrasts.csv"),
        diagnostics=read_table(folder / "diagnostics.csv") or [],
        dropped=read_table(folder / "dropped_rows.csv"),
        similarity_design=read_table(folder / "similarity_design.csv"),
    )


def load_results(folder: str | Path) -> tuple[dict, list[SpecResults]]:
    """The run record and the per-spec results of a folder from ``run`` or ``demo``.

    Raises
    ------
    InputError
        If the folder has no readable ``run.json`` (not a results folder).
    """
    folder = Path(folder)
    record_path = folder / "run.json"
    if not record_path.is_file():
        raise InputError(
            f"{folder}: not a results folder (no run.json); run `bayes-peer run` first"
        )
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{record_path}: unreadable run record ({exc})") from None
    if "specs" in record:  # several specs: one sub-folder each
        specs = [load_spec_results(folder / e["name"], e) for e in record["specs"]]
    elif "name" in record:
        specs = [load_spec_results(folder, record)]
        record = {
            "command": "bayes-peer run",
            "versions": record.get("versions", {}),
            "specs": [record],
        }
    else:
        raise InputError(f"{record_path}: not a run record of `bayes-peer run` or `demo`")
    return record, specs
