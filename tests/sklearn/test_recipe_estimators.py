import numpy as np
import pytest
from scipy.stats import loguniform, randint
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from multikeras.recipes import classifier_mlp, lstm_forecaster
from multikeras.recipes._housing import housing_splits
from multikeras.sklearn import recipe_estimator
from multikeras.sklearn.recipe_model import RecipeModel


@pytest.fixture(scope="module")
def housing():
    (X, y), _, (X_test, _) = housing_splits("embedded")
    return X[:200, :8], y[:200], X_test[:20, :8]


@pytest.mark.parametrize("recipe", ["wide_deep", "wide_deep_subclassed"])
def test_multi_input_recipes_run_in_a_pipeline_and_grid_search(recipe, housing):
    X, y, X_test = housing
    pipeline = make_pipeline(FunctionTransformer(), recipe_estimator(recipe, epochs=1))
    search = GridSearchCV(pipeline, {"kerasregressor__model__n_neurons": [4, 8]}, cv=2).fit(X, y)
    assert search.predict(X_test).shape == (20,)


def test_aux_recipe_fits_one_y_and_predicts_the_main_output(housing):
    X, y, X_test = housing
    model = recipe_estimator("wide_deep_aux", epochs=2, random_state=0).fit(X, y)
    assert set(model.model_.output_names) == {"output", "aux_output"}
    main = model.model_.predict(model._model_inputs(X_test.astype(np.float32)), verbose=0)["output"].ravel()
    np.testing.assert_allclose(model.predict(X_test), main, rtol=1e-6)


def test_books_randomized_search_over_the_regression_mlp(housing):
    X, y, _ = housing
    distributions = {
        "model__n_hidden": [0, 1, 2, 3],
        "model__n_neurons": randint(1, 100),
        "model__learning_rate": loguniform(3e-4, 3e-2),
    }
    search = RandomizedSearchCV(
        recipe_estimator("regression_mlp", epochs=1), distributions, n_iter=2, cv=2, random_state=0
    )
    search.fit(X, y)
    assert set(search.best_params_) == set(distributions)


def test_normalization_adapts_to_each_training_fold(housing):
    X, y, _ = housing
    model = recipe_estimator("regression_mlp", epochs=1).fit(X[:100], y[:100])
    mean = np.asarray(model.model_.get_layer("normalization").mean).ravel()
    np.testing.assert_allclose(mean, X[:100].mean(axis=0), rtol=1e-4, atol=1e-5)


def test_classifier_recipe_on_flattened_digits():
    (X, y), _, (X_test, y_test) = classifier_mlp.load_data("embedded")
    model = recipe_estimator("classifier_mlp", epochs=2, random_state=0).fit(X.reshape(len(X), -1), y)
    assert model.predict_proba(X_test.reshape(len(X_test), -1)).shape == (len(X_test), 10)


def test_lstm_recipe_on_windows():
    (X, y), _, (X_test, _) = lstm_forecaster.load_data("embedded", window=12)
    model = recipe_estimator("lstm_forecaster", epochs=1).fit(X[:200], y[:200])
    assert model.model_.input_shape == (None, 12, 1) and model.predict(X_test[:5]).shape == (5,)


@pytest.mark.fault("model__n_neuron=3 to recipe_estimator('regression_mlp')", "ValueError: Did you mean 'n_neurons'")
def test_recipe_model_signature_lists_only_tunable_hyperparameters():
    import inspect

    names = set(inspect.signature(RecipeModel("regression_mlp")).parameters)
    assert names == {"X", "meta", "n_hidden", "n_neurons", "learning_rate"}
    with pytest.raises(ValueError, match="Did you mean 'n_neurons'"):
        recipe_estimator("regression_mlp", epochs=1, model__n_neuron=3).fit(np.ones((8, 8)), np.ones(8))
