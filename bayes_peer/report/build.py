"""Build ``report.md`` and ``report.html`` for a results folder.

The report says, in this order: whether anything failed its diagnostics (at the top, before
any number), that demo data are synthetic, then per analysis a methods paragraph generated from
what ran (data, priors and the marginal priors they imply, sampler, diagnostics rules), the
Bayesian and frequentist numbers side by side with a plain-language reading, APA-style result
sentences, the figures, the model checks and what is needed to reproduce the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from bayes_peer.errors import InputError
from bayes_peer.report import figures, sections
from bayes_peer.report.averaging_section import averaging_section
from bayes_peer.report.claims import claims_blocks
from bayes_peer.report.comparison_sections import (
    apa_lines,
    correlation_section,
    regression_section,
)
from bayes_peer.report.findings import key_findings
from bayes_peer.report.informed_section import informed_section
from bayes_peer.report.rank_section import kendall_section
from bayes_peer.report.render import to_html, to_markdown
from bayes_peer.report.results import SpecResults, load_results

SYNTHETIC_NOTICE = (
    "these results come from the shipped synthetic demo study, simulated from a documented "
    "generating process with the study's design; its numbers are not the paper's and say "
    "nothing about the real participants."
)


def _failure_notice(specs: list[SpecResults]) -> list[tuple]:
    """A failed fit is announced before any number (warnings are in Key findings)."""
    failed = [(s.name, d) for s in specs for d in s.diagnostics if d["verdict"] == "fail"]
    if not failed:
        return []
    text = "; ".join(f"{name}/{d['model']}: {d['reasons']}" for name, d in failed)
    return [
        (
            "notice",
            "fail",
            f"{len(failed)} fitted model(s) failed the sampler diagnostics; "
            "their numbers are flagged 'fail' wherever they appear and should not be "
            f"reported as they are ({text}).",
        )
    ]


def _title(specs: list[SpecResults]) -> str:
    if len(specs) == 1:
        return f"bayes_peer report: {specs[0].entry.get('title') or specs[0].name}"
    demo = all(s.synthetic for s in specs)
    return "bayes_peer report: " + (
        "the synthetic demo study" if demo else f"{len(specs)} analyses"
    )


def build_report(
    folder: str | Path,
    *,
    log: Callable[[str], None] | None = None,
    preloaded: dict[str, dict] | None = None,
) -> dict:
    """Write ``report.md``, ``report.html`` and ``figures/`` for a results folder.

    ``preloaded`` maps a spec name to ``{model: DataTree}`` of fits still in memory (a run
    passes them; the NetCDF files hold the same draws). Returns ``{"html", "markdown",
    "figures", "seconds"}`` (paths as strings).
    """
    start = time.perf_counter()
    folder = Path(folder)
    record, specs = load_results(folder)
    for spec in specs:
        spec.preloaded = (preloaded or {}).get(spec.name, {})
    synthetic = any(s.synthetic for s in specs)
    title = _title(specs)
    doc: list[tuple] = [("h1", title), *_failure_notice(specs)]
    if synthetic:
        doc.append(("notice", "synthetic", SYNTHETIC_NOTICE))
    doc += claims_blocks(specs)
    doc += key_findings(specs)
    doc += [("h2", "Contents"), ("toc",)]
    written: list[str] = []
    for spec in specs:
        fig_dir = spec.folder / "figures"
        fig_dir.mkdir(exist_ok=True)

        def add_figures(section: str, spec=spec, fig_dir=fig_dir) -> list[tuple]:
            out = []
            for group, name, draw in figures.FIGURES:
                if group != section:
                    continue
                for path in draw(spec, lambda stem: fig_dir / f"{stem}.png"):
                    written.append(str(path))
                    out.append(
                        (
                            "figure",
                            path,
                            figures.CAPTIONS.get(name, name).format(level=spec.level)
                            + (" SYNTHETIC DATA." if spec.synthetic else ""),
                        )
                    )
                if log:
                    log(f"report: {spec.name}: {name}")
            return out

        doc.append(("h2", spec.entry.get("title") or spec.name))
        doc += sections.methods(spec, record)
        if spec.correlations:
            doc += correlation_section(spec, add_figures)
        doc += informed_section(spec, add_figures)
        if spec.kendall:
            doc += kendall_section(spec)
        if spec.blocks:
            doc += regression_section(spec, add_figures)
        if spec.bma_inclusion:
            doc += averaging_section(spec, add_figures)
        if spec.correlation_contrasts or spec.coefficient_contrasts:
            doc += sections.contrast_section(spec, add_figures)
        if spec.diagnostics:  # the exact layer alone fits no model
            doc += sections.checks_section(spec, add_figures)
        doc += sections.command_figures(spec)
        doc += sections.sensitivity_section(spec, fig_dir, written)
        doc += sections.dropped_section(spec)
        doc += sections.reproducibility(spec, record)
    doc += [
        ("h2", "Appendix: APA-style result sentences"),
        (
            "p",
            "One sentence per correlation and block, to copy into a manuscript (the "
            "numbers of the tables above).",
        ),
    ]
    doc += [
        ("details", spec.entry.get("title") or spec.name, [("list", lines)])
        for spec in specs
        if (lines := apa_lines(spec))
    ]
    html_path, md_path = folder / "report.html", folder / "report.md"
    md_path.write_text(to_markdown(doc, folder), encoding="utf-8")
    html_path.write_text(to_html(doc, title), encoding="utf-8")
    return {
        "html": str(html_path),
        "markdown": str(md_path),
        "figures": written,
        "seconds": time.perf_counter() - start,
    }


def rebuild_report(folder: str | Path, *, log: Callable[[str], None] | None = None) -> dict:
    """Rewrite the report of an existing results folder (``bayes-peer report FOLDER``).

    The folder must be one bayes-peer wrote, complete and unchanged since (InputError
    otherwise, naming the file); the report is built in a staged copy that replaces the
    folder only when the build succeeded (:func:`bayes_peer.runs.folders.updating`), so a
    failed rebuild leaves the folder byte-identical. Returns the paths in the folder.
    """
    from bayes_peer.runs.folders import updating

    if not (Path(folder) / "run.json").is_file():
        raise InputError(
            f"{folder}: not a results folder (no run.json); write one with "
            "`bayes-peer run` or `bayes-peer demo`"
        )
    with updating(folder, "bayes-peer report") as staging:
        built = build_report(staging, log=log)

    def moved(path: str) -> str:
        return str(Path(folder) / Path(path).relative_to(staging))

    return {
        **built,
        "html": moved(built["html"]),
        "markdown": moved(built["markdown"]),
        "figures": [moved(p) for p in built["figures"]],
    }
