import pickle

import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor, StackingClassifier, StackingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, cross_val_score

from multikeras.sklearn import KFoldEnsemble

from .models import keras_classifier, keras_regressor, mlp

X_CLF, Y_CLF = make_classification(n_samples=150, n_features=6, n_informative=4, n_classes=3, random_state=1)
X_REG, Y_REG = make_regression(n_samples=150, n_features=5, noise=0.5, random_state=1)
Y_REG = Y_REG / Y_REG.std()


def keras_clf(**params):
    return keras_classifier(**{"epochs": 6, **params})


def keras_reg(**params):
    return keras_regressor(**{"optimizer__learning_rate": 0.01, "epochs": 6, **params})


def test_classifier_ensemble_averages_fold_probabilities():
    ensemble = KFoldEnsemble(keras_clf(), n_splits=3, random_state=0, patience=2).fit(X_CLF, Y_CLF)
    assert is_classifier(ensemble) and len(ensemble.estimators_) == 3
    assert ensemble.fold_scores_.shape == (3,) and np.all((1 <= ensemble.best_epochs_) & (ensemble.best_epochs_ <= 6))
    expected = np.mean([m.predict_proba(X_CLF[:7]) for m in ensemble.estimators_], axis=0)
    np.testing.assert_allclose(ensemble.predict_proba(X_CLF[:7]), expected)
    assert ensemble.best_estimator_ is ensemble.estimators_[int(np.argmax(ensemble.fold_scores_))]


def test_folds_are_stratified_for_classifiers():
    splitter = KFoldEnsemble(keras_clf(), n_splits=3, random_state=0)._splitter()
    assert type(splitter).__name__ == "StratifiedKFold"
    assert type(KFoldEnsemble(keras_reg(), n_splits=3)._splitter()).__name__ == "KFold"


def test_each_fold_restores_its_best_held_out_epoch():
    ensemble = KFoldEnsemble(keras_reg(epochs=8), n_splits=3, random_state=0, patience=8).fit(X_REG, Y_REG)
    for model, best in zip(ensemble.estimators_, ensemble.best_epochs_):
        assert best == int(np.argmin(model.history_["val_loss"])) + 1


def test_refit_mean_epochs_trains_one_model_on_everything():
    ensemble = KFoldEnsemble(keras_reg(), n_splits=3, random_state=0, refit="mean_epochs", patience=2).fit(X_REG, Y_REG)
    assert ensemble.refit_epochs_ == max(1, round(float(np.mean(ensemble.best_epochs_))))
    assert len(ensemble.refit_estimator_.history_["loss"]) == ensemble.refit_epochs_
    np.testing.assert_allclose(ensemble.predict(X_REG[:5]), ensemble.refit_estimator_.predict(X_REG[:5]))


def test_is_a_regular_estimator_clone_pickle_search():
    ensemble = KFoldEnsemble(keras_reg(epochs=2), n_splits=2, random_state=0)
    assert is_regressor(ensemble) and clone(ensemble).get_params()["estimator__model"] is mlp
    search = GridSearchCV(ensemble, {"estimator__model__hidden": [4, 8]}, cv=2).fit(X_REG, Y_REG)
    best = search.best_estimator_
    restored = pickle.loads(pickle.dumps(best))
    np.testing.assert_allclose(restored.predict(X_REG[:4]), best.predict(X_REG[:4]), atol=1e-6)


@pytest.mark.fault("KFoldEnsemble(refit='best')", "ValueError: refit must be None or 'mean_epochs'")
@pytest.mark.fault("KFoldEnsemble(n_splits=1)", "ValueError: n_splits must be at least 2")
def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="refit must be None or 'mean_epochs'"):
        KFoldEnsemble(keras_reg(), refit="best").fit(X_REG, Y_REG)
    with pytest.raises(ValueError, match="n_splits must be at least 2"):
        KFoldEnsemble(keras_reg(), n_splits=1).fit(X_REG, Y_REG)


def test_stacking_a_keras_model_with_a_forest():
    stack = StackingRegressor(
        [("keras", keras_reg(epochs=3)), ("forest", RandomForestRegressor(n_estimators=10, random_state=0))],
        final_estimator=Ridge(),
        cv=2,
    ).fit(X_REG, Y_REG)
    assert stack.predict(X_REG[:3]).shape == (3,)
    stack = StackingClassifier(
        [("keras", keras_clf(epochs=3)), ("forest", RandomForestClassifier(n_estimators=10, random_state=0))],
        final_estimator=LogisticRegression(),
        cv=2,
    ).fit(X_CLF, Y_CLF)
    assert stack.predict_proba(X_CLF[:3]).shape == (3, 3)


def test_cross_val_score_accepts_the_ensemble():
    scores = cross_val_score(KFoldEnsemble(keras_clf(epochs=2), n_splits=2, random_state=0), X_CLF, Y_CLF, cv=2)
    assert scores.shape == (2,)
