"""KerasClassifier: labels in, class probabilities out, StratifiedKFold in cross-validation."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score

from ..class_weights import balanced_class_weights
from ..loss_formats import is_one_hot, is_sparse
from .docstrings import assemble
from .encoders import ClassLabelEncoder
from .wrapper import BaseWrapper

__all__ = ["KerasClassifier"]


class KerasClassifier(ClassifierMixin, BaseWrapper):
    __doc__ = assemble(
        """scikit-learn classifier around a Keras model.

        Labels of any type are encoded to 0..n_classes-1 (``classes_`` keeps the originals). A
        model with one sigmoid output is treated as binary; otherwise it outputs one probability
        per class. One-hot losses (``categorical_crossentropy``) get one-hot targets. A 2-D y of
        0/1 columns (one-hot rows, or several labels per sample) goes to the model as it is.""",
        ["model_", "history_", "n_features_in_", "classes_", "n_classes_", "n_outputs_", "target_type_"],
        default_loss='"binary_crossentropy" for a model with one output unit, else "sparse_categorical_crossentropy"',
        class_weight='Multiplies ``sample_weight`` (never in place); "balanced" is scikit-learn\'s\n    ``n_samples / (n_classes * count)``.',
    )

    score = BaseWrapper.score  # before ClassifierMixin's: it asks ``scorer``

    @staticmethod
    def scorer(y_true, y_pred, **kwargs) -> float:
        """Accuracy, as scikit-learn's classifiers score; a subclass may define its own."""
        return accuracy_score(y_true, y_pred, **kwargs)

    @property
    def target_encoder(self):
        """Labels to codes (one-hot rows for a one-hot ``loss``) and probabilities back to labels."""
        return ClassLabelEncoder(loss=self.loss, classes=getattr(self, "_partial_classes", None))

    def _default_loss(self, model):
        kind = getattr(self.target_encoder_, "kind_", None)
        if kind == "multilabel-indicator":
            return "binary_crossentropy"
        if kind == "multiclass-onehot":
            return "categorical_crossentropy"
        units = model.output_shape[-1] if isinstance(model.output_shape, tuple) else None
        return "binary_crossentropy" if units == 1 else "sparse_categorical_crossentropy"

    def _model_targets(self, targets):
        """Codes or one-hot rows, whichever the compiled loss takes."""
        loss = getattr(self.model_, "loss", None)
        kind = getattr(self.target_encoder_, "kind_", None)
        if isinstance(targets, np.ndarray) and kind in ("binary", "multiclass", "multiclass-onehot"):
            if targets.ndim == 1 and is_one_hot(loss):
                targets = np.eye(self.n_classes_, dtype=np.float32)[targets]
            elif targets.ndim == 2 and is_sparse(loss):
                targets = np.argmax(targets, axis=1)
        return super()._model_targets(targets)

    def _sample_weights(self, y, sample_weight):
        weights = super()._sample_weights(y, sample_weight)
        if self.class_weight is None:
            return weights
        per_class = self._class_weights(y)
        factors = np.array([per_class[label] for label in np.asarray(y).reshape(len(y), -1)[:, 0]], dtype=np.float32)
        return factors if weights is None else weights * factors

    def _class_weights(self, y) -> dict:
        if isinstance(self.class_weight, str):
            if self.class_weight != "balanced":
                raise ValueError(f"class_weight must be 'balanced', a dict or None, got {self.class_weight!r}.")
            return balanced_class_weights(y, self.classes_)
        missing = set(np.unique(y).tolist()) - set(self.class_weight)
        if missing:
            raise ValueError(
                f"class_weight has no weight for classes {sorted(missing)}; give every class a weight or use 'balanced'."
            )
        return dict(self.class_weight)

    def fit(self, X, y, sample_weight=None, **kwargs):
        """Build (unless ``warm_start`` and built) and train; ``kwargs`` override fit settings."""
        self._partial_classes = None
        return super().fit(X, y, sample_weight=sample_weight, **kwargs)

    def partial_fit(self, X, y, classes=None, sample_weight=None, **kwargs):
        """Train one more epoch; ``classes`` (first call) names every label the stream will hold."""
        if classes is not None:
            self._partial_classes = np.asarray(classes)
        return super().partial_fit(X, y, sample_weight=sample_weight, **kwargs)

    def initialize(self, X, y):
        """Build the model for ``X`` and the labels in ``y`` without training it."""
        self._partial_classes = None
        return super().initialize(X, y)

    def predict_proba(self, X, **kwargs):
        """Probabilities, shape (n_samples, n_classes), also for a single row."""
        raw = self._decoded_output(self._raw_predict(X, **kwargs))
        return self.target_encoder_.inverse_transform(raw, return_proba=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        tags.classifier_tags.multi_label = True  # a 2-D y of 0/1 label columns
        tags.target_tags.multi_output = True
        return tags
