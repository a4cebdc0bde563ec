"""Readers for the published data files and the small embedded data sets.

Readers return NumPy arrays in the published units; recipes decide splits and scaling.
Images stay uint8 here, so the only float copy is the one a recipe makes.
"""

from __future__ import annotations

import csv
import gzip

import numpy as np

from .datafiles import CALIFORNIA_HOUSING, FASHION_MNIST, TIMESERIES, locate

__all__ = [
    "SOURCES",
    "check_source",
    "read_idx",
    "fashion_mnist",
    "california_housing",
    "monthly_series",
    "seasonal_series",
    "SERIES",
]

SOURCES = ("embedded", "real")  # small sets shipped with scikit-learn or made here; the published files
IDX_DTYPES = {0x08: np.uint8}
SERIES = {"sunspots": "monthly-sunspots.csv", "airline": "airline-passengers.csv"}
CAL_FEATURES = ("MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup", "Latitude", "Longitude")


def check_source(source, name="source") -> str:
    """``source`` if it names a data source, else a ValueError listing the two."""
    if source not in SOURCES:
        raise ValueError(
            f"{name} must be 'embedded' (small sample data) or 'real' (the published files), got {source!r}."
        )
    return source


def read_idx(path) -> np.ndarray:
    """Parse a gzip IDX file (the MNIST format) into an array without a float copy."""
    with gzip.open(path, "rb") as handle:
        raw = handle.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes (bad magic number).")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        raise ValueError(
            f"{path} holds {len(raw)} bytes, but its header {shape} needs {expected}; the file is truncated."
        )
    return np.frombuffer(raw, dtype=IDX_DTYPES[raw[2]], offset=header).reshape(shape)


def fashion_mnist(data_dir=None):
    """((train images, labels), (test images, labels)): uint8 (n, 28, 28) and (n,)."""
    paths = locate(FASHION_MNIST, data_dir)
    read = {name: read_idx(path) for name, path in paths.items()}
    return (
        (read["train-images-idx3-ubyte.gz"], read["train-labels-idx1-ubyte.gz"]),
        (read["t10k-images-idx3-ubyte.gz"], read["t10k-labels-idx1-ubyte.gz"]),
    )


def california_housing(data_dir=None):
    """(X, y) exactly as sklearn.datasets.fetch_california_housing derives them from StatLib.

    X: (20640, 8) float64 in the order of ``CAL_FEATURES``; y: median value in $100,000.
    """
    path = locate(CALIFORNIA_HOUSING, data_dir)["cal_housing.data"]
    raw = np.loadtxt(path, delimiter=",")
    if raw.ndim != 2 or raw.shape[1] != 9:
        raise ValueError(f"{path} should have 9 comma-separated columns, found shape {raw.shape}.")
    table = raw[:, [8, 7, 2, 3, 4, 5, 6, 1, 0]]
    target, data = table[:, 0] / 100000.0, table[:, 1:]
    households = data[:, 5].copy()
    data[:, 2] /= households  # AveRooms
    data[:, 3] /= households  # AveBedrms
    data[:, 5] = data[:, 4] / households  # AveOccup replaces households
    return data, target


def monthly_series(name="sunspots", data_dir=None) -> np.ndarray:
    """The values of a monthly series CSV ("YYYY-MM", value) as a float32 vector."""
    if name not in SERIES:
        raise ValueError(f"Unknown series {name!r}; choose one of {sorted(SERIES)}.")
    path = locate(TIMESERIES, data_dir, names=[SERIES[name]])[SERIES[name]]
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    try:
        return np.asarray([float(row[1]) for row in rows[1:] if row], dtype=np.float32)
    except (IndexError, ValueError) as err:
        raise ValueError(f"{path} is not a two-column 'Month,value' CSV: {err}") from err


def seasonal_series(n=1500, period=12, noise=0.1, seed=0) -> np.ndarray:
    """A generated monthly-like series: trend, two seasonalities and Gaussian noise (float32)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=np.float64)
    series = (
        0.002 * t
        + np.sin(2 * np.pi * t / period)
        + 0.5 * np.sin(2 * np.pi * t / (period * 4.5))
        + noise * rng.standard_normal(n)
    )
    return series.astype(np.float32)
