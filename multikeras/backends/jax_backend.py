"""JAX: grouped steps (:mod:`.steps_per_execution`), one program per architecture
(:mod:`.jax_programs`) and the persistent compilation cache (:mod:`.jax_cache`)."""

from __future__ import annotations

import contextlib

from .interface import Backend

__all__ = ["JaxBackend"]

XLA_SINGLE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


class JaxBackend(Backend):
    name = "jax"
    onnx_requirement = ("jax2onnx", "jax2onnx")
    # Keras's BCOO batches crashed XLA's compiler (see .dense_batches).
    sparse_as_dense_batches = True

    @staticmethod
    def apply_thread_budget(environ, budget: int) -> None:
        flags = environ.get("XLA_FLAGS", "")
        user_set = "multi_thread_eigen" in flags or "intra_op_parallelism_threads" in flags
        if budget == 1 and not user_set:  # XLA's CPU client takes one thread or all of them
            environ["XLA_FLAGS"] = f"{flags} {XLA_SINGLE_THREAD}".strip()

    @staticmethod
    def configure_cache(environ) -> None:
        from . import jax_cache

        jax_cache.configure(environ)

    @contextlib.contextmanager
    def fit_speedups(self, model, callbacks=(), torch_engine=True, steps_per_execution="auto", x=None, batch_size=None):
        from .dense_batches import steps_within_group_bytes
        from .jax_programs import shared_programs
        from .steps_per_execution import grouped_steps

        most = steps_within_group_bytes(x, batch_size)
        with grouped_steps(model, callbacks, steps_per_execution, most), shared_programs(model) as shared:
            yield shared

    def predict_speedups(self, model, enabled=True):
        from .jax_programs import shared_programs

        return shared_programs(model)
