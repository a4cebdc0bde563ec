"""Target encoders: y as scikit-learn hands it in, to what a Keras model trains on, and back.

They are scikit-learn transformers with scikeras's interface, so a subclass may override the
wrapper's ``target_encoder`` property with its own: ``fit(y)`` learns the labels,
``transform(y)`` gives the model's targets, ``inverse_transform(raw, return_proba=False)`` turns
the model's output into predictions, and ``get_metadata()`` returns the fitted attributes
(``classes_``, ``n_outputs_expected_``...) the wrapper copies onto itself and into ``meta``.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from ..loss_formats import is_one_hot

__all__ = ["ClassLabelEncoder", "RegressionTargetEncoder"]

FLOAT = np.float32  # Keras's default float type: targets go in as it


class ClassLabelEncoder(TransformerMixin, BaseEstimator):
    """Class labels of any type to codes 0..n_classes-1 (one-hot rows for a one-hot ``loss``).

    ``classes``, when given, fixes the label set (``partial_fit``'s ``classes=``). A 2-D y of
    0/1 columns is a label-indicator target: one-hot rows (exactly one 1 per row) are
    "multiclass-onehot" and predict one-hot rows; others are "multilabel-indicator" and predict
    one 0/1 column per label. Both pass to the model unchanged. ``kind_`` says which of these
    it is; ``target_type_`` is scikit-learn's ``type_of_target`` (with ``classes`` deciding
    between binary and multiclass).
    """

    def __init__(self, loss=None, classes=None):
        self.loss = loss
        self.classes = classes

    def fit(self, y):
        y = np.asarray(y)
        check_classification_targets(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        kind = type_of_target(y)
        if kind == "binary" and self.classes is not None:
            kind = type_of_target(np.asarray(self.classes))  # a batch missing some of the classes
        if kind in ("binary", "multiclass"):
            if y.ndim == 2:
                y = y[:, 0]
            self.classes_ = np.unique(y) if self.classes is None else np.asarray(self.classes)
            self.n_classes_ = len(self.classes_)
        elif kind == "multilabel-indicator":
            if y.min() == 0 and np.all(y.sum(axis=1) == 1):
                kind = "multiclass-onehot"
            self.classes_ = np.arange(y.shape[1])
            self.n_classes_ = y.shape[1]
        elif kind == "multiclass-multioutput":
            self.classes_ = None
            self.n_classes_ = None
        else:
            raise ValueError(
                f"KerasClassifier cannot encode y of type {kind!r} (scikit-learn's type_of_target); "
                "pass class labels, or subclass the wrapper and override target_encoder."
            )
        self.target_type_ = "multilabel-indicator" if kind == "multiclass-onehot" else kind
        self.kind_ = kind
        self.n_outputs_ = 1
        self.n_outputs_expected_ = 1
        return self

    def transform(self, y):
        y = np.asarray(y)
        if self.kind_ not in ("binary", "multiclass"):
            return y.astype(FLOAT)
        if y.ndim == 2:
            if y.shape[1] != 1:
                raise ValueError(
                    f"y has {y.shape[1]} columns (features) of labels, but the classifier was fitted on 1; pass y as in the first fit."
                )
            y = y[:, 0]
        codes = np.searchsorted(self.classes_, y)
        unknown = (codes >= self.n_classes_) | (self.classes_[np.minimum(codes, self.n_classes_ - 1)] != y)
        if np.any(unknown):
            raise ValueError(
                f"Found unknown categories {np.unique(y[unknown]).tolist()} in y: not among the classes seen in the first fit "
                f"{self.classes_.tolist()}; pass every class to partial_fit's classes= on its first call."
            )
        if is_one_hot(self.loss):
            return np.eye(self.n_classes_, dtype=FLOAT)[codes]
        return codes

    def inverse_transform(self, raw, return_proba=False):
        """Class probabilities (``return_proba``) or labels from the model's output."""
        raw = np.asarray(raw)
        if self.kind_ == "multiclass-multioutput":
            if return_proba:
                return raw
            raise NotImplementedError(
                "A multiclass-multioutput y has no single class prediction; subclass the wrapper and "
                "override target_encoder with one that maps each output back to its labels."
            )
        proba = raw.reshape(len(raw), -1).astype(np.float64)
        if self.kind_ == "binary" and proba.shape[1] == 1 and self.n_classes_ == 2:
            proba = np.hstack([1.0 - proba, proba])  # one sigmoid unit gives P(class 1)
        if return_proba:
            return (
                proba[:, 0] if proba.shape[1] == 1 and self.n_classes_ != 1 else proba
            )  # a one-unit model's own output
        if self.kind_ == "multilabel-indicator":
            return np.round(proba).astype(int)
        winners = np.argmax(proba, axis=1)
        if self.kind_ == "multiclass-onehot":
            return np.eye(self.n_classes_, dtype=int)[winners]
        return self.classes_[winners]

    def get_metadata(self) -> dict:
        names = ("classes_", "n_classes_", "n_outputs_", "n_outputs_expected_", "target_type_")
        return {name: getattr(self, name) for name in names}


class RegressionTargetEncoder(TransformerMixin, BaseEstimator):
    """Numeric targets as float32 for the model; predictions back as float64, 1-D for a 1-D y.

    Predictions are float64 whatever y's dtype, as scikit-learn's regressors return them.
    """

    def fit(self, y):
        y = np.asarray(y)
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        self.n_outputs_expected_ = 1
        self.target_type_ = "continuous" if y.ndim == 1 else "continuous-multioutput"
        return self

    def transform(self, y):
        y = np.asarray(y, dtype=FLOAT)
        outputs = 1 if y.ndim == 1 else y.shape[1]
        if outputs != self.n_outputs_:
            raise ValueError(
                f"Detected ``y`` to have {outputs} outputs, but the regressor was fitted on {self.n_outputs_}; pass y as in the first fit."
            )
        return y

    def inverse_transform(self, raw):
        raw = np.asarray(raw, dtype=np.float64)
        return raw.reshape(len(raw)) if self.target_type_ == "continuous" else raw.reshape(len(raw), -1)

    def get_metadata(self) -> dict:
        return {
            "n_outputs_": self.n_outputs_,
            "n_outputs_expected_": self.n_outputs_expected_,
            "target_type_": self.target_type_,
        }
