"""Recipes as scikit-learn estimators, built from the registry: ``recipe_estimator("wide_deep")``."""

from __future__ import annotations

import inspect

from .. import registry
from .classifier import KerasClassifier
from .regressor import KerasRegressor

__all__ = ["RecipeModel", "recipe_estimator"]

WRAPPERS = {registry.Task.CLASSIFICATION: KerasClassifier, registry.Task.REGRESSION: KerasRegressor}


class RecipeModel:
    """A picklable build function: ``recipe.build_model`` with shapes and adapt data from the fit.

    Its signature is the recipe's hyperparameters (those not in ``DATA_HPARAMS``), so routed
    ``model__*`` keys are checked against it like any build function's.
    """

    def __init__(self, recipe_name: str):
        self.recipe_name = recipe_name

    @property
    def recipe(self):
        return registry.get(self.recipe_name)

    @property
    def main_output(self):
        """The output a multi-output recipe reports (its ``MAIN_OUTPUT``), else None."""
        return getattr(self.recipe, "MAIN_OUTPUT", None)

    @property
    def __signature__(self):
        derived = set(getattr(self.recipe, "DATA_HPARAMS", ()))
        own = inspect.signature(self.recipe.build_model).parameters.values()
        extras = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in ("X", "meta")]
        hyper = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own if p.name not in derived]
        return inspect.Signature(extras + hyper)

    def __call__(self, *, X, meta, **hparams):
        return self.recipe.build_model(**{**self.recipe.data_hparams(X, meta), **hparams})

    def __repr__(self):
        return f"RecipeModel({self.recipe_name!r})"

    def __eq__(self, other):
        return isinstance(other, RecipeModel) and other.recipe_name == self.recipe_name

    def __hash__(self):
        return hash(("RecipeModel", self.recipe_name))


def recipe_estimator(recipe_name: str, **params):
    """The recipe's model in its wrapper (by ``TASK``), with its fit settings; ``params`` override.

    Multi-input recipes get their ``FEATURE_GROUPS``, so they take a plain 2-D X.
    """
    recipe = registry.get(recipe_name)
    defaults = {
        "model": RecipeModel(recipe_name),
        "epochs": recipe.FIT_KWARGS["epochs"],
        "batch_size": recipe.FIT_KWARGS["batch_size"],
        "verbose": 0,
    }
    if getattr(recipe, "FEATURE_GROUPS", None) is not None:
        defaults["feature_groups"] = recipe.FEATURE_GROUPS
    return WRAPPERS[registry.Task(recipe.TASK)](**{**defaults, **params})
