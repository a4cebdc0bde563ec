"""Arrays in memory, as multikeras feeds them without Keras's array adapter.

Both ways it does (the torch engine's tensors, and the dense batches of a sparse ``x`` on JAX
and TensorFlow) convert dtypes by Keras's one rule, so they see the values Keras's own loop
would; and a seeded fit reshuffles epochs itself only for data held in memory.
"""

from __future__ import annotations

import numpy as np

__all__ = ["as_floatx", "arrays_only"]


def as_floatx(array) -> np.ndarray:
    """The dtype Keras's array adapter gives an array: floats to ``floatx``, every other dtype kept."""
    import keras

    array = np.asarray(array)
    if array.dtype.kind == "f" and array.dtype != np.dtype(keras.config.floatx()):
        return array.astype(keras.config.floatx())
    return array


def arrays_only(data, sparse_ok=True) -> bool:
    """NumPy arrays (or a dict of them), and with ``sparse_ok`` a SciPy sparse matrix: epochs a backend can shuffle by seed."""
    if isinstance(data, dict):
        return all(isinstance(v, np.ndarray) for v in data.values())
    if isinstance(data, np.ndarray):
        return True
    if not sparse_ok:
        return False
    from scipy import sparse

    return sparse.issparse(data)
