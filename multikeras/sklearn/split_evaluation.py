"""Evaluation of one configuration over repeated random splits (the notes call it "bootstrap").

Fit the same configuration on many random train/held-out splits (stratified for
classifiers), each early-stopped on its held-out part, and report the spread: the mean and
standard deviation of the score, and of the number of epochs training needed. A single split
hides how much of a difference between two settings is luck. The splits are scikit-learn's
(Stratified)ShuffleSplit: samples are drawn without replacement, so this is not a bootstrap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone, is_classifier
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils.validation import check_X_y

from ..hparams import whole_numbers
from .ensemble import fit_split

__all__ = ["SplitEvaluation", "evaluate_on_splits"]


@dataclass
class SplitEvaluation:
    """Per-split scores and best epochs, with their means and standard deviations."""

    scores: np.ndarray
    epochs: np.ndarray

    @property
    def score_mean(self) -> float:
        return float(np.mean(self.scores))

    @property
    def score_std(self) -> float:
        return _sample_std(self.scores)

    @property
    def epochs_mean(self) -> float:
        return float(np.mean(self.epochs))

    @property
    def epochs_std(self) -> float:
        return _sample_std(self.epochs)

    def as_dict(self) -> dict:
        return {
            "score_mean": self.score_mean,
            "score_std": self.score_std,
            "epochs_mean": self.epochs_mean,
            "epochs_std": self.epochs_std,
            "scores": self.scores.tolist(),
            "epochs": self.epochs.tolist(),
        }

    def __str__(self) -> str:
        return (
            f"score {self.score_mean:.4f} ± {self.score_std:.4f}, epochs {self.epochs_mean:.1f} ± {self.epochs_std:.1f} "
            f"over {len(self.scores)} splits"
        )


def _sample_std(values) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def evaluate_on_splits(
    estimator, X, y, n_splits=10, test_size=0.2, random_state=None, patience=5, n_jobs=None, **fit_params
):
    """Score ``estimator`` on ``n_splits`` random splits; see the module docstring.

    ``estimator`` is a multikeras KerasClassifier/KerasRegressor (its ``epochs`` is the cap
    that early stopping works under); the score is its ``score`` (accuracy or R²) on each
    held-out part. ``n_jobs`` fits splits in parallel through joblib.
    """
    whole_numbers(minimum=2, n_splits=n_splits)
    whole_numbers(minimum=1, patience=patience)
    if not (isinstance(test_size, (int, np.integer)) and test_size >= 1) and not 0 < test_size < 1:
        raise ValueError(f"test_size must be a fraction in (0, 1) or a number of samples, got {test_size!r}.")
    X, y = check_X_y(X, y, dtype=None, multi_output=True)
    kind = StratifiedShuffleSplit if is_classifier(estimator) else ShuffleSplit
    splits = kind(n_splits=n_splits, test_size=test_size, random_state=random_state).split(X, y)
    results = Parallel(n_jobs=n_jobs)(
        delayed(fit_split)(clone(estimator), X, y, train, held_out, patience, fit_params) for train, held_out in splits
    )
    return SplitEvaluation(np.array([score for _, score, _ in results]), np.array([epochs for _, _, epochs in results]))
