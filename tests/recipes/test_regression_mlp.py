import numpy as np

from multikeras.recipes import regression_mlp

from .helpers import check_recipe


def test_contract(tmp_path):
    check_recipe(regression_mlp, tmp_path)


def test_normalization_is_adapted_on_the_training_set():
    (X_train, _), _, _ = regression_mlp.load_data("embedded")
    model = regression_mlp.build_model(**regression_mlp.data_hparams(X_train))
    normalized = model.get_layer("normalization")(X_train)
    normalized = np.asarray(normalized.cpu() if hasattr(normalized, "cpu") else normalized)
    np.testing.assert_allclose(normalized.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(normalized.std(axis=0), 1.0, atol=1e-3)


def test_default_has_three_hidden_layers_of_50():
    model = regression_mlp.build_model()
    dense = [layer.units for layer in model.layers if layer.__class__.__name__ == "Dense"]
    assert dense == [50, 50, 50, 1]
    assert model.input_shape == (None, 8)
