"""Callbacks that report on training as it runs."""

from __future__ import annotations

import keras

__all__ = ["ValTrainRatio"]


class ValTrainRatio(keras.callbacks.Callback):
    """Print val_loss / loss after each epoch and log it as ``val_train_ratio``.

    A ratio climbing well above 1 is the book's sign of overfitting: validation loss grows
    while training loss keeps falling. ``warn_above`` adds a note when it passes that value.
    """

    def __init__(self, warn_above=None, stream=print):
        super().__init__()
        self.warn_above = warn_above
        self.stream = stream

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        if "val_loss" not in logs or not logs.get("loss"):
            return
        ratio = float(logs["val_loss"]) / float(logs["loss"])
        logs["val_train_ratio"] = ratio  # History records it
        note = " (overfitting?)" if self.warn_above is not None and ratio > self.warn_above else ""
        self.stream(f"epoch {epoch + 1}: val_loss / loss = {ratio:.3f}{note}")
