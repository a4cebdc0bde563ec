"""PyTorch: the lean step and forward pass (:mod:`.torch_step`), torch's RNG in the shuffles."""

from __future__ import annotations

import contextlib

from .base import Backend

__all__ = ["TorchBackend"]


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
        from .torch_engine.routing import install

        after_import(TORCH_TRAINER_MODULE, install)

    @contextlib.contextmanager
    def fit_speedups(self, model, callbacks=(), lean_step=True, steps_per_execution="auto"):
        """The engine (for arrays), else the lean step inside Keras's loop; ``lean_step=False``: neither."""
        from .torch_engine import disabled
        from .torch_step import lean_steps

        with contextlib.ExitStack() as stack:
            if not lean_step:
                stack.enter_context(disabled())
            yield stack.enter_context(lean_steps(model, enabled=lean_step))

    @contextlib.contextmanager
    def predict_speedups(self, model, enabled=True):
        from .torch_engine import disabled
        from .torch_step import lean_predict

        with contextlib.ExitStack() as stack:
            if not enabled:
                stack.enter_context(disabled())
            yield stack.enter_context(lean_predict(model, enabled=enabled))

    def explain(self, model) -> str:
        from .torch_engine import explain

        return explain(model)

    def reseed(self, seed: int, epoch: int) -> None:
        import torch

        from .shuffling import epoch_seed

        super().reseed(seed, epoch)
        torch.manual_seed(epoch_seed(seed, epoch))  # Keras's torch data adapter shuffles with torch's RNG
