"""The recipe registry: one module per model, each written once for every Keras backend.

A recipe module provides:

- ``NAME``, ``METRIC`` (``"accuracy"``, ``"rmse"`` or ``"mae"``) and ``FIT_KWARGS``;
- ``load_data(source="embedded" | "real", data_dir=None)`` returning
  ``((X_train, y_train), (X_valid, y_valid), (X_test, y_test))`` in the form the model takes;
- ``data_hparams(X_train)``: the build arguments that follow from the data (shapes, adapt data);
- ``build_model(**hparams)``: a compiled model; with no arguments, the book's model;
- ``score(y_true, y_pred)``: the reference metric, and optionally ``baseline(X, y)``;
- ``search_space(hp)``: ``build_model`` arguments drawn from KerasTuner's ``hp``.

Modules are imported on first use, so ``import recipes`` stays cheap.
"""

from __future__ import annotations

import difflib
import importlib

__all__ = ["NAMES", "get", "load_all"]

NAMES = (
    "classifier_mlp",
    "regression_mlp",
    "wide_deep",
    "wide_deep_aux",
    "wide_deep_subclassed",
    "lstm_forecaster",
)


def resolve(names) -> list:
    """Recipe names from ``"all"``, a comma-separated string or an iterable, checked."""
    if isinstance(names, str):
        names = NAMES if names.strip() == "all" else [n.strip() for n in names.split(",") if n.strip()]
    names = list(names)
    if not names:
        raise ValueError(f"No recipe named; choose from {', '.join(NAMES)} or 'all'.")
    for name in names:
        _check(name)
    return names


def _check(name):
    if name not in NAMES:
        hint = difflib.get_close_matches(str(name), NAMES, n=1)
        suggestion = f" Did you mean {hint[0]!r}?" if hint else ""
        raise ValueError(f"Unknown recipe {name!r}.{suggestion} Known recipes: {', '.join(NAMES)}.")


def get(name):
    """The recipe module called ``name``."""
    _check(name)
    return importlib.import_module(f"{__name__}.{name}")


def load_all():
    """Import every recipe (registers custom classes such as WideAndDeepModel for loading)."""
    return [get(name) for name in NAMES]
