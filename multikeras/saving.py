"""Save and load models: the one path the CLI, ``compare`` and parity checks all use.

Saves are atomic (temporary file in the same directory, fsync, rename), so a crash mid-save
leaves the previous file loadable. Loads check the file before Keras sees it, so a truncated
or foreign file is reported by name instead of as a zip traceback.

Portability: on torch, Keras swaps optimizers for torch subclasses and records their private
module (``keras.src.backend.torch.optimizers.torch_sgd``). Loaded elsewhere, that imports
torch and trains with torch's optimizer code (TensorFlow then fails with a torch TypeError).
``.keras`` files are therefore written, and read, with the public ``keras.optimizers`` module,
which Keras resolves to the right class on each backend.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import tempfile
import zipfile
from pathlib import Path

__all__ = ["save_model", "load_model", "atomic_path", "write_json", "SUFFIXES"]

# Longest suffix first: ".weights.h5" must win over ".h5".
SUFFIXES = (".weights.h5", ".keras", ".h5")
DEFAULT_SUFFIX = ".keras"
BACKEND_PRIVATE_MODULE = re.compile(r"^keras\.src\.backend\.\w+\.optimizers(\.\w+)?$")
PUBLIC_OPTIMIZERS = "keras.optimizers"


def _publicize(node) -> bool:
    """Point backend-private optimizer modules at ``keras.optimizers``, in place; True if changed."""
    changed = False
    if isinstance(node, dict):
        module = node.get("module")
        if isinstance(module, str) and BACKEND_PRIVATE_MODULE.match(module):
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


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be opened
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; on success fsync it and rename it into place.

    Anything that writes a file by name (Keras's savers, h5py, json) can be made crash-safe
    this way: a reader sees the old file or the new one, never half of one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{_suffix_of(path.name)}", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(path, data) -> Path:
    """Write ``data`` as indented JSON to ``path`` atomically; return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=float) + "\n")
    return Path(path)


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


def _register_recipe_objects() -> None:
    """Import the recipes so their custom classes are registered for deserialization."""
    with contextlib.suppress(ImportError):
        importlib.import_module("recipes").load_all()


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
    _register_recipe_objects()
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
