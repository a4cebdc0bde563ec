"""Keep TensorFlow out of torch and JAX processes.

Keras asks ``module_utils.tensorflow.available`` while serializing a model and while seeding,
and that question imports TensorFlow when it is installed: seconds of start-up and a second
thread pool fighting torch's for two cores. When TensorFlow is not loaded yet, no object in
the process can be a TensorFlow type and there is no TensorFlow RNG to seed, so within these
calls the honest answer is "not available".
"""

from __future__ import annotations

import contextlib
import sys

__all__ = ["tensorflow_left_unloaded"]


@contextlib.contextmanager
def tensorflow_left_unloaded():
    """Within the block, Keras treats TensorFlow as absent unless it is already imported."""
    from keras.src.utils import module_utils

    lazy = getattr(module_utils, "tensorflow", None)
    if lazy is None or "tensorflow" in sys.modules or not hasattr(lazy, "_available"):
        yield
        return
    previous = lazy._available
    lazy._available = False
    try:
        yield
    finally:
        lazy._available = previous
