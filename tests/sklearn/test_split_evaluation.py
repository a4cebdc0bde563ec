import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression

from multikeras.sklearn import evaluate_on_splits

from .models import keras_classifier, keras_regressor


def test_classifier_splits_are_stratified_and_summarised():
    X, y = make_classification(n_samples=120, n_features=6, weights=[0.8, 0.2], random_state=0)
    result = evaluate_on_splits(
        keras_classifier(epochs=6), X.astype("float32"), y, n_splits=3, test_size=0.25, random_state=0, patience=2
    )
    assert result.scores.shape == result.epochs.shape == (3,)
    assert np.all((result.scores >= 0) & (result.scores <= 1))
    assert np.all((result.epochs >= 1) & (result.epochs <= 6))
    assert result.score_mean == pytest.approx(result.scores.mean())
    assert result.score_std == pytest.approx(result.scores.std(ddof=1))
    assert "over 3 splits" in str(result) and set(result.as_dict()) >= {"score_mean", "epochs_std"}


def test_regressor_runs_are_reproducible():
    X, y = make_regression(n_samples=80, n_features=4, noise=1.0, random_state=0)
    first = evaluate_on_splits(keras_regressor(epochs=3), X, y / 100, n_splits=2, random_state=1)
    again = evaluate_on_splits(keras_regressor(epochs=3), X, y / 100, n_splits=2, random_state=1)
    np.testing.assert_array_equal(first.scores, again.scores)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        pytest.param(
            {"n_splits": 1},
            "n_splits must be at least 2",
            marks=pytest.mark.fault("evaluate_on_splits(n_splits=1)", "ValueError: n_splits must be at least 2"),
        ),
        pytest.param(
            {"test_size": 1.5},
            "test_size must be",
            marks=pytest.mark.fault("evaluate_on_splits(test_size=1.5)", "ValueError: test_size must be ..."),
        ),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        evaluate_on_splits(keras_regressor(), np.ones((10, 2)), np.ones(10), **kwargs)
