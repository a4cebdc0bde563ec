"""
Title: Wide & Deep network with two named inputs (California housing)
Source: Hands-On ML, chapter 10, "Building Complex Models Using the Functional API";
Cheng et al., "Wide & Deep Learning for Recommender Systems" (2016).

## Introduction
A short "wide" path (features 0-4) goes straight to the output, so simple patterns are
learned directly, while a "deep" path (features 2-7 of housing's 8) goes through two hidden
layers. Each path
standardizes its own inputs. The model takes a dict keyed by input name. A single-input
variant (all features on both paths, as in the book's first version) is a build option.
"""

## Setup
import keras

import multikeras  # noqa: F401  (selects the backend before Keras loads; torch by default)
from multikeras import hparams, scoring

from ._housing import compile_for_rmse, housing_splits

NAME = "wide_deep"
METRIC = "rmse"
TASK = "regression"
FIT_KWARGS = {"epochs": 20, "batch_size": 32}
WIDE_COLUMNS = slice(0, 5)
DEEP_COLUMNS = slice(2, None)  # columns 2-7 of housing's 8 features; 2 onward on wider data
INPUT_NAMES = ("wide", "deep")
N_NEURONS = 30
LEARNING_RATE = 1e-3


## Prepare the data
def to_inputs(X):
    """Split a 2-D feature array into the model's named inputs (views, no copy)."""
    return {"wide": X[:, WIDE_COLUMNS], "deep": X[:, DEEP_COLUMNS]}


def load_data(source="embedded", data_dir=None, single_input=False):
    """Housing splits as {"wide", "deep"} dicts, or as 2-D arrays for the single-input variant."""
    splits = housing_splits(source, data_dir)
    if single_input:
        return splits
    return tuple((to_inputs(X), y) for X, y in splits)


DATA_HPARAMS = ("adapt_data", "single_input")  # follow from the data: never searched


def data_hparams(X_train, meta=None):
    """The build arguments that follow from the training inputs (``meta``: a wrapper's fitted metadata)."""
    if isinstance(X_train, dict):
        return {"adapt_data": X_train}
    return {"adapt_data": X_train, "single_input": True}


## Build the model
def _normalized_input(name, default_width, adapt_data):
    width = default_width if adapt_data is None else adapt_data.shape[1]
    inputs = keras.Input(shape=(width,), name=name)
    normalization = keras.layers.Normalization(name=f"normalization_{name}")
    if adapt_data is not None:
        normalization.adapt(adapt_data)
    return inputs, normalization(inputs)


def build_deep_and_wide(adapt_data=None, single_input=False, n_neurons=N_NEURONS):
    """The uncompiled graph: ``(inputs, wide_features, deep_hidden)`` shared with wide_deep_aux."""
    hparams.whole_numbers(n_neurons=n_neurons)
    if single_input:
        inputs, normalized = _normalized_input("features", 8, adapt_data)
        wide, deep = normalized, normalized
    else:
        adapt_data = {} if adapt_data is None else hparams.input_dict("adapt_data", adapt_data, INPUT_NAMES)
        wide_in, wide = _normalized_input("wide", 5, adapt_data.get("wide"))
        deep_in, deep = _normalized_input("deep", 6, adapt_data.get("deep"))
        inputs = {"wide": wide_in, "deep": deep_in}
    hidden = keras.layers.Dense(n_neurons, activation="relu", name="hidden1")(deep)
    hidden = keras.layers.Dense(n_neurons, activation="relu", name="hidden2")(hidden)
    return inputs, wide, hidden


def build_model(adapt_data=None, single_input=False, n_neurons=N_NEURONS, learning_rate=LEARNING_RATE):
    hparams.positive_numbers(learning_rate=learning_rate)
    inputs, wide, deep = build_deep_and_wide(adapt_data, single_input, n_neurons)
    concat = keras.layers.Concatenate(name="concat")([wide, deep])
    output = keras.layers.Dense(1, name="output")(concat)
    model = keras.Model(inputs=inputs, outputs=output, name=NAME)
    return compile_for_rmse(model, learning_rate)


## Evaluate
def score(y_true, y_pred):
    return scoring.rmse(y_true, y_pred)


## Search the hyperparameters
def search_space(hp):
    """KerasTuner's ranges for the deep path's width and Adam's rate (``multikeras search``)."""
    return {
        "n_neurons": hp.Int("n_neurons", 8, 256, sampling="log", default=N_NEURONS),
        "learning_rate": hp.Float("learning_rate", 1e-4, 1e-2, sampling="log", default=LEARNING_RATE),
    }


## Use it in scikit-learn
# A plain 2-D X reaches the two inputs through these column groups
# (multikeras.sklearn.recipe_estimator passes them as feature_groups).
FEATURE_GROUPS = {"wide": [0, 1, 2, 3, 4], "deep": [2, 3, 4, 5, 6, 7]}
