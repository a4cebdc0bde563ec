"""Which losses take integer labels and which take one-hot rows: one table for fit's checks and the classifier."""

from __future__ import annotations

__all__ = ["SPARSE_LOSSES", "ONE_HOT_LOSSES", "loss_name", "is_sparse", "is_one_hot"]

SPARSE_LOSSES = frozenset({"sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"})
ONE_HOT_LOSSES = frozenset(
    {
        "categorical_crossentropy", "CategoricalCrossentropy",
        "categorical_focal_crossentropy", "CategoricalFocalCrossentropy",
        "categorical_hinge", "CategoricalHinge",
    }
)  # fmt: skip


def loss_name(loss) -> str:
    """A loss's name, whether given as a string, a function or a ``keras.losses`` object."""
    if isinstance(loss, str):
        return loss
    target = getattr(loss, "fn", loss)  # keras.losses.X wraps the function as .fn
    return getattr(target, "__name__", type(target).__name__)


def is_sparse(loss) -> bool:
    return loss_name(loss) in SPARSE_LOSSES


def is_one_hot(loss) -> bool:
    return loss_name(loss) in ONE_HOT_LOSSES
