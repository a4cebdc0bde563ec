import os
import signal

import keras
import numpy as np
import pytest

import multikeras
from multikeras.interrupts import Interrupted, stop_signals_raise


class _SwallowedSigterm(keras.callbacks.Callback):
    """Sends SIGTERM at the end of batch 2 inside a bare except, as Keras's pythonify_logs would swallow it."""

    def __init__(self):
        super().__init__()
        self.batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1
        if self.batches == 2:
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(10**7):  # the handler runs, and raises, within this loop
                    pass
            except:  # noqa: E722
                pass


@pytest.mark.fault(
    "SIGTERM swallowed by code inside a fit (a bare except:)",
    "multikeras.fit raises Interrupted before it trains another batch",
)
def test_multikeras_fit_trains_no_batch_after_the_one_whose_stop_was_swallowed():
    X, y = np.random.default_rng(0).normal(size=(64, 3)).astype("float32"), np.zeros((64, 1), "float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    swallower = _SwallowedSigterm()
    with pytest.raises(Interrupted):
        with stop_signals_raise():
            multikeras.fit(model, X, y, batch_size=8, epochs=3, verbose=0, callbacks=[swallower])
    assert swallower.batches == 2 and int(model.optimizer.iterations) == 2
