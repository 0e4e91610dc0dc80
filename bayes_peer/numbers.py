"""Numeric helpers shared by the records: Bayes factors from logs, JSON-safe values."""

from __future__ import annotations

import math

#: exp() overflows float64 above this.
MAX_LOG = math.log(1.7976931348623157e308)


def bf_from_log(log_bf: float) -> float | None:
    """exp(log_bf), or None when it is not a finite float64 (its log stays available)."""
    if not math.isfinite(log_bf) or log_bf > MAX_LOG:
        return None
    return math.exp(log_bf)


def finite_or_none(value: float | None) -> float | None:
    """The value, or None for nan and ±inf (JSON has no non-finite numbers)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def json_safe(obj):
    """Recursively replace non-finite floats by None and numpy scalars by Python numbers."""
    if isinstance(obj, dict):
        return {key: json_safe(value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(value) for value in obj]
    if hasattr(obj, "item") and not isinstance(obj, str):  # numpy scalar
        obj = obj.item()
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    return obj
