"""multikeras.predict runs fixed-size batches: a row's prediction does not depend on the rows beside it."""

import keras
import numpy as np
import pytest

import multikeras
from multikeras import predicting

ROWS = 20  # what scikit-learn's invariance checks predict


def _mlp():
    """The estimator checks' regressor. Predicted unpadded, a row alone differs from the same
    row among 20 on every backend here (torch 40, JAX 36, TensorFlow 53 of 60 rows over three
    seeds), and on JAX a shuffled batch of 20 moves 7 of 60 rows too."""
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])


def _dict_in_list_out():
    a, b = keras.Input((4,), name="a"), keras.Input((6,), name="b")
    hidden = keras.layers.Dense(32, activation="relu")(keras.layers.Concatenate()([a, b]))
    outputs = [keras.layers.Dense(1)(hidden), keras.layers.Dense(3, activation="softmax")(hidden)]
    return keras.Model({"a": a, "b": b}, outputs)


def _list_in_dict_out():
    a, b = keras.Input((4,)), keras.Input((6,))
    hidden = keras.layers.Dense(16, activation="tanh")(keras.layers.Concatenate()([a, b]))
    return keras.Model([a, b], {"value": keras.layers.Dense(1)(hidden), "scores": keras.layers.Dense(2)(hidden)})


def _narrow_dense():
    """A Dense layer 7 units wide on 12 inputs: MKL's kernel for it rounds a row by its memory
    alignment at any batch size unless MKL_CBWR=AUTO, which the torch backend sets."""
    return keras.Sequential([keras.Input((12,)), keras.layers.Dense(7, activation="relu"), keras.layers.Dense(1)])


MODELS = {  # name: (builder, input shapes)
    "mlp": (_mlp, (3,)),
    "narrow dense": (_narrow_dense, (12,)),
    "dict in, list out": (_dict_in_list_out, {"a": (4,), "b": (6,)}),
    "list in, dict out": (_list_in_dict_out, [(4,), (6,)]),
}


def _model_and_data(name, rows, seed=0):
    build, shapes = MODELS[name]
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    draw = lambda shape: (3 * rng.uniform(size=(rows, *shape))).astype("float32")  # noqa: E731
    return build(), keras.tree.map_shape_structure(draw, shapes)


def _take(x, index):
    return keras.tree.map_structure(lambda leaf: leaf[index], x)


def _join(*parts):
    return keras.tree.map_structure(lambda *leaves: np.concatenate(leaves), *parts)


def _leaves(predictions):
    return [np.asarray(leaf) for leaf in keras.tree.flatten(predictions)]


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("rows", [1, ROWS, 75])
def test_fixed_batches_predict_what_keras_predicts(name, rows):
    """Within float32 rounding: the filler changes which kernel path rounds a row, by a few ulps
    of the layers' partial sums (measured at most 7e-7 on outputs of order 1), not the maths."""
    model, x = _model_and_data(name, rows)
    fixed, plain = multikeras.predict(model, x, verbose=0), multikeras.predict(model, x, verbose=0, fixed_batch=False)
    assert keras.tree.map_structure(np.shape, fixed) == keras.tree.map_structure(np.shape, plain)
    for got, want in zip(_leaves(fixed), _leaves(plain)):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("batch_size", [None, 20])  # 20 runs as 24: XLA rounds by position past a multiple of 8
def test_a_row_predicts_bitwise_the_same_alone_shuffled_and_among_more_rows(name, batch_size):
    model, x = _model_and_data(name, ROWS)
    _, others = _model_and_data(name, 137, seed=1)
    predict = lambda data: _leaves(multikeras.predict(model, data, batch_size=batch_size, verbose=0))  # noqa: E731
    order = np.random.default_rng(2).permutation(ROWS)
    full = predict(x)
    alone = [np.concatenate(parts) for parts in zip(*(predict(_take(x, slice(i, i + 1))) for i in range(ROWS)))]
    shuffled = predict(_take(x, order))
    among = predict(_join(_take(others, slice(0, 71)), x, _take(others, slice(71, None))))
    for leaf, want in enumerate(full):
        np.testing.assert_array_equal(alone[leaf], want)
        np.testing.assert_array_equal(shuffled[leaf], want[order])
        np.testing.assert_array_equal(among[leaf][71 : 71 + ROWS], want)


class Recorder:
    """Stands in for ``model.predict``: records what multikeras hands it."""

    def __init__(self, model):
        self.model, self.calls = model, []

    def __call__(self, x=None, **kwargs):
        self.calls.append((x, kwargs.get("batch_size")))
        return type(self.model).predict(self.model, x=x, **kwargs)


@pytest.fixture
def recorded(monkeypatch):
    model, x = _model_and_data("mlp", ROWS)
    recorder = Recorder(model)
    monkeypatch.setattr(model, "predict", recorder)
    return model, x, recorder


@pytest.mark.parametrize("batch_size, rows_run", [(None, 32), (20, 24), (1, 8), (32, 32), (100_000, 4096)])
def test_each_batch_has_a_fixed_size_a_multiple_of_eight_and_at_most_4096(recorded, batch_size, rows_run):
    model, x, recorder = recorded
    predictions = multikeras.predict(model, x[:5], batch_size=batch_size, verbose=0)
    ((given, size),) = recorder.calls
    assert (size, len(given)) == (rows_run, rows_run)
    assert predictions.shape == (5, 1)
    np.testing.assert_array_equal(
        given[5:], np.repeat(x[4:5], rows_run - 5, axis=0)
    )  # real rows: no NaN from a zero row


@pytest.mark.parametrize("switch", ["argument", "environment"])
def test_switched_off_the_data_reach_keras_as_given(recorded, monkeypatch, switch):
    model, x, recorder = recorded
    if switch == "environment":
        monkeypatch.setenv(predicting.ENV_SWITCH, "0")
    multikeras.predict(model, x, batch_size=20, verbose=0, **({"fixed_batch": False} if switch == "argument" else {}))
    ((given, size),) = recorder.calls
    assert given is x and size == 20


@pytest.mark.filterwarnings("ignore:Your input ran out of data")  # Keras's, at a generator's end
def test_datasets_generators_and_steps_pass_through(recorded):
    model, x, recorder = recorded
    generator = ((x[i : i + 4],) for i in range(0, ROWS, 4))
    multikeras.predict(model, generator, verbose=0)
    multikeras.predict(model, x, batch_size=8, verbose=0, steps=1)
    assert [(type(given), size) for given, size in recorder.calls] == [(type(generator), None), (np.ndarray, 8)]
    assert recorder.calls[1][0] is x
