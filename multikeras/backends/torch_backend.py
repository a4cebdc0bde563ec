"""PyTorch: the lean step and forward pass (:mod:`.torch_step`), torch's RNG in the shuffles."""

from __future__ import annotations

from .base import Backend

__all__ = ["TorchBackend"]


class TorchBackend(Backend):
    name = "torch"

    @staticmethod
    def apply_thread_budget(environ, budget: int) -> None:
        environ.setdefault("OMP_NUM_THREADS", str(budget))

    def fit_speedups(self, model, callbacks=(), lean_step=True, steps_per_execution="auto"):
        from .torch_step import lean_steps

        return lean_steps(model, enabled=lean_step)

    def predict_speedups(self, model, enabled=True):
        from .torch_step import lean_predict

        return lean_predict(model, enabled=enabled)

    def reseed(self, seed: int, epoch: int) -> None:
        import torch

        from .shuffling import epoch_seed

        super().reseed(seed, epoch)
        torch.manual_seed(epoch_seed(seed, epoch))  # Keras's torch data adapter shuffles with torch's RNG
