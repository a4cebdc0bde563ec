"""Routed parameters: ``prefix__name`` keys that go to the model, optimizer, loss, callbacks...

One helper decides what a key means, so ``get_params``, ``set_params`` and ``fit`` agree, and a
misspelled key is answered with "did you mean".
"""

from __future__ import annotations

import difflib
import inspect

__all__ = [
    "PREFIXES",
    "UnexpectedArgument",
    "is_routed",
    "routed",
    "own",
    "accepted_names",
    "reject_unknown",
    "construct",
]

PREFIXES = ("model", "optimizer", "loss", "metrics", "callbacks", "fit", "predict", "compile", "score")


class UnexpectedArgument(TypeError, ValueError):
    """An argument the receiver does not take: a TypeError as Python raises for a bad keyword, and
    a ValueError as scikit-learn raises for a bad parameter, so either ``except`` catches it."""


def is_routed(key: str) -> bool:
    """Whether ``key`` is ``prefix__name`` with a known prefix."""
    head, sep, tail = key.partition("__")
    return bool(sep) and bool(tail) and head in PREFIXES


def routed(params: dict, prefix: str) -> dict:
    """``{name: value}`` for every ``prefix__name`` key, one level stripped."""
    start = prefix + "__"
    return {key[len(start) :]: value for key, value in params.items() if key.startswith(start)}


def own(params: dict) -> dict:
    """The keys that go to this level (no further ``__`` routing)."""
    return {key: value for key, value in params.items() if "__" not in key}


def accepted_names(function):
    """Keyword names ``function`` accepts, or None when it takes ``**kwargs``."""
    parameters = inspect.signature(function).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return None
    return {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def reject_unknown(names, valid, where: str) -> None:
    """Raise ValueError for names not in ``valid``, suggesting the closest valid one."""
    valid = sorted(valid)
    for name in names:
        if name in valid:
            continue
        hint = difflib.get_close_matches(name, valid, n=1)
        suggestion = f" Did you mean {hint[0]!r}?" if hint else ""
        raise UnexpectedArgument(
            f"{where} got an unexpected keyword argument {name!r}.{suggestion} Valid: {', '.join(valid) or 'none'}."
        )


def construct(spec, params: dict, from_name, base: dict | None = None):
    """``spec`` with every class in it instantiated from routed ``params``.

    ``spec`` is a class, a name ``from_name`` turns into one (``"adam"``), an object, or a list or
    dict of those. A class gets the keys without ``__`` (digit keys are positional arguments) and
    each argument's value is itself constructed from the keys routed under its name, so
    ``loss__param1__0__x=2`` reaches the first item of ``param1``. The items of a list or dict get
    the keys routed under their index or key, on top of the keys shared by all of them.
    """
    mine = {**(base or {}), **own(params)}
    if isinstance(spec, (list, tuple)):
        return type(spec)(construct(item, routed(params, str(i)), from_name, mine) for i, item in enumerate(spec))
    if isinstance(spec, dict):
        return {key: construct(item, routed(params, str(key)), from_name, mine) for key, item in spec.items()}
    if isinstance(spec, str) and mine and from_name is not None:
        spec = from_name(spec)
    if isinstance(spec, type):
        values = {key: construct(value, routed(params, key), None) for key, value in mine.items()}
        args = [values.pop(key) for key in sorted((k for k in values if k.isdigit()), key=int)]
        return spec(*args, **values)
    if mine:
        raise UnexpectedArgument(
            f"{spec!r} does not accept parameters because it's not a class; it was given {sorted(mine)}. "
            "Pass its class (or its name) to have the parameters applied, or configure the object yourself."
        )
    return spec
