"""What the wheel holds: every package folder, and recipes/ as multikeras.recipes only."""

from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def _setuptools():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_folder_is_listed_for_the_wheel():
    folders = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "multikeras").rglob("__init__.py")}
    folders |= {"multikeras.recipes"}  # recipes/, mapped by package-dir
    assert set(_setuptools()["packages"]) == folders


def test_recipes_folder_installs_as_multikeras_recipes():
    assert _setuptools()["package-dir"] == {"multikeras.recipes": "recipes"}
    assert (ROOT / "recipes" / "__init__.py").is_file() and not (ROOT / "multikeras" / "recipes").exists()


def test_multikeras_recipes_imports_the_top_level_folder():
    import multikeras.recipes
    import multikeras.recipes.wide_deep

    assert Path(multikeras.recipes.wide_deep.__file__).resolve().parent.name == "recipes"
    assert multikeras.recipes.wide_deep.__name__ == "multikeras.recipes.wide_deep"


def test_the_wheel_holds_recipes_under_multikeras_only(tmp_path):
    import subprocess
    import sys
    import zipfile

    import pytest

    pytest.importorskip("setuptools", reason="building the wheel offline needs setuptools in this environment")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = tmp_path.glob("multikeras-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "multikeras/recipes/wide_deep.py" in names and "multikeras/app/cli.py" in names
    assert not [n for n in names if n.startswith("recipes/")]
