"""TensorFlow: grouped steps (:mod:`.steps_per_execution`) and a seeded pipeline that
reshuffles every epoch (:mod:`.tensorflow_data`)."""

from __future__ import annotations

from .in_memory_arrays import arrays_only
from .interface import Backend

__all__ = ["TensorFlowBackend"]


class TensorFlowBackend(Backend):
    name = "tensorflow"
    # Keras's sparse path made the whole matrix dense at its peak (see .dense_batches).
    sparse_as_dense_batches = True

    @staticmethod
    def apply_thread_budget(environ, budget: int) -> None:
        environ.setdefault("TF_NUM_INTRAOP_THREADS", str(budget))
        environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

    def fit_speedups(self, model, callbacks=(), torch_engine=True, steps_per_execution="auto", x=None, batch_size=None):
        from .dense_batches import steps_within_group_bytes
        from .steps_per_execution import grouped_steps

        return grouped_steps(model, callbacks, steps_per_execution, steps_within_group_bytes(x, batch_size))

    def seeded_fit(self, model, x, y, seed, callbacks, **fit_kwargs):
        """Keras's seeded array adapter replays one permutation every epoch; this reshuffles."""
        if not arrays_only(x, sparse_ok=False) or (
            y is not None and not arrays_only(y, sparse_ok=False)
        ):  # sparse x: dense batches, reseeded
            return super().seeded_fit(model, x, y, seed, callbacks, **fit_kwargs)
        from .shuffling import EpochKeyedShuffle
        from .tensorflow_data import reshuffling_dataset

        dataset, epoch, fit_kwargs = reshuffling_dataset(x, y, seed, **fit_kwargs)
        keyed = EpochKeyedShuffle(seed, lambda _seed, number: epoch.assign(number))
        return model.fit(x=dataset, callbacks=[keyed, *callbacks], **fit_kwargs)
