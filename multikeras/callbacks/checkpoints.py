"""Keras's checkpoint callbacks, made crash-safe.

Keras writes checkpoints in place. A process killed mid-write leaves a truncated file, and
``BackupAndRestore`` writes its weights and its epoch counter as two files, so a kill
between them resumes the wrong epoch from the right weights. Here every file is written
atomically (:func:`multikeras.atomic_io.atomic_path`) and a backup is one weights file per
epoch plus a small state file naming it, replaced last: a reader sees the old backup or the
new one, whole. Neither ever replaces a finite model with one whose weights hold NaN or inf:
a diverged epoch is skipped with a warning, and the last good file stays.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np

from ..atomic_io import atomic_path, write_json
from ..backends import keras_internals
from ..saving import save_model

__all__ = ["ModelCheckpoint", "BackupAndRestore", "NonFiniteWeightsWarning"]


class NonFiniteWeightsWarning(UserWarning):
    """A checkpoint or backup was skipped because the model's weights are no longer finite."""


def _finite(model, what: str, path, epoch: int) -> bool:
    """Whether every weight is finite; if not, warn that ``what`` at ``path`` is kept as it was."""
    import keras

    if all(np.isfinite(keras.ops.convert_to_numpy(weight)).all() for weight in model.weights):
        return True
    warnings.warn(
        f"Epoch {epoch + 1}: the model's weights hold NaN or inf, so the {what} {str(path)!r} was not "
        f"replaced; it keeps the last finite model. Lower the learning rate or scale the inputs.",
        NonFiniteWeightsWarning,
        stacklevel=2,
    )
    return False


class ModelCheckpoint(keras_internals.model_checkpoint_base()):
    """``keras.callbacks.ModelCheckpoint`` whose saves are atomic; the same arguments."""

    def write(self, filepath, epoch):
        if not _finite(self.model, "checkpoint", filepath, epoch):
            return
        if self.save_weights_only:
            with atomic_path(filepath) as tmp:
                self.model.save_weights(tmp, overwrite=True)
        else:
            save_model(self.model, filepath)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saved model to {filepath}")


STATE_FILE = "backup.json"


class BackupAndRestore(keras_internals.backup_and_restore_base()):
    """``keras.callbacks.BackupAndRestore`` that survives being killed at any instant.

    Back-ups are taken at the end of each epoch (``save_freq="epoch"``): the weights, the
    optimizer state and the epoch count. Resume by running the same ``fit`` again with the
    same ``backup_dir``; with :func:`multikeras.set_seed` and :func:`multikeras.fit` the
    resumed epochs see the same batches as an uninterrupted run.
    """

    def __init__(self, backup_dir, delete_checkpoint=True):
        super().__init__(backup_dir, save_freq="epoch", delete_checkpoint=delete_checkpoint)
        self.state_path = Path(backup_dir) / STATE_FILE
        self.resumed_from_epoch = None  # set when a fit starts from a backup

    def read_state(self):
        if not self.state_path.exists():
            return None
        try:
            state = json.loads(self.state_path.read_text())
            return int(state["epoch"]), Path(self.backup_dir) / state["weights"]
        except (ValueError, KeyError, TypeError) as err:
            raise ValueError(
                f"The backup state {str(self.state_path)!r} is unreadable ({err}); delete {self.backup_dir!r} to start over."
            ) from err

    def restore(self):
        state = self.read_state()
        if state is None:
            return
        epoch, weights = state
        if not self.model.built:
            raise ValueError(f"Cannot resume from {self.backup_dir!r}: build the model before fit().")
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        try:
            self.model.load_weights(weights)
        except (OSError, ValueError) as err:
            raise ValueError(
                f"Cannot resume from {str(weights)!r} ({err}). Was the model or its compile settings changed? "
                f"Delete {self.backup_dir!r} to start over."
            ) from err
        keras_internals.set_initial_epoch(self.model, epoch)
        self.resumed_from_epoch = epoch

    def backup(self, epoch):
        if not _finite(self.model, "backup in", self.backup_dir, epoch):
            return
        directory = Path(self.backup_dir)
        previous = self.read_state()
        weights = directory / f"epoch-{epoch:05d}.weights.h5"
        with atomic_path(weights) as tmp:
            self.model.save_weights(tmp, overwrite=True)
        write_json(self.state_path, {"epoch": epoch, "weights": weights.name})
        if previous is not None and previous[1] != weights:
            previous[1].unlink(missing_ok=True)

    def on_train_begin(self, logs=None):
        self.restore()  # no fallback needed: the state file never names a partial file
