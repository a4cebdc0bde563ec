import gzip

import numpy as np
import pytest

from multikeras import datasets


def _write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.astype(np.uint8).tobytes())


def test_read_idx_round_trips_and_keeps_uint8(tmp_path):
    images = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    _write_idx(tmp_path / "x.gz", images)
    parsed = datasets.read_idx(tmp_path / "x.gz")
    assert parsed.dtype == np.uint8
    np.testing.assert_array_equal(parsed, images)


@pytest.mark.fault("an IDX file one byte short", "ValueError mentioning truncated")
@pytest.mark.fault("an IDX file that starts with a zip's magic bytes", "ValueError: bad magic")
def test_read_idx_reports_truncation_and_bad_magic(tmp_path):
    _write_idx(tmp_path / "x.gz", np.zeros((2, 3)))
    raw = gzip.decompress((tmp_path / "x.gz").read_bytes())
    (tmp_path / "short.gz").write_bytes(gzip.compress(raw[:-1]))
    with pytest.raises(ValueError, match="truncated"):
        datasets.read_idx(tmp_path / "short.gz")
    (tmp_path / "bad.gz").write_bytes(gzip.compress(b"PK\x03\x04" + raw[4:]))
    with pytest.raises(ValueError, match="bad magic"):
        datasets.read_idx(tmp_path / "bad.gz")


@pytest.mark.fault("monthly_series('rainfall')", "ValueError listing the known series (airline among them)")
def test_unknown_series_lists_the_known_ones():
    with pytest.raises(ValueError, match="airline"):
        datasets.monthly_series("rainfall")


def test_seasonal_series_is_repeatable():
    np.testing.assert_array_equal(datasets.seasonal_series(100, seed=3), datasets.seasonal_series(100, seed=3))


@pytest.mark.real_data
def test_fashion_mnist_parses_to_the_published_shapes(real_data_dir):
    (X, y), (X_test, y_test) = datasets.fashion_mnist(real_data_dir)
    assert X.shape == (60000, 28, 28) and X.dtype == np.uint8 and X_test.shape == (10000, 28, 28)
    assert np.bincount(y).tolist() == [6000] * 10 and np.bincount(y_test).tolist() == [1000] * 10
    assert round(float(X.mean()), 2) == 72.94


@pytest.mark.real_data
def test_california_housing_matches_sklearns_derivation(real_data_dir):
    X, y = datasets.california_housing(real_data_dir)
    assert X.shape == (20640, 8) and y.shape == (20640,)
    np.testing.assert_allclose(X[0], [8.3252, 41, 6.984127, 1.02381, 322, 2.555556, 37.88, -122.23], rtol=1e-5)
    assert np.isclose(y[0], 4.526)
    np.testing.assert_allclose(X.mean(axis=0)[[0, 2, 5]], [3.870671, 5.429000, 3.070655], rtol=1e-6)
    assert np.isclose(y.max(), 5.00001)


@pytest.mark.real_data
def test_monthly_series_parse(real_data_dir):
    sunspots = datasets.monthly_series("sunspots", real_data_dir)
    airline = datasets.monthly_series("airline", real_data_dir)
    assert sunspots.shape == (2820,) and round(float(sunspots.mean()), 2) == 51.27
    assert airline.shape == (144,) and airline.min() == 104 and airline.max() == 622


@pytest.mark.real_data
def test_real_recipe_loaders_split_as_the_book_does(real_data_dir):
    from multikeras.recipes import classifier_mlp, lstm_forecaster, regression_mlp

    (X_train, _), (X_valid, _), (X_test, _) = classifier_mlp.load_data("real", real_data_dir)
    assert (len(X_train), len(X_valid), len(X_test)) == (55000, 5000, 10000)
    assert X_train.dtype == np.float32 and float(X_train.max()) == 1.0
    assert X_train.base is not None and X_train.base is X_valid.base  # one float32 copy, sliced
    (X_train, _), (X_valid, _), (X_test, _) = regression_mlp.load_data("real", real_data_dir)
    assert (len(X_train), len(X_valid), len(X_test)) == (11610, 3870, 5160)
    (X_train, _), _, _ = lstm_forecaster.load_data("real", real_data_dir)
    assert X_train.shape[1:] == (lstm_forecaster.WINDOW, 1)
