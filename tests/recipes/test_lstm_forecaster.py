import numpy as np

from multikeras.recipes import lstm_forecaster

from .helpers import check_recipe


def test_contract(tmp_path):
    check_recipe(lstm_forecaster, tmp_path)


def test_windows_are_samples_by_window_by_one():
    (X_train, y_train), (X_valid, _), (X_test, _) = lstm_forecaster.load_data("embedded", window=12)
    assert X_train.shape[1:] == (12, 1) and X_train.dtype == np.float32
    assert len(X_train) == len(y_train)
    # chronological: the first validation target follows the last training target
    assert len(X_train) + len(X_valid) + len(X_test) == lstm_forecaster.EMBEDDED_LENGTH - 12


def test_build_model_takes_the_window():
    model = lstm_forecaster.build_model(window=24)
    assert model.input_shape == (None, 24, 1)


def test_naive_baseline_is_the_last_value_forecast():
    X = np.arange(12, dtype=np.float32).reshape(3, 4, 1)
    y = np.array([4.0, 9.0, 11.0])
    # last values are 3, 7, 11: errors 1, 2, 0
    assert np.isclose(lstm_forecaster.baseline(X, y), 1.0)
