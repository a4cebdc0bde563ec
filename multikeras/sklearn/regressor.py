"""KerasRegressor: numeric targets (one or several columns), R² as its score."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin

from .base import BaseWrapper
from .docstrings import assemble

__all__ = ["KerasRegressor"]


class KerasRegressor(RegressorMixin, BaseWrapper):
    __doc__ = assemble(
        """scikit-learn regressor around a Keras model; R² is its score.

        A 1-D y gives 1-D predictions; a 2-D y (n_samples, n_outputs) gives 2-D predictions.""",
        ["model_", "history_", "n_features_in_", "n_outputs_", "target_type_"],
        default_loss='"mse"',
        class_weight="Classifiers only: a regressor raises; weight samples with ``sample_weight``.",
    )

    _y_numeric = True

    def _default_loss(self, model):
        return "mse"

    def _fit_targets(self, y, reset, classes=None):
        if self.class_weight is not None:
            raise ValueError("class_weight applies to classifiers; for a regressor pass sample_weight to fit.")
        y = np.asarray(y, dtype=np.float32)
        if reset:
            self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
            self.target_type_ = "continuous" if y.ndim == 1 else "continuous-multioutput"
        return y

    def predict(self, X, **kwargs):
        raw = np.asarray(self._main_output(self._raw_predict(X, **kwargs)), dtype=np.float64)
        return raw.reshape(len(raw)) if self.target_type_ == "continuous" else raw.reshape(len(raw), -1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
