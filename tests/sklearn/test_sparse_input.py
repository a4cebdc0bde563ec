"""Sparse X (what OneHotEncoder returns by default) through the wrappers, on every backend."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from multikeras.sklearn import KerasClassifier, KerasRegressor
from tests.sklearn.models import mlp

RNG = np.random.default_rng(0)
CATEGORIES = RNG.integers(0, 12, size=(96, 2))
Y = CATEGORIES[:, 0] * 0.1 + RNG.normal(0, 0.01, size=96)


def _pipeline(sparse_output):
    return Pipeline([("encode", OneHotEncoder(sparse_output=sparse_output)),
                     ("model", KerasRegressor(mlp, loss="mse", epochs=2, batch_size=16, shuffle=False, verbose=0, random_state=0))])  # fmt: skip


def test_a_sparse_one_hot_pipeline_trains_and_predicts_as_the_dense_one():
    dense, sparse_ = _pipeline(False).fit(CATEGORIES, Y), _pipeline(True).fit(CATEGORIES, Y)
    assert sparse.issparse(sparse_.named_steps["encode"].transform(CATEGORIES[:2]))
    # Same seed, same batches (unshuffled: TensorFlow shuffles dense arrays its own way): only the
    # sums over the stored values may round differently.
    np.testing.assert_allclose(sparse_.predict(CATEGORIES), dense.predict(CATEGORIES), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(sparse_[-1].history_["loss"], dense[-1].history_["loss"], rtol=1e-4)


@pytest.mark.parametrize("form", ["csr", "csc", "coo"])
def test_every_scipy_format_and_a_classifier_take_sparse_x(form):
    X = sparse.random(60, 30, density=0.1, format=form, random_state=0, dtype=np.float32)
    y = (np.asarray(X.sum(axis=1)).ravel() > np.median(np.asarray(X.sum(axis=1)))).astype(int)
    clf = KerasClassifier(mlp, epochs=1, verbose=0, random_state=0).fit(X, y)
    assert clf.predict_proba(X).shape == (60, 2) and clf.n_features_in_ == 30


def test_a_pandas_frame_of_sparse_columns_is_taken():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame.sparse.from_spmatrix(sparse.random(40, 6, density=0.3, random_state=0))
    reg = KerasRegressor(mlp, loss="mse", epochs=1, verbose=0, random_state=0).fit(frame, np.arange(40.0))
    assert reg.predict(frame).shape == (40,)


@pytest.mark.fault("sparse X with NaN, or with the wrong number of columns at predict", "the same errors as dense X")
def test_sparse_x_gets_the_errors_dense_x_gets():
    X = sparse.random(30, 5, density=0.5, format="csr", random_state=0)
    reg = KerasRegressor(mlp, loss="mse", epochs=1, verbose=0, random_state=0).fit(X, np.arange(30.0))
    messages = []
    for data in (X[:, :4], X[:, :4].toarray()):
        with pytest.raises(ValueError) as error:
            reg.predict(data)
        messages.append(str(error.value))
    assert messages[0] == messages[1] and "4 features" in messages[0]
    bad = X.copy()
    bad.data[3] = np.nan
    messages = []
    for data in (bad, bad.toarray()):
        with pytest.raises(ValueError) as error:
            KerasRegressor(mlp, loss="mse", epochs=1, verbose=0).fit(data, np.arange(30.0))
        messages.append(str(error.value))
    assert "NaN" in messages[0] and messages[0] == messages[1]


@pytest.mark.fault(
    "X with a text column (object or string dtype)", "ValueError naming the first such column and the encoders to use"
)
def test_text_columns_are_named_with_the_fix():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"size": [1.0, 2.0, 3.0, 4.0], "colour": ["red", "blue", "red", "green"]})
    with pytest.raises(ValueError, match=r"X column 'colour' holds text.*OneHotEncoder or OrdinalEncoder"):
        KerasRegressor(mlp, loss="mse", epochs=1, verbose=0).fit(frame, np.arange(4.0))
    with pytest.raises(ValueError, match=r"X column 1 holds text"):
        KerasRegressor(mlp, loss="mse", epochs=1, verbose=0).fit(frame.to_numpy(), np.arange(4.0))


# The peak is VmHWM, this process's own: getrusage's ru_maxrss keeps the parent's peak across the
# fork and exec (Linux), and pytest's process reaches 3 GB by the time this test runs.
WHOLE_IDENTITY = """
import numpy as np
from scipy import sparse
import keras
from multikeras.sklearn import KerasRegressor

n = 30_000  # made dense, this matrix alone is 3.6 GB in float32
X = sparse.identity(n, format="csr", dtype=np.float32)
build = lambda meta: keras.Sequential([keras.Input((n,)), keras.layers.Dense(1)])
reg = KerasRegressor(build, loss="mse", epochs=1, batch_size=1000, verbose=0, random_state=0).fit(X, np.zeros(n))
reg.predict(X[:2000])
status = open("/proc/self/status").read()
print(int(status.split("VmHWM:")[1].split()[0]) // 1024)
"""


def test_a_large_sparse_x_is_only_ever_dense_a_batch_at_a_time():
    from tests.conftest import run_python

    done = run_python(WHOLE_IDENTITY)
    assert done.returncode == 0, done.stderr[-3000:]
    peak_mb = int(done.stdout.strip().splitlines()[-1])
    assert peak_mb < 2500, f"peak {peak_mb} MB: the 3.6 GB dense matrix (or most of it) was made"


def test_a_uint8_sparse_x_is_converted_as_dense_uint8_x_is():
    X = sparse.random(40, 8, density=0.3, format="csr", random_state=0, data_rvs=lambda n: np.ones(n)).astype(np.uint8)

    def fit(data):
        return KerasRegressor(mlp, loss="mse", epochs=1, batch_size=8, shuffle=False, verbose=0, random_state=0).fit(
            data, np.arange(40.0)
        )

    sparse_fit, dense_fit = fit(X), fit(X.toarray())
    np.testing.assert_allclose(sparse_fit.predict(X), dense_fit.predict(X.toarray()), rtol=1e-4, atol=1e-5)
