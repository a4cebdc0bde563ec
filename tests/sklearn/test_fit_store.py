"""The fit store: a search run twice fits once, and restores exactly what it fitted."""

import pickle
from collections import Counter

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from multikeras.sklearn import FitStore, KerasRegressor, KFoldEnsemble, evaluate_on_splits

from .models import mlp

RNG = np.random.default_rng(0)
X = RNG.normal(size=(120, 5)).astype("float32")
Y = X @ RNG.normal(size=5)
GRID = {"model__hidden": [4, 8], "optimizer__learning_rate": [0.01, 0.03]}


def regressor(**params):
    return KerasRegressor(
        mlp, **{"optimizer": "adam", "epochs": 2, "batch_size": 32, "verbose": 0, "random_state": 0, **params}
    )


def events(store):
    return Counter(event["event"] for event in FitStore(store).events())


@pytest.mark.fault(
    "a GridSearchCV with fit_store run a second time",
    "every fit restored, none retrained; identical scores, best parameters and predictions",
)
def test_a_search_run_again_reuses_every_fit_and_gives_the_same_results(tmp_path):
    first = GridSearchCV(regressor(fit_store=tmp_path), GRID, cv=2).fit(X, Y)
    assert events(tmp_path) == {"stored": 9}  # 4 candidates x 2 folds, plus the refit
    second = GridSearchCV(regressor(fit_store=str(tmp_path)), GRID, cv=2).fit(X, Y)
    assert events(tmp_path) == {"stored": 9, "reused": 9}
    plain = GridSearchCV(regressor(), GRID, cv=2).fit(X, Y)
    assert first.best_params_ == second.best_params_ == plain.best_params_
    np.testing.assert_array_equal(first.cv_results_["mean_test_score"], second.cv_results_["mean_test_score"])
    np.testing.assert_allclose(first.cv_results_["mean_test_score"], plain.cv_results_["mean_test_score"], rtol=1e-6)
    np.testing.assert_array_equal(first.predict(X), second.predict(X))
    assert second.best_estimator_.history_ == first.best_estimator_.history_


@pytest.mark.parametrize(
    "change",
    [
        {"epochs": 3},
        {"random_state": 1},
        {"model__hidden": 9},
    ],
    ids=["epochs", "seed", "routed"],
)
def test_a_different_parameter_is_a_new_fit(tmp_path, change):
    regressor(fit_store=tmp_path).fit(X, Y)
    regressor(fit_store=tmp_path, **change).fit(X, Y)
    assert events(tmp_path) == {"stored": 2}


def test_other_data_or_fit_arguments_are_a_new_fit_and_verbosity_is_not(tmp_path):
    regressor(fit_store=tmp_path).fit(X, Y)
    regressor(fit_store=tmp_path).fit(X, Y + 1)
    regressor(fit_store=tmp_path).fit(X, Y, sample_weight=np.ones(len(Y)))
    regressor(fit_store=tmp_path).fit(X, Y, epochs=1)
    regressor(fit_store=tmp_path, verbose=2).fit(X, Y)
    assert events(tmp_path) == {"stored": 4, "reused": 1}


def test_a_warm_start_continues_the_model_and_is_not_stored(tmp_path):
    model = regressor(fit_store=tmp_path, warm_start=True).fit(X, Y)
    before = model.predict(X)
    model.fit(X, Y)
    assert not np.array_equal(model.predict(X), before)  # trained on, not restored
    assert events(tmp_path) == {"stored": 1}


@pytest.mark.fault(
    "a damaged entry in the fit store, and a journal line torn by a kill",
    "a RuntimeWarning; the fit is retrained and the entry replaced; the torn line is skipped",
)
def test_a_damaged_entry_is_refitted(tmp_path):
    regressor(fit_store=tmp_path).fit(X, Y)
    (entry,) = (tmp_path / "fits").iterdir()
    entry.write_bytes(b"half a pickle")
    with pytest.warns(RuntimeWarning, match="unreadable.*fitting again"):
        regressor(fit_store=tmp_path).fit(X, Y)
    with open(tmp_path / "journal.jsonl", "a") as journal:
        journal.write('{"event": "stor')  # a line torn by a kill
    assert events(tmp_path) == {"stored": 2, "unreadable": 1}
    pickle.loads(entry.read_bytes())  # whole again


def test_kfold_ensembles_and_split_evaluations_resume_through_the_store(tmp_path):
    ensemble = KFoldEnsemble(regressor(fit_store=tmp_path), n_splits=2, random_state=0, patience=1)
    first = ensemble.fit(X, Y).fold_scores_
    again = KFoldEnsemble(regressor(fit_store=tmp_path), n_splits=2, random_state=0, patience=1).fit(X, Y)
    np.testing.assert_array_equal(again.fold_scores_, first)
    splits = [
        evaluate_on_splits(regressor(fit_store=tmp_path), X, Y, n_splits=2, random_state=0, patience=1)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(splits[0].scores, splits[1].scores)
    assert events(tmp_path) == {"stored": 4, "reused": 4}


@pytest.mark.fault(
    "a parameter the fit store cannot fingerprint (a lambda in a list)",
    "TypeError naming the parameter and fit_store=None",
)
def test_an_unfingerprintable_parameter_names_itself_and_the_fix(tmp_path):
    with pytest.raises(TypeError, match="fit_store cannot fingerprint the parameter 'callbacks'.*fit_store=None"):
        regressor(fit_store=tmp_path, callbacks=[lambda: None]).fit(X, Y)


@pytest.mark.fault("fit_store=3", "TypeError: a folder path or a FitStore")
def test_a_bad_fit_store_value_names_the_fix():
    with pytest.raises(TypeError, match="fit_store must be a folder path or a FitStore.*fit_store='runs/fits'"):
        regressor(fit_store=3).fit(X, Y)


def _builder(hidden):
    def build(meta):
        return mlp(meta, hidden=hidden)

    return build


def test_closures_capturing_other_values_are_different_fits(tmp_path):
    KerasRegressor(_builder(4), optimizer="adam", epochs=1, verbose=0, random_state=0, fit_store=tmp_path).fit(X, Y)
    KerasRegressor(_builder(8), optimizer="adam", epochs=1, verbose=0, random_state=0, fit_store=tmp_path).fit(X, Y)
    assert events(tmp_path) == {"stored": 2}


def test_keys_do_not_depend_on_the_hash_seed(tmp_path):
    import subprocess
    import sys

    code = (
        "from multikeras.sklearn import fit_store\n"
        "def build(meta, act='relu'):\n    return act in {'relu', 'gelu', 'tanh', 'elu', 'selu'}\n"
        "print(fit_store._function(build))\n"
    )
    keys = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**__import__("os").environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split(":")[-1]
        for seed in ("1", "2", "3")
    }
    assert len(keys) == 1
