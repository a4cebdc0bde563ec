"""California housing (real) or diabetes (embedded) split the way the book splits housing."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split

from multikeras import datasets

__all__ = ["housing_splits", "compile_for_rmse"]

SPLIT_SEED = 42
# Diabetes targets run 25-346; in hundreds they sit on the same scale as housing's $100k units.
DIABETES_TARGET_SCALE = 100.0


def _raw(source, data_dir):
    if datasets.check_source(source) == "real":
        return datasets.california_housing(data_dir)
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    return X, y / DIABETES_TARGET_SCALE


def housing_splits(source="embedded", data_dir=None):
    """((X_train, y_train), (X_valid, y_valid), (X_test, y_test)) as float32 arrays."""
    X, y = _raw(source, data_dir)
    X, y = X.astype(np.float32), y.astype(np.float32)
    X_train_full, X_test, y_train_full, y_test = train_test_split(X, y, random_state=SPLIT_SEED)
    X_train, X_valid, y_train, y_valid = train_test_split(X_train_full, y_train_full, random_state=SPLIT_SEED)
    return (X_train, y_train), (X_valid, y_valid), (X_test, y_test)


def compile_for_rmse(model, learning_rate):
    """Compile as the book does for housing: MSE loss, Adam, RMSE reported."""
    import keras

    model.compile(
        loss="mse",
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        metrics=[keras.metrics.RootMeanSquaredError(name="rmse")],
    )
    return model
