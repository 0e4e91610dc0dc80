"""``README.md`` in every results folder: what each file is, written when the folder is
committed (and again when its report is rebuilt), so a folder explains itself without the
toolkit at hand."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path

#: What each file is, by name pattern (first match wins).
DESCRIPTIONS = (
    (
        "report.html",
        "the report: key findings first, then every analysis; one self-contained "
        "page (figures embedded)",
    ),
    ("report.md", "the same report as Markdown (figures linked from figures/)"),
    ("summary.md", "the exact demo's tables as text"),
    (
        "run.json",
        "what ran: command, spec and data file names with their SHA-256, seed, "
        "sampler, priors, timings, diagnostics verdicts, library versions",
    ),
    ("spec.toml", "a copy of the spec that was run"),
    (
        "correlations.csv",
        "every correlation (per wave): Pearson r, p and CI beside the exact "
        "Bayes factors and posterior and, from a model, the MCMC posterior",
    ),
    ("correlations_mcmc.csv", "the correlations with their MCMC posterior summaries"),
    (
        "kendall.csv",
        "Kendall's tau-b of every pair: exact Bayes factors and posterior, tau-b, p and CI",
    ),
    (
        "contrasts.csv",
        "the change of each correlation between the waves, with replication "
        "Bayes factors of each wave given the other",
    ),
    (
        "similarity_design.csv",
        "what the study's n can tell about 'as in non-peer care': the "
        "chance that BF(informed vs default) passes 3 or 1/3 when rho is the literature's",
    ),
    ("blocks.csv", "blocked regressions: ΔR², F-change, block Bayes factors, posterior ΔR²"),
    ("regression_blocks.csv", "blocked regressions: ΔR², F-change and block Bayes factors"),
    ("coefficients.csv", "the coefficients of every block's model: OLS beside the posterior"),
    ("regression_coefficients.csv", "the OLS coefficients of every block's model"),
    ("coefficient_contrasts.csv", "the change of the last block's coefficients between waves"),
    (
        "bma_inclusion.csv",
        "model averaging: inclusion probability, inclusion BF and the "
        "model-averaged coefficient of every term",
    ),
    ("bma_models.csv", "model averaging: every model's Bayes factor and probability"),
    (
        "diagnostics.csv",
        "the diagnostics verdict (pass / warn / fail) of every fitted model "
        "and the numbers behind it",
    ),
    ("dropped_rows.csv", "every participant an analysis left out, with the values missing"),
    ("variables.csv", "observed and missing counts of each variable"),
    (
        "posterior_*.nc",
        "one fitted model's draws (NetCDF, float32, compressed): posterior, "
        "sample_stats, prior, observed_data and predictive groups; open with "
        "xarray.open_datatree(path, engine='h5netcdf')",
    ),
    ("result.json", "the command's JSON result"),
    ("sensitivity.json", "the sensitivity analyses' record (grids, seeds, hashes, summary)"),
    ("variants.csv", "sensitivity: each prior / likelihood / data variant and its conclusion"),
    ("power_scaling.csv", "sensitivity: power-scaling of prior and likelihood"),
    ("pareto_k.csv", "sensitivity: influential participants (PSIS-LOO Pareto k, exact refits)"),
    ("mnar.csv", "sensitivity: missing not at random (delta-adjusted imputation)"),
    ("tipping_points.csv", "sensitivity: where a conclusion would flip under MNAR"),
    ("exact.csv", "sensitivity: exact-layer prior width and leave-one-out"),
    (
        "sbc.csv",
        "calibration: one row per model and test quantity: simulations, the "
        "uniformity statistic and p-value of its ranks, calibrated or not",
    ),
    ("ranks.csv", "calibration: the rank and PIT value of every test quantity in every simulation"),
    ("simulations.csv", "calibration: each simulation's fit (divergences, r_hat, ESS, seconds)"),
    (
        "coverage.csv",
        "calibration: the frequentist study's coverage, bias, RMSE, width and "
        "Bayes-factor decision rates with their Monte Carlo SEs",
    ),
    (
        "calibration.json",
        "the calibration's record (models, simulations, seed, sampler "
        "settings, library versions, timings)",
    ),
    ("figures", "the report's figures (PNG)"),
    ("*.png", "a figure"),
    ("sensitivity", "the sensitivity analyses of this spec (own README.md)"),
)


def describe(name: str, is_dir: bool, folder: Path, kind: str = "run") -> str:
    """What one entry of a results folder is (``kind``: the folder's, see
    :mod:`bayes_peer.runs.folders`)."""
    if is_dir and (folder / name / "run.json").is_file():
        return "the results of one spec (its own README.md)"
    if kind == "result" and fnmatch.fnmatch(name, "posterior_*.nc"):
        return (
            "one fitted model's draws (NetCDF, float64, compressed): posterior, "
            "sample_stats, log_likelihood, log_prior, prior, observed_data and predictive "
            "groups; open with xarray.open_datatree(path, engine='h5netcdf')"
        )
    for pattern, text in DESCRIPTIONS:
        if fnmatch.fnmatch(name, pattern):
            return text
    return "written by bayes-peer"


def write_index(folder: Path, kind: str, command: str) -> Path:
    """Write ``folder/README.md`` listing every file and sub-folder and what it is."""
    folder = Path(folder)
    synthetic = False
    with_run = folder / "run.json"
    if with_run.is_file():
        try:
            synthetic = bool(json.loads(with_run.read_text(encoding="utf-8")).get("synthetic"))
        except ValueError:
            synthetic = False
    lines = [
        "# Results folder written by bayes-peer",
        "",
        f"Written by `{command}` (kind: {kind}). bayes-peer replaces this folder only on "
        "`--force`, and only while every file is as it wrote it (`.bayes-peer.json` lists "
        "them with their hashes).",
    ]
    if synthetic:
        lines += [
            "",
            "**SYNTHETIC DATA**: from the shipped demo study; its numbers are not the paper's.",
        ]
    lines += ["", "| file | what it is |", "|---|---|"]
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    posteriors = [p.name for p in entries if fnmatch.fnmatch(p.name, "posterior_*.nc")]
    for path in entries:
        if path.name == "README.md" or path.name in posteriors[1:]:
            continue
        if path.name in posteriors[:1] and len(posteriors) > 1:  # one row for the models
            models = ", ".join(n.removeprefix("posterior_").removesuffix(".nc") for n in posteriors)
            label = f"`posterior_<model>.nc` ({len(posteriors)} files; models: {models})"
        elif path.is_dir():
            count = sum(1 for _ in path.rglob("*") if _.is_file())
            label = f"`{path.name}/` ({count} files)"
        else:
            label = f"`{path.name}`"
        lines.append(f"| {label} | {describe(path.name, path.is_dir(), folder, kind)} |")
    lines.append("| `.bayes-peer.json` | the marker: which command wrote the folder, and when |")
    target = folder / "README.md"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for sub in entries:
        if sub.is_dir() and (sub / "run.json").is_file():
            write_index(sub, kind, command)
    return target
