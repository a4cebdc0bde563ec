"""Save and load models: the one path the CLI, ``compare`` and parity checks all use.

Saves are atomic (:mod:`multikeras.atomic_io`), so a crash mid-save
leaves the previous file loadable. Loads check the file before Keras sees it, so a truncated
or foreign file is reported by name instead of as a zip traceback.

Portability: on torch, Keras swaps optimizers for torch subclasses and records their private
module (see ``keras_internals.PRIVATE_OPTIMIZER_MODULE``). Loaded elsewhere, that imports
torch and trains with torch's optimizer code (TensorFlow then fails with a torch TypeError).
``.keras`` files are therefore written, and read, with the public ``keras.optimizers`` module,
which Keras resolves to the right class on each backend.
"""

from __future__ import annotations

import importlib
import json
import os
import tempfile
import zipfile
from pathlib import Path

from . import registry
from .atomic_io import atomic_path
from .backends.keras_internals import PRIVATE_OPTIMIZER_MODULE

__all__ = ["save_model", "load_model", "SUFFIXES"]

# Longest suffix first: ".weights.h5" must win over ".h5".
SUFFIXES = (".weights.h5", ".keras", ".h5")
DEFAULT_SUFFIX = ".keras"
PUBLIC_OPTIMIZERS = "keras.optimizers"


def _publicize(node) -> bool:
    """Point backend-private optimizer modules at ``keras.optimizers``, in place; True if changed."""
    changed = False
    if isinstance(node, dict):
        module = node.get("module")
        if isinstance(module, str) and PRIVATE_OPTIMIZER_MODULE.match(module):
            node["module"] = PUBLIC_OPTIMIZERS
            changed = True
        for value in node.values():
            changed |= _publicize(value)
    elif isinstance(node, list):
        for value in node:
            changed |= _publicize(value)
    return changed


def _portable_copy(source: Path, target: Path) -> bool:
    """Write ``source`` to ``target`` with a portable config.json; False (nothing written) if already portable."""
    with zipfile.ZipFile(source) as archive:
        config = json.loads(archive.read("config.json"))
        if not _publicize(config):
            return False
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as out:
            for item in archive.infolist():
                data = json.dumps(config).encode() if item.filename == "config.json" else archive.read(item)
                out.writestr(item, data)
    return True


def _format_of(path: Path) -> str:
    if path.name.endswith(SUFFIXES):
        return _suffix_of(path.name)
    raise ValueError(
        f"Cannot tell the format of {str(path)!r} from its name. Use a path ending in "
        f"{', '.join(SUFFIXES)} (.keras is the portable default)."
    )


def _suffix_of(name: str) -> str:
    """The format suffix Keras dispatches on (``.weights.h5`` before ``.h5``), else the last one."""
    return next((s for s in SUFFIXES if name.endswith(s)), Path(name).suffix)


def save_model(model, path) -> Path:
    """Save ``model`` to ``path`` atomically and return the final path.

    A path without a known suffix gets ``.keras``. ``.weights.h5`` saves weights only;
    ``.h5`` is Keras's legacy HDF5 format.
    """
    path = Path(path)
    if not path.name.endswith(SUFFIXES):
        path = path.with_name(path.name + DEFAULT_SUFFIX)
    suffix = _format_of(path)
    with atomic_path(path) as tmp:
        if suffix == ".weights.h5":
            model.save_weights(tmp, overwrite=True)
        else:
            model.save(tmp, overwrite=True)
        if suffix == ".keras":
            portable = tmp.with_name(tmp.name + ".portable.keras")
            if _portable_copy(tmp, portable):
                os.replace(portable, tmp)
    return path


def _check_keras_archive(path: Path) -> None:
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{str(path)!r} is not a loadable .keras file: a .keras file is a zip archive and "
            f"this one is truncated, corrupt, or in another format. Re-save the model with "
            f"multikeras.save_model()."
        )
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            broken = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise ValueError(f"{str(path)!r} is a damaged .keras archive ({err}). Re-save the model.") from err
    if broken is not None or "config.json" not in names:
        what = f"member {broken!r} fails its CRC check" if broken else "it has no config.json"
        raise ValueError(f"{str(path)!r} is a damaged .keras archive: {what}. Re-save the model.")


def _modules_named(node) -> set:
    """Every ``module`` a saved config names (the classes Keras will look up)."""
    if isinstance(node, dict):
        found = {node["module"]} if isinstance(node.get("module"), str) else set()
        return found.union(*(_modules_named(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_modules_named(value) for value in node))
    return set()


def _register_recipe_classes(path: Path) -> None:
    """Import the recipe modules whose custom classes the file names, so Keras finds them.

    Matched by the module's last name too, so files saved before the recipes moved package load.
    """
    with zipfile.ZipFile(path) as archive:
        named = {module.rsplit(".", 1)[-1] for module in _modules_named(json.loads(archive.read("config.json")))}
    for module in registry.module_names().values():
        if module.rsplit(".", 1)[-1] in named:
            importlib.import_module(module)


def load_model(path, *, compile: bool = True, custom_objects=None):
    """Load a model saved by :func:`save_model` (or by Keras) on the active backend."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No model file at {str(path)!r}; check the path, or save one with multikeras.save_model().")
    suffix = _format_of(path)
    if suffix == ".weights.h5":
        raise ValueError(
            f"{str(path)!r} holds weights only. Build the model first, then call "
            f"model.load_weights({str(path)!r})."
        )
    if suffix == ".keras":
        _check_keras_archive(path)
        _register_recipe_classes(path)
    with tempfile.TemporaryDirectory(prefix="multikeras-load-") as scratch:
        portable = Path(scratch) / path.name
        source = portable if suffix == ".keras" and _portable_copy(path, portable) else path
        return _keras_load(source, path, compile, custom_objects)


def _keras_load(source: Path, shown: Path, compile, custom_objects):
    import keras

    try:
        return keras.saving.load_model(source, compile=compile, custom_objects=custom_objects)
    except (OSError, EOFError, KeyError, zipfile.BadZipFile) as err:
        raise ValueError(f"Cannot load {str(shown)!r}: {type(err).__name__}: {err}") from err
