"""Reference metrics computed from predictions with NumPy, identical on every backend."""

from __future__ import annotations

import numpy as np

__all__ = ["accuracy", "rmse", "mae", "HIGHER_IS_BETTER", "higher_is_better"]

HIGHER_IS_BETTER = {"accuracy": True, "rmse": False, "mae": False}  # which way each metric improves


def accuracy(y_true, y_prob) -> float:
    """Share of rows whose most probable class is the label; y_prob is (n, classes)."""
    return float(np.mean(np.argmax(np.asarray(y_prob), axis=-1) == np.asarray(y_true).reshape(-1)))


def rmse(y_true, y_pred) -> float:
    """Root mean squared error, in the target's units."""
    diff = np.asarray(y_pred, dtype=np.float64).reshape(-1) - np.asarray(y_true, dtype=np.float64).reshape(-1)
    return float(np.sqrt(np.mean(diff**2)))


def mae(y_true, y_pred) -> float:
    """Mean absolute error, in the target's units."""
    diff = np.asarray(y_pred, dtype=np.float64).reshape(-1) - np.asarray(y_true, dtype=np.float64).reshape(-1)
    return float(np.mean(np.abs(diff)))


def higher_is_better(metric: str) -> bool:
    """Whether a larger ``metric`` is a better model (accuracy) or a worse one (rmse, mae)."""
    try:
        return HIGHER_IS_BETTER[metric]
    except KeyError:
        raise ValueError(
            f"metric {metric!r} has no known direction; use one of {sorted(HIGHER_IS_BETTER)} "
            "or add it to multikeras.scoring.HIGHER_IS_BETTER."
        ) from None
