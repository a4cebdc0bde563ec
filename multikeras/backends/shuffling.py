"""Seeded shuffles keyed by epoch: the order of epoch ``e`` depends on ``(seed, e)`` alone.

Keras draws each epoch's permutation from a global RNG (torch's on torch, NumPy's on JAX) that
runs on from wherever the last epoch left it. A run resumed by BackupAndRestore at epoch ``e``
would then see different batches from an uninterrupted one. Reseeding at each epoch's start
makes the two identical; what to reseed is the backend's (:meth:`Backend.reseed`).
"""

from __future__ import annotations

import keras
import numpy as np

__all__ = ["epoch_seed", "EpochKeyedShuffle"]


def epoch_seed(seed: int, epoch: int) -> int:
    """A 32-bit seed for one epoch, well mixed so neighbouring epochs share nothing."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0])


class EpochKeyedShuffle(keras.callbacks.Callback):
    """Call ``reseed(seed, epoch)`` at the start of every epoch, before its batches are drawn."""

    def __init__(self, seed: int, reseed):
        super().__init__()
        self.seed = seed
        self.reseed = reseed

    def on_epoch_begin(self, epoch, logs=None):
        self.reseed(self.seed, epoch)
