"""KFold ensembles: one model per fold, each early-stopped on the fold it did not see.

The notes give three ways to use the fold models, and all three are here: the best fold
(``best_estimator_``), their average (``predict``, mean probabilities for classifiers), or one
model retrained on all the data for the mean best epoch (``refit="mean_epochs"``).
"""

from __future__ import annotations

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted, validate_data

from ..hparams import whole_numbers
from .wrapper import BaseWrapper

__all__ = ["KFoldEnsemble"]

REFIT_CHOICES = (None, "mean_epochs")


class KFoldEnsemble(BaseEstimator):
    """Fit a clone of ``estimator`` per fold (stratified for classifiers) and combine them.

    Parameters
    ----------
    estimator : a multikeras KerasClassifier/KerasRegressor (or any scikit-learn estimator;
        only Keras wrappers are early-stopped).
    n_splits, shuffle, random_state : as in ``KFold``/``StratifiedKFold``.
    refit : None or "mean_epochs". With "mean_epochs", ``predict`` uses one model trained on all
        the data for the rounded mean of ``best_epochs_``.
    patience : epochs without improvement in the held-out fold's loss before a fold stops; its
        best weights are restored.
    n_jobs : folds fitted in parallel through joblib.

    Attributes
    ----------
    estimators_ : fitted fold models, in fold order.
    fold_scores_ : each fold model's ``score`` on its held-out fold.
    best_epochs_ : the epoch (1-based) with the lowest held-out loss, per fold.
    best_estimator_ : the fold model with the best fold score.
    refit_estimator_ : the model retrained on all data (only with ``refit="mean_epochs"``).
    """

    def __init__(self, estimator, *, n_splits=5, shuffle=True, random_state=None, refit=None, patience=5, n_jobs=None):
        self.estimator = estimator
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state
        self.refit = refit
        self.patience = patience
        self.n_jobs = n_jobs

    def _splitter(self):
        kind = StratifiedKFold if is_classifier(self.estimator) else KFold
        seed = self.random_state if self.shuffle else None
        return kind(n_splits=self.n_splits, shuffle=self.shuffle, random_state=seed)

    def _check_params(self):
        if self.refit not in REFIT_CHOICES:
            raise ValueError(f"refit must be None or 'mean_epochs', got {self.refit!r}.")
        whole_numbers(minimum=2, n_splits=self.n_splits)

    def fit(self, X, y, **fit_params):
        self._check_params()
        X, y = validate_data(self, X, y, multi_output=True, dtype=None, ensure_all_finite=True)
        if is_classifier(self.estimator):
            self.classes_ = np.unique(y)
        folds = list(self._splitter().split(X, y))
        results = Parallel(n_jobs=self.n_jobs)(
            delayed(fit_split)(clone(self.estimator), X, y, train, valid, self.patience, fit_params)
            for train, valid in folds
        )
        self.estimators_ = [model for model, _, _ in results]
        self.fold_scores_ = np.array([score for _, score, _ in results])
        self.best_epochs_ = np.array([epochs for _, _, epochs in results])
        best = np.argmax(self.fold_scores_)
        self.best_estimator_ = self.estimators_[best]
        if self.refit == "mean_epochs":
            self.refit_epochs_ = max(1, int(round(float(np.nanmean(self.best_epochs_)))))
            self.refit_estimator_ = _fit_with(clone(self.estimator), X, y, fit_params, epochs=self.refit_epochs_)
        return self

    def _mean_of(self, method, X):
        """Mean of ``method`` over the fold models, or the refit model's answer when there is one."""
        check_is_fitted(self, "estimators_")
        X = validate_data(self, X, reset=False, dtype=None)
        refit = getattr(self, "refit_estimator_", None)
        models = [refit] if refit is not None else self.estimators_
        return np.mean([getattr(model, method)(X) for model in models], axis=0)

    def predict_proba(self, X):
        """Mean of the fold models' probabilities (or the refit model's)."""
        return self._mean_of("predict_proba", X)

    def predict(self, X):
        if is_classifier(self):
            return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        return self._mean_of("predict", X)

    def score(self, X, y, sample_weight=None):
        """Accuracy for classifiers, R² for regressors, like the wrapped estimator."""
        metric = accuracy_score if is_classifier(self) else r2_score
        return metric(y, self.predict(X), sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.target_tags = inner.target_tags
        tags.non_deterministic = inner.non_deterministic
        return tags


def _fit_with(model, X, y, fit_params, **keras_params):
    if isinstance(model, BaseWrapper):
        return model.fit(X, y, **keras_params, **fit_params)
    return model.fit(X, y, **fit_params)


def fit_split(model, X, y, train, valid, patience, fit_params):
    """(fitted model, held-out score, best epoch) for one split, early-stopped on its held-out part.

    Shared with :func:`multikeras.sklearn.evaluate_on_splits`.
    """
    if not isinstance(model, BaseWrapper):
        model.fit(X[train], y[train], **fit_params)
        return model, model.score(X[valid], y[valid]), np.nan
    import keras

    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    model.fit(X[train], y[train], validation_data=(X[valid], y[valid]), callbacks=[stopper], **fit_params)
    best_epoch = int(np.argmin(model.history_["val_loss"])) + 1
    return model, model.score(X[valid], y[valid]), best_epoch
