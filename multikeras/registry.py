"""What a recipe is, and where the engine finds recipes.

A recipe is a module with the attributes of :class:`Recipe`. The engine (``run``, ``compare``,
``search``, :func:`multikeras.sklearn.recipe_estimator`) finds recipes by name through the
``multikeras.recipes`` entry-point group, so a package of your own adds one with a line in
its ``pyproject.toml``::

    [project.entry-points."multikeras.recipes"]
    my_recipe = "my_package.my_recipe"

:func:`register` adds one to the running process only (a notebook, a test); subprocesses that
``compare`` starts see entry points, not in-process registrations. Modules are imported on
first use, so listing recipes stays cheap.
"""

from __future__ import annotations

import difflib
import enum
import functools
import importlib
import importlib.metadata
import types
from typing import Any, Protocol, runtime_checkable

__all__ = ["ENTRY_POINT_GROUP", "Recipe", "Task", "names", "get", "resolve", "register", "load_all", "module_names"]

ENTRY_POINT_GROUP = "multikeras.recipes"
# What every recipe must define; optional ones: DATA_HPARAMS, FEATURE_GROUPS, MAIN_OUTPUT,
# SEARCH_OBJECTIVE, BOOK_RESULT (the book's figure for the real data), baseline(X, y).
REQUIRED = ("NAME", "METRIC", "TASK", "FIT_KWARGS", "load_data", "data_hparams", "build_model", "score", "search_space")


class Task(str, enum.Enum):
    """Which scikit-learn wrapper a recipe's estimator uses."""

    CLASSIFICATION = "classification"
    REGRESSION = "regression"


@runtime_checkable
class Recipe(Protocol):
    """The contract between a recipe module and the engine."""

    NAME: str  # the registry name, e.g. "classifier_mlp"
    METRIC: str  # "accuracy", "rmse" or "mae": what `score` returns
    TASK: str  # a Task value
    FIT_KWARGS: dict  # the book's epochs and batch_size

    def load_data(self, source: str = "embedded", data_dir: Any = None) -> tuple:
        """((X_train, y_train), (X_valid, y_valid), (X_test, y_test)) in the form the model takes."""

    def data_hparams(self, X_train: Any, meta: dict | None = None) -> dict:
        """The build arguments that follow from the data (shapes, adapt data, class count)."""

    def build_model(self, **hparams: Any) -> Any:
        """A compiled keras.Model; with no arguments, the book's model."""

    def score(self, y_true: Any, y_pred: Any) -> float:
        """The reference metric, computed with NumPy so every backend scores alike."""

    def search_space(self, hp: Any) -> dict:
        """build_model arguments drawn from KerasTuner's ``hp``."""


_registered: dict = {}  # name -> module path or module, from register()


@functools.cache
def _entry_points() -> dict:
    found = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    return {point.name: point.value for point in found}


def _table() -> dict:
    return {**_entry_points(), **_registered}


def names() -> tuple:
    """Every registered recipe's name: installed entry points first, then :func:`register`'s."""
    return tuple(_table())


def register(name: str, recipe) -> None:
    """Make ``recipe`` (a module, or its import path) available under ``name`` in this process."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Python identifier such as 'my_recipe', got {name!r}.")
    if not isinstance(recipe, (str, types.ModuleType)):
        raise TypeError(f"recipe must be a module or its import path ('pkg.my_recipe'), got {type(recipe).__name__}.")
    _registered[name] = recipe


def module_names() -> dict:
    """name -> import path of each recipe module (for loaders that must register custom classes)."""
    return {name: (target if isinstance(target, str) else target.__name__) for name, target in _table().items()}


def _check_name(name) -> None:
    known = names()
    if name not in known:
        hint = difflib.get_close_matches(str(name), known, n=1)
        suggestion = f" Did you mean {hint[0]!r}?" if hint else ""
        listing = (
            ", ".join(known)
            or f"none (is multikeras installed? recipes come from the {ENTRY_POINT_GROUP!r} entry points)"
        )
        raise ValueError(f"Unknown recipe {name!r}.{suggestion} Known recipes: {listing}.")


def get(name: str):
    """The recipe module called ``name``, checked against :class:`Recipe`."""
    _check_name(name)
    target = _table()[name]
    module = importlib.import_module(target.split(":")[0]) if isinstance(target, str) else target
    missing = [attr for attr in REQUIRED if not hasattr(module, attr)]
    if missing:
        raise TypeError(
            f"Recipe {name!r} ({module.__name__}) lacks {', '.join(missing)}; see multikeras.registry.Recipe."
        )
    if module.TASK not in {task.value for task in Task}:
        raise ValueError(f"Recipe {name!r} has TASK={module.TASK!r}; use one of {', '.join(t.value for t in Task)}.")
    return module


def resolve(selection) -> list:
    """Recipe names from ``"all"``, a comma-separated string or an iterable, each checked."""
    if isinstance(selection, str):
        parts = [n.strip() for n in selection.split(",") if n.strip()]
        selection = names() if selection.strip() == "all" else parts
    chosen = list(selection)
    if not chosen:
        raise ValueError(f"No recipe named; choose from {', '.join(names())} or 'all'.")
    for name in chosen:
        _check_name(name)
    return chosen


def load_all() -> list:
    """Every recipe module, imported."""
    return [get(name) for name in names()]
