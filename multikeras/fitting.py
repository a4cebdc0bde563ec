"""``multikeras.fit``: Keras's ``fit`` with its input checked and its shuffles keyed by epoch.

The CLI, ``compare`` and the scikit-learn wrappers all train through it. It adds:

- input checks (:mod:`multikeras.validation`): shapes, NaN/inf, empty data, input names of
  multi-input models, labels converted to the loss's format (one-hot <-> integer), and no
  Normalization layer left un-adapted;
- the first non-finite loss raises :class:`multikeras.nan_guard.NonFiniteLossError`
  (``nan_guard=False`` trains on, as Keras does);
- once :func:`multikeras.set_seed` was called, epoch ``e`` shuffles in an order that depends
  on ``(seed, e)`` only (:mod:`multikeras.backends.shuffling`), so a run resumed from a backup sees
  the same batches as an uninterrupted one. ``shuffle=False`` keeps Keras's order;
- the backend's speed-ups with the same results (:meth:`Backend.fit_speedups`): on torch the
  torch engine (``torch_engine=False`` runs Keras's own loop), on JAX and TensorFlow 32 steps
  per compiled call (``steps_per_execution=1`` keeps one), on JAX one program per architecture;
- a SciPy sparse ``x`` stays sparse, made dense a batch at a time: by the torch engine, and on
  JAX and TensorFlow as a PyDataset (:mod:`multikeras.backends.dense_batches`) in groups cut to
  256 MB.
"""

from __future__ import annotations

from . import backends
from .backends.in_memory_arrays import arrays_only
from .seeding import current_seed
from .validation import check_adapted, check_fit_data

__all__ = ["fit"]


def _check_validation_data(model, validation_data):
    if isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3):
        x_val, y_val = check_fit_data(
            model, validation_data[0], validation_data[1], names=("validation_data[0]", "validation_data[1]")
        )
        return (x_val, y_val, *validation_data[2:])
    return validation_data


def fit(model, x=None, y=None, torch_engine=True, steps_per_execution="auto", nan_guard=True, **kwargs):
    """Train ``model`` like ``model.fit(x, y, **kwargs)`` and return its History."""
    backend = backends.current()
    callbacks = getattr(kwargs.get("callbacks"), "callbacks", kwargs.get("callbacks"))
    speedups = backend.fit_speedups(
        model, callbacks, torch_engine, steps_per_execution, x=x, batch_size=kwargs.get("batch_size")
    )
    with speedups:
        return _fit(backend, model, x, y, nan_guard, **kwargs)


def _is_callback_list(callbacks) -> bool:
    import keras

    return isinstance(callbacks, keras.callbacks.CallbackList)


def _guarded(callbacks, nan_guard: bool):
    """A stop check and a NaN guard ahead of the callbacks, so they raise before a checkpoint saves.

    Added after the speed-ups were chosen: they hook batches, but must not stop JAX and
    TensorFlow from grouping steps (grouped, they run every group's end).
    """
    from .nan_guard import NaNGuard, enabled
    from .stop_check import StopCheck

    # A keras.callbacks.CallbackList is the caller's whole, configured set: Keras takes it as it is.
    if _is_callback_list(callbacks):
        return callbacks
    return [StopCheck(), *([NaNGuard()] if enabled(nan_guard) else []), *(callbacks or [])]


def _fit(backend, model, x, y, nan_guard, **kwargs):
    check_adapted(model)
    kwargs["callbacks"] = _guarded(kwargs.get("callbacks"), nan_guard)
    x, y = check_fit_data(model, x, y)
    if kwargs.get("validation_data") is not None:
        kwargs["validation_data"] = _check_validation_data(model, kwargs["validation_data"])
    seed = current_seed()
    given_whole = _is_callback_list(kwargs.get("callbacks"))  # nothing can join it
    seeded = seed is not None and kwargs.get("shuffle", True) is True and arrays_only(x) and not given_whole
    x, y, kwargs = backend.fit_inputs(x, y, kwargs)
    if not seeded:
        return model.fit(x=x, y=y, **kwargs)
    callbacks = list(kwargs.pop("callbacks", None) or [])
    return backend.seeded_fit(model, x, y, seed, callbacks, **kwargs)
