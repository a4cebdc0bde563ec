"""The same scikeras-style script runs with scikeras's import and with ours."""

import pytest

from ..conftest import run_python

SCRIPT = """
import keras
from sklearn.datasets import make_classification, make_regression
from sklearn.model_selection import GridSearchCV, KFold
from {module} import KerasClassifier, KerasRegressor


def get_clf(meta, hidden_layer_dim, compile_kwargs):
    model = keras.Sequential([
        keras.Input((meta["n_features_in_"],)),
        keras.layers.Dense(hidden_layer_dim, activation="relu"),
        keras.layers.Dense(meta["n_classes_"], activation="softmax"),
    ])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=compile_kwargs["optimizer"])
    return model


def get_reg(meta, hidden_layer_dim):
    return keras.Sequential([
        keras.Input((meta["n_features_in_"],)),
        keras.layers.Dense(hidden_layer_dim, activation="relu"),
        keras.layers.Dense(1),
    ])


X, y = make_classification(100, 8, n_informative=4, n_classes=3, random_state=0)
clf = KerasClassifier(get_clf, hidden_layer_dim=16, optimizer="adam", optimizer__learning_rate=0.01,
                      epochs=3, batch_size=16, verbose=0, random_state=0)
clf.fit(X, y)
search = GridSearchCV(clf, {{"model__hidden_layer_dim": [4, 8]}}, cv=KFold(2)).fit(X, y)
Xr, yr = make_regression(100, 5, random_state=0)
reg = KerasRegressor(get_reg, hidden_layer_dim=8, loss="mse", optimizer="sgd", optimizer__learning_rate=1e-3,
                     epochs=2, verbose=0, random_state=0).fit(Xr, yr / 100)
print(clf.predict_proba(X[:5]).shape, clf.predict(X[:5]).shape, clf.classes_.tolist(), clf.n_features_in_,
      len(clf.history_["loss"]), sorted(search.best_params_), reg.predict(Xr[:4]).shape, type(reg.score(Xr, yr)).__name__)
"""


def test_a_scikeras_script_ports_by_changing_the_import():
    pytest.importorskip("scikeras", reason="scikeras is a test dependency for this parity test")
    theirs = run_python(SCRIPT.format(module="scikeras.wrappers"))
    if theirs.returncode != 0:
        pytest.skip(f"scikeras itself fails on this backend: {theirs.stderr.strip().splitlines()[-1]}")
    ours = run_python(SCRIPT.format(module="multikeras.sklearn"))
    assert ours.returncode == 0, ours.stderr[-2000:]
    assert ours.stdout.strip().splitlines()[-1] == theirs.stdout.strip().splitlines()[-1]
