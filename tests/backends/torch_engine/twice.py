"""Run the same training twice, through the engine and through Keras's own loop, and compare.

Tolerance: 1e-5 relative, 1e-6 absolute (float32 rounding; the fused LSTM kernel sums its
gates in another order).
"""

import contextlib

import keras
import numpy as np

from multikeras.backends.torch_engine import disabled, trainer_routes

RTOL, ATOL = 1e-5, 1e-6


def flat(predictions):
    return np.concatenate([np.ravel(p) for p in keras.tree.flatten(predictions)])


def assert_same_history(engine, keras_own):
    assert engine.keys() == keras_own.keys()
    for key in keras_own:
        np.testing.assert_allclose(engine[key], keras_own[key], rtol=RTOL, atol=ATOL, err_msg=key)


def _engine_calls() -> int:
    return sum(count for (_, why), count in trainer_routes.CALLS.items() if why == "engine")


def twice(train, handed_back=False):
    """``train()`` with the engine on and through Keras's loop, each from seed 0.

    The first run must reach the engine (a comparison of Keras with itself proves nothing),
    or, with ``handed_back``, must be handed to Keras by it; the second must not reach it.
    """
    results = []
    for off in (False, True):
        keras.utils.set_random_seed(0)
        before = _engine_calls()
        with disabled() if off else contextlib.nullcontext():
            results.append(train())
        taken = _engine_calls() - before
        assert (taken == 0) if off or handed_back else (taken > 0), (
            f"the engine took {taken} calls {'with' if off else 'without'} disabled()"
        )
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
