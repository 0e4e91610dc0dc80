"""Fitting one analysis spec: every model it names, from participant rows or published tables.

Nothing here writes files: :func:`fit_spec` returns the tables (rows of dicts, the columns of
the results folder's CSV files), the fits and their diagnostics; :mod:`bayes_peer.runs.run`
writes them. From rows, each pair of constructs gets one joint model of its construct-wave
columns (with the change between waves) and each outcome one two-wave block model; from tables
(one per wave), each wave gets one joint model of every construct and each outcome and wave its
blocked regression (a table has no cross-wave correlations).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

from bayes_peer.exact.correlation import prior_description
from bayes_peer.runs.specs import Spec


@dataclass
class SpecFit:
    """What fitting a spec produced.

    ``tables`` maps a CSV name (``correlations``, ``contrasts``, ``blocks``, ``coefficients``,
    ``coefficient_contrasts``, ``dropped_rows``, ``diagnostics``) to its rows; ``fits`` maps a
    model name to its :class:`~bayes_peer.mcmc.sampler.Fit`.
    """

    tables: dict[str, list[dict]] = field(default_factory=dict)
    fits: dict = field(default_factory=dict)
    priors: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def add(self, table: str, rows: list[dict]) -> None:
        self.tables.setdefault(table, []).extend(rows)

    def add_fit(self, name: str, fit) -> str:
        """Keep a fit and its diagnostics; return its verdict."""
        self.fits[name] = fit
        diagnostics = fit.diagnostics(name)
        self.add("diagnostics", [diagnostics])
        return diagnostics["verdict"]

    @property
    def failed(self) -> list[str]:
        return [d["model"] for d in self.tables.get("diagnostics", []) if d["verdict"] == "fail"]


def _worst(verdicts) -> str:
    verdicts = list(verdicts)
    return "fail" if "fail" in verdicts else "warn" if "warn" in verdicts else "pass"


def _dropped_row(analysis: str, wave: str | None, record: dict) -> dict:
    """One row a model left out: which analysis, the participant and the values it misses."""
    return {
        "analysis": analysis,
        "wave": wave,
        "row": record["row"],
        "line": record["line"],
        "id": record["id"],
        "missing": ";".join(record["missing"]),
    }


def _table_for(tables: dict, wave: str | None):
    return tables[wave] if wave in tables else tables[None]


def fit_spec(spec: Spec, source, settings, progress) -> SpecFit:
    """Fit every model of ``spec``; ``source`` is participant data or {wave: table}."""
    from bayes_peer.mcmc.sampler import compile_progress

    out = SpecFit()
    out.add("dropped_rows", [])
    with compile_progress(None if progress.quiet else progress.note):
        if spec.correlations:
            _correlations(spec, source, settings, progress, out)
        if spec.regressions:
            _regressions(spec, source, settings, progress, out)
    return out


def _correlations(spec: Spec, source, settings, progress, out: SpecFit) -> None:
    from bayes_peer.analyses.correlate_mcmc import correlate_mcmc

    c = spec.correlations
    rows = not isinstance(source, dict)
    if rows:  # one joint model per pair of constructs, every wave in it
        jobs = [
            (
                f"{a}__{b}",
                source,
                [a, b],
                None,
                {"missing": c["missing"], "robust": c["robust"], "waves": c["waves"]},
                f"{a} ~ {b}",
            )
            for a, b in itertools.combinations(c["constructs"], 2)
        ]
    else:  # one joint model of every construct per wave's table
        jobs = [
            (
                f"joint_{w}" if w else "joint",
                _table_for(source, w),
                [f"{k}_{w}" if w else k for k in c["constructs"]],
                w,
                {},
                f"correlations{f' at {w}' if w else ''}",
            )
            for w in c["waves"] or [None]
        ]
    informed = _informed_options(spec)
    for name, data, names, wave, options, label in jobs:
        start = time.perf_counter()
        outcome = correlate_mcmc(
            data, names, "joint", settings, kappa=c["kappa"], eta=c["eta"], **options
        )
        if informed is not None:
            _add_informed(spec, outcome.result["pairs"], informed, wave)
        verdict = out.add_fit(name, outcome.fits["joint"])
        prior = outcome.result["prior"]
        out.add("dropped_rows", [_dropped_row(name, None, d) for d in outcome.result["dropped"]])
        for row in outcome.result["pairs"]:
            row.pop("flags", None)
            extra = {}
            if wave:
                extra = {
                    "wave": wave,
                    "construct1": row["var1"].removesuffix(f"_{wave}"),
                    "construct2": row["var2"].removesuffix(f"_{wave}"),
                }
            out.add(
                "correlations",
                [
                    {
                        "var1": row["var1"],
                        "var2": row["var2"],
                        **extra,
                        **row,
                        "model": name,
                        "diagnostics": verdict,
                        "prior": prior,
                    }
                ],
            )
        out.add(
            "contrasts",
            [
                {**row, "model": name, "diagnostics": verdict}
                for row in outcome.result.get("contrasts", [])
            ],
        )
        out.timings[name] = time.perf_counter() - start
        progress.step(f"{spec.name}: {label} ({verdict})")
    if c.get("kendall") and rows:
        _kendall(c, source, out)
    if informed is not None:
        _similarity_design(out, informed, c["kappa"], source.n_rows if rows else None)
    out.priors.update(
        {
            "correlations_mcmc": prior,
            "correlations_exact": prior_description(c["kappa"]),
            "correlations_missing": outcome.result["missing"]
            if rows
            else "each table's complete cases, as published",
        }
    )
    if not rows:
        out.priors["correlations_model"] = (
            "per wave, one joint model of every construct, fitted to that wave's published "
            "table (n, correlations; likelihood on sufficient statistics); the change between "
            "waves needs the cross-wave correlations, which per-wave tables lack"
        )


def _model_averaging(
    r: dict, outcome: str, source, rows: bool, rscale: float, out: SpecFit
) -> None:
    """Bayesian model averaging of each outcome (and wave) over the blocks' terms, the baseline
    forced in: the ``bma_inclusion`` and ``bma_models`` tables beside the blocked analysis."""
    from bayes_peer.analyses.averaging import regress_bma
    from bayes_peer.analyses.regress_waves import wave_blocks
    from bayes_peer.runs.run import CI_PROB

    for wave in r["waves"] or [None]:
        data = source if rows else _table_for(source, wave)
        header = data.header if rows else data.variables
        baseline = r["baseline"]
        if baseline and f"{outcome}_{baseline}" not in header:
            baseline = None
        y, blocks = outcome, r["blocks"]
        if wave:
            y, blocks = wave_blocks(header, outcome, [wave, wave], baseline, r["blocks"])[wave]
        forced = [f"{outcome}_{baseline}"] if baseline else []
        candidates = [t for b in blocks for t in b if t not in forced]
        result = regress_bma(data, y, forced, candidates, rscale, r["model_prior"], CI_PROB)
        block_of = {t: k for k, b in enumerate(r["blocks"], start=1) for t in b}
        tag = {
            "outcome": outcome,
            "wave": wave,
            "y": y,
            "n_used": result["n_used"],
            "forced": ";".join(forced),
            "model_prior": r["model_prior"],
        }
        for row in result["inclusion"]:
            construct = row["term"].removesuffix(f"_{wave}") if wave else row["term"]
            out.add(
                "bma_inclusion",
                [{**tag, "construct": construct, "block": block_of.get(construct), **row}],
            )
        out.add(
            "bma_models",
            [
                {
                    **tag,
                    "rank": i,
                    "terms": ";".join(m["terms"]),
                    **{
                        k: m[k]
                        for k in ("size", "r2", "log_bf", "bf", "prior_prob", "post_prob", "bf_m")
                    },
                }
                for i, m in enumerate(result["models"], start=1)
            ],
        )
    out.priors["model_averaging"] = (
        f"JZS prior (r = {rscale:g}) on every model's standardized slopes; "
        f"{r['model_prior']} model prior over the subsets of the blocks' terms, the baseline "
        "score forced into every model"
    )


def _informed_options(spec: Spec):
    """The spec's ``[informed]`` options, checked (None without the table)."""
    if spec.informed is None:
        return None
    from bayes_peer.analyses.informed import check_informed

    i = spec.informed
    return check_informed(i["prior_rho"], i["similar_delta"], i["similar_center"])


def _involves(row: dict, construct: str | None, others: list[str] | None, wave: str | None) -> bool:
    """Whether a correlation row pairs ``construct`` with one of ``others`` (every pair when
    ``construct`` is None; any partner when ``others`` is None)."""
    if construct is None:
        return True
    suffix = f"_{wave}" if wave else ""
    pair = [
        row.get("construct1") or row["var1"].removesuffix(suffix),
        row.get("construct2") or row["var2"].removesuffix(suffix),
    ]
    if construct not in pair:
        return False
    partner = pair[1] if pair[0] == construct else pair[0]
    return others is None or partner in others


def _add_informed(spec: Spec, pairs: list[dict], informed, wave: str | None) -> None:
    """The informed-prior keys on the pairs ``[informed] pairs_with`` names (every pair by
    default; in place)."""
    from bayes_peer.analyses.informed import add_informed_keys

    construct, others = spec.informed["pairs_with"], spec.informed["outcomes"]
    chosen = [row for row in pairs if _involves(row, construct, others, row.get("wave") or wave)]
    add_informed_keys(chosen, informed)


def _similarity_design(out: SpecFit, informed, kappa: float, n_total: int | None) -> None:
    """What the study's n (and each wave's pairs' n) can tell about "as in the literature":
    the chance that the informed-vs-default BF passes 3 (or 1/3) when rho is the literature's
    value (the ``similarity_design`` table and prior text)."""
    from bayes_peer.exact.informed import similarity_design

    rows = [row for row in out.tables.get("correlations", []) if "bf10_informed" in row]
    sizes: dict = {}
    for row in rows:
        sizes[row.get("wave")] = max(sizes.get(row.get("wave"), 0), int(row["n"]))
    if n_total is not None:
        sizes = {"all participants": n_total, **sizes}
    prior = informed.prior
    design = [
        {"wave": wave, "prior": prior.name, **similarity_design(prior.center, n, prior, kappa)}
        for wave, n in sizes.items()
    ]
    out.add("similarity_design", design)
    out.priors["correlations_informed"] = informed.record_keys()["prior_informed"]


def _kendall(c: dict, source, out: SpecFit) -> None:
    """Kendall's tau-b of every pair of constructs at each wave (exact layer, pairwise-complete
    rows): the ``kendall`` table beside the Pearson correlations."""
    from bayes_peer.analyses.correlate_kendall import kendall_pairs, kendall_prior_text
    from bayes_peer.runs.run import CI_PROB

    for wave in c["waves"] or [None]:
        names = [f"{k}_{wave}" if wave else k for k in c["constructs"]]
        pairs = kendall_pairs(source, names, c["kappa"], "two-sided", CI_PROB)
        for row in pairs:
            tag = {}
            if wave:
                tag = {
                    "wave": wave,
                    "construct1": row["var1"].removesuffix(f"_{wave}"),
                    "construct2": row["var2"].removesuffix(f"_{wave}"),
                }
            out.add("kendall", [{"var1": row["var1"], "var2": row["var2"], **tag, **row}])
    out.priors["correlations_kendall"] = kendall_prior_text(c["kappa"])


def _regressions(spec: Spec, source, settings, progress, out: SpecFit) -> None:
    from bayes_peer.analyses.regress_mcmc import regress_mcmc
    from bayes_peer.analyses.regress_waves import regress_waves_mcmc, wave_blocks

    r = spec.regressions
    rscale = r["rscale"][0]
    rows = not isinstance(source, dict)
    options = {"prior": r["prior"], "prior_scale": r["prior_scale"], "r2d2": r["r2d2"]}
    for outcome in r["outcomes"]:
        start = time.perf_counter()
        verdicts = []
        for wave in [None] if rows else r["waves"] or [None]:
            data = source if rows else _table_for(source, wave)
            header = data.header if rows else data.variables
            baseline = r["baseline"]
            if baseline and f"{outcome}_{baseline}" not in header:
                baseline = None  # e.g. satisfaction has no baseline score
            if rows and r["waves"]:
                design = wave_blocks(header, outcome, r["waves"], baseline, r["blocks"])
                fitted = regress_waves_mcmc(
                    data, design, rscale, settings, **options, likelihood=r["likelihood"]
                )
            else:
                y_name, blocks = outcome, r["blocks"]
                if wave:
                    y_name, blocks = wave_blocks(
                        header, outcome, [wave, wave], baseline, r["blocks"]
                    )[wave]
                fitted = regress_mcmc(
                    data,
                    y_name,
                    blocks,
                    rscale,
                    settings,
                    **options,
                    likelihood=r["likelihood"] if rows else "normal",
                )
            stem = f"{outcome}_{wave}" if wave else outcome
            verdict = {k: out.add_fit(f"{stem}_block{k}", fit) for k, fit in fitted.fits.items()}
            verdicts += verdict.values()
            tag = {"outcome": outcome, **({"wave": wave} if not rows else {})}
            out.add(
                "dropped_rows",
                [_dropped_row(outcome, d.get("wave"), d) for d in fitted.result["dropped"]],
            )
            for row in fitted.result["blocks"]:
                row.pop("flags", None)
                out.add(
                    "blocks",
                    [
                        {
                            **tag,
                            **row,
                            "diagnostics": verdict[row["block"]],
                            "model": f"{stem}_block{row['block']}",
                            "rscale": rscale,
                        }
                    ],
                )
            for row in fitted.result["coefficients"]:
                row.pop("flags", None)
                out.add("coefficients", [{**tag, **row, "diagnostics": verdict[row["block"]]}])
            out.add(
                "coefficient_contrasts",
                [
                    {**tag, **row, "diagnostics": verdict[max(verdict)]}
                    for row in fitted.result.get("contrasts", [])
                ],
            )
        if r["bma"]:
            _model_averaging(r, outcome, source, rows, rscale, out)
        out.timings[outcome] = time.perf_counter() - start
        progress.step(f"{spec.name}: {outcome} ({_worst(verdicts)})")
    missing = fitted.result.get("missing") or fitted.result.get("missing_predictors", "")
    out.priors.update(
        {
            "regressions_mcmc": fitted.result["prior"],
            "block_bf": "JZS (Zellner-Siow Cauchy) prior on the block's standardized slopes, "
            f"r scale = {rscale:g}",
            "regressions_missing": str(missing)
            if rows
            else "each table's complete cases, as published",
        }
    )
    if not rows:
        out.priors["regressions_model"] = (
            "one model per outcome, wave and block, fitted to that wave's published table "
            "(likelihood on sufficient statistics; standardized scale, raw coefficients from "
            "the published SDs)"
        )
