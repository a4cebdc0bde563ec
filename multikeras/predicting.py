"""``multikeras.predict``: Keras's ``predict``, through the lean forward pass on torch.

On torch, Keras's ``predict`` spends half its time in per-layer call bookkeeping; for
Sequential and functional models the lean pass of :mod:`multikeras.backends.torch_step`
gives the same predictions (float32 rounding) in half the time. JAX and TensorFlow already
compile their predict step; on JAX it compiles once per architecture
(:mod:`multikeras.backends.jax_programs`), so the folds of a search share it.
``lean_step=False`` or ``MULTIKERAS_LEAN_TORCH_STEP=0`` keeps Keras's on torch.
"""

from __future__ import annotations

import numpy as np

from . import backends

__all__ = ["predict", "faster_predict", "flatten_predictions"]


def faster_predict(model, enabled=True):
    """A context in which ``model.predict`` and ``predict_on_batch`` take the backend's fast path."""
    return backends.current().predict_speedups(model, enabled=enabled)


def predict(model, x, lean_step=True, **kwargs):
    """``model.predict(x, **kwargs)``, faster where multikeras knows how."""
    with faster_predict(model, enabled=lean_step):
        return model.predict(x=x, **kwargs)


def flatten_predictions(predictions) -> np.ndarray:
    """All outputs of ``model.predict`` as one float64 vector (dict outputs in key order)."""
    if isinstance(predictions, dict):
        parts = [predictions[key] for key in sorted(predictions)]
    elif isinstance(predictions, (list, tuple)):
        parts = list(predictions)
    else:
        parts = [predictions]
    return np.concatenate([np.asarray(part, dtype=np.float64).reshape(-1) for part in parts])
