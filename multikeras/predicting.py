"""``multikeras.predict``: Keras's ``predict``, through the lean forward pass on torch.

On torch, Keras's ``predict`` spends half its time in per-layer call bookkeeping; for
Sequential and functional models the lean pass of :mod:`multikeras.backends.torch_step`
gives the same predictions (float32 rounding) in half the time. JAX and TensorFlow already
compile their predict step; on JAX it compiles once per architecture
(:mod:`multikeras.backends.jax_programs`), so the folds of a search share it.
``lean_step=False`` or ``MULTIKERAS_LEAN_TORCH_STEP=0`` keeps Keras's on torch.
"""

from __future__ import annotations

import contextlib

from .backend import active_backend

__all__ = ["predict", "faster_predict"]


def faster_predict(model, enabled=True):
    """A context in which ``model.predict`` and ``predict_on_batch`` take the fast path, if any."""
    if active_backend() == "torch":
        from .backends.torch_step import lean_predict

        return lean_predict(model, enabled=enabled)
    if active_backend() == "jax":
        from .backends.jax_programs import shared_programs

        return shared_programs(model)
    return contextlib.nullcontext(False)


def predict(model, x, lean_step=True, **kwargs):
    """``model.predict(x, **kwargs)``, faster where multikeras knows how."""
    with faster_predict(model, enabled=lean_step):
        return model.predict(x, **kwargs)
