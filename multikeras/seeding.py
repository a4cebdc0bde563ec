"""One seed for Python, NumPy and the active backend."""

from __future__ import annotations

import contextlib
import random

__all__ = ["set_seed", "current_seed", "seeded_build"]

_seed = None


def set_seed(seed: int) -> int:
    """Seed every RNG Keras draws from on the active backend; returns the seed."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    import keras

    global _seed
    keras.utils.set_random_seed(seed)
    _seed = seed
    return seed


def current_seed():
    """The last seed set through :func:`set_seed` in this process, or None."""
    return _seed


@contextlib.contextmanager
def seeded_build(seed):
    """Build models with initializer seeds that no other thread can shift.

    Keras gives each unseeded initializer and dropout layer a seed drawn from Python's global
    ``random`` at construction. In a threaded host (a Dask worker's event loop draws retry
    jitter from the same stream) those draws interleave, so the same seed built different
    weights. Inside the block Keras draws from a private generator seeded with ``seed``.
    """
    if seed is None:
        yield
        return
    from .backends import keras_internals

    previous = keras_internals.python_random()
    keras_internals.set_python_random(random.Random(seed))
    try:
        yield
    finally:
        keras_internals.set_python_random(previous)
