"""scikit-learn wrappers with scikeras's API: port scikeras code by changing the import."""

from .classifier import KerasClassifier
from .ensemble import KFoldEnsemble
from .fit_store import FitStore
from .recipe_model import recipe_estimator
from .regressor import KerasRegressor
from .split_evaluation import SplitEvaluation, evaluate_on_splits
from .wrapper import BaseWrapper

__all__ = [
    "BaseWrapper",
    "FitStore",
    "KerasClassifier",
    "KerasRegressor",
    "KFoldEnsemble",
    "SplitEvaluation",
    "evaluate_on_splits",
    "recipe_estimator",
]
