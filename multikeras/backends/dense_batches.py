"""A SciPy sparse ``x`` handed to Keras as dense batches, each made only when it is trained on.

Keras on JAX turns each batch of a sparse ``x`` into a BCOO matrix, and XLA (jax 0.10, CPU)
crashed with a segmentation fault compiling the step for one of scikit-learn's sparse checks
(check_estimator_sparse_matrix, KerasRegressor). On TensorFlow, Keras's sparse path peaked at
the dense matrix's size (3.6 GB for a 30,000-row one-hot identity). So on both, multikeras
feeds Keras a :class:`DenseBatches`, a ``keras.utils.PyDataset`` that keeps the matrix as CSR
and makes only the rows of the current batch dense. Torch needs none of this: the torch
engine gathers CSR rows itself (:mod:`.torch_engine.data`).

The batches are the ones Keras's array adapter makes from a dense ``x``: ``batch_size`` rows
(32 if unset) in order, the last batch short, floats in ``floatx``. With ``shuffle`` the rows
(not only the batches) are reshuffled at each epoch's start from NumPy's global generator, the
one that :meth:`Backend.reseed` keys by ``(seed, epoch)``, so a seeded run repeats.
"""

from __future__ import annotations

import keras
import numpy as np
from scipy import sparse

from . import keras_internals as internals
from .in_memory_arrays import as_floatx

__all__ = ["DenseBatches", "fit_inputs", "predict_inputs", "steps_within_group_bytes", "GROUP_BYTES"]

# Grouped steps (:mod:`.steps_per_execution`) hand Keras a whole group of batches per call, all
# dense at once: a 1,000-row batch of a 30,000-column one-hot x is 120 MB, so 32 of them would be
# the dense matrix again. The group is cut to what fits in this many bytes.
GROUP_BYTES = 256 * 2**20


class DenseBatches(keras.utils.PyDataset):
    """``(x, y, sample_weight)`` in batches of rows, ``x`` a sparse matrix made dense a batch at a time."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False):
        super().__init__()  # one worker, no processes: each batch is made in the training thread
        self.x = x.tocsr()  # CSR: a batch's rows are gathered without scanning the matrix
        self.y = y
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.batch_size = 32 if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.rows = self.x.shape[0]
        self.order = np.arange(self.rows)

    @property
    def num_batches(self) -> int:
        return -(-self.rows // self.batch_size)

    def __len__(self) -> int:
        return self.num_batches

    def on_epoch_begin(self):
        if self.shuffle:
            self.order = np.random.permutation(self.rows)

    def __getitem__(self, index):
        if not 0 <= index < self.num_batches:
            raise IndexError(f"batch {index} of a {self.num_batches}-batch data set")
        rows = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        batch = [as_floatx(self.x[rows].toarray())]
        if self.y is not None:
            batch.append(keras.tree.map_structure(lambda part: as_floatx(part[rows]), self.y))
        if self.sample_weight is not None:
            batch.append(as_floatx(self.sample_weight[rows]))
        return tuple(batch)


def _batches(data, batch_size, shuffle=False):
    """``(x, y[, sample_weight])`` with a sparse ``x`` as :class:`DenseBatches`; anything else as given."""
    if isinstance(data, (tuple, list)) and len(data) in (2, 3) and sparse.issparse(data[0]):
        return DenseBatches(*data, batch_size=batch_size, shuffle=shuffle)
    return data


def steps_within_group_bytes(x, batch_size) -> int | None:
    """The most grouped steps whose dense batches of a sparse ``x`` fit in ``GROUP_BYTES``; None for dense ``x``."""
    if not sparse.issparse(x):
        return None
    rows = min(32 if batch_size is None else int(batch_size), max(x.shape[0], 1))
    batch_bytes = rows * x.shape[1] * np.dtype(keras.config.floatx()).itemsize
    return max(1, GROUP_BYTES // max(batch_bytes, 1))


def fit_inputs(x, y, kwargs: dict):
    """``model.fit``'s ``(x, y, kwargs)`` with sparse ``x`` and ``validation_data`` as dense batches.

    The arguments a PyDataset carries itself (batch size, shuffle, sample weights, the split-off
    validation rows) move into it; ``class_weight`` stays, for Keras to apply to each batch.
    """
    kwargs = dict(kwargs)
    batch_size = kwargs.get("batch_size")
    validation_batch_size = kwargs.get("validation_batch_size") or batch_size
    if kwargs.get("validation_data") is not None:
        kwargs["validation_data"] = _batches(kwargs["validation_data"], validation_batch_size)
        if isinstance(kwargs["validation_data"], DenseBatches):
            kwargs.pop("validation_batch_size", None)
    if not sparse.issparse(x):
        return x, y, kwargs
    for name in ("batch_size", "validation_batch_size"):
        kwargs.pop(name, None)
    weights = kwargs.pop("sample_weight", None)
    split = kwargs.pop("validation_split", None)
    if split and kwargs.get("validation_data") is None:  # Keras's rule: the last rows, before any shuffle
        (x, y, weights), held_out = internals.train_validation_split((x, y, weights), split)
        kwargs["validation_data"] = DenseBatches(*held_out, batch_size=validation_batch_size)
    batches = DenseBatches(x, y, weights, batch_size, shuffle=kwargs.get("shuffle", True))
    kwargs["shuffle"] = False  # the rows are shuffled above; Keras would reorder the batches as well
    return batches, None, kwargs


def predict_inputs(x, kwargs: dict):
    """``model.predict``'s ``(x, kwargs)`` with a sparse ``x`` as dense batches."""
    if not sparse.issparse(x):
        return x, kwargs
    kwargs = dict(kwargs)
    return DenseBatches(x, batch_size=kwargs.pop("batch_size", None)), kwargs
