"""One result type for every analysis: exact, frequentist and MCMC alike.

A :class:`Result` holds the analysis' record (the exact object the command line prints with
``--json``), the fitted models' posteriors when there are any, and views of the record that a
Python user wants: tables as pandas DataFrames, the prior behind every number, the diagnostics
verdicts. Numbers stay numbers; formatting happens in :mod:`bayes_peer.report`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bayes_peer.numbers import json_safe

#: Which list of the record is the main table, per kind of analysis.
MAIN_TABLE = {
    "correlation": "pairs",
    "regression": "blocks",
    "design": None,
    "sensitivity": "variants",
    "run": "diagnostics",
    "calibration": "sbc",
}


@dataclass
class Result:
    """The answer of one analysis.

    Attributes
    ----------
    kind : str
        ``"correlation"``, ``"regression"``, ``"design"``, ``"sensitivity"``, ``"run"`` or
        ``"calibration"``.
    record : dict
        Everything the analysis found, under the keys of the command line's JSON contract
        (``docs/reference.md``); :meth:`to_dict` returns it JSON-ready.
    fits : dict of str to xarray.DataTree
        The posterior of every fitted model, by name (empty for exact-only results).
    tables_extra : dict of str to list of dict
        Tables that are not part of the JSON record (e.g. a run's diagnostics per model).

    Examples
    --------
    >>> import bayes_peer as bp
    >>> res = bp.correlate(r=0.3, n=46)
    >>> round(res.record["bf10"], 3)
    1.343
    """

    kind: str
    record: dict
    fits: dict = field(default_factory=dict, repr=False)
    tables_extra: dict = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ views
    @property
    def tables(self) -> dict:
        """Every table of the result as a pandas DataFrame, by name (``pairs``, ``contrasts``,
        ``blocks``, ``coefficients``, ...)."""
        import pandas as pd

        out = {}
        for key, value in {**self.record, **self.tables_extra}.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                out[key] = pd.DataFrame(value)
        return out

    @property
    def table(self):
        """The main table as a pandas DataFrame: Bayesian and frequentist numbers side by side
        (one row per pair of a correlation, per block of a regression, ...)."""
        import pandas as pd

        key = self._main
        rows = self.tables_extra.get(key) or self.record.get(key) if key else None
        if rows is None:
            flat = {k: v for k, v in self.record.items() if not isinstance(v, list | dict)}
            return pd.DataFrame([flat])
        return pd.DataFrame(rows)

    @property
    def _main(self) -> str | None:
        """The record's key of the main table (model averaging: the inclusion table)."""
        if self.kind == "regression" and "inclusion" in self.record:
            return "inclusion"
        if self.kind == "calibration" and "coverage" in self.record:
            return "coverage"
        return MAIN_TABLE.get(self.kind)

    @property
    def idata(self):
        """The posterior (ArviZ ``DataTree``) of the model fitted, or of the first when there
        are several (all of them: :attr:`fits`); None for exact-only results."""
        return next(iter(self.fits.values()), None)

    @property
    def prior(self) -> dict:
        """The prior behind each number, in words and parameters."""
        keys = (
            "prior",
            "prior_exact",
            "prior_jzs",
            "prior_name",
            "prior_scale",
            "kappa",
            "eta",
            "rscale",
            "rscale_label",
            "r2d2",
            "mcmc_prior_kappa",
        )
        out = {k: self.record[k] for k in keys if self.record.get(k) is not None}
        pairs = self.record.get("pairs") or []
        kappas = {p.get("mcmc_prior_kappa") for p in pairs if p.get("mcmc_prior_kappa")}
        if kappas:
            out["mcmc_prior_kappa"] = sorted(kappas)[0] if len(kappas) == 1 else sorted(kappas)
        return out

    @property
    def diagnostics(self) -> dict:
        """Verdicts (pass / warn / fail) of every fitted model and the numbers behind them.

        ``verdict`` is the worst verdict (None for exact-only results), ``ok`` is False when a
        fit failed, ``fits`` lists each fit's r_hat, ESS, E-BFMI, tree depth, Pareto k and the
        reasons (the one policy of :mod:`bayes_peer.mcmc.diagnostics`).
        """
        fits = self.record.get("fits") or []
        verdicts = [f.get("verdict") for f in fits if f.get("verdict")]
        verdict = None
        for candidate in ("fail", "warn", "pass"):
            if candidate in verdicts:
                verdict = candidate
                break
        return {
            "verdict": verdict,
            "ok": self.record.get("diagnostics_ok", verdict != "fail"),
            "divergences": self.record.get("divergences"),
            "fits": fits,
        }

    @property
    def warnings(self) -> list[str]:
        """What a reader must know about the input or the fit (never silently dropped)."""
        out = list(self.record.get("warnings") or [])
        for fit in self.record.get("fits") or []:
            out += [f"{fit['fit']}: {note}" for note in fit.get("notes", [])]
            if fit.get("verdict") in ("warn", "fail"):
                out.append(f"{fit['fit']}: {fit['verdict']} ({fit.get('reasons', '')})")
        dropped = self.record.get("dropped") or []
        if dropped:
            out.append(f"{len(dropped)} row(s) left out for missing values (see 'dropped')")
        return out

    @property
    def synthetic(self) -> bool:
        """True when the numbers come from the shipped synthetic demo study (or a table that
        says it is synthetic)."""
        return bool(self.record.get("synthetic"))

    # ------------------------------------------------------------------ export
    def to_dict(self) -> dict:
        """The record as the command line prints it with ``--json`` (non-finite numbers are
        None, numpy scalars Python numbers)."""
        return json_safe(self.record)

    def to_json(self) -> str:
        """:meth:`to_dict` as one line of JSON."""
        return json.dumps(self.to_dict(), allow_nan=False)

    # ------------------------------------------------------------------ display and plots
    # The report layer draws and formats; this bottom layer reaches it by module name, so
    # that ``import bayes_peer`` stays cheap and no lower layer imports a higher one.
    def plot(self, kind: str | None = None, **options):
        """Draw the result: an arviz-plots ``PlotCollection`` (posteriors, intervals, trace
        and rank, predictive checks) or a matplotlib ``Figure`` (what arviz-plots has no plot
        for). ``kind`` is one of :meth:`plot_kinds` (default: the first); the kinds and their
        options are in :mod:`bayes_peer.report.plots`.

        Examples
        --------
        >>> res = bp.correlate("demo", vars=["alliance_m24", "qol_m24"])  # doctest: +SKIP
        >>> res.plot("forest").savefig("forest.png")  # doctest: +SKIP
        """
        return _layer("bayes_peer.report.plots").plot(self, kind, **options)

    def plot_kinds(self) -> list[str]:
        """The kinds of plot that apply to this result, its default first."""
        return _layer("bayes_peer.report.plots").plot_kinds(self)

    def _repr_html_(self) -> str:
        """The main table, formatted for reading, with the prior, diagnostics and warnings."""
        return _layer("bayes_peer.report.display").html_repr(self)

    def __str__(self) -> str:
        return _layer("bayes_peer.report.display").text_table(self)

    def __repr__(self) -> str:
        head = f"Result({self.kind}"
        if self.synthetic:
            head += ", SYNTHETIC data"
        main = self._main
        rows = self.record.get(main) if main else None
        if isinstance(rows, list):
            head += f", {len(rows)} {main}"
        if self.fits:
            head += f", {len(self.fits)} fit(s), diagnostics {self.diagnostics['verdict']}"
        return head + ")"


def _layer(name: str):
    """A module of a higher layer, imported by name on first use."""
    import importlib

    return importlib.import_module(name)
