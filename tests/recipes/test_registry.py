import pytest

import recipes


def test_lists_the_six_recipes_and_imports_each():
    assert len(recipes.NAMES) == 6
    for name in recipes.NAMES:
        module = recipes.get(name)
        assert module.NAME == name
        assert module.METRIC in {"accuracy", "rmse", "mae"}
        assert callable(module.build_model) and callable(module.load_data)


def test_unknown_recipe_suggests_the_closest_name():
    with pytest.raises(ValueError, match="Did you mean 'wide_deep'"):
        recipes.get("wide_dep")


def test_resolve_accepts_all_and_comma_lists():
    assert recipes.resolve("all") == list(recipes.NAMES)
    assert recipes.resolve("wide_deep, lstm_forecaster") == ["wide_deep", "lstm_forecaster"]
    with pytest.raises(ValueError, match="No recipe named"):
        recipes.resolve("")
