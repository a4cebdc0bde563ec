import numpy as np
import pytest

from multikeras.recipes import wide_deep

from .helpers import check_recipe


def test_contract(tmp_path):
    check_recipe(wide_deep, tmp_path)


def test_takes_named_wide_and_deep_inputs():
    (X_train, _), _, _ = wide_deep.load_data("embedded")
    assert set(X_train) == {"wide", "deep"}
    assert X_train["wide"].shape[1] == 5 and X_train["deep"].shape[1] == 8  # diabetes: 10 features
    model = wide_deep.build_model()
    assert [model.get_layer(n).output.shape[-1] for n in ("wide", "deep")] == [5, 6]  # housing: 8 features
    assert sorted(t.name for t in model.inputs) == ["deep", "wide"]


def test_to_inputs_uses_columns_0_to_4_and_2_to_7():
    X = np.arange(16, dtype=np.float32).reshape(2, 8)
    inputs = wide_deep.to_inputs(X)
    np.testing.assert_array_equal(inputs["wide"][0], [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(inputs["deep"][0], [2, 3, 4, 5, 6, 7])


def test_single_input_variant_fits_on_a_2d_array():
    (X_train, y_train), _, (X_test, _) = wide_deep.load_data("embedded", single_input=True)
    model = wide_deep.build_model(**wide_deep.data_hparams(X_train))
    assert len(model.inputs) == 1
    model.fit(X_train, y_train, epochs=1, verbose=0)
    assert model.predict(X_test, verbose=0).shape == (len(X_test), 1)


@pytest.mark.fault("wide_deep.load_data('remote')", "ValueError: source must be 'embedded' ... or 'real'")
def test_wrong_source_is_rejected():
    with pytest.raises(ValueError, match="source must be 'embedded' .* or 'real'"):
        wide_deep.load_data("remote")
