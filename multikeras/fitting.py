"""``multikeras.fit``: Keras's ``fit``, made to behave the same on every backend.

The CLI, ``compare`` and the scikit-learn wrappers all train through it. Today it fixes one
thing: seeded shuffling on TensorFlow (see :mod:`multikeras.backends.tensorflow_data`).
"""

from __future__ import annotations

import numpy as np

from .backend import active_backend
from .seeding import current_seed

__all__ = ["fit"]


def _arrays_only(data) -> bool:
    if isinstance(data, dict):
        return all(isinstance(v, np.ndarray) for v in data.values())
    return isinstance(data, np.ndarray)


def _reshuffle_on_tensorflow(x, y, kwargs) -> bool:
    return (
        active_backend() == "tensorflow"
        and current_seed() is not None
        and kwargs.get("shuffle", True) is True
        and _arrays_only(x)
        and (y is None or _arrays_only(y))
    )


def fit(model, x=None, y=None, **kwargs):
    """Train ``model`` like ``model.fit(x, y, **kwargs)`` and return its History."""
    if _reshuffle_on_tensorflow(x, y, kwargs):
        from .backends.tensorflow_data import reshuffling_dataset

        dataset, kwargs = reshuffling_dataset(x, y, current_seed(), **kwargs)
        return model.fit(dataset, **kwargs)
    return model.fit(x, y, **kwargs)
