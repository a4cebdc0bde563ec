"""
Title: Wide & Deep with the subclassing API (California housing)
Source: Hands-On ML, chapter 10, "Using the Subclassing API to Build Dynamic Models".

## Introduction
The same layers as ``wide_deep``, written as a ``keras.Model`` subclass: layers are created
in ``__init__`` and wired in ``call``. Subclassed models are opaque to Keras's graph tools,
so ``get_config`` returns every constructor argument and the class is registered, which
lets it save and load as .keras on any backend.
"""

## Setup
import keras

import multikeras  # noqa: F401  (selects the backend before Keras loads; torch by default)
from multikeras import hparams, scoring

from . import wide_deep
from ._housing import compile_for_rmse

NAME = "wide_deep_subclassed"
METRIC = "rmse"
TASK = "regression"
FIT_KWARGS = {"epochs": 20, "batch_size": 32}
N_NEURONS = wide_deep.N_NEURONS
LEARNING_RATE = 1e-3


## Prepare the data
def load_data(source="embedded", data_dir=None):
    """The same {"wide", "deep"} inputs as wide_deep."""
    return wide_deep.load_data(source, data_dir)


DATA_HPARAMS = ("adapt_data",)  # follow from the data: never searched


def data_hparams(X_train, meta=None):
    """The build arguments that follow from the training inputs (``meta``: a wrapper's fitted metadata)."""
    return {"adapt_data": X_train}


## Build the model
@keras.saving.register_keras_serializable(package="multikeras_recipes")
class WideAndDeepModel(keras.Model):
    def __init__(self, units=N_NEURONS, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = activation
        self.norm_wide = keras.layers.Normalization(name="normalization_wide")
        self.norm_deep = keras.layers.Normalization(name="normalization_deep")
        self.hidden1 = keras.layers.Dense(units, activation=activation, name="hidden1")
        self.hidden2 = keras.layers.Dense(units, activation=activation, name="hidden2")
        self.concat = keras.layers.Concatenate(name="concat")
        self.main_output = keras.layers.Dense(1, name="output")

    def call(self, inputs):
        wide = self.norm_wide(inputs["wide"])
        deep = self.hidden2(self.hidden1(self.norm_deep(inputs["deep"])))
        return self.main_output(self.concat([wide, deep]))

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self.activation}


def build_model(adapt_data=None, n_neurons=N_NEURONS, learning_rate=LEARNING_RATE):
    hparams.whole_numbers(n_neurons=n_neurons)
    hparams.positive_numbers(learning_rate=learning_rate)
    model = WideAndDeepModel(units=n_neurons, name=NAME)
    if adapt_data is not None:
        hparams.input_dict("adapt_data", adapt_data, wide_deep.INPUT_NAMES)
        model.norm_wide.adapt(adapt_data["wide"])
        model.norm_deep.adapt(adapt_data["deep"])
    return compile_for_rmse(model, learning_rate)


## Evaluate
def score(y_true, y_pred):
    return scoring.rmse(y_true, y_pred)


## Search the hyperparameters
def search_space(hp):
    """The same ranges as the functional wide_deep (``multikeras search``)."""
    return wide_deep.search_space(hp)


## Use it in scikit-learn
FEATURE_GROUPS = wide_deep.FEATURE_GROUPS
