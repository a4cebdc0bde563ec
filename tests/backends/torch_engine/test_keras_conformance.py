"""Behaviours of Keras's loop the engine once changed, found by Keras's own tests: each as Keras's.

Each test compares the engine with Keras's own loop (``engine_off``) on the behaviour that
differed: a model with nothing to train, callbacks' hooks set on the instance, a loss for
only some outputs, quantized layers, ``max_steps_per_epoch`` and batch logs a callback writes.
"""

import pytest

import multikeras

if multikeras.active_backend() != "torch":
    pytest.skip("the torch engine runs on the torch backend only; this env runs another", allow_module_level=True)

import warnings

import keras
import numpy as np

from multikeras.backends.torch_engine import trainer_routes

from .twice import ATOL, RTOL, assert_same_history, assert_trains_as_keras, flat, twice

RNG = np.random.default_rng(0)
X = RNG.normal(size=(48, 4)).astype("float32")
Y = X @ np.array([1.0, -2.0, 0.5, 3.0], "float32")


def _model(trainable=True):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    model.trainable = trainable
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


def _engine_took(method, before):
    return trainer_routes.CALLS[method, "engine"] - before[method, "engine"]


def test_a_frozen_model_warns_and_evaluates_its_metrics_as_keras_does():
    def train():
        model = _model(trainable=False)
        weights = [w.copy() for w in model.get_weights()]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            history = model.fit(X, Y, epochs=2, batch_size=16, verbose=0)
        assert any("does not have any trainable weights" in str(w.message) for w in caught)
        for before, after in zip(weights, model.get_weights()):
            np.testing.assert_array_equal(before, after)
        return history.history

    before = trainer_routes.CALLS.copy()
    assert_same_history(*twice(train))
    assert _engine_took("fit", before) == 1


def test_lambda_callback_batch_hooks_fire_as_in_keras():
    def train():
        seen = []
        hooks = keras.callbacks.LambdaCallback(
            on_train_batch_begin=lambda batch, logs: seen.append(("begin", batch)),
            on_train_batch_end=lambda batch, logs: seen.append(("end", batch, round(logs["loss"], 4))),
        )
        _model().fit(X, Y, epochs=2, batch_size=16, verbose=0, callbacks=[hooks])
        return seen

    engine, own = twice(train)
    assert len(engine) == 12 and engine == own


def test_batch_logs_are_a_dict_a_callback_may_write_and_the_next_reads():
    class Writes(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            logs["lr"] = float(self.model.optimizer.learning_rate)

    class Reads(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seen = []

        def on_train_batch_end(self, batch, logs=None):
            self.seen.append((type(logs), sorted(logs)))

    def train():
        reads = Reads()
        _model().fit(X, Y, epochs=1, batch_size=16, verbose=0, callbacks=[Writes(), reads])
        return reads.seen

    engine, own = twice(train)
    assert engine == own == [(dict, ["loss", "lr", "mae"])] * 3


def test_a_loss_for_only_one_of_two_named_outputs_trains_as_keras_does():
    def build():
        inputs = keras.Input((4,))
        hidden = keras.layers.Dense(8, activation="relu")(inputs)
        model = keras.Model(
            inputs, {"a": keras.layers.Dense(1, name="a")(hidden), "b": keras.layers.Dense(1, name="b")(hidden)}
        )
        model.compile(optimizer="adam", loss={"b": "mse"})
        return model

    def train():
        model = build()
        history = model.fit(X, {"a": Y, "b": Y}, epochs=2, batch_size=16, verbose=0)
        return history.history, flat(model.predict(X, verbose=0))

    (history, predictions), (own_history, own_predictions) = twice(train)
    assert_same_history(history, own_history)
    np.testing.assert_allclose(predictions, own_predictions, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("layer", ["dense", "embedding"])
def test_a_quantized_model_predicts_what_its_call_gives_also_after_a_first_predict(layer):
    if layer == "dense":
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3)])
        x = X
    else:
        model = keras.Sequential(
            [
                keras.Input((5,), dtype="int32"),
                keras.layers.Embedding(20, 8),
                keras.layers.Flatten(),
                keras.layers.Dense(2),
            ]
        )
        x = RNG.integers(0, 20, size=(48, 5)).astype("int32")
    model.predict(x, verbose=0)  # the engine builds its program for the float model
    model.quantize("int8")
    expected = keras.ops.convert_to_numpy(model(x))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=RTOL, atol=ATOL)
    with multikeras.engine_off():
        np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=RTOL, atol=ATOL)


def test_a_lora_dense_layer_trains_as_keras_does():
    def train():
        model = _model()
        model.layers[0].enable_lora(2)
        model.compile(optimizer="adam", loss="mse")
        history = model.fit(X, Y, epochs=2, batch_size=16, verbose=0)
        return history.history, flat(model.predict(X, verbose=0))

    (history, predictions), (own_history, own_predictions) = twice(train)
    assert_same_history(history, own_history)
    np.testing.assert_allclose(predictions, own_predictions, rtol=RTOL, atol=ATOL)


def test_max_epochs_limits_the_epochs_and_warns_as_keras_does():
    def train():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            history = _model().fit(X, Y, epochs=5, batch_size=16, verbose=0)
        return history.epoch, [str(w.message) for w in caught if "Limiting epochs" in str(w.message)]

    keras.config.set_max_epochs(2)
    try:
        engine, own = twice(train)
    finally:
        keras.config.set_max_epochs(None)
    assert engine == own == ([0, 1], ["Limiting epochs to 2"])


def test_max_steps_per_epoch_limits_the_steps_as_keras_does():
    def train():
        model = _model()
        model.fit(X, Y, epochs=3, batch_size=2, verbose=0)
        return int(model.optimizer.iterations)

    keras.config.set_max_steps_per_epoch(2)
    try:
        engine, own = twice(train, handed_back=True)
    finally:
        keras.config.set_max_steps_per_epoch(None)
    assert engine == own == 6


class _Raises(keras.callbacks.Callback):
    """Raises ``error`` as batch 1 of the second epoch begins (its logs never read) or ends."""

    def __init__(self, error, when):
        super().__init__()
        self.error, self.when, self.epoch = error, when, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if (self.epoch, batch, self.when) == (1, 1, "begin"):
            raise self.error

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch, self.when) == (1, 1, "end"):
            raise self.error


def _state_after(fit):
    """What a fit leaves behind, whatever ended it: weights, optimizer variables, History, metrics, threads."""
    import torch

    model = _model()
    threads = torch.get_num_threads()
    try:
        fit(model)
        ended = None
    except BaseException as error:  # noqa: BLE001 - KeyboardInterrupt included, as a user's Ctrl-C
        ended = type(error)
    return {
        "ended": ended,
        "weights": [w.copy() for w in model.get_weights()],
        "optimizer": [np.array(v.numpy()) for v in model.optimizer.variables],
        "history": (model.history.epoch, model.history.history),
        "metrics": model.get_metrics_result(),
        "threads": torch.get_num_threads() == threads,
    }


def _assert_same_state(engine, own):
    assert engine["ended"] is own["ended"] and engine["threads"] and own["threads"]
    assert engine["history"][0] == own["history"][0]
    assert_same_history(engine["history"][1], own["history"][1])
    for got, expected in zip(engine["weights"] + engine["optimizer"], own["weights"] + own["optimizer"], strict=True):
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL, equal_nan=True)
    assert_same_history(
        {k: [float(v)] for k, v in engine["metrics"].items()}, {k: [float(v)] for k, v in own["metrics"].items()}
    )


@pytest.mark.fault(
    "a callback raises ValueError mid-epoch (torch engine)",
    "the ValueError; model, optimizer state, History, metrics and torch's threads as Keras's loop leaves them",
)
@pytest.mark.fault(
    "KeyboardInterrupt mid-epoch (torch engine)",
    "the KeyboardInterrupt; model, optimizer state, History, metrics and torch's threads as Keras's loop leaves them",
)
@pytest.mark.parametrize("when", ["begin", "end"])
@pytest.mark.parametrize(
    "error", [ValueError("a callback failed"), KeyboardInterrupt()], ids=["callback_raises", "keyboard_interrupt"]
)
def test_an_interrupted_fit_leaves_what_keras_leaves(error, when):
    def fit(model):
        model.fit(X, Y, epochs=3, batch_size=8, verbose=0, callbacks=[_Raises(error, when)], validation_split=0.25)

    _assert_same_state(*twice(lambda: _state_after(fit)))


@pytest.mark.fault(
    "a NaN loss under model.fit, with and without TerminateOnNaN (torch engine)",
    "trains on (or stops) exactly as Keras's loop: the same NaN History, weights and optimizer state",
)
@pytest.mark.parametrize("terminate", [False, True], ids=["trains_on", "terminate_on_nan"])
def test_a_nan_loss_leaves_what_keras_leaves(terminate):
    y = Y.copy()
    y[20] = np.nan

    def fit(model):
        model.fit(
            X, y, epochs=2, batch_size=8, verbose=0, callbacks=[keras.callbacks.TerminateOnNaN()] if terminate else []
        )

    engine, own = twice(lambda: _state_after(fit))
    assert np.isnan(own["history"][1]["loss"][-1])
    _assert_same_state(engine, own)


@pytest.mark.fault(
    "KeyboardInterrupt inside a training step, no batch callback (torch engine)",
    "the KeyboardInterrupt; the metrics of the batches done as Keras's loop leaves them",
)
def test_an_interrupt_inside_a_step_leaves_the_metrics_of_the_batches_done():
    calls = []

    def interrupted_mse(y_true, y_pred):
        calls.append(1)
        if len(calls) == 7:  # the second epoch's third batch
            raise KeyboardInterrupt
        return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)

    def fit(model):
        calls.clear()
        model.compile(optimizer="adam", loss=interrupted_mse, metrics=["mae"])
        model.fit(X, Y, epochs=3, batch_size=8, verbose=0)

    engine, own = twice(lambda: _state_after(fit))
    assert own["ended"] is KeyboardInterrupt
    _assert_same_state(engine, own)


def test_a_sparse_x_trains_in_the_engine_as_keras_trains_it():
    from scipy import sparse

    X_sparse = sparse.random(48, 6, density=0.4, format="csr", random_state=0, dtype=np.float32)
    targets = np.asarray(X_sparse.sum(axis=1)).ravel()

    def build():
        model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
        model.compile("adam", "mse", metrics=["mae"])
        return model

    assert_trains_as_keras(build, X_sparse, targets, validation_data=(X_sparse[:16], targets[:16]))
