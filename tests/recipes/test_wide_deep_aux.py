import numpy as np

from multikeras.recipes import wide_deep_aux

from .helpers import check_recipe, fitted


def test_contract(tmp_path):
    check_recipe(wide_deep_aux, tmp_path)


def test_two_named_outputs_weighted_0_9_and_0_1():
    model = wide_deep_aux.build_model()
    assert set(model.output_names) == {"output", "aux_output"}
    assert model.get_compile_config()["loss_weights"] == {"output": 0.9, "aux_output": 0.1}


def test_evaluate_returns_a_dict_with_both_losses():
    model, X_test, y_test = fitted(wide_deep_aux)
    result = model.evaluate(X_test, y_test, return_dict=True, verbose=0)
    assert {"loss", "output_loss", "aux_output_loss"} <= set(result)
    predictions = model.predict(X_test, verbose=0)
    # the main output's score is what the recipe reports
    expected = np.sqrt(np.mean((predictions["output"].ravel() - y_test["output"]) ** 2))
    assert np.isclose(wide_deep_aux.score(y_test, predictions), expected)
