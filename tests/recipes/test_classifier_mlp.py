import numpy as np

from multikeras.recipes import classifier_mlp

from .helpers import check_recipe


def test_contract(tmp_path):
    check_recipe(classifier_mlp, tmp_path)


def test_default_is_the_books_784_300_100_10_mlp():
    model = classifier_mlp.build_model()
    assert model.input_shape == (None, 28, 28)
    dense = [layer for layer in model.layers if layer.__class__.__name__ == "Dense"]
    assert [layer.units for layer in dense] == [300, 100, 10]
    assert model.loss == "sparse_categorical_crossentropy"
    assert np.isclose(float(model.optimizer.learning_rate), 0.01)


def test_embedded_data_is_scaled_digits_with_stratified_splits():
    (X_train, y_train), (X_valid, _), (X_test, y_test) = classifier_mlp.load_data("embedded")
    assert X_train.dtype == np.float32 and X_train.shape[1:] == (8, 8)
    assert 0.0 <= X_train.min() and X_train.max() <= 1.0
    assert len(X_train) + len(X_valid) + len(X_test) == 1797
    assert set(np.unique(y_test)) == set(range(10))
