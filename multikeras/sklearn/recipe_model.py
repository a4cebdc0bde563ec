"""Recipes as scikit-learn estimators: ``recipe.estimator(**params)`` is built from these."""

from __future__ import annotations

import inspect

__all__ = ["RecipeModel", "recipe_estimator"]

# build_model arguments that recipes derive from the training data (recipe.data_hparams) or meta.
DATA_DERIVED = frozenset({"adapt_data", "input_shape", "n_features", "n_classes", "window", "single_input"})


class RecipeModel:
    """A picklable build function: ``recipe.build_model`` with shapes and adapt data from the fit.

    Its signature is the recipe's hyperparameters (those not derived from the data), so routed
    ``model__*`` keys are checked against it like any build function's.
    """

    def __init__(self, recipe_name: str):
        self.recipe_name = recipe_name

    @property
    def recipe(self):
        import recipes

        return recipes.get(self.recipe_name)

    def _derived(self, X, meta) -> dict:
        derived = self.recipe.data_hparams(X)
        if "n_classes" in inspect.signature(self.recipe.build_model).parameters and "n_classes_" in meta:
            derived["n_classes"] = meta["n_classes_"]
        return derived

    @property
    def __signature__(self):
        own = inspect.signature(self.recipe.build_model).parameters.values()
        extras = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in ("X", "meta")]
        hyper = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own if p.name not in DATA_DERIVED]
        return inspect.Signature(extras + hyper)

    def __call__(self, *, X, meta, **hparams):
        return self.recipe.build_model(**{**self._derived(X, meta), **hparams})

    def __repr__(self):
        return f"RecipeModel({self.recipe_name!r})"

    def __eq__(self, other):
        return isinstance(other, RecipeModel) and other.recipe_name == self.recipe_name

    def __hash__(self):
        return hash(("RecipeModel", self.recipe_name))


def recipe_estimator(recipe_name, wrapper, **params):
    """``wrapper`` configured with the recipe's model and fit settings; ``params`` override."""
    import recipes

    recipe = recipes.get(recipe_name)
    defaults = {
        "model": RecipeModel(recipe_name),
        "epochs": recipe.FIT_KWARGS["epochs"],
        "batch_size": recipe.FIT_KWARGS["batch_size"],
        "verbose": 0,
    }
    return wrapper(**{**defaults, **params})
