"""In-memory arrays as torch tensors, converted once per fit and batched by index.

Keras's torch path wraps arrays in a DataLoader that slices NumPy and converts every batch
(about 120 us a batch here). The engine converts each array once (floats to floatx, as
Keras's array adapter does) and gathers batches with ``index_select``. Epochs are shuffled
exactly as that DataLoader shuffles them, drawing from torch's global generator in the same
order, so a seeded run sees the batches Keras's own loop would, and multikeras's epoch-keyed
reseeding works unchanged. A SciPy sparse ``x`` (a one-hot encoder's output) stays sparse:
each batch's rows are gathered from it and made dense, as Keras's own torch path does.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import keras
import numpy as np
import torch
from scipy import sparse

from .. import keras_internals as internals
from ..in_memory_arrays import as_floatx

__all__ = ["Arrays", "SparseRows", "arrays_only", "to_arrays", "epoch_order", "draw_loader_seed"]


def arrays_only(x, *data) -> bool:
    """Whether ``x`` and every non-None piece of ``data`` are NumPy arrays (alone, in a list or a
    dict); ``x`` may instead be one 2-D SciPy sparse matrix."""
    sparse_x = sparse.issparse(x)
    if sparse_x and x.ndim != 2:
        return False
    leaves = [
        leaf for item in (None if sparse_x else x, *data) if item is not None for leaf in keras.tree.flatten(item)
    ]
    return (sparse_x or bool(leaves)) and all(isinstance(leaf, np.ndarray) for leaf in leaves)


class SparseRows:
    """A SciPy sparse matrix, read a batch at a time: only the rows asked for are made dense."""

    def __init__(self, matrix, dtype=None):
        self.matrix = matrix.tocsr()  # CSR: rows gathered without scanning the matrix
        self.shape = self.matrix.shape
        self.dtype = dtype  # the model input's, to which Keras converts dense inputs too

    def _dense(self, rows) -> torch.Tensor:
        rows = self.matrix[rows].toarray()
        return _tensor(rows if self.dtype is None else rows.astype(self.dtype, copy=False))

    def __getitem__(self, rows) -> torch.Tensor:
        return self._dense(rows)

    def index_select(self, dim: int, index: torch.Tensor) -> torch.Tensor:
        return self._dense(index.numpy())


def _tensor(array: np.ndarray) -> torch.Tensor:
    array = as_floatx(array)
    with warnings.catch_warnings():  # a read-only array is fine: batches are gathered copies, never written
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(np.ascontiguousarray(array))


@dataclass
class Arrays:
    """One data set as tensors: inputs in the graph's order, targets and weights as Keras takes them."""

    inputs: list
    y: object
    sample_weight: object
    n: int
    structured: object  # the inputs as the model takes them (a dict for named inputs)

    def slice(self, start: int, stop: int):
        """Samples ``start:stop`` in order, as views (evaluate and predict never shuffle)."""
        take = lambda t: None if t is None else t[start:stop]  # noqa: E731
        return [take(t) for t in self.inputs], keras.tree.map_structure(take, self.y), take(self.sample_weight)

    def first(self, count: int):
        """The first ``count`` samples as ``(x, y, sample_weight)`` in the model's structure."""
        take = lambda t: None if t is None else t[:count]  # noqa: E731
        return (
            keras.tree.map_structure(take, self.structured),
            keras.tree.map_structure(take, self.y),
            take(self.sample_weight),
        )

    def batch(self, index: torch.Tensor):
        take = lambda t: None if t is None else t.index_select(0, index)  # noqa: E731
        return [take(t) for t in self.inputs], keras.tree.map_structure(take, self.y), take(self.sample_weight)


def to_arrays(graph, x, y=None, sample_weight=None, class_weight=None) -> Arrays:
    """Convert once: ``x`` keyed or ordered as the model's inputs, class weights as sample weights."""
    if class_weight is not None:
        sample_weight = internals.class_weight_to_sample_weights(y, class_weight)
    if sparse.issparse(x):
        inputs = SparseRows(x, dtype=None if graph is None else graph.inputs[0].dtype)
        flat_inputs = [inputs]  # one 2-D input: Keras's standardizing would only convert its dtype
    else:
        inputs = keras.tree.map_structure(_tensor, x)
        flat_inputs = internals.standardize_inputs(graph, inputs) if graph is not None else keras.tree.flatten(inputs)
    targets = None if y is None else keras.tree.map_structure(_tensor, y)
    weights = None if sample_weight is None else _tensor(np.asarray(sample_weight))
    return Arrays(list(flat_inputs), targets, weights, int(flat_inputs[0].shape[0]), inputs)


def draw_loader_seed() -> int:
    """One draw from torch's global generator, as each DataLoader iterator (and sampler) makes."""
    return int(torch.empty((), dtype=torch.int64).random_().item())


def epoch_order(n: int, shuffle: bool) -> torch.Tensor:
    """The sample order of one epoch, drawn as Keras's DataLoader draws it."""
    draw_loader_seed()  # the iterator's base seed (for worker processes), drawn and unused
    if not shuffle:
        return torch.arange(n)
    generator = torch.Generator()
    generator.manual_seed(draw_loader_seed())
    return torch.randperm(n, generator=generator)
