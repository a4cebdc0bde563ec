"""Run a patch on a module right after Python executes it, without importing it now.

multikeras adjusts a few Keras modules (keeping TensorFlow unloaded, routing the torch
trainer through the engine), but ``import multikeras`` must not import Keras: Keras reads
``KERAS_BACKEND`` once, when it first loads. :func:`after_import` patches a module already
loaded at once, else the moment it loads.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys

__all__ = ["after_import"]


class _PatchWhenLoaded(importlib.abc.MetaPathFinder):
    def __init__(self, name, patch):
        self.name, self.patch = name, patch

    def find_spec(self, name, path=None, target=None):
        if name != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            self.patch(module)

        spec.loader.exec_module = exec_module
        return spec


def after_import(name: str, patch) -> None:
    """Call ``patch(module)`` on module ``name`` now if loaded, else once it loads (once per name and patch)."""
    if name in sys.modules:
        patch(sys.modules[name])
    elif not any(isinstance(f, _PatchWhenLoaded) and f.name == name and f.patch is patch for f in sys.meta_path):
        sys.meta_path.insert(0, _PatchWhenLoaded(name, patch))
