"""One seed for Python, NumPy and the active backend."""

from __future__ import annotations

__all__ = ["set_seed"]


def set_seed(seed: int) -> int:
    """Seed every RNG Keras draws from on the active backend; returns the seed."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    import keras

    keras.utils.set_random_seed(seed)
    return seed
