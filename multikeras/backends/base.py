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
    # Whether a SciPy sparse x reaches Keras sparse (made dense a batch at a time) or dense.
    keeps_sparse = True

    def model_data(self, x):
        """``x`` as Keras on this backend should get it from ``multikeras.fit`` and ``predict``."""
        from scipy import sparse

        return x.toarray() if sparse.issparse(x) and not self.keeps_sparse else x

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

    def fit_speedups(self, model, callbacks=(), torch_engine=True, steps_per_execution="auto"):
        """A context in which ``model.fit`` (and its validation) runs faster with equal results."""
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
