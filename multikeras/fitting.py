"""``multikeras.fit``: Keras's ``fit`` with its input checked and its shuffles keyed by epoch.

The CLI, ``compare`` and the scikit-learn wrappers all train through it. It adds:

- input checks (:mod:`multikeras.validation`): shapes, NaN/inf, empty data, input names of
  multi-input models, and labels converted to the loss's format (one-hot <-> integer);
- once :func:`multikeras.set_seed` was called, epoch ``e`` shuffles in an order that depends
  on ``(seed, e)`` only (:mod:`multikeras.shuffling`), so a run resumed from a backup sees
  the same batches as an uninterrupted one, and seeded TensorFlow reshuffles every epoch
  (see :mod:`multikeras.backends.tensorflow_data`). ``shuffle=False`` keeps Keras's order;
- speed with the same results: on torch a leaner step for Sequential and functional models
  (:mod:`multikeras.backends.torch_step`; ``lean_step=False`` keeps Keras's), on JAX and
  TensorFlow 32 steps per compiled call (:mod:`multikeras.backends.steps_per_execution`;
  ``steps_per_execution=1`` keeps one), and on JAX one compiled program per architecture
  (:mod:`multikeras.backends.jax_programs`).
"""

from __future__ import annotations

import contextlib

import numpy as np

from .backend import active_backend
from .seeding import current_seed
from .validation import check_fit_data

__all__ = ["fit"]


def _arrays_only(data) -> bool:
    if isinstance(data, dict):
        return all(isinstance(v, np.ndarray) for v in data.values())
    return isinstance(data, np.ndarray)


def _check_validation_data(model, validation_data):
    if isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3):
        x_val, y_val = check_fit_data(model, validation_data[0], validation_data[1], names=("validation_data[0]", "validation_data[1]"))
        return (x_val, y_val, *validation_data[2:])
    return validation_data


def fit(model, x=None, y=None, lean_step=True, steps_per_execution="auto", **kwargs):
    """Train ``model`` like ``model.fit(x, y, **kwargs)`` and return its History."""
    with contextlib.ExitStack() as speed:
        if active_backend() == "torch":
            from .backends.torch_step import lean_steps

            speed.enter_context(lean_steps(model, enabled=lean_step))
        else:
            from .backends.steps_per_execution import grouped_steps

            speed.enter_context(grouped_steps(model, kwargs.get("callbacks"), steps_per_execution))
        if active_backend() == "jax":
            from .backends.jax_programs import shared_programs

            speed.enter_context(shared_programs(model))
        return _fit(model, x, y, **kwargs)


def _fit(model, x, y, **kwargs):
    x, y = check_fit_data(model, x, y)
    if kwargs.get("validation_data") is not None:
        kwargs["validation_data"] = _check_validation_data(model, kwargs["validation_data"])
    seed = current_seed()
    if seed is None or kwargs.get("shuffle", True) is not True or not _arrays_only(x):
        return model.fit(x, y, **kwargs)
    from .shuffling import EpochKeyedShuffle  # imports Keras, which `import multikeras` must not

    callbacks = list(kwargs.pop("callbacks", None) or [])
    if active_backend() == "tensorflow" and (y is None or _arrays_only(y)):
        from .backends.tensorflow_data import reshuffling_dataset

        dataset, epoch, kwargs = reshuffling_dataset(x, y, seed, **kwargs)
        return model.fit(dataset, callbacks=[EpochKeyedShuffle(seed, epoch), *callbacks], **kwargs)
    return model.fit(x, y, callbacks=[EpochKeyedShuffle(seed), *callbacks], **kwargs)
