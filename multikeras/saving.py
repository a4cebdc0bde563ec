"""Save and load models: the one path the CLI, ``compare`` and parity checks all use.

Saves are atomic (:mod:`multikeras.atomic_io`), so a crash mid-save
leaves the previous file loadable. Loads check the file before Keras sees it, so a truncated
or foreign file is reported by name instead of as a zip traceback.

Portability: on torch, Keras swaps optimizers for torch subclasses and records their private
module (see ``keras_internals.PRIVATE_OPTIMIZER_MODULE``). Loaded elsewhere, that imports
torch and trains with torch's optimizer code (TensorFlow then fails with a torch TypeError).
``.keras`` files are therefore written, and read, with the public ``keras.optimizers`` module,
which Keras resolves to the right class on each backend.

When Keras fails to load a ``.keras`` file, the archive is read to say why in one line: a
custom class or function this process has not registered is named with both fixes
(:class:`UnregisteredClassError`), and a file from a newer Keras names both versions. A file
that loads is never refused, so a newer file that happens to load is fine.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import tempfile
import zipfile
from pathlib import Path

from . import registry
from .atomic_io import atomic_path
from .backends.keras_internals import PRIVATE_OPTIMIZER_MODULE

__all__ = ["save_model", "load_model", "SUFFIXES", "UnregisteredClassError"]

# Longest suffix first: ".weights.h5" must win over ".h5".
SUFFIXES = (".weights.h5", ".keras", ".h5")
DEFAULT_SUFFIX = ".keras"
PUBLIC_OPTIMIZERS = "keras.optimizers"
# Packages whose classes Keras finds by itself (it imports their modules): never "custom".
KERAS_PACKAGES = {"keras", "keras_hub", "keras_cv", "keras_nlp"}
READ_ERRORS = (OSError, EOFError, KeyError, zipfile.BadZipFile)


class UnregisteredClassError(ValueError):
    """A ``.keras`` file names a custom class or function that Keras cannot find in this process."""


def _config_dicts(node):
    """Every dict in a saved config, nested ones included, outermost first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _config_dicts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _config_dicts(value)


def _publicize(node) -> bool:
    """Point backend-private optimizer modules at ``keras.optimizers``, in place; True if changed."""
    changed = False
    for entry in _config_dicts(node):
        module = entry.get("module")
        if isinstance(module, str) and PRIVATE_OPTIMIZER_MODULE.match(module):
            entry["module"] = PUBLIC_OPTIMIZERS
            changed = True
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
    return {entry["module"] for entry in _config_dicts(node) if isinstance(entry.get("module"), str)}


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
        raise FileNotFoundError(
            f"No model file at {str(path)!r}; check the path, or save one with multikeras.save_model()."
        )
    suffix = _format_of(path)
    if suffix == ".weights.h5":
        raise ValueError(
            f"{str(path)!r} holds weights only. Build the model first, then call model.load_weights({str(path)!r})."
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
    except Exception as err:
        try:
            explained = _explain_failure(source, shown, compile, custom_objects, err)
        except Exception:  # the explanation must never hide Keras's own error
            explained = None
        if explained is None:
            raise
        raise explained from err


def _explain_failure(source: Path, shown: Path, compile, custom_objects, err):
    """The one-line error for a failed load, or None to let Keras's own stand.

    Asked only after Keras fails, so nothing here can refuse a file that loads; Keras's own
    message, a page of config from deep in deserialization, stays chained as the cause.
    """
    config, saved_version = _read_archive(source) if zipfile.is_zipfile(source) else ({}, None)
    if not compile:  # Keras skips the compile config then, so its classes cannot be the cause
        config.pop("compile_config", None)
    unknown = _unknown_objects(config, custom_objects)
    newer = _newer_keras_note(saved_version)
    if unknown:
        also = f"\nAlso, {newer}" if newer else ""
        return UnregisteredClassError(_unknown_message(shown, unknown) + also)
    if newer:
        return ValueError(f"Cannot load {str(shown)!r}: {newer}\nKeras's error: {type(err).__name__}: {str(err)[:300]}")
    if isinstance(err, READ_ERRORS):
        return ValueError(f"Cannot load {str(shown)!r}: {type(err).__name__}: {err}")
    return None


def _read_archive(path: Path):
    """``(config, keras_version)`` of a .keras archive; the version is None when not recorded."""
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
        try:
            metadata = json.loads(archive.read("metadata.json"))
        except (KeyError, ValueError):
            metadata = {}
    return config, metadata.get("keras_version") if isinstance(metadata, dict) else None


def _serialized_objects(node):
    """Every serialized class or function in a config (a dict with a ``class_name``), nested ones too."""
    return (entry for entry in _config_dicts(node) if isinstance(entry.get("class_name"), str))


def _unknown_objects(config, custom_objects) -> dict:
    """``{saved name: entry}`` for the custom classes and functions Keras will not find.

    Keras finds a custom object only by the name it was saved under, in ``custom_objects``
    or its registry; it never imports a module outside its own packages. Functions all say
    ``module: "builtins"``, so each is looked up as Keras would, built-in ones resolving.
    """
    import keras

    unknown = {}
    for entry in _serialized_objects(config):
        module, class_name = entry.get("module"), entry["class_name"]
        if class_name.startswith("__") or (isinstance(module, str) and module.split(".")[0] in KERAS_PACKAGES):
            continue  # tensors, lambdas and Keras's own classes
        if class_name == "function":
            if isinstance(entry.get("config"), str) and not _function_found(entry, custom_objects):
                unknown[entry["config"]] = entry
        else:
            name = entry.get("registered_name") or class_name
            if keras.saving.get_registered_object(name, custom_objects) is None:
                unknown[name] = entry
    return unknown


def _function_found(entry, custom_objects) -> bool:
    import keras

    try:
        keras.saving.deserialize_keras_object(entry, custom_objects=custom_objects)
    except (TypeError, ValueError):
        return False
    return True


def _unknown_message(shown: Path, unknown: dict) -> str:
    """Names each missing object and both fixes, on one line (the CLI prints only the first)."""
    described = "; ".join(_describe(name, entry) for name, entry in unknown.items())
    objects = ", ".join(f'"{name}": {name.rsplit(">", 1)[-1]}' for name in unknown)
    packages = {name.split(">")[0] for name in unknown if ">" in name}
    package = f'"{min(packages)}"' if len(packages) == 1 else "..."
    decorator = f"@keras.saving.register_keras_serializable(package={package})"
    it, modules = (
        ("it", "the module that defines it") if len(unknown) == 1 else ("each", "the modules that define them")
    )
    head = f"Cannot load {str(shown)!r}: Keras cannot find {described}."
    if all(">" in name for name in unknown):
        return (
            f"{head} Decorate {it} with {decorator} and import {modules} before loading, "
            f"or pass custom_objects={{{objects}}} to multikeras.load_model()."
        )
    return (  # saved unregistered: only custom_objects matches the name this file holds
        f"{head} Pass custom_objects={{{objects}}} to multikeras.load_model(), or decorate {it} with "
        f"{decorator}, import {modules} before loading, and re-save the model."
    )


def _describe(name: str, entry: dict) -> str:
    kind = "function" if entry["class_name"] == "function" else "class"
    saved = f'registered as "{name}"' if ">" in name else "saved unregistered"
    module = entry.get("module")
    if isinstance(module, str) and module != "builtins":
        saved += f", from module {module}" + ("" if _importable(module) else ", which is not importable here")
    return f"custom {kind} {name.rsplit('>', 1)[-1]} ({saved})"


def _importable(module: str) -> bool:
    """Whether the module's top-level package is installed (found without running any of its code)."""
    try:
        return importlib.util.find_spec(module.split(".")[0]) is not None
    except (ImportError, ValueError):
        return False


def _newer_keras_note(saved_version) -> str | None:
    """Why a file from a newer Keras may not load here, or None when it is not newer."""
    import keras
    from packaging.version import InvalidVersion, Version  # a dependency of Keras

    try:
        newer = Version(str(saved_version)) > Version(keras.__version__)
    except InvalidVersion:
        return None
    if not newer:
        return None
    here = keras.__version__
    return (
        f"it was written by Keras {saved_version} and this is Keras {here}: upgrade Keras with "
        f"`pip install -U keras`, or re-save the model with Keras {here}."
    )
