"""``multikeras.predict``: Keras's ``predict``, faster on torch, and the same for a row whatever its batch.

On torch, Keras's ``predict`` spends half its time in per-layer call bookkeeping; the torch
engine (:mod:`multikeras.backends.torch_engine`) gives the same predictions in a fraction of
the time. JAX and TensorFlow already compile their predict step; on JAX it compiles once per
architecture (:mod:`multikeras.backends.jax_programs`), so the folds of a search share it.
``torch_engine=False`` or ``MULTIKERAS_TORCH_ENGINE=0`` runs Keras's own predict on torch.

Fixed batches: float32 matrix kernels take another code path for another number of rows
(one row alone takes the matrix-vector one), and XLA (MKL on torch) rounds a row by its
position unless the batch is a multiple of 8 (4) rows, so a row's prediction moved by a few
ulps with the rows beside it: alone, shuffled, inside a larger set. For in-memory NumPy data
every batch here has the same number of rows, a multiple of ``ROW_TILE``: the last one is
filled up with copies of its last row, and the filler is cut off the outputs (callbacks see
whole batches). One case is left on torch: MKL's kernel for a Dense layer 5 to 7 or 9 to 11
units wide with 8 or more inputs rounds by the row's memory alignment, which ``MKL_CBWR=AUTO``
set before torch's first matrix product removes. ``fixed_batch=False`` or
``MULTIKERAS_FIXED_PREDICT_BATCH=0`` passes the data through as given.
"""

from __future__ import annotations

import os

import numpy as np

from . import backends
from .switches import is_off

__all__ = ["predict", "faster_predict", "flatten_predictions", "fixed_batch_size", "ENV_SWITCH"]

ENV_SWITCH = "MULTIKERAS_FIXED_PREDICT_BATCH"
KERAS_BATCH_SIZE = 32  # what Keras's predict uses when batch_size is None
ROW_TILE = 8  # measured: XLA's CPU dot rounds by position unless the batch is a multiple of 8, MKL's of 4
MAX_FIXED_BATCH = 4096  # rows; a larger batch_size runs in batches of 4096 (see fixed_batch_size)


def faster_predict(model, enabled=True):
    """A context in which ``model.predict`` and ``predict_on_batch`` take the backend's fast path."""
    return backends.current().predict_speedups(model, enabled=enabled)


def predict(model, x, torch_engine=True, fixed_batch=True, **kwargs):
    """``model.predict(x, **kwargs)``, faster where multikeras knows how; with ``fixed_batch``,
    each row's prediction is the same whichever rows share its batch (see the module's notes)."""
    rows = _rows(x) if _fixed(fixed_batch, kwargs) else None
    if rows is None:
        return _predict(model, x, torch_engine, kwargs)
    kwargs["batch_size"] = fixed_batch_size(kwargs.get("batch_size"))
    outputs = _predict(model, _filled(x, rows, kwargs["batch_size"]), torch_engine, kwargs)
    import keras

    return keras.tree.map_structure(lambda output: output[:rows], outputs)


def _predict(model, x, torch_engine, kwargs):
    x, kwargs = backends.current().predict_inputs(x, kwargs)
    with faster_predict(model, enabled=torch_engine):
        return model.predict(x=x, **kwargs)


def _fixed(fixed_batch, kwargs) -> bool:
    """Whether batches are fixed: on unless switched off; ``steps`` asks for part of the data."""
    return bool(fixed_batch) and not is_off(os.environ.get(ENV_SWITCH)) and kwargs.get("steps") is None


def fixed_batch_size(batch_size) -> int:
    """The rows of every predict batch for ``batch_size``: capped, rounded up to ``ROW_TILE``.

    The cap keeps a few rows predicted with a huge ``batch_size`` from computing a huge batch
    of filler (10 rows of a small MLP on torch: 0.5 ms alone, 0.9 ms padded to 4,096 rows,
    40 ms padded to 65,536). Large predictions that ask for more pay instead: 200,000 rows at
    ``batch_size=16384`` took 1.3-1.8x as long in batches of 4,096; ``fixed_batch=False``
    keeps the larger batches.
    """
    size = min(KERAS_BATCH_SIZE if batch_size is None else int(batch_size), MAX_FIXED_BATCH)
    return -(-max(size, 1) // ROW_TILE) * ROW_TILE


def _rows(x):
    """The row count of in-memory NumPy data (an array, or a dict/list of them), else None."""
    import keras

    leaves = keras.tree.flatten(x)
    if not leaves or not all(isinstance(leaf, np.ndarray) and leaf.ndim > 0 for leaf in leaves):
        return None
    counts = {len(leaf) for leaf in leaves}
    return counts.pop() if len(counts) == 1 and 0 not in counts else None


def _filled(x, rows: int, batch_size: int):
    """``x`` with its last row repeated up to a whole number of batches (real values: no NaN from zeros)."""
    filler = -rows % batch_size
    if not filler:
        return x
    import keras

    return keras.tree.map_structure(lambda leaf: np.concatenate([leaf, np.repeat(leaf[-1:], filler, axis=0)]), x)


def flatten_predictions(predictions) -> np.ndarray:
    """All outputs of ``model.predict`` as one float64 vector (dict outputs in key order)."""
    if isinstance(predictions, dict):
        parts = [predictions[key] for key in sorted(predictions)]
    elif isinstance(predictions, (list, tuple)):
        parts = list(predictions)
    else:
        parts = [predictions]
    return np.concatenate([np.asarray(part, dtype=np.float64).reshape(-1) for part in parts])
