"""The learning-rate range test: grow the rate exponentially over about an epoch, watch the loss.

The rate is applied as a ``LearningRateSchedule`` on the optimizer's step counter, which the
compiled train step reads on every backend (a variable assigned from a callback would not
reach JAX's jitted state until the epoch ends). The loss Keras reports per batch is the mean
since the epoch began; the batch's own loss is recovered from consecutive means.
"""

from __future__ import annotations

import math

import keras

from ..hparams import positive_numbers, whole_numbers

__all__ = ["LRFinder", "ExponentialRange"]


class ExponentialRange(keras.optimizers.schedules.LearningRateSchedule):
    """``min_lr`` at ``start``, multiplied by a constant factor per step to reach ``max_lr`` after ``steps``."""

    def __init__(self, min_lr, max_lr, steps, start=0):
        self.min_lr, self.max_lr, self.steps, self.start = min_lr, max_lr, steps, start

    def __call__(self, step):
        progress = keras.ops.cast(step - self.start, "float32") / max(self.steps - 1, 1)
        return self.min_lr * keras.ops.power(self.max_lr / self.min_lr, progress)

    def get_config(self):
        return {"min_lr": self.min_lr, "max_lr": self.max_lr, "steps": self.steps, "start": self.start}


class LRFinder(keras.callbacks.Callback):
    """Record the loss while the learning rate grows from ``min_lr`` to ``max_lr``.

    Train one epoch (``steps`` defaults to its batches) on a model you will rebuild
    afterwards: the test changes its weights and its optimizer's learning rate. Training stops
    once the smoothed loss exceeds ``stop_factor`` times its minimum. ``suggestion`` is the
    rate at the smoothed minimum divided by 10: just below where the loss turns up.
    """

    def __init__(self, min_lr=1e-5, max_lr=10.0, steps=None, stop_factor=4.0, smoothing=0.98):
        super().__init__()
        positive_numbers(min_lr=min_lr, max_lr=max_lr, stop_factor=stop_factor)
        if max_lr <= min_lr:
            raise ValueError(f"max_lr ({max_lr}) must be above min_lr ({min_lr}).")
        if steps is not None:
            whole_numbers(minimum=2, steps=steps)
        if not 0 <= smoothing < 1:
            raise ValueError(f"smoothing must be in [0, 1), got {smoothing}.")
        self.min_lr, self.max_lr, self.steps = min_lr, max_lr, steps
        self.stop_factor, self.smoothing = stop_factor, smoothing
        self.rates, self.losses, self.smoothed = [], [], []

    def on_train_begin(self, logs=None):
        steps = self.steps or self.params.get("steps")
        if not steps or steps < 2:
            raise ValueError("LRFinder needs at least 2 batches per epoch; pass steps= or use a smaller batch_size.")
        self.steps = steps
        optimizer = self.model.optimizer
        start = int(keras.ops.convert_to_numpy(optimizer.iterations))
        self._schedule = ExponentialRange(self.min_lr, self.max_lr, steps, start)
        optimizer.learning_rate = self._schedule
        self._average = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._previous_mean = 0.0  # Keras's running mean restarts each epoch

    def on_train_batch_end(self, batch, logs=None):
        mean = float((logs or {}).get("loss", math.nan))
        step = len(self.rates)
        batch_loss = (batch + 1) * mean - batch * self._previous_mean  # undo Keras's running mean
        self._previous_mean = mean
        self.rates.append(self.min_lr * (self.max_lr / self.min_lr) ** (step / max(self.steps - 1, 1)))
        self.losses.append(batch_loss)
        self._average = self.smoothing * self._average + (1 - self.smoothing) * batch_loss
        smoothed = self._average / (1 - self.smoothing ** (step + 1))
        self.smoothed.append(smoothed)
        best = min(self.smoothed)
        if not math.isfinite(smoothed) or (step > 10 and smoothed > self.stop_factor * best) or step + 1 >= self.steps:
            self.model.stop_training = True

    @property
    def suggestion(self):
        """A learning rate a tenth of the one at the smoothed loss's minimum (None before fit)."""
        finite = [(loss, rate) for loss, rate in zip(self.smoothed, self.rates) if math.isfinite(loss)]
        if not finite:
            return None
        return min(finite)[1] / 10

    def plot(self, path):
        """The smoothed loss against the rate, on a log axis, with the suggestion marked."""
        from ..plots import lr_finder_curve

        return lr_finder_curve(self.rates, self.smoothed, self.suggestion, path)
