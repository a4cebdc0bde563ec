"""KerasTuner search over recipe hyperparameters, on whichever backend this env runs."""

import json
import math

import keras
import keras_tuner
import pytest

from multikeras import registry
from multikeras.app.cli import main
from multikeras.tuning import RecipeHyperModel, make_tuner, search_recipe


@pytest.mark.parametrize("name", registry.names())
def test_search_space_defaults_are_the_book_model(name):
    """With every hyperparameter at its default, the searched build is the recipe's own model."""
    recipe = registry.get(name)
    (X, _), _, _ = recipe.load_data("embedded")
    data = recipe.data_hparams(X)
    searched = RecipeHyperModel(recipe, data, seed=0).build(keras_tuner.HyperParameters())
    book = recipe.build_model(**data)
    for model in (searched, book):  # a subclassed model has weights once called
        model.predict(keras.tree.map_structure(lambda a: a[:2], X), verbose=0)
    assert searched.count_params() == book.count_params()
    assert [type(layer).__name__ for layer in searched.layers] == [type(layer).__name__ for layer in book.layers]


@pytest.mark.parametrize("strategy", ["random", "hyperband", "bayes"])
def test_each_strategy_finds_its_best_trial(strategy, tmp_path):
    recipe = registry.get("regression_mlp")
    result = search_recipe(recipe, strategy, trials=3, epochs=2, directory=tmp_path, seed=1)
    assert result.trials == 3 and len(result.history) == 3
    scores = [row["score"] for row in result.history if row["status"] == "COMPLETED"]
    assert result.best_score == min(scores)
    best_row = next(row for row in result.history if row["score"] == result.best_score)
    assert result.best_params == best_row["params"]
    assert set(result.best_params) == {"n_hidden", "n_neurons", "learning_rate"}
    assert 0 <= result.best_params["n_hidden"] <= 5 and 1e-4 <= result.best_params["learning_rate"] <= 1e-2
    assert math.isfinite(result.test_value) and result.test_metric == "rmse"


def test_a_rerun_resumes_after_the_finished_trials(tmp_path):
    recipe = registry.get("lstm_forecaster")
    search_recipe(recipe, "random", trials=2, epochs=1, directory=tmp_path, seed=0)
    first_trial = next((tmp_path / "tuner").glob("*/trial_0/trial.json"))
    before = first_trial.stat().st_mtime_ns, first_trial.read_text()
    result = search_recipe(recipe, "random", trials=3, epochs=1, directory=tmp_path, seed=0)
    assert result.trials == 3
    assert (first_trial.stat().st_mtime_ns, first_trial.read_text()) == before  # not run again


def test_aux_recipe_compares_trials_on_its_main_head(tmp_path):
    result = search_recipe(registry.get("wide_deep_aux"), "random", trials=2, epochs=1, directory=tmp_path, seed=0)
    assert result.objective == "val_output_loss"
    assert 0.05 <= result.best_params["aux_weight"] <= 0.5


@pytest.mark.fault("make_tuner with strategy 'grid'", "ValueError: strategy must be one of random, hyperband, bayes")
@pytest.mark.fault("make_tuner with max_trials=0", "ValueError: max_trials must be at least 1")
@pytest.mark.fault("RecipeHyperModel for a recipe without search_space", "ValueError: has no search_space")
def test_bad_arguments_are_named(tmp_path):
    hypermodel = RecipeHyperModel(registry.get("regression_mlp"), {}, seed=0)
    with pytest.raises(ValueError, match="strategy must be one of random, hyperband, bayes"):
        make_tuner(hypermodel, "grid", directory=tmp_path)
    with pytest.raises(ValueError, match="max_trials must be at least 1"):
        make_tuner(hypermodel, "random", max_trials=0, directory=tmp_path)

    class NoSpace:
        NAME = "no_space"

    with pytest.raises(ValueError, match="has no search_space"):
        RecipeHyperModel(NoSpace, {})


def test_cli_search_prints_and_saves_the_best(tmp_path, capsys):
    code = main(
        [
            "search",
            "wide_deep",
            "--strategy",
            "bayes",
            "--trials",
            "2",
            "--epochs",
            "1",
            "--out",
            str(tmp_path),
            "--json",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    printed = json.loads(out)  # progress went to stderr: stdout is only the result
    saved = json.loads((tmp_path / "best-bayes.json").read_text())
    assert printed["best_params"] == saved["best_params"] and set(saved["best_params"]) == {
        "n_neurons",
        "learning_rate",
    }
    assert (tmp_path / "trials-bayes.png").stat().st_size > 0


@pytest.mark.fault("multikeras search --strategy grid", "exit code 2; stderr: invalid choice: 'grid'")
def test_cli_search_rejects_an_unknown_strategy(capsys):
    assert main(["search", "wide_deep", "--strategy", "grid"]) == 2
    assert "invalid choice: 'grid'" in capsys.readouterr().err


@pytest.mark.fault(
    "a KerasTuner trial whose loss turns NaN (learning rate 1e6)",
    "a RuntimeWarning; the trial scores inf, the worst, and the search goes on",
)
def test_a_diverged_trial_scores_the_worst_instead_of_failing():
    import numpy as np

    recipe = registry.get("regression_mlp")
    (X, y), valid, _ = recipe.load_data("embedded")
    hypermodel = RecipeHyperModel(recipe, recipe.data_hparams(X), seed=0)
    hp = keras_tuner.HyperParameters()
    model = hypermodel.build(hp)
    model.optimizer.learning_rate.assign(1e6)
    with pytest.warns(RuntimeWarning, match="trial diverged, scored as the worst"):
        result = hypermodel.fit(hp, model, X * 1e3, y, validation_data=valid, epochs=2, verbose=0)
    assert result == {"val_loss": np.inf}
