"""The recipe registry: entry points, in-process registration, and a recipe from outside."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from multikeras import registry
from multikeras.sklearn import KerasRegressor, recipe_estimator

from .recipes import tiny_linear

BOOK_RECIPES = {
    "classifier_mlp",
    "regression_mlp",
    "wide_deep",
    "wide_deep_aux",
    "wide_deep_subclassed",
    "lstm_forecaster",
}
ROOT = Path(__file__).resolve().parents[1]


def test_the_six_recipes_come_from_entry_points_and_keep_the_protocol():
    assert BOOK_RECIPES <= set(registry.names())
    for name in BOOK_RECIPES:
        module = registry.get(name)
        assert module.NAME == name and module.__name__ == f"multikeras.recipes.{name}"
        assert isinstance(module, registry.Recipe)
        assert module.METRIC in {"accuracy", "rmse", "mae"}
        assert registry.Task(module.TASK)


@pytest.mark.fault("registry.get('wide_dep')", "ValueError: Did you mean 'wide_deep'")
def test_unknown_recipe_suggests_the_closest_name():
    with pytest.raises(ValueError, match="Did you mean 'wide_deep'"):
        registry.get("wide_dep")


@pytest.mark.fault("resolving an empty recipe list ('')", "ValueError: No recipe named ...")
def test_resolve_accepts_all_and_comma_lists():
    assert registry.resolve("all") == list(registry.names())
    assert registry.resolve("wide_deep, lstm_forecaster") == ["wide_deep", "lstm_forecaster"]
    with pytest.raises(ValueError, match="No recipe named"):
        registry.resolve("")


@pytest.mark.fault(
    "a registered recipe module lacking NAME, METRIC and more",
    "TypeError naming the recipe, its module and what it lacks",
)
def test_a_module_lacking_part_of_the_protocol_is_named(monkeypatch):
    monkeypatch.setitem(registry._registered, "half", "multikeras.scoring")
    with pytest.raises(TypeError, match=r"Recipe 'half' \(multikeras.scoring\) lacks NAME, METRIC"):
        registry.get("half")


def test_registered_recipe_reaches_the_wrappers(monkeypatch):
    monkeypatch.setitem(registry._registered, "tiny_linear", tiny_linear)
    assert "tiny_linear" in registry.resolve("all")
    model = recipe_estimator("tiny_linear", epochs=1, random_state=0)
    assert isinstance(model, KerasRegressor)
    (X, y), _, (X_test, _) = tiny_linear.load_data()
    assert model.fit(X[:64], y[:64]).predict(X_test[:5]).shape == (5,)


def _distribution_with_entry_point(folder: Path) -> None:
    """What `pip install` of a user's package leaves: metadata naming the recipe's module."""
    info = folder / "tiny_linear_recipes-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tiny-linear-recipes\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{registry.ENTRY_POINT_GROUP}]\ntiny_linear = tests.recipes.tiny_linear\n")


def test_an_installed_package_adds_a_recipe_to_the_cli_by_its_entry_point(tmp_path):
    _distribution_with_entry_point(tmp_path / "site")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path / "site"), str(ROOT)]))
    cli = [sys.executable, "-m", "multikeras.app.cli"]
    listing = subprocess.run([*cli, "recipes"], env=env, capture_output=True, text=True, timeout=120)
    assert "tiny_linear" in listing.stdout.split(), listing.stderr[-2000:]
    run = subprocess.run(
        [*cli, "run", "tiny_linear", "--epochs", "1", "--json"], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]
    row = json.loads(run.stdout)
    assert row["recipe"] == "tiny_linear" and row["metric"] == "rmse" and np.isfinite(row["value"])
