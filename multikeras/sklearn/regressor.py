"""KerasRegressor: numeric targets (one or several columns), R² as its score."""

from __future__ import annotations

from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score

from .docstrings import assemble
from .encoders import RegressionTargetEncoder
from .wrapper import BaseWrapper

__all__ = ["KerasRegressor"]


class KerasRegressor(RegressorMixin, BaseWrapper):
    __doc__ = assemble(
        """scikit-learn regressor around a Keras model; R² is its score.

        A 1-D y gives 1-D predictions; a 2-D y (n_samples, n_outputs) gives 2-D predictions,
        float64 either way, as scikit-learn's regressors return them.""",
        ["model_", "history_", "n_features_in_", "n_outputs_", "target_type_"],
        default_loss='"mse"',
        class_weight="Classifiers only: a regressor raises; weight samples with ``sample_weight``.",
    )

    _y_numeric = True
    score = BaseWrapper.score  # before RegressorMixin's: it asks ``scorer``

    @staticmethod
    def scorer(y_true, y_pred, **kwargs) -> float:
        """R², as scikit-learn's regressors score; a subclass may define its own."""
        return r2_score(y_true, y_pred, **kwargs)

    @property
    def target_encoder(self):
        """Targets as float32 for the model; predictions float64, shaped like y."""
        return RegressionTargetEncoder()

    def _default_loss(self, model):
        return "mse"

    def _sample_weights(self, y, sample_weight):
        if self.class_weight is not None:
            raise ValueError("class_weight applies to classifiers; for a regressor pass sample_weight to fit.")
        return super()._sample_weights(y, sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
