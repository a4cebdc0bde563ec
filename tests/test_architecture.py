"""The layer contract and the import-time promises that keep the package cheap and one-way."""

import os
from pathlib import Path

import pytest

from .conftest import run_python

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_are_kept(monkeypatch):
    lint = pytest.importorskip("importlinter.cli", reason="import-linter comes with the test extra")
    monkeypatch.chdir(ROOT)  # the contract names recipes/ as the top-level package it is in the checkout
    assert lint.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def test_every_module_of_the_package_is_in_the_layer_contract():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c for c in config["contracts"] if c.get("containers") == ["multikeras"]]
    named = {name.strip() for layer in layers["layers"] for name in layer.replace("|", ":").split(":")}
    children = {p.stem for p in (ROOT / "multikeras").glob("*.py") if p.stem != "__init__"}
    children |= {p.parent.name for p in (ROOT / "multikeras").glob("*/__init__.py")}
    assert layers.get("exhaustive") is True
    assert named == children, f"not in a layer: {sorted(children - named)}; named but gone: {sorted(named - children)}"


def test_engine_names_no_recipe_module():
    engine = ROOT / "multikeras"
    offenders = [
        str(path.relative_to(ROOT))
        for path in engine.rglob("*.py")
        if "recipes" not in path.relative_to(engine).parts
        and (
            "import recipes" in path.read_text()
            or "from recipes" in path.read_text()
            or "multikeras.recipes." in path.read_text()
        )
    ]
    assert not offenders, f"engine modules that name a recipe: {offenders}"


def test_import_multikeras_loads_no_keras_and_no_backend():
    code = "import sys, multikeras, multikeras.sklearn, multikeras.registry; print(sorted(m for m in ('keras', 'torch', 'jax', 'tensorflow') if m in sys.modules))"
    result = run_python(code)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_recipes_install_as_multikeras_recipes_only(tmp_path):
    """Outside the checkout, recipes/ is multikeras.recipes and nothing else."""
    env = {"PYTHONPATH": os.pathsep.join(p for p in [os.environ.get("PYTHONPATH")] if p) or None}
    top = run_python("import recipes", env, cwd=tmp_path)
    assert top.returncode != 0 and "No module named 'recipes'" in top.stderr
    inside = run_python("import multikeras.recipes.wide_deep as m; print(m.__name__)", env, cwd=tmp_path)
    assert inside.returncode == 0 and inside.stdout.split() == ["multikeras.recipes.wide_deep"], inside.stderr[-2000:]
