"""Thread budgets that follow the worker count, for every backend.

joblib's process workers and Dask's nanny give each worker a share of the cores through
``OMP_NUM_THREADS``. torch honours it; XLA (JAX) and TensorFlow size their pools by the
machine instead, so two workers on two cores would each start two or more threads and slow
each other down. At import, before any backend loads, multikeras passes the same budget on:
``XLA_FLAGS`` for JAX and ``TF_NUM_INTRAOP_THREADS``/``TF_NUM_INTEROP_THREADS`` for TensorFlow.
Settings the user made are kept. ``MULTIKERAS_THREADS=N`` sets the budget explicitly.
"""

from __future__ import annotations

import os

__all__ = ["thread_budget", "configure_from_environment", "ENV_BUDGET"]

ENV_BUDGET = "MULTIKERAS_THREADS"
XLA_SINGLE = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def thread_budget(environ=None):
    """Threads this process may use: MULTIKERAS_THREADS, else OMP_NUM_THREADS, else None."""
    environ = os.environ if environ is None else environ
    for name in (ENV_BUDGET, "OMP_NUM_THREADS"):
        value = environ.get(name, "").strip()
        if value:
            try:
                budget = int(value)
            except ValueError:
                raise ValueError(f"{name} must be a whole number of threads, got {value!r}.") from None
            if budget >= 1:
                return budget
    return None


def configure_from_environment(environ=None):
    """Pass the budget to XLA and TensorFlow (and torch, via OMP) before they load; returns it."""
    environ = os.environ if environ is None else environ
    budget = thread_budget(environ)
    if budget is None:
        return None
    environ.setdefault("OMP_NUM_THREADS", str(budget))
    environ.setdefault("TF_NUM_INTRAOP_THREADS", str(budget))
    environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
    flags = environ.get("XLA_FLAGS", "")
    if budget == 1 and "multi_thread_eigen" not in flags and "intra_op_parallelism_threads" not in flags:
        environ["XLA_FLAGS"] = f"{flags} {XLA_SINGLE}".strip()
    return budget
