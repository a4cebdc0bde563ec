"""Seeded shuffles keyed by epoch: the order of epoch ``e`` depends on ``(seed, e)`` alone.

Keras draws each epoch's permutation from a global RNG (torch's on torch, NumPy's on JAX) that
runs on from wherever the last epoch left it. A run resumed by BackupAndRestore at epoch ``e``
would then see different batches from an uninterrupted run. Reseeding at each epoch's start
makes the two identical.
"""

from __future__ import annotations

import numpy as np

import keras

__all__ = ["epoch_seed", "EpochKeyedShuffle"]


def epoch_seed(seed: int, epoch: int) -> int:
    """A 32-bit seed for one epoch, well mixed so neighbouring epochs share nothing."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0])


class EpochKeyedShuffle(keras.callbacks.Callback):
    """Reseed the RNG that shuffles the training data at the start of every epoch.

    ``epoch_variable`` is the TensorFlow path's counter (see
    :func:`multikeras.backends.tensorflow_data.reshuffling_dataset`); other backends reseed
    the global RNG that Keras's array adapter draws from.
    """

    def __init__(self, seed: int, epoch_variable=None):
        super().__init__()
        self.seed = seed
        self.epoch_variable = epoch_variable

    def on_epoch_begin(self, epoch, logs=None):
        if self.epoch_variable is not None:
            self.epoch_variable.assign(epoch)
            return
        seed = epoch_seed(self.seed, epoch)
        np.random.seed(seed)
        if keras.config.backend() == "torch":
            import torch

            torch.manual_seed(seed)
