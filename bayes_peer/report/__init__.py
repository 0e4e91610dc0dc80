"""The results folder made readable: comparison tables, figures, ``report.md`` and a
self-contained ``report.html``."""

from bayes_peer.report.build import build_report, rebuild_report

__all__ = ["build_report", "rebuild_report"]
