"""Keep TensorFlow out of torch and JAX processes.

Keras asks its lazy TensorFlow handle (``keras_internals.TENSORFLOW_PROBE_MODULE``) while serializing
(``get_config``, ``save``) and seeding, and the question imports TensorFlow when it is
installed: seconds of start-up and a second thread pool fighting torch's for two cores. Until
TensorFlow is imported, no object in the process can be a TensorFlow type and there is no
TensorFlow RNG to seed, so "not available" is the exact answer for those checks.

:func:`install` makes Keras's lazy TensorFlow handle answer that way, whenever Keras loads,
without importing Keras now. On the TensorFlow backend nothing changes (TensorFlow is loaded).
The one visible effect: TensorFlow-backed preprocessing layers (StringLookup, TextVectorization,
Hashing, IntegerLookup, HashedCrossing) on torch or JAX need ``import tensorflow`` first.
``MULTIKERAS_KEEP_TF_UNLOADED=0`` turns this off.
"""

from __future__ import annotations

import os
import sys

from ..switches import is_off
from .import_hooks import after_import
from .keras_internals import TENSORFLOW_PROBE_MODULE

__all__ = ["install", "ENV_SWITCH"]

ENV_SWITCH = "MULTIKERAS_KEEP_TF_UNLOADED"
TARGET = TENSORFLOW_PROBE_MODULE


def _only_once_imported(lazy) -> None:
    base = type(lazy)
    if getattr(base, "_multikeras_guard", False):
        return

    def available(self):
        return "tensorflow" in sys.modules and base.available.fget(self)

    lazy.__class__ = type(base.__name__, (base,), {"available": property(available), "_multikeras_guard": True})


def _patch(module) -> None:
    lazy = getattr(module, "tensorflow", None)
    if lazy is not None and isinstance(getattr(type(lazy), "available", None), property):
        _only_once_imported(lazy)


def install() -> None:
    """Apply now if Keras is loaded, else when it loads; a no-op when switched off."""
    if is_off(os.environ.get(ENV_SWITCH)):
        return
    after_import(TARGET, _patch)
