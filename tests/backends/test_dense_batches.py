"""A sparse x trains as its dense twin does, on every backend (dense batches on JAX and TensorFlow,
CSR rows gathered by the torch engine), and DenseBatches makes Keras's array batches."""

import keras
import numpy as np
import pytest
from scipy import sparse

import multikeras
from multikeras.backends.dense_batches import DenseBatches, fit_inputs, predict_inputs

RNG = np.random.default_rng(0)
X = RNG.normal(size=(90, 12)).astype("float32")
X[X < 0.6] = 0.0
Y = X @ RNG.normal(size=12) + RNG.normal(0, 0.1, size=90)


def _model():
    model = keras.Sequential([keras.Input((12,)), keras.layers.Dense(6, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def _fit(x, seed=0, **kwargs):
    keras.utils.set_random_seed(0)
    multikeras.set_seed(seed)
    model = _model()
    history = multikeras.fit(model, x, Y, epochs=2, batch_size=16, verbose=0, **kwargs)
    return history.history, multikeras.predict(model, x, verbose=0)


def test_batches_are_the_rows_in_order_the_last_one_short_floats_in_floatx():
    batches = DenseBatches(sparse.csr_matrix(X.astype("float64")), {"out": Y}, np.arange(90.0), batch_size=32)
    assert len(batches) == 3
    x, y, weights = batches[2]
    np.testing.assert_array_equal(x, X[64:])
    assert x.dtype == np.float32 and y["out"].dtype == np.float32 and weights.shape == (26,)
    with pytest.raises(IndexError):
        batches[3]
    ints = DenseBatches(sparse.csr_matrix(np.eye(4, dtype=np.uint8)))
    assert ints[0][0].dtype == np.uint8 and len(ints[0]) == 1


def test_shuffled_batches_reorder_rows_from_numpys_generator_at_each_epoch():
    batches = DenseBatches(sparse.csr_matrix(X), Y, batch_size=90, shuffle=True)
    np.random.seed(3)
    batches.on_epoch_begin()
    first = batches[0][1]
    np.random.seed(3)
    batches.on_epoch_begin()
    np.testing.assert_array_equal(batches[0][1], first)  # keyed by NumPy's seed, as Backend.reseed keys it
    assert not np.array_equal(first, Y.astype("float32")) and np.allclose(np.sort(first), np.sort(Y.astype("float32")))


def test_fit_inputs_move_what_a_pydataset_carries_into_it():
    x, y, kwargs = fit_inputs(
        sparse.csr_matrix(X),
        Y,
        {"batch_size": 10, "validation_split": 0.2, "sample_weight": np.ones(90), "shuffle": True, "epochs": 1},
    )
    assert y is None and isinstance(x, DenseBatches) and x.rows == 72 and x.batch_size == 10 and x.shuffle
    assert kwargs["shuffle"] is False and set(kwargs) == {"shuffle", "epochs", "validation_data"}
    assert isinstance(kwargs["validation_data"], DenseBatches) and kwargs["validation_data"].rows == 18
    dense = fit_inputs(X, Y, {"batch_size": 10, "validation_data": (sparse.csr_matrix(X), Y)})
    assert dense[0] is X and isinstance(dense[2]["validation_data"], DenseBatches)
    batches, options = predict_inputs(sparse.csr_matrix(X), {"batch_size": 7, "verbose": 0})
    assert batches.batch_size == 7 and options == {"verbose": 0}


@pytest.mark.parametrize("extra", [{}, {"validation_split": 0.25}, {"sample_weight": np.linspace(0.5, 2, 90)}])
def test_a_sparse_x_trains_and_predicts_as_the_dense_one(extra):
    dense_history, dense_predictions = _fit(X, shuffle=False, **extra)
    sparse_history, sparse_predictions = _fit(sparse.csr_matrix(X), shuffle=False, **extra)
    assert sparse_history.keys() == dense_history.keys()
    for key in dense_history:
        np.testing.assert_allclose(sparse_history[key], dense_history[key], rtol=1e-5)
    np.testing.assert_allclose(sparse_predictions, dense_predictions, rtol=1e-5, atol=1e-6)


def test_seeded_shuffled_sparse_fits_repeat_and_the_seed_matters():
    first, again, other = (
        _fit(sparse.csr_matrix(X), seed=1),
        _fit(sparse.csr_matrix(X), seed=1),
        _fit(sparse.csr_matrix(X), seed=2),
    )
    np.testing.assert_array_equal(first[0]["loss"], again[0]["loss"])
    assert first[0]["loss"] != other[0]["loss"]


def test_a_group_of_dense_batches_is_cut_to_the_byte_budget(monkeypatch):
    import keras

    from multikeras.backends.dense_batches import GROUP_BYTES, steps_within_group_bytes
    from multikeras.backends.steps_per_execution import grouped_steps

    wide = sparse.identity(30_000, format="csr", dtype=np.float32)  # a 1,000-row batch: 120 MB dense
    assert steps_within_group_bytes(wide, 1000) == GROUP_BYTES // (1000 * 30_000 * 4) == 2
    assert steps_within_group_bytes(sparse.csr_matrix(X), 16) > 32  # small batches: the default group fits
    assert steps_within_group_bytes(X, 1000) is None  # dense x: no cap

    model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(1)])
    with grouped_steps(model, (), "auto", most=2) as steps:
        assert steps == 2
    with grouped_steps(model, (), 4, most=None) as steps:
        assert steps == 4
    monkeypatch.setenv("MULTIKERAS_STEPS_PER_EXECUTION", "1")
    with grouped_steps(model, (), "auto", most=2) as steps:
        assert steps == 1
