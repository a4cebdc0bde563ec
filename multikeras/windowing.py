"""Cut a series into supervised windows with NumPy, on any backend.

``keras.utils.timeseries_dataset_from_array`` builds a ``tf.data`` pipeline and so needs
TensorFlow; these are plain strided views instead.
"""

from __future__ import annotations

import numpy as np

from .hparams import whole_numbers

__all__ = ["make_windows", "split_windows"]


def _as_series(series) -> np.ndarray:
    array = np.asarray(series)
    if array.dtype == object or array.dtype.kind not in "biuf":
        raise TypeError(
            f"series must hold real numbers, got dtype {array.dtype}; convert it with np.asarray(series, dtype='float32')."
        )
    if array.ndim not in (1, 2):
        raise ValueError(
            f"series must be 1-D (time,) or 2-D (time, features), got shape {array.shape}. "
            "Reshape it so time runs along the first axis."
        )
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float32)
    if not np.all(np.isfinite(array)):
        raise ValueError("series contains NaN or inf; fill or drop those steps before windowing.")
    return array


def make_windows(series, window, horizon=1):
    """Return ``(X, y)`` for forecasting ``horizon`` steps past each window.

    series: (time,) or (time, features). X: (samples, window, features), features is 1 for a
    1-D series; y: (samples,) for a 1-D series, else (samples, features), the value at
    ``t + window + horizon - 1``. Both are read-only views of ``series`` when it is already a
    float NumPy array, so windowing a long series costs no memory.
    """
    array = _as_series(series)
    whole_numbers(window=window, hint="Use a window of one step or more.")
    whole_numbers(horizon=horizon, hint="horizon=1 forecasts the next step.")
    window, horizon = int(window), int(horizon)
    length = array.shape[0]
    if window + horizon > length:
        raise ValueError(
            f"window ({window}) + horizon ({horizon}) is longer than the series ({length} steps); "
            f"use a window of at most {length - horizon} or a longer series."
        )
    columns = array if array.ndim == 2 else array[:, np.newaxis]
    samples = length - window - horizon + 1
    # sliding_window_view puts the window axis last: (time - window + 1, features, window).
    views = np.lib.stride_tricks.sliding_window_view(columns, window, axis=0)
    X = views[:samples].transpose(0, 2, 1)
    y = array[window + horizon - 1 :]
    return X, y


def split_windows(X, y, fractions=(0.7, 0.15)):
    """Split windows chronologically into train / valid / test by the given leading fractions."""
    if len(fractions) != 2 or min(fractions) <= 0 or sum(fractions) >= 1:
        raise ValueError(f"fractions must be two positive numbers summing below 1, got {fractions}.")
    n = len(X)
    a = int(n * fractions[0])
    b = int(n * (fractions[0] + fractions[1]))
    if a == 0 or b == a or b == n:
        raise ValueError(
            f"{n} windows are too few to split into train, valid and test; use a longer series or a shorter window."
        )
    return (X[:a], y[:a]), (X[a:b], y[a:b]), (X[b:], y[b:])
