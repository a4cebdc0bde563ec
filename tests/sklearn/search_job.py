"""A small GridSearchCV with a fit store, run as a script so the fault tests can kill it.

``python search_job.py STORE OUT.json [dask-scheduler-address]`` writes the best parameters
and every candidate's mean score to OUT.json when the search finishes.
"""

import sys

import keras
import numpy as np
from sklearn.model_selection import GridSearchCV

import multikeras  # noqa: F401  (selects the backend before Keras loads)
from multikeras.atomic_io import write_json
from multikeras.sklearn import KerasRegressor

GRID = {"model__hidden": [4, 8, 16], "optimizer__learning_rate": [0.003, 0.01, 0.03]}
FOLDS = 3
FITS = 3 * 3 * FOLDS + 1  # candidates x folds, plus the refit


def mlp(meta, hidden=8):
    return keras.Sequential(
        [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(hidden, activation="relu"), keras.layers.Dense(1)]
    )


def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 6)).astype("float32")
    return X, X @ rng.normal(size=6) + 0.1 * rng.normal(size=240)


def search(store, n_jobs=None):
    estimator = KerasRegressor(
        mlp, optimizer="adam", epochs=8, batch_size=16, verbose=0, random_state=0, fit_store=store
    )
    return GridSearchCV(estimator, GRID, cv=FOLDS, n_jobs=n_jobs).fit(*data())


def summary(result) -> dict:
    return {"best_params": result.best_params_, "scores": result.cv_results_["mean_test_score"].tolist()}


def main(store, out, scheduler=None):
    if scheduler is None:
        result = search(store)
    else:
        import joblib
        from dask.distributed import Client

        with Client(scheduler), joblib.parallel_backend("dask"):
            result = search(store, n_jobs=-1)
    write_json(out, summary(result))


if __name__ == "__main__":
    main(*sys.argv[1:])
