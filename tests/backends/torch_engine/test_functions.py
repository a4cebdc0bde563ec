"""Each torch loss and metric equals the Keras function it stands in for, on the same tensors."""

import pytest

import multikeras

if multikeras.active_backend() != "torch":
    pytest.skip("the torch engine runs on the torch backend only; this env runs another", allow_module_level=True)

import keras
import numpy as np
import torch

from multikeras.backends.torch_engine.functions import torch_function

RNG = np.random.default_rng(0)
LOGITS = RNG.normal(scale=3, size=(16, 5)).astype("float32")
PROBA = keras.ops.convert_to_numpy(keras.ops.softmax(LOGITS))
ONE_HOT = np.eye(5, dtype="float32")[RNG.integers(0, 5, 16)]
LABELS = RNG.integers(0, 5, 16)
BINARY = RNG.integers(0, 2, (16, 3)).astype("float32")
SIGMOID = (1 / (1 + np.exp(-LOGITS[:, :3]))).astype("float32")
SIGMOID[0, 0], SIGMOID[1, 1] = 0.0, 1.0  # saturated outputs reach Keras's clipping
TARGETS = RNG.normal(scale=2, size=(16, 1)).astype("float32")
OUTPUTS = RNG.normal(scale=2, size=(16, 1)).astype("float32")

L, M = keras.losses, keras.metrics
CASES = [
    (L.mean_squared_error, {}, TARGETS, OUTPUTS),
    (L.mean_absolute_error, {}, TARGETS[:, 0], OUTPUTS),
    (L.sparse_categorical_crossentropy, {}, LABELS, PROBA),
    (L.sparse_categorical_crossentropy, {"from_logits": True}, LABELS[:, None], LOGITS),
    (L.categorical_crossentropy, {}, ONE_HOT, PROBA),
    (L.categorical_crossentropy, {"from_logits": True}, ONE_HOT, LOGITS),
    (L.categorical_crossentropy, {"label_smoothing": 0.1}, ONE_HOT, PROBA),
    (L.binary_crossentropy, {}, BINARY, SIGMOID),
    (L.binary_crossentropy, {"from_logits": True, "label_smoothing": 0.2}, BINARY, LOGITS[:, :3]),
    (L.huber, {}, TARGETS, OUTPUTS),
    (L.huber, {"delta": 0.5}, TARGETS[:, 0], OUTPUTS),
    (L.log_cosh, {}, TARGETS, OUTPUTS),
    (M.sparse_categorical_accuracy, {}, LABELS, PROBA),
    (M.categorical_accuracy, {}, ONE_HOT, PROBA),
    (M.binary_accuracy, {}, BINARY, SIGMOID),
    (M.binary_accuracy, {"threshold": 0.7}, BINARY[:, :1], SIGMOID[:, :1]),
]


@pytest.mark.parametrize(
    ("fn", "kwargs", "y_true", "y_pred"),
    CASES,
    ids=lambda v: getattr(v, "__name__", None) or str(v) if callable(v) or isinstance(v, dict) else "",
)
def test_torch_function_equals_keras(fn, kwargs, y_true, y_pred):
    replacement = torch_function(fn, kwargs)
    assert replacement is not None, f"{fn.__name__}{kwargs} has no torch version"
    expected = keras.ops.convert_to_numpy(fn(y_true, y_pred, **kwargs))
    got = replacement(torch.as_tensor(y_true), torch.as_tensor(y_pred)).numpy()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.fault("binary_crossentropy on (4, 2) against (4, 3) in the torch engine", "Keras's ValueError: same shape")
@pytest.mark.fault(
    "categorical_crossentropy on one output unit in the torch engine",
    "Keras's SyntaxWarning naming binary_crossentropy",
)
def test_keras_errors_and_warnings_come_through():
    with pytest.raises(ValueError, match="same shape"):
        torch_function(L.binary_crossentropy, {})(torch.zeros(4, 2), torch.zeros(4, 3))
    with pytest.warns(SyntaxWarning, match="binary_crossentropy"):
        torch_function(L.categorical_crossentropy, {})(torch.ones(4, 1), torch.ones(4, 1))


@pytest.mark.fault(
    "categorical_crossentropy(from_logits=True) on one unit, torch engine",
    "Keras's SyntaxWarning, and the value Keras computes",
)
def test_edge_cases_keras_accepts():
    with pytest.warns(SyntaxWarning):  # one unit: Keras warns and goes on, with the loss's own options
        got = torch_function(L.categorical_crossentropy, {"from_logits": True})(torch.ones(4, 1), torch.zeros(4, 1))
    expected = keras.ops.convert_to_numpy(
        L.categorical_crossentropy(np.ones((4, 1)), np.zeros((4, 1), "float32"), from_logits=True)
    )
    np.testing.assert_allclose(got.numpy(), expected)
    labels = ONE_HOT.astype(bool)  # boolean one-hot labels
    got = torch_function(M.categorical_accuracy, {})(torch.as_tensor(labels), torch.as_tensor(PROBA)).numpy()
    np.testing.assert_allclose(got, keras.ops.convert_to_numpy(M.categorical_accuracy(labels, PROBA)))


def test_unknown_functions_and_options_stay_keras():
    assert torch_function(L.categorical_crossentropy, {"axis": 0}) is None
    assert torch_function(L.sparse_categorical_crossentropy, {"ignore_class": 0}) is None
    assert torch_function(L.kl_divergence, {}) is None
