"""Parallel and distributed search give the same results as a serial one (fits are seeded)."""

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from multikeras.recipes._housing import housing_splits
from multikeras.sklearn import recipe_estimator

GRID = {"model__n_neurons": [4, 16]}


@pytest.fixture(scope="module")
def data():
    (X, y), _, _ = housing_splits("embedded")
    return X[:160], y[:160]


@pytest.fixture(scope="module")
def serial_scores(data):
    search = GridSearchCV(recipe_estimator("regression_mlp", epochs=2, random_state=0), GRID, cv=2, n_jobs=1).fit(*data)
    return search.cv_results_["mean_test_score"]


def test_two_process_workers_match_the_serial_search(data, serial_scores):
    search = GridSearchCV(recipe_estimator("regression_mlp", epochs=2, random_state=0), GRID, cv=2, n_jobs=2).fit(*data)
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], serial_scores, rtol=1e-4)


def test_the_same_search_on_a_dask_cluster(data, serial_scores):
    distributed = pytest.importorskip("distributed", reason="dask.distributed is in the test extras")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        with joblib.parallel_config(backend="dask"):
            search = GridSearchCV(
                recipe_estimator("regression_mlp", epochs=2, random_state=0), GRID, cv=2, n_jobs=-1
            ).fit(*data)
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], serial_scores, rtol=1e-4)
