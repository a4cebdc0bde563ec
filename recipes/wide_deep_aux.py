"""
Title: Wide & Deep with an auxiliary output for regularization (California housing)
Source: Hands-On ML, chapter 10, "Building Complex Models Using the Functional API".

## Introduction
The Wide & Deep network gets a second output on the deep path alone. Its loss (weight 0.1)
pushes the deep path to be useful by itself, which regularizes the whole network; the main
output (weight 0.9) is the prediction. Outputs are named "output" and "aux_output", and both
are trained on the same target.
"""

## Setup
import keras

import multikeras  # noqa: F401  (selects the backend before Keras loads; torch by default)
from multikeras import hparams, scoring

from . import wide_deep

NAME = "wide_deep_aux"
METRIC = "rmse"
TASK = "regression"
FIT_KWARGS = {"epochs": 20, "batch_size": 32}
LOSS_WEIGHTS = {"output": 0.9, "aux_output": 0.1}
N_NEURONS = wide_deep.N_NEURONS
LEARNING_RATE = 1e-3


## Prepare the data
def both_outputs(y):
    """One target for both heads (the same array twice, no copy)."""
    return {"output": y, "aux_output": y}


def load_data(source="embedded", data_dir=None):
    """wide_deep's {"wide", "deep"} inputs with targets for both outputs."""
    splits = wide_deep.load_data(source, data_dir)
    return tuple((X, both_outputs(y)) for X, y in splits)


DATA_HPARAMS = ("adapt_data",)  # follow from the data: never searched


def data_hparams(X_train, meta=None):
    """The build arguments that follow from the training inputs (``meta``: a wrapper's fitted metadata)."""
    return {"adapt_data": X_train}


## Build the model
def build_model(adapt_data=None, n_neurons=N_NEURONS, learning_rate=LEARNING_RATE, loss_weights=LOSS_WEIGHTS):
    hparams.positive_numbers(
        learning_rate=learning_rate, **{f"loss_weights[{k!r}]": w for k, w in dict(loss_weights).items()}
    )
    inputs, wide, deep = wide_deep.build_deep_and_wide(adapt_data, n_neurons=n_neurons)
    concat = keras.layers.Concatenate(name="concat")([wide, deep])
    output = keras.layers.Dense(1, name="output")(concat)
    aux_output = keras.layers.Dense(1, name="aux_output")(deep)
    model = keras.Model(inputs=inputs, outputs={"output": output, "aux_output": aux_output}, name=NAME)
    model.compile(
        loss={"output": "mse", "aux_output": "mse"},
        loss_weights=dict(loss_weights),
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        metrics={"output": [keras.metrics.RootMeanSquaredError(name="rmse")]},
    )
    return model


## Evaluate
def main_output(y):
    """The main head's values from a target dict or from ``model.predict``'s output dict."""
    return y["output"] if isinstance(y, dict) else y


def score(y_true, y_pred):
    return scoring.rmse(main_output(y_true), main_output(y_pred))


## Search the hyperparameters
# The total loss depends on the searched aux weight, so trials are compared on the main head's.
SEARCH_OBJECTIVE = "val_output_loss"


def search_space(hp):
    """wide_deep's ranges plus how much the auxiliary head counts (``multikeras search``)."""
    aux_weight = hp.Float("aux_weight", 0.05, 0.5, default=LOSS_WEIGHTS["aux_output"])
    return {**wide_deep.search_space(hp), "loss_weights": {"output": 1.0 - aux_weight, "aux_output": aux_weight}}


## Use it in scikit-learn
# Both heads fit the one y; the estimator reports this output, on wide_deep's column groups.
MAIN_OUTPUT = "output"
FEATURE_GROUPS = wide_deep.FEATURE_GROUPS
