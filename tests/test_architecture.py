"""The layer contract and the import-time promises that keep the package cheap and one-way."""

import os
from pathlib import Path

import pytest

from .conftest import run_python

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_are_kept(tmp_path, monkeypatch):
    lint = pytest.importorskip("importlinter.cli", reason="import-linter comes with the test extra")
    monkeypatch.chdir(tmp_path)  # its cache and the package it analyses: the installed one
    assert lint.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


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


def test_the_top_level_recipes_package_is_gone():
    result = run_python(
        "import recipes", {"PYTHONPATH": os.pathsep.join(p for p in [os.environ.get("PYTHONPATH")] if p) or None}
    )
    assert result.returncode != 0 and "No module named 'recipes'" in result.stderr
