"""The speed-ups in multikeras.fit change nothing but speed: same losses, same predictions.

On torch the torch engine (``torch_engine=False`` is Keras's own loop); on JAX and TensorFlow
grouped steps (``steps_per_execution=1`` is one step per call). Tolerance: float32 rounding (the
fused LSTM kernel sums gates in another order than Keras's loop).
"""

import keras
import numpy as np
import pytest

import multikeras
from multikeras import registry
from multikeras.seeding import seeded_build

RTOL = 1e-5


def _train(name, epochs=2, **speed):
    recipe = registry.get(name)
    multikeras.set_seed(7)
    (X, y), valid, (X_test, _) = recipe.load_data("embedded")
    with seeded_build(7):
        model = recipe.build_model(**recipe.data_hparams(X))
    history = multikeras.fit(model, X, y, validation_data=valid, epochs=epochs, batch_size=32, verbose=0, **speed)
    return history.history, np.concatenate([np.ravel(p) for p in keras.tree.flatten(model.predict(X_test, verbose=0))])


def _plain(backend):
    return {"torch_engine": False} if backend == "torch" else {"steps_per_execution": 1}


@pytest.mark.parametrize("name", registry.names())
def test_fast_fit_matches_keras_own_step(name, backend):
    fast_history, fast_predictions = _train(name)
    plain_history, plain_predictions = _train(name, **_plain(backend))
    assert fast_history.keys() == plain_history.keys()
    for key in plain_history:
        np.testing.assert_allclose(fast_history[key], plain_history[key], rtol=RTOL, err_msg=key)
    np.testing.assert_allclose(fast_predictions, plain_predictions, rtol=RTOL, atol=1e-6)


def _engine_calls(method):
    """How many ``method`` calls the torch engine has taken in this process (0 off torch)."""
    if multikeras.active_backend() != "torch":
        return 0
    from multikeras.backends.torch_engine.trainer_routes import CALLS

    return CALLS[method, "engine"]


class _Seen(keras.callbacks.Callback):
    """Records how the model trains at the start of fit: steps per call (``engine``: whether the torch engine ran it)."""

    def on_train_begin(self, logs=None):
        self.steps = self.model.steps_per_execution


class _BatchWatcher(_Seen):
    def on_train_batch_end(self, batch, logs=None):
        pass


def _fit_with(callback, name="regression_mlp", **speed):
    recipe = registry.get(name)
    (X, y), _, _ = recipe.load_data("embedded")
    model = recipe.build_model(**recipe.data_hparams(X))
    before = _engine_calls("fit")
    multikeras.fit(model, X, y, epochs=1, verbose=0, callbacks=[callback], **speed)
    callback.engine = _engine_calls("fit") > before
    return model


def test_the_speed_up_applies_and_is_undone_afterwards(backend):
    seen = _Seen()
    model = _fit_with(seen)
    if backend == "torch":
        assert seen.engine and seen.steps == 1
    else:
        assert seen.steps == 32 and not seen.engine
    assert model.steps_per_execution == 1 and model.train_function is None  # a plain model.fit later is Keras's


def test_it_steps_aside_for_batch_callbacks_subclassed_models_and_the_switches(backend, monkeypatch):
    batch = _BatchWatcher()
    _fit_with(batch)
    assert batch.steps == 1  # a per-batch callback sees every batch
    switched_off = _Seen()
    _fit_with(switched_off, **_plain(backend))
    assert switched_off.steps == 1 and not switched_off.engine
    monkeypatch.setenv("MULTIKERAS_TORCH_ENGINE", "0")
    monkeypatch.setenv("MULTIKERAS_STEPS_PER_EXECUTION", "1")
    by_env = _Seen()
    _fit_with(by_env)
    assert by_env.steps == 1 and not by_env.engine


@pytest.mark.fault("steps_per_execution='many'", "ValueError: steps_per_execution must be 'auto' or a whole number")
@pytest.mark.fault("steps_per_execution=0", "ValueError: steps_per_execution must be at least 1, got 0")
@pytest.mark.skipif(
    multikeras.active_backend() == "torch", reason="torch has no grouped steps in Keras; nothing to check"
)
def test_bad_steps_per_execution_is_named():
    with pytest.raises(ValueError, match="steps_per_execution must be 'auto' or a whole number"):
        _fit_with(_Seen(), steps_per_execution="many")
    with pytest.raises(ValueError, match="steps_per_execution must be at least 1, got 0"):
        _fit_with(_Seen(), steps_per_execution=0)


@pytest.mark.skipif(multikeras.active_backend() == "torch", reason="only grouped steps are compiled per fit")
def test_a_second_fit_reuses_the_grouped_functions_until_a_recompile():
    recipe = registry.get("regression_mlp")
    (X, y), _, _ = recipe.load_data("embedded")
    model = recipe.build_model(**recipe.data_hparams(X))
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append(self.model.train_function)

        def on_epoch_end(self, epoch, logs=None):
            seen.append(self.model.train_function)

    for _ in range(2):
        multikeras.fit(model, X, y, epochs=1, verbose=0, callbacks=[Record()])
    assert seen[1] is not None and seen[3] is seen[1]  # partial_fit-style calls do not compile again
    model.compile(optimizer="adam", loss="mse")
    multikeras.fit(model, X, y, epochs=1, verbose=0, callbacks=[Record()])
    assert seen[5] is not seen[1]


def _trained(name):
    recipe = registry.get(name)
    multikeras.set_seed(7)
    (X, y), _, (X_test, _) = recipe.load_data("embedded")
    model = recipe.build_model(**recipe.data_hparams(X))
    multikeras.fit(model, X, y, epochs=1, verbose=0)
    return model, X_test


def _flat(predictions):
    return np.concatenate([np.ravel(p) for p in keras.tree.flatten(predictions)])


@pytest.mark.parametrize("name", registry.names())
def test_fast_predict_matches_keras_predict(name):
    model, X_test = _trained(name)
    fast = multikeras.predict(model, X_test, verbose=0, batch_size=16)
    plain = model.predict(X_test, verbose=0, batch_size=16)
    assert keras.tree.map_structure(np.shape, fast) == keras.tree.map_structure(np.shape, plain)
    np.testing.assert_allclose(_flat(fast), _flat(plain), rtol=RTOL, atol=1e-6)


def test_fast_predict_applies_where_it_can_and_is_undone(backend, monkeypatch):
    from multikeras.predicting import faster_predict

    model, X_test = _trained("regression_mlp")
    model.predict(X_test[:4], verbose=0)
    model.predict_on_batch(X_test[:4])
    own = model.predict_function
    before = _engine_calls("predict")
    with faster_predict(model) as fast:
        batch = model.predict_on_batch(X_test[:4])
        model.predict(X_test[:4], verbose=0)
    # torch: the engine; JAX: Normalization statistics as program inputs; TF: nothing
    assert fast is (backend in ("torch", "jax"))
    assert _engine_calls("predict") == before + (backend == "torch")
    assert model.predict_function is own  # a plain model.predict later is Keras's
    np.testing.assert_allclose(batch, model.predict_on_batch(X_test[:4]), rtol=RTOL, atol=1e-6)
    if backend != "torch":
        return
    with faster_predict(model, enabled=False) as fast:
        model.predict(X_test[:4], verbose=0)
        assert not fast and _engine_calls("predict") == before + 1
    monkeypatch.setenv("MULTIKERAS_TORCH_ENGINE", "0")
    with faster_predict(model) as fast:
        assert not fast
