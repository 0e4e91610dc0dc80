"""The results made readable: number formatting, text tables, comparison readings, figures,
``report.md`` and a self-contained ``report.html``.

``build_report`` and ``rebuild_report`` are imported on first use, so that the text tables of
the command line do not load matplotlib.
"""


def __getattr__(name: str):
    if name in ("build_report", "rebuild_report"):
        from bayes_peer.report import build

        return getattr(build, name)
    raise AttributeError(f"module 'bayes_peer.report' has no attribute {name!r}")


__all__ = ["build_report", "rebuild_report"]
