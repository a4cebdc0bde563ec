"""Callbacks that behave the same on torch, JAX and TensorFlow."""

from .checkpoints import BackupAndRestore, ModelCheckpoint

__all__ = ["BackupAndRestore", "ModelCheckpoint"]
