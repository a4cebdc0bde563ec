"""The inputs a scikit-learn user brings, on every backend: frames, nullable dtypes, lists,
half and double precision X, a Series or a categorical y."""

import numpy as np
import pytest

from multikeras.sklearn import KerasClassifier, KerasRegressor
from tests.sklearn.models import mlp

pd = pytest.importorskip("pandas")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 3))
LABELS = np.where(X[:, 0] > 0, "up", "down")


def _regressor(**params):
    return KerasRegressor(mlp, loss="mse", epochs=1, batch_size=8, verbose=0, random_state=0, **params)


def _classifier(**params):
    return KerasClassifier(mlp, epochs=1, batch_size=8, verbose=0, random_state=0, **params)


def test_a_dataframe_keeps_its_column_names_and_predicts_as_its_array():
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    model = _regressor().fit(frame, X[:, 0])
    assert list(model.feature_names_in_) == ["a", "b", "c"]
    np.testing.assert_allclose(model.predict(frame), _regressor().fit(X, X[:, 0]).predict(X), rtol=1e-5, atol=1e-6)


def test_nullable_pandas_dtypes_are_numbers():
    frame = pd.DataFrame({"count": pd.array([1, 2, 3, 4] * 10, dtype="Int64"), "share": pd.array(X[:, 1], dtype="Float32"),
                          "flag": pd.array([True, False] * 20, dtype="boolean")})  # fmt: skip
    model = _regressor().fit(frame, X[:, 0])
    assert model.predict(frame).shape == (40,) and model.n_features_in_ == 3


@pytest.mark.fault(
    "a nullable pandas column holding pd.NA", "the NaN error naming the fix (impute), as for NaN in a float column"
)
def test_a_missing_value_in_a_nullable_column_is_named_as_missing():
    frame = pd.DataFrame({"count": pd.array([1, None, 3, 4] * 10, dtype="Int64")})
    with pytest.raises(ValueError, match="NaN"):
        _regressor().fit(frame, X[:, 0])


def test_lists_are_taken_for_x_and_y():
    model = _classifier().fit(X.tolist(), LABELS.tolist())
    assert set(model.predict(X.tolist())) <= {"up", "down"} and model.predict_proba(X.tolist()).shape == (40, 2)


@pytest.mark.parametrize("dtype", [np.float16, np.float64])
def test_half_and_double_precision_x_train_and_predict(dtype):
    model = _regressor().fit(X.astype(dtype), X[:, 0])
    assert model.X_dtype_ == dtype
    predictions = model.predict(X.astype(dtype))
    assert predictions.dtype == np.float64 and np.isfinite(predictions).all()


def test_y_as_a_series_or_a_categorical():
    series = pd.Series(X[:, 0], name="target")
    assert _regressor().fit(X, series).predict(X).shape == (40,)
    categorical = pd.Series(pd.Categorical(LABELS, categories=["down", "up", "sideways"]))
    model = _classifier().fit(X, categorical)
    assert set(model.classes_) <= {"down", "up", "sideways"} and set(model.predict(X)) <= {"down", "up"}
