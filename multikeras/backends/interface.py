"""What a backend does for multikeras: the interface each backend class implements.

The engine (``multikeras.fit``, ``multikeras.predict``, export, the process set-up) calls
these methods and never asks which backend it runs on. The defaults are Keras's plain
behaviour; a backend overrides what it does faster or differently.
"""

from __future__ import annotations

import contextlib

__all__ = ["Backend"]


class Backend:
    """One Keras backend as multikeras drives it; subclasses override what differs."""

    name = ""
    # (module, pip requirement) that ONNX export from this backend needs.
    onnx_requirement = ("onnx", "'multikeras[onnx]'")
    # Whether a SciPy sparse x reaches Keras as multikeras's dense batches (:mod:`.dense_batches`)
    # rather than as it is, for Keras's own sparse path.
    sparse_as_dense_batches = False

    def fit_inputs(self, x, y, kwargs: dict):
        """``(x, y, kwargs)`` as ``model.fit`` on this backend should get them from ``multikeras.fit``."""
        if not self.sparse_as_dense_batches:
            return x, y, kwargs
        from .dense_batches import fit_inputs

        return fit_inputs(x, y, kwargs)

    def predict_inputs(self, x, kwargs: dict):
        """``(x, kwargs)`` as ``model.predict`` on this backend should get them from ``multikeras.predict``."""
        if not self.sparse_as_dense_batches:
            return x, kwargs
        from .dense_batches import predict_inputs

        return predict_inputs(x, kwargs)

    # Both run before any backend loads, for every backend in every multikeras process:
    # the environment reaches child processes, which may run another backend.
    @staticmethod
    def apply_thread_budget(environ, budget: int) -> None:
        """Limit this backend's threads to ``budget`` in ``environ``, keeping user settings."""

    @staticmethod
    def configure_cache(environ) -> None:
        """Switch on this backend's compilation cache in ``environ``, if it has one."""

    @staticmethod
    def install_hooks() -> None:
        """For the active backend only, before Keras loads: patches applied when Keras's modules load."""

    def fit_speedups(self, model, callbacks=(), torch_engine=True, steps_per_execution="auto", x=None, batch_size=None):
        """A context in which ``model.fit`` (and its validation) runs faster with equal results.

        ``x`` and ``batch_size`` are the fit's, for a backend that sizes what it groups by them.
        """
        return contextlib.nullcontext(False)

    def predict_speedups(self, model, enabled=True):
        """A context in which ``model.predict`` and ``predict_on_batch`` run faster, same values."""
        return contextlib.nullcontext(False)

    def explain(self, model) -> str:
        """What runs ``model``'s steps on this backend, in a line or a table."""
        return f"{model.name}: Keras's own {self.name} trainer runs fit, evaluate and predict."

    def reseed(self, seed: int, epoch: int) -> None:
        """Seed the RNG that shuffles epoch ``epoch`` from ``(seed, epoch)`` alone."""
        import numpy as np

        from .shuffling import epoch_seed

        np.random.seed(epoch_seed(seed, epoch))

    def seeded_fit(self, model, x, y, seed, callbacks, **fit_kwargs):
        """``model.fit`` whose epoch ``e`` sees batches in an order keyed by ``(seed, e)``."""
        from .shuffling import EpochKeyedShuffle

        return model.fit(x=x, y=y, callbacks=[EpochKeyedShuffle(seed, self.reseed), *callbacks], **fit_kwargs)
