import numpy as np
import pytest

import multikeras
from multikeras.recipes import wide_deep_subclassed
from multikeras.validation import NotAdaptedError

from .helpers import check_recipe


def test_contract(tmp_path):
    check_recipe(wide_deep_subclassed, tmp_path)


def test_subclass_reloads_as_its_own_class_with_its_config(tmp_path):
    (X_train, y_train), _, (X_test, _) = wide_deep_subclassed.load_data("embedded")
    model = wide_deep_subclassed.build_model(adapt_data=X_train, n_neurons=12)
    model.fit(X_train, y_train, epochs=1, verbose=0)
    reloaded = multikeras.load_model(multikeras.save_model(model, tmp_path / "sub.keras"))
    assert isinstance(reloaded, wide_deep_subclassed.WideAndDeepModel)
    assert reloaded.units == 12 and reloaded.hidden1.units == 12
    np.testing.assert_allclose(reloaded.predict(X_test, verbose=0), model.predict(X_test, verbose=0), atol=1e-6)


@pytest.mark.fault(
    "wide_deep_subclassed.build_model() without its data, then fit",
    "NotAdaptedError naming both Normalization layers and build_model(**data_hparams(X_train))",
)
def test_built_without_data_it_refuses_to_train_instead_of_training_into_nan():
    (X_train, y_train), _, _ = wide_deep_subclassed.load_data("embedded")
    model = wide_deep_subclassed.build_model()
    with pytest.raises(NotAdaptedError, match="'normalization_wide' .*'normalization_deep'.*data_hparams"):
        multikeras.fit(model, X_train, y_train, epochs=1, verbose=0)
