"""Generated differential tests: random models trained through the engine and through Keras's loop.

hypothesis draws the model (Sequential, functional with two inputs and two outputs, or
subclassed), its layers (the lowered ones plus Dropout, BatchNormalization and a user layer
with a ``training`` branch), frozen layers, losses (per output, weighted, one output without
a loss), metrics, the optimizer (Adam, SGD or RMSprop, with clipping or a schedule), and the
fit (sample or class weights, ``validation_split``, ``validation_freq``, a callback that stops
mid-epoch). History, the final weights, ``evaluate`` and ``predict`` must equal Keras's own
loop (``engine_off``) within 1e-5. CI draws ``MULTIKERAS_DIFFERENTIAL_EXAMPLES`` examples
(default 40, about 5 s); a longer run is recorded in benchmarks/results/.

Both contenders run on one torch thread. The engine's thread policy (tested on its own in
``test_threads.py``) picks one thread for these small models where Keras's loop keeps torch's
default, and a thread count changes the order in which some torch kernels sum (layer_norm's
backward: one ulp on LayerNormalization's beta), which Adam can magnify in a degenerate model
(LayerNormalization over two features, or feeding BatchNormalization, whose beta gradient is
zero but for rounding). This test holds the engine's own arithmetic to Keras's.
"""

import pytest

import multikeras

if multikeras.active_backend() != "torch":
    pytest.skip("the torch engine runs on the torch backend only; this env runs another", allow_module_level=True)

import contextlib
import os

import keras
import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from multikeras.backends.torch_engine import trainer_routes

from .twice import ATOL, RTOL, assert_same_history, flat, twice

EXAMPLES = int(os.environ.get("MULTIKERAS_DIFFERENTIAL_EXAMPLES", "40"))
N = 40


class Shrink(keras.layers.Layer):
    """A user layer whose ``call`` branches on ``training`` (scales only while training)."""

    def call(self, x, training=None):
        return x * 0.9 if training else x


def _hidden(spec, index):
    kind, size = spec
    if kind == "dense":
        return keras.layers.Dense(size, activation=["relu", "tanh", None][index % 3])
    if kind == "dropout":
        return keras.layers.Dropout(0.25, seed=index if size % 2 else None)
    if kind == "batchnorm":
        return keras.layers.BatchNormalization()
    if kind == "layernorm":
        return keras.layers.LayerNormalization()
    return Shrink()


LAYER = st.tuples(st.sampled_from(["dense", "dense", "dropout", "batchnorm", "layernorm", "shrink"]), st.integers(2, 6))


class Subclassed(keras.Model):
    def __init__(self, specs, frozen, classes):
        super().__init__()
        self.blocks = _layers(specs, frozen)
        self.head = keras.layers.Dense(classes or 1, activation="softmax" if classes else None)

    def call(self, x, training=None):
        for block in self.blocks:
            x = block(x)
        return self.head(x)


def _layers(specs, frozen):
    layers = [_hidden(spec, i) for i, spec in enumerate(specs)]
    for i in frozen:
        if i < len(layers):
            layers[i].trainable = False
    return layers


def _stack(x, layers):
    for layer in layers:
        x = layer(x)
    return x


@st.composite
def experiments(draw):
    kind = draw(st.sampled_from(["sequential", "functional", "subclassed"]))
    specs = draw(st.lists(LAYER, min_size=1, max_size=3))
    frozen = draw(st.sets(st.integers(0, 2), max_size=1))
    classes = draw(st.sampled_from([0, 0, 3])) if kind != "functional" else 0
    optimizer = draw(st.sampled_from(["adam", "sgd", "rmsprop"]))
    option = draw(st.sampled_from([None, "clipnorm", "clipvalue", "schedule"]))
    fit = {
        "epochs": draw(st.integers(1, 3)),
        "batch_size": draw(st.sampled_from([7, 16, 40])),
        "shuffle": draw(st.booleans()),
    }
    weights = draw(st.sampled_from([None, "sample", "class"] if classes else [None, "sample"]))
    if draw(st.booleans()):
        fit["validation_split"] = 0.25
        fit["validation_freq"] = draw(st.sampled_from([1, 2]))
    stop_at = draw(st.none() | st.tuples(st.integers(0, 1), st.integers(0, 2)))
    loss_plan = draw(st.sampled_from(["both", "weighted", "only_b"])) if kind == "functional" else None
    metrics = draw(st.booleans())
    return dict(kind=kind, specs=specs, frozen=frozen, classes=classes, optimizer=optimizer, option=option,
                fit=fit, weights=weights, stop_at=stop_at, loss_plan=loss_plan, metrics=metrics)  # fmt: skip


def _optimizer(name, option):
    rate = keras.optimizers.schedules.ExponentialDecay(0.01, 2, 0.9) if option == "schedule" else 0.01
    extra = {"clipnorm": {"clipnorm": 0.5}, "clipvalue": {"clipvalue": 0.1}}.get(option, {})
    return {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD, "rmsprop": keras.optimizers.RMSprop}[name](
        rate, **extra
    )


def _build(e):
    if e["kind"] == "functional":
        a, b = keras.Input((4,), name="a_in"), keras.Input((3,), name="b_in")
        joined = keras.layers.Concatenate()([_stack(a, _layers(e["specs"], e["frozen"])), keras.layers.Dense(4)(b)])
        model = keras.Model(
            [a, b], {"a": keras.layers.Dense(1, name="a")(joined), "b": keras.layers.Dense(2, name="b")(joined)}
        )
        loss = {"both": {"a": "mse", "b": "mae"}, "weighted": {"a": "mse", "b": "huber"}, "only_b": {"b": "mse"}}[
            e["loss_plan"]
        ]
        weights = {"a": 0.3, "b": 1.0} if e["loss_plan"] == "weighted" else None
        metrics = {"a": ["mae"]} if e["metrics"] and e["loss_plan"] != "only_b" else None
        model.compile(
            optimizer=_optimizer(e["optimizer"], e["option"]), loss=loss, loss_weights=weights, metrics=metrics
        )
        return model
    classes = e["classes"]
    if e["kind"] == "subclassed":
        model = Subclassed(e["specs"], e["frozen"], classes)
    else:
        layers = [
            *_layers(e["specs"], e["frozen"]),
            keras.layers.Dense(classes or 1, activation="softmax" if classes else None),
        ]
        model = keras.Sequential([keras.Input((4,)), *layers])
    loss = "sparse_categorical_crossentropy" if classes else "mse"
    metrics = (["accuracy"] if classes else [keras.metrics.RootMeanSquaredError()]) if e["metrics"] else None
    model.compile(optimizer=_optimizer(e["optimizer"], e["option"]), loss=loss, metrics=metrics)
    return model


def _data(e):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(N, 4)).astype("float32")
    if e["kind"] == "functional":
        x = {"a_in": x, "b_in": rng.normal(size=(N, 3)).astype("float32")}
        y = {"a": rng.normal(size=(N, 1)).astype("float32"), "b": rng.normal(size=(N, 2)).astype("float32")}
    elif e["classes"]:
        y = rng.integers(0, e["classes"], size=N)
    else:
        y = rng.normal(size=(N, 1)).astype("float32")
    return x, y


class StopAt(keras.callbacks.Callback):
    def __init__(self, epoch, batch):
        super().__init__()
        self.at = (epoch, batch)
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            self.model.stop_training = True


def _run(e):
    x, y = _data(e)
    model = _build(e)
    fit = dict(e["fit"])
    if e["weights"] == "sample":
        fit["sample_weight"] = np.linspace(0.2, 1.5, N).astype("float32")
    elif e["weights"] == "class":
        fit["class_weight"] = {i: 1.0 + i for i in range(e["classes"])}
    callbacks = [StopAt(*e["stop_at"])] if e["stop_at"] else []
    history = model.fit(x, y, verbose=0, callbacks=callbacks, **fit)
    scores = model.evaluate(x, y, verbose=0, return_dict=True)
    return history.history, [w.copy() for w in model.get_weights()], scores, flat(model.predict(x, verbose=0))


@contextlib.contextmanager
def one_thread():
    """torch on one thread, for the engine (its thread policy fixed) and for Keras's loop alike."""
    threads, setting = torch.get_num_threads(), os.environ.get("MULTIKERAS_TORCH_THREADS")
    os.environ["MULTIKERAS_TORCH_THREADS"] = "1"
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        if setting is None:
            del os.environ["MULTIKERAS_TORCH_THREADS"]
        else:
            os.environ["MULTIKERAS_TORCH_THREADS"] = setting


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(experiments())
def test_random_models_train_evaluate_and_predict_as_keras_does(experiment):
    before = trainer_routes.CALLS.copy()
    with one_thread():
        (history, weights, scores, predictions), (own_history, own_weights, own_scores, own_predictions) = twice(
            lambda: _run(experiment)
        )
    assert_same_history(history, own_history)
    assert len(weights) == len(own_weights)
    for got, expected in zip(weights, own_weights):
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)
    assert_same_history({k: [v] for k, v in scores.items()}, {k: [v] for k, v in own_scores.items()})
    np.testing.assert_allclose(predictions, own_predictions, rtol=RTOL, atol=ATOL)
    taken = {
        method: trainer_routes.CALLS[method, "engine"] - before[method, "engine"]
        for method in ("fit", "evaluate", "predict")
    }
    assert taken == {"fit": 1, "evaluate": 1, "predict": 1}, (
        f"the engine handed a call back: {trainer_routes.CALLS - before}"
    )
