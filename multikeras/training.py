"""Train and evaluate one recipe on the active backend: the step behind `run` and `compare`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import keras
import numpy as np

from .backends import active_backend
from .class_weights import resolve_class_weight
from .fitting import fit
from .predicting import flatten_predictions, predict
from .seeding import seeded_build, set_seed
from .timing import median_seconds

__all__ = ["RecipeRun", "train_recipe", "lr_range_test", "run_callbacks", "PREDICT_REPEATS"]

PREDICT_REPEATS = 3
LR_TEST_MIN_STEPS = 100


@dataclass
class RecipeRun:
    """What one training run produced; ``row`` is the JSON-ready summary."""

    model: object
    X_test: object
    predictions: np.ndarray
    history: dict = field(default_factory=dict)
    row: dict = field(default_factory=dict)


def _time_predict(model, X):
    seconds, predictions = median_seconds(lambda: predict(model, X, verbose=0), PREDICT_REPEATS)
    return predictions, 1000 * seconds


def run_callbacks(patience=None, checkpoint=None, backup_dir=None):
    """The callbacks behind `multikeras run`'s flags, in the order they must run."""
    from . import callbacks

    chosen = []
    if backup_dir:
        chosen.append(callbacks.BackupAndRestore(backup_dir))
    if patience is not None:
        chosen.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True))
    if checkpoint:
        checkpoint = str(checkpoint)
        if not checkpoint.endswith((".keras", ".h5")):
            raise ValueError(
                f"checkpoint {checkpoint!r} must end in .keras (the whole model) or .weights.h5 (weights only)."
            )
        weights_only = checkpoint.endswith(".weights.h5")
        chosen.append(
            callbacks.ModelCheckpoint(
                checkpoint, monitor="val_loss", save_best_only=True, save_weights_only=weights_only
            )
        )
    return chosen


def _seeded_model(recipe, source, data_dir, seed):
    """``(model, splits)``: the recipe's data, and its model built under ``seed``."""
    set_seed(seed)
    splits = recipe.load_data(source, data_dir)
    with seeded_build(seed):
        model = recipe.build_model(**recipe.data_hparams(splits[0][0]))
    return model, splits


def train_recipe(
    recipe,
    source="embedded",
    data_dir=None,
    epochs=None,
    seed=42,
    callbacks=(),
    verbose=0,
    batch_size=None,
    class_weight=None,
):
    """Load the recipe's data, build its model with ``seed``, fit, time predict and score it.

    ``class_weight`` takes Keras's dict, or "balanced" (scikit-learn's formula).
    """
    model, ((X_train, y_train), (X_valid, y_valid), (X_test, y_test)) = _seeded_model(recipe, source, data_dir, seed)
    fit_kwargs = dict(recipe.FIT_KWARGS)
    if epochs is not None:
        fit_kwargs["epochs"] = epochs
    if batch_size is not None:
        fit_kwargs["batch_size"] = batch_size
    if class_weight is not None:
        fit_kwargs["class_weight"] = resolve_class_weight(class_weight, y_train)
    start = time.perf_counter()
    history = fit(
        model,
        X_train,
        y_train,
        validation_data=(X_valid, y_valid),
        callbacks=list(callbacks),
        verbose=verbose,
        **fit_kwargs,
    )
    fit_seconds = time.perf_counter() - start
    predictions, predict_ms = _time_predict(model, X_test)
    row = {
        "recipe": recipe.NAME,
        "backend": active_backend(),
        "metric": recipe.METRIC,
        "value": recipe.score(y_test, predictions),
        "fit_seconds": fit_seconds,
        "predict_ms": predict_ms,
        "epochs": history.epoch[-1] + 1 if history.epoch else 0,
        "n_train": len(y_train["output"] if isinstance(y_train, dict) else y_train),
        "data": source,
        "seed": seed,
    }
    resumed = next(
        (c.resumed_from_epoch for c in callbacks if getattr(c, "resumed_from_epoch", None) is not None), None
    )
    if resumed is not None:
        row["resumed_from_epoch"] = resumed
    if hasattr(recipe, "baseline"):
        row["baseline"] = recipe.baseline(X_test, y_test)
    hist = {key: [float(v) for v in values] for key, values in history.history.items()}
    return RecipeRun(model, X_test, flatten_predictions(predictions), hist, row)


def lr_range_test(recipe, source="embedded", data_dir=None, seed=42, min_lr=1e-5, max_lr=10.0, batch_size=None):
    """Run the LR finder on a fresh model of ``recipe`` for one epoch (at least 100 batches); return it."""
    from .callbacks import LRFinder

    model, ((X_train, y_train), _, _) = _seeded_model(recipe, source, data_dir, seed)
    batch_size = batch_size or recipe.FIT_KWARGS.get("batch_size", 32)
    n = len(keras.tree.flatten(y_train)[0])
    per_epoch = -(-n // batch_size)
    epochs = -(-LR_TEST_MIN_STEPS // per_epoch)  # small data sets repeat so the curve has points
    finder = LRFinder(min_lr=min_lr, max_lr=max_lr, steps=epochs * per_epoch)
    # the range test drives the loss to divergence on purpose; the finder stops there itself
    fit(model, X_train, y_train, epochs=epochs, batch_size=batch_size, callbacks=[finder], verbose=0, nan_guard=False)
    return finder
