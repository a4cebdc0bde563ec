"""Each lowered layer computes what the layer's own call computes, on the same variables."""

import pytest

import multikeras

if multikeras.active_backend() != "torch":
    pytest.skip("the torch engine runs on the torch backend only; this env runs another", allow_module_level=True)

import keras
import numpy as np
import torch

from multikeras.backends.torch_engine.lowering import LOWERED, lower

RNG = np.random.default_rng(0)
FLOATS = RNG.normal(size=(5, 6)).astype("float32")
CASES = [
    (keras.layers.Dense(4, activation="relu"), FLOATS),
    (keras.layers.Dense(3, activation="softmax", use_bias=False), FLOATS),
    (keras.layers.Dense(2, activation="tanh"), FLOATS),
    (keras.layers.Activation("sigmoid"), FLOATS),
    (keras.layers.Flatten(), RNG.normal(size=(5, 2, 3)).astype("float32")),
    (keras.layers.Reshape((3, 2)), FLOATS),
    (keras.layers.Normalization(mean=1.0, variance=4.0), FLOATS),
    (keras.layers.Embedding(10, 3), RNG.integers(0, 10, size=(5, 4))),
    (keras.layers.LayerNormalization(), FLOATS),
    (keras.layers.LSTM(4), RNG.normal(size=(5, 7, 3)).astype("float32")),
    (keras.layers.LSTM(4, return_sequences=True), RNG.normal(size=(5, 7, 3)).astype("float32")),
    (keras.layers.GRU(4), RNG.normal(size=(5, 7, 3)).astype("float32")),
    (keras.layers.GRU(4, return_sequences=True), RNG.normal(size=(5, 7, 3)).astype("float32")),
    (keras.layers.SimpleRNN(4), RNG.normal(size=(5, 7, 3)).astype("float32")),
]
MERGES = [
    (keras.layers.Concatenate(), [FLOATS, FLOATS * 2]),
    (keras.layers.Add(), [FLOATS, FLOATS]),
    (keras.layers.Multiply(), [FLOATS, FLOATS]),
]


@pytest.mark.parametrize(
    ("layer", "data"),
    CASES + MERGES,
    ids=lambda value: type(value).__name__ if isinstance(value, keras.layers.Layer) else "",
)
def test_lowered_layer_equals_its_own_call(layer, data):
    layer(data)  # builds the layer
    if not isinstance(layer, keras.layers.Normalization):  # random weights, biases included, so a mixed-up gate shows
        layer.set_weights([RNG.normal(scale=0.5, size=w.shape).astype(w.dtype) for w in layer.get_weights()])
    expected = keras.ops.convert_to_numpy(layer(data))
    bind, why = lower(layer)
    assert bind is not None, why
    inputs = [torch.as_tensor(d) for d in data] if isinstance(data, list) else torch.as_tensor(data)
    with torch.no_grad():
        got = bind()(inputs).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


TRAINING_CASES = [
    (keras.layers.Dropout(0.4, seed=3), FLOATS),
    (keras.layers.Dropout(0.0), FLOATS),
    (keras.layers.BatchNormalization(momentum=0.9), FLOATS),
    (keras.layers.BatchNormalization(axis=1, center=False), RNG.normal(size=(5, 3, 4)).astype("float32")),
    (keras.layers.BatchNormalization(scale=False), RNG.normal(size=(5, 3, 4)).astype("float32")),
]


@pytest.mark.parametrize(
    ("layer", "data"),
    TRAINING_CASES,
    ids=lambda value: type(value).__name__ if isinstance(value, keras.layers.Layer) else "",
)
def test_lowered_training_layers_equal_their_own_call_and_update_the_same_state(layer, data):
    """Three training calls then one inference call: the same outputs, seed state and moving statistics."""
    twin = keras.layers.deserialize(keras.layers.serialize(layer))
    layer.build(data.shape), twin.build(data.shape)
    twin.set_weights(layer.get_weights())
    bind, why = lower(twin)
    assert bind is not None, why
    fn = bind()
    for training in (True, True, True, False):
        expected = keras.ops.convert_to_numpy(layer(data, training=training))
        got = fn(torch.as_tensor(data), training=training).detach().numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    assert len(layer.variables) == len(twin.variables)
    for own, lowered in zip(layer.variables, twin.variables):  # moving statistics and the dropout seed state
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(lowered), keras.ops.convert_to_numpy(own), rtol=1e-6, err_msg=own.path
        )


def test_every_lowering_is_covered_and_options_it_cannot_reproduce_step_aside():
    covered = {type(layer) for layer, _ in CASES + MERGES + TRAINING_CASES}
    assert set(LOWERED) <= covered
    dropout_lstm = keras.layers.LSTM(4, dropout=0.2)
    dropout_lstm.build((None, 7, 3))
    assert lower(dropout_lstm)[0] is None and "runs its own call" in lower(dropout_lstm)[1]
    assert lower(keras.layers.Dropout(0.5, noise_shape=(None, 1)))[0] is None
    assert lower(keras.layers.Dense(2, activity_regularizer="l2"))[0] is None
