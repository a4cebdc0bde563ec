"""
Title: Regression MLP with a Normalization layer (California housing)
Source: Hands-On ML, chapter 10, "Building a Regression MLP Using the Sequential API".

## Introduction
Three hidden layers of 50 ReLU units predict the median house value (in $100,000). The
first layer standardizes the 8 features with statistics adapted on the training set, so the
scaling travels inside the saved model. The book reaches a test RMSE of about 0.53.
"""

## Setup
import keras

import multikeras  # noqa: F401  (selects the backend before Keras loads; torch by default)
from multikeras import hparams, scoring

from ._housing import compile_for_rmse, housing_splits

NAME = "regression_mlp"
METRIC = "rmse"
TASK = "regression"
FIT_KWARGS = {"epochs": 20, "batch_size": 32}
N_FEATURES = 8
N_HIDDEN = 3
N_NEURONS = 50
LEARNING_RATE = 1e-3
# The book's test RMSE after 20 epochs on California housing (chapter 10, "Building a Regression
# MLP Using the Sequential API"); it holds for `--data real` only.
BOOK_RESULT = 0.5297


## Prepare the data
def load_data(source="embedded", data_dir=None):
    """California housing (real) or diabetes (embedded, target in hundreds), split as the book does."""
    return housing_splits(source, data_dir)


DATA_HPARAMS = ("n_features", "adapt_data")  # follow from the data: never searched


def data_hparams(X_train, meta=None):
    """The build arguments that follow from the training inputs (``meta``: a wrapper's fitted metadata)."""
    return {"n_features": X_train.shape[1], "adapt_data": X_train}


## Build the model
def build_model(
    n_features=N_FEATURES, n_hidden=N_HIDDEN, n_neurons=N_NEURONS, learning_rate=LEARNING_RATE, adapt_data=None
):
    """Without ``adapt_data``, adapt the Normalization layer before training: ``multikeras.fit``
    refuses a model with an un-adapted one, which would train on placeholder statistics."""
    hparams.whole_numbers(n_features=n_features, n_neurons=n_neurons)
    hparams.whole_numbers(minimum=0, n_hidden=n_hidden)
    hparams.positive_numbers(learning_rate=learning_rate)
    normalization = keras.layers.Normalization(name="normalization")
    if adapt_data is not None:
        normalization.adapt(adapt_data)
    model = keras.Sequential(name=NAME)
    model.add(keras.Input(shape=(n_features,)))
    model.add(normalization)
    for _ in range(n_hidden):
        model.add(keras.layers.Dense(n_neurons, activation="relu"))
    model.add(keras.layers.Dense(1))
    return compile_for_rmse(model, learning_rate)


## Evaluate
def score(y_true, y_pred):
    return scoring.rmse(y_true, y_pred)


## Search the hyperparameters
def search_space(hp):
    """KerasTuner's ranges around the book's model (``multikeras search``)."""
    return {
        "n_hidden": hp.Int("n_hidden", 0, 5, default=N_HIDDEN),
        "n_neurons": hp.Int("n_neurons", 8, 256, sampling="log", default=N_NEURONS),
        "learning_rate": hp.Float("learning_rate", 1e-4, 1e-2, sampling="log", default=LEARNING_RATE),
    }
