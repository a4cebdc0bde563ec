"""One seed for Python, NumPy and the active backend."""

from __future__ import annotations

__all__ = ["set_seed", "current_seed"]

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
