"""
Title: A seventh recipe, defined inside the test package
Source: the contributing guide: one module, its test, one line of registration.

## Introduction
A linear regression on the diabetes data. It exists to prove that a recipe the engine has
never heard of runs through `run`, `compare` and the scikit-learn wrappers once registered.
"""

## Setup
import keras

import multikeras  # noqa: F401  (selects the backend before Keras loads; torch by default)
from multikeras import hparams, scoring
from multikeras.recipes._housing import housing_splits

NAME = "tiny_linear"
METRIC = "rmse"
TASK = "regression"
FIT_KWARGS = {"epochs": 2, "batch_size": 32}
N_FEATURES = 10
LEARNING_RATE = 1e-2


## Prepare the data
def load_data(source="embedded", data_dir=None):
    return housing_splits(source, data_dir)


DATA_HPARAMS = ("n_features",)


def data_hparams(X_train, meta=None):
    return {"n_features": X_train.shape[1]}


## Build the model
def build_model(n_features=N_FEATURES, learning_rate=LEARNING_RATE):
    hparams.whole_numbers(n_features=n_features)
    model = keras.Sequential([keras.Input((n_features,)), keras.layers.Dense(1)], name=NAME)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return model


## Evaluate
def score(y_true, y_pred):
    return scoring.rmse(y_true, y_pred)


## Search the hyperparameters
def search_space(hp):
    return {"learning_rate": hp.Float("learning_rate", 1e-3, 1e-1, sampling="log")}
