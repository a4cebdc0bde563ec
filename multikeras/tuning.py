"""KerasTuner over a recipe's hyperparameters: random search, Hyperband, Bayesian optimization.

KerasTuner 1.4 runs on Keras 3's backends, so on torch and JAX it needs no TensorFlow. A
recipe's ``search_space(hp)`` turns KerasTuner's ``hp`` into ``build_model`` arguments; the
arguments that follow from the data (shapes, adapt data) come from ``recipe.data_hparams``.
Every trial builds from the same seed, so trials differ by their hyperparameters only, and
trains through :func:`multikeras.fit` (checked input, epoch-keyed shuffles).

KerasTuner records each trial under ``directory`` as it finishes; running the same search
again resumes after the last finished trial (``overwrite=True`` starts over).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keras
import keras_tuner

from .backends import active_backend
from .fitting import fit
from .hparams import whole_numbers
from .nan_guard import NonFiniteLossError
from .predicting import predict
from .seeding import seeded_build, set_seed

__all__ = ["STRATEGIES", "RecipeHyperModel", "make_tuner", "search_recipe", "SearchResult"]

STRATEGIES = ("random", "hyperband", "bayes")
OBJECTIVE = "val_loss"  # unless the recipe names its own SEARCH_OBJECTIVE (a validation loss)
HYPERBAND_FACTOR = 3
TUNER_KEYS = "tuner/"  # Hyperband's bookkeeping entries in a trial's hyperparameters


class RecipeHyperModel(keras_tuner.HyperModel):
    """A recipe's ``build_model`` under KerasTuner: searched arguments from ``recipe.search_space``."""

    def __init__(self, recipe, data_hparams, seed=None):
        if not callable(getattr(recipe, "search_space", None)):
            raise ValueError(
                f"Recipe {recipe.NAME!r} has no search_space(hp); add one that returns build_model arguments."
            )
        super().__init__(name=recipe.NAME)
        self.recipe, self.data_hparams, self.seed = recipe, dict(data_hparams), seed

    def build(self, hp):
        with seeded_build(self.seed):
            return self.recipe.build_model(**self.data_hparams, **self.recipe.search_space(hp))

    def fit(self, hp, model, *args, **kwargs):
        """A diverged trial scores the worst objective instead of failing: KerasTuner ends the
        whole search after three failed trials in a row, and a high learning rate is a fair try."""
        try:
            return fit(model, *args, **kwargs)
        except NonFiniteLossError as err:
            warnings.warn(f"trial diverged, scored as the worst: {err}", RuntimeWarning, stacklevel=2)
            return {getattr(self.recipe, "SEARCH_OBJECTIVE", OBJECTIVE): float("inf")}


def _check_strategy(strategy):
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}.")


def make_tuner(
    hypermodel,
    strategy="random",
    max_trials=10,
    max_epochs=20,
    directory="runs/search",
    seed=42,
    overwrite=False,
    objective=OBJECTIVE,
):
    """The KerasTuner tuner for ``strategy``, minimising ``objective``.

    Hyperband chooses each trial's epochs itself (up to ``max_epochs``) and repeats its brackets
    until ``max_trials`` trials ran, so all three strategies try the same number of sets.
    """
    _check_strategy(strategy)
    whole_numbers(max_trials=max_trials)
    common = dict(
        objective=keras_tuner.Objective(objective, direction="min"),
        seed=seed,
        directory=str(directory),
        overwrite=overwrite,
        project_name=f"{hypermodel.name}-{strategy}",
    )
    if strategy == "random":
        return keras_tuner.RandomSearch(hypermodel, max_trials=max_trials, **common)
    if strategy == "bayes":
        return keras_tuner.BayesianOptimization(hypermodel, max_trials=max_trials, **common)
    # Every Hyperband iteration starts at least one trial: max_trials iterations always suffice.
    tuner = keras_tuner.Hyperband(
        hypermodel, max_epochs=max_epochs, factor=HYPERBAND_FACTOR, hyperband_iterations=max_trials, **common
    )
    tuner.oracle.max_trials = max_trials  # the base Oracle stops starting trials at this count
    return tuner


@dataclass
class SearchResult:
    """The best trial of a search, and how its model scores on the test split."""

    recipe: str
    strategy: str
    backend: str
    data: str
    objective: str
    best_score: float
    best_params: dict
    test_metric: str
    test_value: float
    trials: int
    seed: int
    seconds: float
    history: list = field(default_factory=list)  # every trial: id, status, score, params

    def to_json(self) -> dict:
        return asdict(self)


def _params(hp) -> dict:
    return {k: v for k, v in hp.values.items() if not k.startswith(TUNER_KEYS)}


def _trial_rows(tuner) -> list:
    rows = []
    for trial_id, trial in sorted(tuner.oracle.trials.items()):
        rows.append(
            {
                "trial": trial_id,
                "status": str(trial.status),
                "score": trial.score,
                "params": _params(trial.hyperparameters),
            }
        )
    return rows


def search_recipe(
    recipe,
    strategy="random",
    trials=10,
    epochs=None,
    source="embedded",
    data_dir=None,
    seed=42,
    directory="runs/search",
    patience=None,
    overwrite=False,
    verbose=0,
) -> SearchResult:
    """Search ``recipe``'s hyperparameters on its training split, judged on its validation split.

    The best trial's model (KerasTuner keeps its best epoch) is scored on the test split with
    the recipe's metric.
    """
    _check_strategy(strategy)
    set_seed(seed)
    (X_train, y_train), validation, (X_test, y_test) = recipe.load_data(source, data_dir)
    epochs = epochs or recipe.FIT_KWARGS["epochs"]
    objective = getattr(recipe, "SEARCH_OBJECTIVE", OBJECTIVE)
    hypermodel = RecipeHyperModel(recipe, recipe.data_hparams(X_train), seed=seed)
    tuner = make_tuner(hypermodel, strategy, trials, epochs, Path(directory) / "tuner", seed, overwrite, objective)
    callbacks = (
        [keras.callbacks.EarlyStopping(monitor=objective, patience=patience, restore_best_weights=True)]
        if patience
        else []
    )
    start = time.perf_counter()
    tuner.search(
        X_train,
        y_train,
        validation_data=validation,
        epochs=epochs,
        batch_size=recipe.FIT_KWARGS.get("batch_size", 32),
        callbacks=callbacks,
        verbose=verbose,
    )
    seconds = time.perf_counter() - start
    best_trial = tuner.oracle.get_best_trials(1)
    if not best_trial:
        raise RuntimeError(
            f"No trial of the {strategy} search on {recipe.NAME!r} finished; rerun with --debug to see why."
        )
    with warnings.catch_warnings():  # the checkpoint holds optimizer state a fresh model lacks; weights load
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        model = tuner.get_best_models(1)[0]
    predictions = predict(model, X_test, verbose=0)
    history = _trial_rows(tuner)
    return SearchResult(
        recipe=recipe.NAME,
        strategy=strategy,
        backend=active_backend(),
        data=source,
        objective=objective,
        best_score=float(best_trial[0].score),
        best_params=_params(best_trial[0].hyperparameters),
        test_metric=recipe.METRIC,
        test_value=float(recipe.score(y_test, predictions)),
        trials=sum(row["status"] == "COMPLETED" for row in history),
        seed=seed,
        seconds=seconds,
        history=history,
    )
