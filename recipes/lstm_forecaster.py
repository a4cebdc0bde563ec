"""
Title: LSTM next-step forecaster over windowed monthly series
Source: Hands-On ML, chapter 15, "Forecasting a Time Series"; notes on LSTM windowing.

## Introduction
A univariate series is cut into windows of ``WINDOW`` steps (samples, window, 1); an LSTM
reads each window and a Dense layer forecasts the next step. The series is standardized with
the training part's mean and standard deviation. The naive forecast (the window's last value)
is the bar to beat, so its MAE is reported beside the model's.
"""

## Setup
import keras
import numpy as np

import multikeras  # noqa: F401  (selects the backend before Keras loads; torch by default)
from multikeras import datasets, hparams, scoring
from multikeras.windowing import make_windows, split_windows

NAME = "lstm_forecaster"
METRIC = "mae"
TASK = "regression"
FIT_KWARGS = {"epochs": 20, "batch_size": 32}
WINDOW = 56
UNITS = 32
LEARNING_RATE = 1e-3
SPLIT = (0.7, 0.15)  # chronological train / valid fractions; the rest is test
EMBEDDED_LENGTH = 1500


## Prepare the data
def load_data(source="embedded", data_dir=None, series="sunspots", window=WINDOW):
    """Chronological splits of standardized windows: X (samples, window, 1), y (samples,)."""
    if datasets.check_source(source) == "real":
        values = datasets.monthly_series(series, data_dir)
    else:
        values = datasets.seasonal_series(EMBEDDED_LENGTH)
    train_steps = int(len(values) * SPLIT[0])
    mean, std = values[:train_steps].mean(), values[:train_steps].std()
    standardized = ((values - mean) / std).astype(np.float32)
    X, y = make_windows(standardized, window)
    return split_windows(X, y, SPLIT)


DATA_HPARAMS = ("window", "n_features")  # follow from the data: never searched


def data_hparams(X_train, meta=None):
    """The build arguments that follow from the training inputs (``meta``: a wrapper's fitted metadata)."""
    return {"window": X_train.shape[1], "n_features": X_train.shape[2]}


## Build the model
def build_model(window=WINDOW, n_features=1, units=UNITS, learning_rate=LEARNING_RATE):
    hparams.whole_numbers(window=window, n_features=n_features, units=units)
    hparams.positive_numbers(learning_rate=learning_rate)
    model = keras.Sequential(name=NAME)
    model.add(keras.Input(shape=(window, n_features)))
    model.add(keras.layers.LSTM(units))
    model.add(keras.layers.Dense(1))
    model.compile(
        loss=keras.losses.Huber(),
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        metrics=["mae"],
    )
    return model


## Evaluate
def score(y_true, y_pred):
    return scoring.mae(y_true, y_pred)


def baseline(X, y):
    """MAE of the naive forecast: the next value equals the window's last value."""
    return scoring.mae(y, X[:, -1, 0])


## Search the hyperparameters
def search_space(hp):
    """KerasTuner's ranges for the LSTM's width and Adam's rate (``multikeras search``)."""
    return {
        "units": hp.Int("units", 8, 128, sampling="log", default=UNITS),
        "learning_rate": hp.Float("learning_rate", 1e-4, 1e-2, sampling="log", default=LEARNING_RATE),
    }
