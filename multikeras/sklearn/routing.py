"""Routed parameters: ``prefix__name`` keys that go to the model, optimizer, loss, callbacks...

One helper decides what a key means, so ``get_params``, ``set_params`` and ``fit`` agree, and a
misspelled key is answered with "did you mean".
"""

from __future__ import annotations

import difflib
import inspect

__all__ = ["PREFIXES", "is_routed", "routed", "accepted_names", "reject_unknown"]

PREFIXES = ("model", "optimizer", "loss", "callbacks", "fit", "predict", "compile")


def is_routed(key: str) -> bool:
    """Whether ``key`` is ``prefix__name`` with a known prefix."""
    head, sep, tail = key.partition("__")
    return bool(sep) and bool(tail) and head in PREFIXES


def routed(params: dict, prefix: str) -> dict:
    """``{name: value}`` for every ``prefix__name`` key, one level stripped."""
    start = prefix + "__"
    return {key[len(start) :]: value for key, value in params.items() if key.startswith(start)}


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
        raise ValueError(f"{where} has no parameter {name!r}.{suggestion} Valid: {', '.join(valid) or 'none'}.")
