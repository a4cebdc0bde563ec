"""Every recipe builder names the bad hyperparameter (Keras alone accepts some silently)."""

import numpy as np
import pytest

from multikeras import registry

CASES = [
    ("classifier_mlp", {"hidden_units": 300}, TypeError, "hidden_units"),
    ("classifier_mlp", {"input_shape": (28, 0)}, ValueError, r"input_shape\[1\]"),
    ("classifier_mlp", {"n_classes": 1}, ValueError, "n_classes must be at least 2"),
    ("classifier_mlp", {"learning_rate": -0.01}, ValueError, "learning_rate"),
    ("regression_mlp", {"n_hidden": -1}, ValueError, "n_hidden must be at least 0"),
    ("regression_mlp", {"n_neurons": 0}, ValueError, "n_neurons"),
    (
        "wide_deep",
        {"adapt_data": {"wide": np.ones((4, 5)), "deeep": np.ones((4, 6))}},
        ValueError,
        "adapt_data must have the keys",
    ),
    ("wide_deep", {"n_neurons": 2.5}, TypeError, "n_neurons must be a whole number"),
    ("wide_deep_aux", {"loss_weights": {"output": 0.9, "aux_output": 0}}, ValueError, r"loss_weights\['aux_output'\]"),
    ("wide_deep_subclassed", {"adapt_data": np.ones((4, 8))}, TypeError, "adapt_data must be a dict"),
    ("lstm_forecaster", {"window": 0}, ValueError, "window must be at least 1"),
    ("lstm_forecaster", {"units": "32"}, TypeError, "units must be a whole number"),
]


@pytest.mark.fault(
    "a hyperparameter of the wrong type (hidden_units=300, n_neurons=2.5, units='32', an array adapt_data)",
    "TypeError naming the hyperparameter",
)
@pytest.mark.fault(
    "a hyperparameter out of range (n_classes=1, n_hidden=-1, window=0, learning_rate<0, ...)",
    "ValueError naming the hyperparameter",
)
@pytest.mark.fault("adapt_data with a misspelled key ('deeep')", "ValueError: adapt_data must have the keys ...")
@pytest.mark.parametrize("name, params, error, message", CASES, ids=[f"{c[0]}-{next(iter(c[1]))}" for c in CASES])
def test_bad_hyperparameter_is_named(name, params, error, message):
    with pytest.raises(error, match=message):
        registry.get(name).build_model(**params)
