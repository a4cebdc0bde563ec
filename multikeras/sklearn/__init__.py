"""scikit-learn wrappers with scikeras's API: port scikeras code by changing the import."""

from .classifier import KerasClassifier
from .regressor import KerasRegressor

__all__ = ["KerasClassifier", "KerasRegressor"]
