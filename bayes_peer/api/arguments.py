"""The API's argument checks: a value of the wrong type is an InputError naming its parameter.

Each public function's annotations are its contract (``seed: int | None``, ``vars: list[str] |
str | None``, ``force: bool``); :func:`checked` refuses any argument that does not fit them, and
any keyword the function does not take, before the function runs, with a one-line message
naming the parameter (never the repr of a large array). Range and meaning are checked by the
analyses themselves (:func:`bayes_peer.params.check`).
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import os
import types
import typing
from collections.abc import Callable
from pathlib import Path

from bayes_peer.errors import InputError, shown_value


def _is_bool(value) -> bool:
    import numpy as np

    return isinstance(value, bool | np.bool_)


def _is_int(value) -> bool:
    """A whole number: an int, a numpy integer, or a float with no fraction (``n=120.0``, as
    :func:`bayes_peer.params.check` reads it); never a bool."""
    if _is_bool(value):
        return False
    if isinstance(value, numbers.Integral):
        return True
    return isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer()


def _is_float(value) -> bool:
    return not _is_bool(value) and isinstance(value, numbers.Real)


def _fits(value, hint) -> bool:
    origin = typing.get_origin(hint)
    if hint is typing.Any or hint is inspect.Parameter.empty:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, arm) for arm in typing.get_args(hint))
    if hint is None or hint is type(None):
        return value is None
    if hint is bool:
        return _is_bool(value)
    if hint is int:
        return _is_int(value)
    if hint is float:
        return _is_float(value)
    if hint is str:
        return isinstance(value, str)
    if hint is Path:
        return isinstance(value, os.PathLike)
    if origin in (list, tuple) or hint in (list, tuple):
        if not isinstance(value, list | tuple):
            return False
        args = typing.get_args(hint)
        if origin is tuple and args and args[-1] is not Ellipsis:
            return len(value) == len(args) and all(map(_fits, value, args))
        return not args or all(_fits(item, args[0]) for item in value)
    if origin is dict or hint is dict:
        if not isinstance(value, dict):
            return False
        args = typing.get_args(hint)
        return not args or all(_fits(k, args[0]) and _fits(v, args[1]) for k, v in value.items())
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True  # a hint this checker does not read (a callable, a protocol): not checked


_NOUNS = {
    bool: ("True or False", "True/False values"),
    int: ("a whole number", "whole numbers"),
    float: ("a number", "numbers"),
    str: ("a string", "strings"),
    Path: ("a path", "paths"),
}


def _describe(hint, plural: bool = False) -> str:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(arm, plural) for arm in typing.get_args(hint))
    if hint is None or hint is type(None):
        return "None"
    if hint in _NOUNS:
        return _NOUNS[hint][plural]
    if origin in (list, tuple):
        args = typing.get_args(hint)
        if origin is tuple and args and args[-1] is not Ellipsis:
            return f"a pair ({', '.join(_describe(a) for a in args)})"
        if not args:
            return "lists" if plural else "a list"
        return ("lists of " if plural else "a list of ") + _describe(args[0], True)
    if origin is dict:
        return "dicts" if plural else "a dict"
    return getattr(hint, "__name__", str(hint))


@functools.cache
def _hints(func: Callable) -> dict:
    try:
        return typing.get_type_hints(func)
    except Exception:  # an annotation that cannot be resolved: that parameter is not checked
        return {}


def check_arguments(func: Callable, arguments: dict, where: str) -> None:
    """Refuse ``arguments`` (name -> value) that ``func`` does not take or whose type does not
    fit its annotation (InputError naming the parameter)."""
    parameters = inspect.signature(func).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    hints = _hints(func)
    for name, value in arguments.items():
        if name not in parameters and not takes_any:
            known = ", ".join(
                p for p, q in parameters.items() if q.kind not in (q.VAR_KEYWORD, q.VAR_POSITIONAL)
            )
            raise InputError(f"`{name}` is not a parameter of {where} (it takes: {known})")
        hint = hints.get(name)
        if hint is not None and not _fits(value, hint):
            raise InputError(f"`{name}` must be {_describe(hint)}, got {shown_value(value)}")


def checked(func: Callable) -> Callable:
    """``func`` with its arguments checked against its annotations first."""
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise InputError(f"{func.__name__}: {exc}") from None
        named = dict(bound.arguments)
        for name, parameter in signature.parameters.items():
            if parameter.kind in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
                named.pop(name, None)  # ``**options``: checked against the analysis behind
        check_arguments(func, named, func.__name__)
        return func(*args, **kwargs)

    return wrapper


#: Options of the MCMC methods only (the command line refuses their flags without --model or
#: --prior); ``seed`` also seeds the exact layer's rounding sensitivity.
MCMC_ONLY = {
    "correlate": ("eta", "seed", "draws", "tune", "chains", "rope", "missing", "waves", "robust"),
    "regress": (
        "prior_scale",
        "seed",
        "draws",
        "tune",
        "chains",
        "rope",
        "likelihood",
        "mean_r2",
        "prec_r2",
        "cons_d2",
        "impute",
        "prior_coefficient",
    ),
}


def refuse_inapplicable(command: str, options: dict, mcmc: bool, methods: str) -> None:
    """An MCMC option given with an exact method has no effect: refused, exactly as on the
    command line, where a flag counts as given unless its value is None or False (so a wrapper
    may pass ``seed=None`` through)."""
    changed = {k: v for k, v in options.items() if v is not None and v is not False}
    if "decimals" in changed and options.get("rounding_sensitivity") is None:
        raise InputError("`decimals` goes with `rounding_sensitivity`")
    if mcmc:
        return
    given = [name for name in MCMC_ONLY[command] if name in changed]
    if command == "correlate" and options.get("rounding_sensitivity") is not None:
        given = [name for name in given if name != "seed"]
    if given:
        raise InputError(f"`{given[0]}` goes with method={methods}; it has no effect otherwise")
