"""PyTorch: the torch engine (:mod:`.torch_engine`) behind plain fit, evaluate and predict; torch's RNG in the shuffles."""

from __future__ import annotations

import contextlib

from .interface import Backend

__all__ = ["TorchBackend"]


@contextlib.contextmanager
def _engine_unless(enabled: bool):
    """Yields whether the engine may take the calls inside the block (switched off for it when not ``enabled``)."""
    from .torch_engine import disabled, switched_on

    if not enabled:
        with disabled():
            yield False
        return
    yield switched_on()


class TorchBackend(Backend):
    name = "torch"

    @staticmethod
    def apply_thread_budget(environ, budget: int) -> None:
        environ.setdefault("OMP_NUM_THREADS", str(budget))

    @staticmethod
    def install_hooks() -> None:
        """Plain ``model.fit``, ``evaluate`` and ``predict`` go through the torch engine.

        ``MKL_CBWR=AUTO`` (unless set): MKL's kernel for a Dense layer 5-7 or 9-11 units wide
        rounds a row by its memory alignment, so a row's prediction moved with its place in
        the batch; MKL reads the setting at torch's first matrix product (measured: no cost).
        """
        import os

        os.environ.setdefault("MKL_CBWR", "AUTO")
        from .import_hooks import after_import
        from .keras_internals import TORCH_TRAINER_MODULE
        from .torch_engine.trainer_routes import install

        after_import(TORCH_TRAINER_MODULE, install)

    def fit_speedups(self, model, callbacks=(), torch_engine=True, steps_per_execution="auto", x=None, batch_size=None):
        """The engine runs wherever it can unless ``torch_engine=False``, which runs Keras's own loop."""
        return _engine_unless(torch_engine)

    def predict_speedups(self, model, enabled=True):
        return _engine_unless(enabled)

    def explain(self, model) -> str:
        from .torch_engine import explain

        return explain(model)

    def reseed(self, seed: int, epoch: int) -> None:
        import torch

        from .shuffling import epoch_seed

        super().reseed(seed, epoch)
        torch.manual_seed(epoch_seed(seed, epoch))  # Keras's torch data adapter shuffles with torch's RNG
