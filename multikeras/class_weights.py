"""Class weights: the one place that turns "balanced" into numbers, for ``run`` and the wrappers."""

from __future__ import annotations

import numpy as np
from sklearn.utils.class_weight import compute_class_weight

__all__ = ["balanced_class_weights", "resolve_class_weight"]


def balanced_class_weights(y, classes=None) -> dict:
    """``{label: n_samples / (n_classes * count)}``, scikit-learn's "balanced" weighting."""
    classes = np.unique(y) if classes is None else np.asarray(classes)
    return dict(zip(classes.tolist(), compute_class_weight("balanced", classes=classes, y=y).tolist()))


def resolve_class_weight(class_weight, y):
    """Keras's ``class_weight`` dict; "balanced" is computed from the integer labels ``y``."""
    if class_weight != "balanced":
        return class_weight
    if isinstance(y, dict) or np.asarray(y).dtype.kind not in "iub" or np.asarray(y).ndim != 1:
        raise ValueError(
            'class_weight="balanced" needs one integer class label per sample; this recipe is not a classifier.'
        )
    return balanced_class_weights(y)
