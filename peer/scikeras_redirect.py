"""``scikeras.wrappers`` answered by ``multikeras.sklearn``: how scikeras's code meets ours, unedited.

Both peer runners (its test suite and its tutorials) call :func:`install` before scikeras's
code runs; scikeras's helpers (``scikeras.utils``) stay its own. ``MULTIKERAS_PEER_TARGET=scikeras``
leaves scikeras in place, for the baseline.
"""

from __future__ import annotations

import os
import sys
import types

__all__ = ["TARGET", "install", "target_name"]

TARGET = os.environ.get("MULTIKERAS_PEER_TARGET", "multikeras")


def target_name() -> str:
    return "scikeras" if TARGET == "scikeras" else "multikeras.sklearn"


def install() -> None:
    import scikeras  # the installed package: its utils are imported by the tests and tutorials

    import multikeras  # noqa: F401  (selects the backend before Keras loads)

    _keras_variable_alias()
    if TARGET == "scikeras":
        return
    from multikeras import sklearn as ours

    wrappers = types.ModuleType("scikeras.wrappers", "multikeras.sklearn, standing in for scikeras.wrappers")
    wrappers.BaseWrapper, wrappers.KerasClassifier, wrappers.KerasRegressor = (
        ours.BaseWrapper,
        ours.KerasClassifier,
        ours.KerasRegressor,
    )
    sys.modules["scikeras.wrappers"] = wrappers
    scikeras.wrappers = wrappers


def _keras_variable_alias() -> None:
    # Keras 3.15 renamed KerasVariable; scikeras's test_compile_kwargs.py imports the old name (its
    # suite fails to collect on this Keras too), so the old name is given back for the run.
    import keras
    from keras.src.backend.common import variables

    if not hasattr(variables, "KerasVariable"):
        variables.KerasVariable = keras.Variable
