"""The one seam between multikeras and the Keras backends.

Everything that differs by backend is here: choosing the backend before Keras loads
(:mod:`.selection`), the process set-up before any backend loads (:func:`configure_process`:
the thread policy of :mod:`.threads`, JAX's compilation cache, keeping TensorFlow out of
torch and JAX processes), and what wraps fit and predict (:class:`Backend`, one subclass
per backend, picked once from :data:`BACKEND_CLASSES`). Every use of Keras's private API is
in :mod:`.keras_internals`. Importing this package imports neither Keras nor a backend.
"""

from __future__ import annotations

import functools
import importlib
import os

from .interface import Backend
from .selection import (
    BACKENDS,
    DEFAULT_BACKEND,
    active_backend,
    is_installed,
    normalize_backend,
    select_default_backend,
    use_backend,
)

__all__ = [
    "BACKENDS",
    "BACKEND_CLASSES",
    "DEFAULT_BACKEND",
    "Backend",
    "active_backend",
    "backend_class",
    "configure_process",
    "current",
    "is_installed",
    "normalize_backend",
    "use_backend",
]

BACKEND_CLASSES = {
    "torch": "multikeras.backends.torch_backend:TorchBackend",
    "jax": "multikeras.backends.jax_backend:JaxBackend",
    "tensorflow": "multikeras.backends.tensorflow_backend:TensorFlowBackend",
}


def backend_class(name: str) -> type:
    """The :class:`Backend` subclass for ``name`` (imports no backend package)."""
    module, _, attribute = BACKEND_CLASSES[normalize_backend(name)].partition(":")
    return getattr(importlib.import_module(module), attribute)


@functools.cache
def _instance(name: str) -> Backend:
    return backend_class(name)()


def current() -> Backend:
    """The backend this process runs, as multikeras drives it."""
    return _instance(active_backend())


def configure_process(environ=None) -> str:
    """Before Keras loads: pick the backend, apply the thread budget and caches; return the backend."""
    from . import tensorflow_guard, thread_budget

    environ = os.environ if environ is None else environ
    backend = select_default_backend()
    thread_budget.configure_from_environment(environ)  # joblib/Dask worker budgets reach XLA and TensorFlow too
    for name in BACKENDS:
        backend_class(name).configure_cache(environ)  # JAX compiles each architecture once, across processes
    tensorflow_guard.install()  # Keras's serializer would otherwise import TensorFlow on torch/JAX
    backend_class(backend).install_hooks()  # on torch: plain model.fit runs the torch engine
    return backend
