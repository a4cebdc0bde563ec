"""Run the same training twice, through the engine and through Keras's own loop, and compare.

Tolerance: 1e-5 relative, 1e-6 absolute (float32 rounding; the fused LSTM kernel sums its
gates in another order).
"""

import contextlib

import keras
import numpy as np

from multikeras.backends.torch_engine import disabled

RTOL, ATOL = 1e-5, 1e-6


def flat(predictions):
    return np.concatenate([np.ravel(p) for p in keras.tree.flatten(predictions)])


def assert_same_history(engine, keras_own):
    assert engine.keys() == keras_own.keys()
    for key in keras_own:
        np.testing.assert_allclose(engine[key], keras_own[key], rtol=RTOL, atol=ATOL, err_msg=key)


def twice(train):
    """``train()`` through the engine and through Keras's loop, each from seed 0."""
    results = []
    for off in (False, True):
        keras.utils.set_random_seed(0)
        with disabled() if off else contextlib.nullcontext():
            results.append(train())
    return results


def assert_trains_as_keras(build, X, y, **fit_kwargs):
    """A compiled model from ``build()``, trained two epochs (batch 16) through the engine and
    through Keras's loop: the same History and predictions."""

    def train():
        model = build()
        history = model.fit(X, y, epochs=2, batch_size=16, verbose=0, **fit_kwargs)
        return history.history, flat(model.predict(X, verbose=0))

    (history, predictions), (own_history, own_predictions) = twice(train)
    assert_same_history(history, own_history)
    np.testing.assert_allclose(predictions, own_predictions, rtol=RTOL, atol=ATOL)
