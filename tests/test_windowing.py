import numpy as np
import pytest

from multikeras.windowing import make_windows, split_windows


def test_windows_and_targets_line_up():
    X, y = make_windows(np.arange(10, dtype=np.float32), window=3)
    assert X.shape == (7, 3, 1) and y.shape == (7,)
    np.testing.assert_array_equal(X[0, :, 0], [0, 1, 2])
    np.testing.assert_array_equal(X[-1, :, 0], [6, 7, 8])
    np.testing.assert_array_equal(y, np.arange(3, 10))


def test_horizon_skips_ahead():
    X, y = make_windows(np.arange(10.0), window=3, horizon=2)
    assert len(X) == len(y) == 6
    assert y[0] == 4.0 and X[0, -1, 0] == 2.0


def test_views_share_memory_with_a_float_series():
    series = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    X, y = make_windows(series, window=50)
    assert np.shares_memory(X, series) and np.shares_memory(y, series)
    assert X.base is not None and X.nbytes > series.nbytes  # the view is larger than its storage


def test_multivariate_series_keeps_feature_axis_last():
    series = np.arange(20, dtype=np.float64).reshape(10, 2)
    X, y = make_windows(series, window=4)
    assert X.shape == (6, 4, 2) and y.shape == (6, 2)
    np.testing.assert_array_equal(X[1], series[1:5])
    np.testing.assert_array_equal(y[1], series[5])


def test_integer_series_is_converted_to_float():
    X, _ = make_windows([1, 2, 3, 4], window=2)
    assert X.dtype == np.float32


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        pytest.param(
            {"window": 11},
            ValueError,
            r"window \(11\) \+ horizon \(1\) is longer than the series \(10 steps\)",
            marks=pytest.mark.fault(
                "window=11 on a 10-step series",
                "ValueError: window (11) + horizon (1) is longer than the series (10 steps)",
            ),
        ),
        pytest.param(
            {"window": 0},
            ValueError,
            "window must be at least 1",
            marks=pytest.mark.fault("window=0", "ValueError: window must be at least 1"),
        ),
        pytest.param(
            {"window": 3, "horizon": 0},
            ValueError,
            "horizon must be at least 1",
            marks=pytest.mark.fault("horizon=0", "ValueError: horizon must be at least 1"),
        ),
        pytest.param(
            {"window": 3, "horizon": -2},
            ValueError,
            "horizon must be at least 1",
            marks=pytest.mark.fault("horizon=-2", "ValueError: horizon must be at least 1"),
        ),
        pytest.param(
            {"window": 2.5},
            TypeError,
            "window must be a whole number",
            marks=pytest.mark.fault("window=2.5", "TypeError: window must be a whole number"),
        ),
        pytest.param(
            {"window": True},
            TypeError,
            "window must be a whole number",
            marks=pytest.mark.fault("window=True", "TypeError: window must be a whole number"),
        ),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        make_windows(np.arange(10.0), **kwargs)


@pytest.mark.fault("a series holding NaN", "ValueError mentioning NaN or inf")
@pytest.mark.fault("a 3-D series", "ValueError: 1-D or 2-D")
@pytest.mark.fault("a series of strings", "TypeError: must hold real numbers")
def test_nan_and_bad_shapes_are_rejected():
    with pytest.raises(ValueError, match="NaN or inf"):
        make_windows([1.0, np.nan, 3.0, 4.0], window=2)
    with pytest.raises(ValueError, match="1-D .* or 2-D"):
        make_windows(np.zeros((4, 2, 2)), window=2)
    with pytest.raises(TypeError, match="must hold real numbers"):
        make_windows(["a", "b", "c"], window=1)


@pytest.mark.fault("split_windows on 3 windows", "ValueError: too few")
def test_split_is_chronological_and_complete():
    X, y = make_windows(np.arange(110.0), window=10)
    (a, ya), (b, yb), (c, yc) = split_windows(X, y, (0.7, 0.15))
    assert len(a) + len(b) + len(c) == 100
    assert ya[-1] < yb[0] < yc[0]
    with pytest.raises(ValueError, match="too few"):
        split_windows(X[:3], y[:3])


@pytest.mark.fault("a complex series", "TypeError: real numbers, got dtype complex128")
def test_complex_series_is_rejected_not_silently_truncated():
    with pytest.raises(TypeError, match="real numbers, got dtype complex128"):
        make_windows(np.arange(6) * (1 + 1j), window=2)
