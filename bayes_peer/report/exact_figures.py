"""The figures of an exact-layer sensitivity analysis in a single command's folder: one PNG per
pair or block and analysis (robustness over prior widths, sequential evidence, leave-one-out
influence), drawn by :mod:`bayes_peer.report.plots.studies` (the functions ``Result.plot``
uses), labelled with n and SYNTHETIC where it applies."""

from __future__ import annotations

from pathlib import Path

from bayes_peer.report.plots import studies
from bayes_peer.report.plots.canvas import save

#: The analyses a pair or block may hold, in file-name order.
ANALYSES = ("robustness", "sequential", "influence")


def sensitivity_figures(result, folder: Path) -> list[Path]:
    """Write ``<analysis>_<pair or block>.png`` for every sensitivity analysis in ``result``
    (a correlate or regress Result) into ``folder``; returns the paths."""
    from bayes_peer.runs.outputs import safe_stem

    record = result.record
    synthetic = bool(record.get("synthetic"))
    written: list[Path] = []
    if result.kind == "correlation":
        for pair in record.get("pairs", [record]):
            kendall = "tau_b" in pair
            tag = f"{pair['var1']}__{pair['var2']}" if "var1" in pair else "tau" if kendall else "r"
            one = {"pairs": [pair]}
            for analysis in ANALYSES:
                if analysis in pair:
                    plot = getattr(studies, analysis)(one, synthetic)
                    written.append(save(plot, folder / f"{analysis}_{safe_stem(tag)}.png"))
        return written
    for block in record.get("blocks", []):
        one = {"outcome": record.get("outcome"), "blocks": [block]}
        for analysis in ("robustness", "influence"):
            if analysis in block:
                plot = getattr(studies, analysis)(one, synthetic)
                written.append(save(plot, folder / f"{analysis}_block{block['block']}.png"))
    return written
