"""The thread policy: one thread budget per process, for every backend.

joblib's process workers and Dask's nanny give each worker a share of the cores through
``OMP_NUM_THREADS``. torch honours it; XLA (JAX) and TensorFlow size their pools by the
machine instead, so two workers on two cores would each start two or more threads and slow
each other down. At import, before any backend loads, each backend class passes the same
budget on in its own terms (:meth:`multikeras.backends.Backend.apply_thread_budget`):
``OMP_NUM_THREADS`` for torch, ``XLA_FLAGS`` for JAX, ``TF_NUM_INTRAOP_THREADS`` and
``TF_NUM_INTEROP_THREADS`` for TensorFlow. Settings the user made are kept.
``MULTIKERAS_THREADS=N`` sets the budget explicitly.
"""

from __future__ import annotations

import os

__all__ = ["thread_budget", "configure_from_environment", "ENV_BUDGET"]

ENV_BUDGET = "MULTIKERAS_THREADS"


def thread_budget(environ=None):
    """Threads this process may use: MULTIKERAS_THREADS, else OMP_NUM_THREADS, else None."""
    environ = os.environ if environ is None else environ
    for name in (ENV_BUDGET, "OMP_NUM_THREADS"):
        value = environ.get(name, "").strip()
        if not value:
            continue
        try:
            budget = int(value)
        except ValueError:
            raise ValueError(f"{name} must be a whole number of threads, got {value!r}.") from None
        if budget >= 1:
            return budget
    return None


def configure_from_environment(environ=None):
    """Pass the budget to every backend before they load; returns it (None: no budget set)."""
    from . import BACKENDS, backend_class

    environ = os.environ if environ is None else environ
    budget = thread_budget(environ)
    if budget is not None:
        for name in BACKENDS:
            backend_class(name).apply_thread_budget(environ, budget)
    return budget
