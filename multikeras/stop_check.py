"""Act on a Ctrl-C or SIGTERM that code inside the fit swallowed, at the next batch.

A signal's exception is raised wherever the main thread happens to be, and some code there
catches everything: Keras's ``pythonify_logs`` converts each batch's logs inside a bare
``except:``. A stop that lands there is gone, and the fit would train on to its end.
``multikeras.fit`` adds :class:`StopCheck` to every fit, which raises such a lost stop
(recorded by :mod:`multikeras.interrupts`) before the next batch is trained.
"""

from __future__ import annotations

import keras

from .interrupts import raise_lost_stop

__all__ = ["StopCheck"]


class StopCheck(keras.callbacks.Callback):
    """Raise a stop signal's exception that was swallowed during the last batch or epoch."""

    lazy_batch_logs = True  # never reads them: the torch engine need not compute them

    def on_train_batch_begin(self, batch, logs=None):
        raise_lost_stop()

    def on_train_batch_end(self, batch, logs=None):
        raise_lost_stop()

    def on_test_batch_end(self, batch, logs=None):
        raise_lost_stop()

    def on_epoch_end(self, epoch, logs=None):
        raise_lost_stop()
