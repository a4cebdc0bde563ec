"""KerasClassifier: labels in, class probabilities out, StratifiedKFold in cross-validation."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from ..class_weights import balanced_class_weights
from ..loss_formats import is_one_hot
from .base import BaseWrapper
from .docstrings import assemble

__all__ = ["KerasClassifier"]


class KerasClassifier(ClassifierMixin, BaseWrapper):
    __doc__ = assemble(
        """scikit-learn classifier around a Keras model.

        Labels of any type are encoded to 0..n_classes-1 (``classes_`` keeps the originals). A
        model with one sigmoid output is treated as binary; otherwise it outputs one probability
        per class. One-hot losses (``categorical_crossentropy``) get one-hot targets.""",
        ["model_", "history_", "n_features_in_", "classes_", "n_classes_", "n_outputs_", "target_type_"],
        default_loss='"binary_crossentropy" for a model with one output unit, else "sparse_categorical_crossentropy"',
        class_weight='Multiplies ``sample_weight`` (never in place); "balanced" is scikit-learn\'s\n    ``n_samples / (n_classes * count)``.',
    )

    def _default_loss(self, model):
        units = model.output_shape[-1] if model is not None else None
        return "binary_crossentropy" if units == 1 else "sparse_categorical_crossentropy"

    def _fit_targets(self, y, reset, classes=None):
        check_classification_targets(y)
        if np.ndim(y) == 2 and np.shape(y)[1] == 1:
            y = column_or_1d(y, warn=True)
        if np.ndim(y) != 1:
            raise ValueError(
                f"y must be 1-D class labels for KerasClassifier, got shape {np.shape(y)}; "
                "for one-hot labels pass y.argmax(axis=1)."
            )
        if reset:
            self.classes_ = np.unique(y) if classes is None else np.asarray(classes)
            self.n_classes_ = len(self.classes_)
            self.target_type_ = type_of_target(y)
            self.n_outputs_ = 1
        unknown = np.setdiff1d(y, self.classes_)
        if unknown.size:
            raise ValueError(f"y has labels {unknown.tolist()} not among the classes seen in the first fit {self.classes_.tolist()}.")
        return np.searchsorted(self.classes_, y)

    def _model_targets(self, codes):
        if is_one_hot(getattr(self.model_, "loss", None)):
            codes = np.eye(self.n_classes_, dtype=np.float32)[codes]
        return super()._model_targets(codes)

    def _sample_weights(self, y, sample_weight):
        weights = super()._sample_weights(y, sample_weight)
        if self.class_weight is None:
            return weights
        per_class = self._class_weights(y)
        factors = np.array([per_class[label] for label in y], dtype=np.float32)
        return factors if weights is None else weights * factors

    def _class_weights(self, y) -> dict:
        if isinstance(self.class_weight, str):
            if self.class_weight != "balanced":
                raise ValueError(f"class_weight must be 'balanced', a dict or None, got {self.class_weight!r}.")
            return balanced_class_weights(y, self.classes_)
        missing = set(np.unique(y).tolist()) - set(self.class_weight)
        if missing:
            raise ValueError(f"class_weight has no weight for classes {sorted(missing)}; give every class a weight or use 'balanced'.")
        return dict(self.class_weight)

    def predict_proba(self, X, **kwargs):
        """Probabilities, shape (n_samples, n_classes), also for a single row."""
        raw = np.asarray(self._main_output(self._raw_predict(X, **kwargs)), dtype=np.float64)
        raw = raw.reshape(len(raw), -1)
        if raw.shape[1] == 1 and self.n_classes_ == 2:  # one sigmoid unit: P(class 1)
            raw = np.hstack([1.0 - raw, raw])
        return raw

    def predict(self, X, **kwargs):
        proba = self.predict_proba(X, **kwargs)  # checks fitted before classes_ is touched
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags

