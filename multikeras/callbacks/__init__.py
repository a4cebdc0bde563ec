"""Callbacks that behave the same on torch, JAX and TensorFlow.

Keras's own EarlyStopping, ReduceLROnPlateau and the like are already portable; these are
the ones Keras lacks or that need TensorFlow there.
"""

from ..nan_guard import NaNGuard
from .checkpoints import BackupAndRestore, ModelCheckpoint
from .lr_finder import ExponentialRange, LRFinder
from .monitoring import ValTrainRatio
from .tensorboard import TensorBoard

__all__ = [
    "BackupAndRestore",
    "ExponentialRange",
    "LRFinder",
    "ModelCheckpoint",
    "NaNGuard",
    "TensorBoard",
    "ValTrainRatio",
]
