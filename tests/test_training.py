import numpy as np

from multikeras.predicting import flatten_predictions
from multikeras.recipes import lstm_forecaster, wide_deep_aux
from multikeras.training import train_recipe


def test_row_has_the_metric_timings_and_baseline(backend):
    run = train_recipe(lstm_forecaster, epochs=1, seed=1)
    row = run.row
    assert row["recipe"] == "lstm_forecaster" and row["backend"] == backend and row["metric"] == "mae"
    assert row["epochs"] == 1 and row["fit_seconds"] > 0 and row["predict_ms"] > 0
    assert 0 < row["baseline"] and np.isfinite(row["value"])
    assert set(run.history) >= {"loss", "val_loss"}


def test_same_seed_same_predictions():
    first = train_recipe(wide_deep_aux, epochs=1, seed=7)
    second = train_recipe(wide_deep_aux, epochs=1, seed=7)
    other = train_recipe(wide_deep_aux, epochs=1, seed=8)
    np.testing.assert_array_equal(first.predictions, second.predictions)
    assert not np.allclose(first.predictions, other.predictions)


def test_flatten_orders_dict_outputs_by_key():
    flat = flatten_predictions({"output": np.array([[1.0]]), "aux_output": np.array([[2.0]])})
    np.testing.assert_array_equal(flat, [2.0, 1.0])
