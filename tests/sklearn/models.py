"""Small build functions for the wrapper tests (module-level, so they pickle)."""

import keras


def mlp(meta, hidden=16, compile_kwargs=None):
    """One hidden layer; softmax over the classes for classifiers, linear outputs for regressors."""
    classifier = "n_classes_" in meta
    units = meta["n_classes_"] if classifier else meta["n_outputs_"]
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(units, activation="softmax" if classifier else None),
        ]
    )


def binary_sigmoid(meta):
    return keras.Sequential([keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1, activation="sigmoid")])


def keras_classifier(**params):
    """A small, seeded, quiet KerasClassifier over ``mlp``; ``params`` override."""
    from multikeras.sklearn import KerasClassifier

    return KerasClassifier(mlp, **{"optimizer": "adam", "epochs": 3, "verbose": 0, "random_state": 0, **params})


def keras_regressor(**params):
    """A small, seeded, quiet KerasRegressor over ``mlp``; ``params`` override."""
    from multikeras.sklearn import KerasRegressor

    return KerasRegressor(mlp, **{"optimizer": "adam", "epochs": 3, "verbose": 0, "random_state": 0, **params})
