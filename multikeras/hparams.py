"""Checks for recipe hyperparameters, so a bad value fails in ``build_model`` with its name.

Keras accepts some bad values silently (a zero-length window, a negative hidden-layer count)
and reports others far from the argument that caused them ("'int' object is not iterable").
"""

from __future__ import annotations

import math
import numbers

__all__ = ["whole_numbers", "positive_numbers", "unit_counts", "shape", "input_dict"]


def _is_whole(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def whole_numbers(minimum: int = 1, *, hint: str = "", **values) -> None:
    """Each of ``values`` must be an integer of at least ``minimum``; ``hint`` ends the message.

    The one whole-number check of the package: hyperparameters, windowing, search and
    ensemble arguments all use it, so they all word the same error alike.
    """
    for name, value in values.items():
        if not _is_whole(value):
            raise TypeError(f"{name} must be a whole number, got {value!r} ({type(value).__name__}).")
        if value < minimum:
            raise ValueError(f"{name} must be at least {minimum}, got {value}. {hint}".rstrip())


def positive_numbers(**values) -> None:
    """Each of ``values`` must be a finite number above zero (a learning rate, a weight).

    Callables pass unchecked: a learning rate may be a ``LearningRateSchedule``.
    """
    for name, value in values.items():
        if callable(value):
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__}).")
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a finite number above 0, got {value}.")


def unit_counts(name: str, value) -> tuple:
    """A sequence of layer widths, e.g. ``hidden_units=(300, 100)``; returned as a tuple."""
    if _is_whole(value):
        raise TypeError(f"{name} takes one width per layer, e.g. {name}=({value},) for a single layer of {value}.")
    try:
        widths = tuple(value)
    except TypeError:
        raise TypeError(f"{name} must be a sequence of layer widths such as (300, 100), got {value!r}.") from None
    for i, width in enumerate(widths):
        whole_numbers(**{f"{name}[{i}]": width})
    return widths


def shape(name: str, value) -> tuple:
    """An input shape without the batch axis, every dimension at least 1."""
    try:
        dims = (value,) if _is_whole(value) else tuple(value)
    except TypeError:
        raise TypeError(f"{name} must be a shape such as (28, 28), got {value!r}.") from None
    for i, dim in enumerate(dims):
        whole_numbers(**{f"{name}[{i}]": dim})
    if not dims:
        raise ValueError(f"{name} must have at least one dimension, got {value!r}.")
    return dims


def input_dict(name: str, value, keys) -> dict:
    """A dict keyed by exactly the model's input names (``adapt_data`` for multi-input recipes)."""
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a dict keyed by the input names {list(keys)}, got {type(value).__name__}.")
    if set(value) != set(keys):
        raise ValueError(f"{name} must have the keys {sorted(keys)}, got {sorted(map(str, value))}.")
    return value
