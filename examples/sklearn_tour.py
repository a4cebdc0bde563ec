"""
Title: Keras recipes in scikit-learn: grid search, a KFold ensemble and stacking
Run: python examples/sklearn_tour.py [--data embedded|real] [--quick]

## Introduction
The recipes' estimators (``multikeras.sklearn.recipe_estimator``) are ordinary scikit-learn estimators, so the usual tools
apply unchanged: search tunes routed ``model__*`` hyperparameters, a KFoldEnsemble trains one
model per fold and averages them, and stacking puts a Keras model beside a random forest under
a Ridge meta-model. Every score is 5-fold cross-validated R² on held-out data (2-fold with
--quick, which is a smoke run on a few hundred rows).
"""

## Setup
import argparse
import time

import numpy as np
from sklearn.ensemble import RandomForestRegressor, StackingRegressor
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

import multikeras
from multikeras.recipes import regression_mlp
from multikeras.sklearn import KFoldEnsemble, recipe_estimator

SEED = 42
EPOCHS = 20
QUICK_EPOCHS = 1
QUICK_ROWS = 200


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--data", choices=("embedded", "real"), default="embedded")
    parser.add_argument("--quick", action="store_true", help="few rows and epochs: a smoke run")
    return parser.parse_args()


## Prepare the data
def load(source, quick):
    """Housing features as one plain 2-D array: the wrappers split columns for Wide & Deep."""
    (X, y), (X_valid, y_valid), _ = regression_mlp.load_data(source)
    X, y = np.concatenate([X, X_valid]), np.concatenate([y, y_valid])
    return (X[:QUICK_ROWS], y[:QUICK_ROWS]) if quick else (X, y)


def cv_score(estimator, X, y, cv):
    start = time.perf_counter()
    scores = cross_val_score(estimator, X, y, cv=cv)
    return scores.mean(), scores.std(), time.perf_counter() - start


## Search, ensemble, stack
def main():
    args = parse_args()
    X, y = load(args.data, args.quick)
    epochs = QUICK_EPOCHS if args.quick else EPOCHS
    folds = 2 if args.quick else 5
    cv = KFold(folds, shuffle=True, random_state=SEED)
    print(f"{len(X)} rows, {X.shape[1]} features, backend {multikeras.active_backend()}, {epochs} epochs")

    search = GridSearchCV(
        recipe_estimator("regression_mlp", epochs=epochs, random_state=SEED),
        {"model__n_hidden": [1, 3], "model__n_neurons": [30, 100]},
        cv=cv,
    ).fit(X, y)
    print(f"grid search best {search.best_params_}  R² {search.best_score_:.3f}")

    mlp = recipe_estimator("regression_mlp", epochs=epochs, random_state=SEED, **_best_model_params(search))
    models = {
        "regression_mlp": mlp,
        "wide_deep": recipe_estimator("wide_deep", epochs=epochs, random_state=SEED, feature_groups=_feature_groups(X)),
        "random_forest": RandomForestRegressor(n_estimators=20 if args.quick else 100, random_state=SEED),
        "kfold_ensemble(regression_mlp)": KFoldEnsemble(mlp, n_splits=min(folds, 3), random_state=SEED),
    }
    models["stack(mlp, wide_deep, forest -> ridge)"] = StackingRegressor(
        [(name, models[name]) for name in ("regression_mlp", "wide_deep", "random_forest")],
        final_estimator=Ridge(),
        cv=min(folds, 3),
    )
    print(f"\n{'model':<42} {'CV R²':>14} {'seconds':>8}")
    for name, model in models.items():
        mean, std, seconds = cv_score(model, X, y, cv)
        print(f"{name:<42} {mean:>7.3f} ± {std:.3f} {seconds:>8.1f}")


def _best_model_params(search):
    return {key: value for key, value in search.best_params_.items() if key.startswith("model__")}


def _feature_groups(X):
    """Housing's wide (0-4) and deep (2-7) columns; on wider data the deep path takes the rest."""
    return {"wide": list(range(5)), "deep": list(range(2, X.shape[1]))}


if __name__ == "__main__":
    main()
