"""
Title: Image classifier MLP (Fashion-MNIST)
Source: Hands-On ML, chapter 10, "Building an Image Classifier Using the Sequential API".

## Introduction
A 784-300-100-10 multilayer perceptron on 28x28 grayscale images, trained with plain SGD.
The book reaches about 0.886 test accuracy after 30 epochs.
"""

## Setup
import keras
import numpy as np
from sklearn.model_selection import train_test_split

import multikeras  # noqa: F401  (selects the backend before Keras loads; torch by default)
from multikeras import datasets, hparams, scoring

NAME = "classifier_mlp"
METRIC = "accuracy"
TASK = "classification"
FIT_KWARGS = {"epochs": 30, "batch_size": 32}
INPUT_SHAPE = (28, 28)
HIDDEN_UNITS = (300, 100)
N_CLASSES = 10
LEARNING_RATE = 0.01
VALID_SIZE = 5000
# The book's test accuracy after 30 epochs on Fashion-MNIST (chapter 10, "Building an Image
# Classifier Using the Sequential API", evaluating the model); it holds for `--data real` only.
BOOK_RESULT = 0.8864


## Prepare the data
def _scaled(images):
    """uint8 pixels to float32 in [0, 1], dividing in place so only one float copy exists."""
    scaled = images.astype(np.float32)
    scaled /= 255.0
    return scaled


def load_data(source="embedded", data_dir=None):
    """Fashion-MNIST (real: last 5,000 training images validate) or sklearn's 8x8 digits."""
    if datasets.check_source(source) == "real":
        (X_full, y_full), (X_test, y_test) = datasets.fashion_mnist(data_dir)
        X_full, X_test = _scaled(X_full), _scaled(X_test)
        return (
            (X_full[:-VALID_SIZE], y_full[:-VALID_SIZE]),
            (X_full[-VALID_SIZE:], y_full[-VALID_SIZE:]),
            (X_test, y_test),
        )
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = (digits.images / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    X_full, X_test, y_full, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=42)
    X_train, X_valid, y_train, y_valid = train_test_split(
        X_full, y_full, test_size=0.2, stratify=y_full, random_state=42
    )
    return (X_train, y_train), (X_valid, y_valid), (X_test, y_test)


DATA_HPARAMS = ("input_shape", "n_classes")  # follow from the data: never searched


def data_hparams(X_train, meta=None):
    """The build arguments that follow from the training inputs (``meta``: a wrapper's fitted metadata)."""
    derived = {"input_shape": tuple(X_train.shape[1:])}
    if meta and "n_classes_" in meta:
        derived["n_classes"] = meta["n_classes_"]
    return derived


## Build the model
def build_model(input_shape=INPUT_SHAPE, hidden_units=HIDDEN_UNITS, n_classes=N_CLASSES, learning_rate=LEARNING_RATE):
    input_shape, hidden_units = (
        hparams.shape("input_shape", input_shape),
        hparams.unit_counts("hidden_units", hidden_units),
    )
    hparams.whole_numbers(minimum=2, n_classes=n_classes)
    hparams.positive_numbers(learning_rate=learning_rate)
    model = keras.Sequential(name=NAME)
    model.add(keras.Input(shape=input_shape))
    model.add(keras.layers.Flatten())
    for units in hidden_units:
        model.add(keras.layers.Dense(units, activation="relu"))
    model.add(keras.layers.Dense(n_classes, activation="softmax"))
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
        metrics=["accuracy"],
    )
    return model


## Evaluate
def score(y_true, y_pred):
    return scoring.accuracy(y_true, y_pred)


## Search the hyperparameters
def search_space(hp):
    """KerasTuner's ranges around the book's model (``multikeras search``): depth, widths, SGD rate."""
    n_hidden = hp.Int("n_hidden", 1, 3, default=len(HIDDEN_UNITS))
    defaults = HIDDEN_UNITS + (HIDDEN_UNITS[-1],) * 3
    hidden_units = tuple(hp.Int(f"units_{i}", 16, 512, sampling="log", default=defaults[i]) for i in range(n_hidden))
    return {
        "hidden_units": hidden_units,
        "learning_rate": hp.Float("learning_rate", 1e-3, 1e-1, sampling="log", default=LEARNING_RATE),
    }
