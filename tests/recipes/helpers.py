"""The checks every recipe must pass on the active backend: build, fit, predict, save, reload."""

import copy

import keras
import numpy as np

import multikeras
from multikeras.predicting import flatten_predictions


def fitted(recipe, epochs=1, seed=0):
    """(model, test inputs, test targets) after a short fit on the embedded data."""
    multikeras.set_seed(seed)
    (X_train, y_train), (X_valid, y_valid), (X_test, y_test) = recipe.load_data("embedded")
    model = recipe.build_model(**recipe.data_hparams(X_train))
    model.fit(X_train, y_train, validation_data=(X_valid, y_valid), epochs=epochs, batch_size=64, verbose=0)
    return model, X_test, y_test


def check_recipe(recipe, tmp_path):
    """The shared contract; returns the fitted model for recipe-specific checks."""
    default = recipe.build_model()
    assert isinstance(default, keras.Model) and default.compiled
    model, X_test, y_test = fitted(recipe)
    predictions = model.predict(X_test, verbose=0)
    flat = flatten_predictions(predictions)
    assert np.all(np.isfinite(flat))
    value = recipe.score(y_test, predictions)
    assert np.isfinite(value)
    path = multikeras.save_model(model, tmp_path / recipe.NAME)
    assert path.suffix == ".keras"
    reloaded = multikeras.load_model(path)
    np.testing.assert_allclose(flatten_predictions(reloaded.predict(X_test, verbose=0)), flat, atol=1e-6)
    config = model.get_config()
    assert type(model).from_config(copy.deepcopy(config)).get_config() == config
    return model
