"""Hypothesis fuzzing: random shapes, dtypes and values reach windowing and the wrappers.

The contract: a result that is right, or the documented ValueError / TypeError (and, for a
fit whose loss is not finite, NonFiniteLossError). Anything else (an IndexError, a Keras
traceback, a silent NaN) fails the test.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from multikeras.nan_guard import NonFiniteLossError
from multikeras.windowing import make_windows, split_windows

from .sklearn.models import keras_classifier, keras_regressor

NUMERIC = st.sampled_from(["float16", "float32", "float64", "int8", "int64", "uint8", "bool"])
HOSTILE = st.sampled_from(["complex64", "U3", "object", "datetime64[D]"])
SERIES_SHAPES = st.tuples(st.integers(0, 30)) | st.tuples(st.integers(0, 30), st.integers(1, 3))
ODD_SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6)
# Mostly plausible calls, so the "right result" half of the contract is exercised too.
ODD_SIZES = (
    st.integers(-3, 40) | st.floats(-2, 5) | st.just(float("nan")) | st.none() | st.booleans() | st.text(max_size=2)
)
SIZES = st.one_of([st.integers(1, 8)] * 8 + [ODD_SIZES])


def arrays(dtype, shape):
    if dtype == "object":
        return hnp.arrays(object, shape, elements=st.one_of(st.floats(), st.text(max_size=2), st.none()))
    return hnp.arrays(dtype, shape)


SERIES = (
    st.tuples(NUMERIC, SERIES_SHAPES).flatmap(lambda a: arrays(*a))
    | st.tuples(NUMERIC, SERIES_SHAPES).flatmap(
        lambda a: hnp.arrays(a[0], a[1], elements=hnp.from_dtype(np.dtype(a[0]), allow_nan=False, allow_infinity=False))
    )
    | st.tuples(NUMERIC | HOSTILE, ODD_SHAPES).flatmap(lambda a: arrays(*a))
)


@pytest.mark.fault(
    "make_windows on random series (any dtype, 0-3 dims) and random window/horizon",
    "the right finite windows, or ValueError / TypeError; any other exception fails",
)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(series=SERIES, window=SIZES, horizon=SIZES)
def test_make_windows_is_right_or_raises_the_documented_errors(series, window, horizon):
    try:
        X, y = make_windows(series, window, horizon)
    except (ValueError, TypeError) as err:
        event(f"rejected: {type(err).__name__}")
        return
    event("windowed")
    array = np.asarray(series)
    columns = array.reshape(len(array), -1)
    assert X.shape == (len(array) - window - horizon + 1, window, columns.shape[1])
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(y))
    for i in {0, len(X) - 1}:
        np.testing.assert_array_equal(X[i], columns[i : i + window].astype(X.dtype))
        np.testing.assert_array_equal(y[i], array[i + window + horizon - 1].astype(y.dtype))


@pytest.mark.fault(
    "split_windows on 0-40 windows with random fractions (-1 to 2)",
    "non-empty, chronological, complete parts, or ValueError",
)
@settings(max_examples=200, deadline=None)
@given(n=st.integers(0, 40), fractions=st.tuples(st.floats(-1, 2), st.floats(-1, 2)) | st.tuples(st.floats(0, 1)))
def test_split_windows_is_chronological_or_raises_value_error(n, fractions):
    X, y = np.arange(n * 2.0).reshape(n, 2), np.arange(float(n))
    try:
        parts = split_windows(X, y, fractions)
    except ValueError:
        return
    assert [len(p[0]) for p in parts] == [len(p[1]) for p in parts]
    assert all(len(p[0]) > 0 for p in parts)
    np.testing.assert_array_equal(np.concatenate([p[1] for p in parts]), y)


FEATURES = st.one_of(
    hnp.arrays(
        st.sampled_from(["float32", "float64", "int64", "bool"]), st.tuples(st.integers(0, 12), st.integers(0, 4))
    ),
    hnp.arrays("float64", hnp.array_shapes(min_dims=1, max_dims=3, max_side=6)),
    hnp.arrays(
        object, st.tuples(st.integers(1, 6), st.integers(1, 3)), elements=st.one_of(st.floats(), st.text(max_size=1))
    ),
)


@pytest.mark.fault(
    "random X (any numeric or object dtype, 1-3 dims) and y to both wrappers",
    "fit and predict work (n finite predictions or known labels), or ValueError / TypeError / NonFiniteLossError",
)
@pytest.mark.parametrize("make", [keras_regressor, keras_classifier], ids=["regressor", "classifier"])
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_wrappers_fit_and_predict_or_raise_the_documented_errors(make, data):
    X = data.draw(FEATURES, label="X")
    n = X.shape[0] if X.ndim else 0
    y = data.draw(
        st.one_of(
            hnp.arrays("int64", (n,), elements=st.integers(0, 3)),
            hnp.arrays("float64", (n,)),
            hnp.arrays("float32", st.integers(0, 12)),
        ),
        label="y",
    )
    estimator = make(epochs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            estimator.fit(X, y)
        except (ValueError, TypeError, NonFiniteLossError) as err:
            event(f"rejected: {type(err).__name__}")
            return
        event("fitted")
        predictions = estimator.predict(X)
    assert len(predictions) == n
    if make is keras_regressor:
        assert predictions.dtype.kind == "f" and np.all(np.isfinite(predictions))
    else:
        assert set(np.unique(predictions)) <= set(np.unique(y))
