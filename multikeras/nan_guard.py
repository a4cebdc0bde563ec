"""Stop a diverging fit loudly: the first non-finite loss is an error, not a History of NaN.

Keras trains on through NaN (its ``TerminateOnNaN`` stops, but silently), so a wrapper
returns NaN predictions and a search ranks a broken model as if it had trained. ``multikeras.fit``
adds :class:`NaNGuard` to every fit; ``nan_guard=False`` or ``MULTIKERAS_NAN_GUARD=0`` keeps
Keras's behaviour. The loss is read at most every ``CHECK_SECONDS`` and at each epoch's end,
because reading it syncs the device and, on torch, computes the batch's logs the engine
otherwise skips; so the batch named is where the NaN was first read. A fit another callback
already stopped (an LR finder stops itself on divergence) is left to end as that callback chose.
"""

from __future__ import annotations

import math
import os
import time

import keras

from .switches import is_off

__all__ = ["CHECK_SECONDS", "ENV_SWITCH", "NaNGuard", "NonFiniteLossError", "enabled"]

CHECK_SECONDS = 0.25
ENV_SWITCH = "MULTIKERAS_NAN_GUARD"
LIKELY_CAUSES = (
    "a learning rate too high (try 10x lower), inputs or targets not scaled (a Normalization layer, "
    "sklearn's StandardScaler), a preprocessing layer never adapted, or a loss that takes other targets"
)


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN or infinite loss; the message names where and the likely causes."""


def enabled(nan_guard: bool = True) -> bool:
    return bool(nan_guard) and not is_off(os.environ.get(ENV_SWITCH))


class NaNGuard(keras.callbacks.Callback):
    """Raise :class:`NonFiniteLossError` at the first non-finite training loss seen."""

    lazy_batch_logs = True  # reads "loss" only when checking, never keeps the logs

    def __init__(self, check_seconds: float = CHECK_SECONDS):
        super().__init__()
        self.check_seconds = check_seconds

    def on_train_begin(self, logs=None):
        self._last_finite = None  # (epoch, batch, loss) of the latest finite reading

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._checked_at = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        if now - self._checked_at >= self.check_seconds:
            self._checked_at = now
            self._check(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._check(None, logs)

    def _check(self, batch, logs):
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = float(loss)
        if math.isfinite(loss):
            self._last_finite = (self._epoch, batch, loss)
            return
        if not self.model.stop_training:
            raise NonFiniteLossError(self._message(batch, loss))

    def _message(self, batch, loss) -> str:
        where = f"epoch {self._epoch + 1}" + ("'s end" if batch is None else f", batch {batch + 1}")
        if self._last_finite is None:
            before = "no loss read before it was finite"
        else:
            epoch, at_batch, value = self._last_finite
            place = f"epoch {epoch + 1}" + ("'s end" if at_batch is None else f", batch {at_batch + 1}")
            before = f"the last finite loss read was {value:.6g} ({place})"
        return (
            f"The training loss was {loss} when read at {where}; {before}. Likely causes: {LIKELY_CAUSES}. "
            f"To train on regardless, as Keras does, pass nan_guard=False to multikeras.fit "
            f"(fit__nan_guard=False on a wrapper) or set {ENV_SWITCH}=0."
        )
