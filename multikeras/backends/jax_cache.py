"""JAX's persistent compilation cache, switched on for multikeras processes.

Keras jits new functions for every model it trains, so every run compiles again, and on the
recipes' small models compiling is most of a JAX fit. JAX's own persistent cache keys
compiled programs by their content, so a program compiled once is reused by later runs and
other processes. JAX caches only compilations over a second by default; the recipes' take
less, so the thresholds are set to zero, and the cache is capped at 512 MiB.

Folds and candidates of one architecture share programs too, because
:mod:`multikeras.backends.jax_programs` passes adapted Normalization statistics in as inputs
rather than constants. Figures are in docs/performance.md.

Applied through JAX's environment variables before JAX loads, in the user's cache directory
(``$XDG_CACHE_HOME/multikeras/jax``, else ``~/.cache/multikeras/jax``). A cache directory the
user configured for JAX is kept; ``MULTIKERAS_JAX_CACHE=0`` switches it off and
``MULTIKERAS_JAX_CACHE=/some/dir`` moves it (the test suite keeps its own that way).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..switches import is_off, is_on

__all__ = ["configure", "ENV_SWITCH", "cache_dir"]

ENV_SWITCH = "MULTIKERAS_JAX_CACHE"
MAX_BYTES = 512 * 2**20


def cache_dir(environ=None) -> Path:
    environ = os.environ if environ is None else environ
    root = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "multikeras" / "jax"


def configure(environ=None):
    """Point JAX's persistent cache at multikeras's directory unless set or switched off; returns it."""
    environ = os.environ if environ is None else environ
    setting = environ.get(ENV_SWITCH, "").strip()
    if is_off(setting):
        return None
    if environ.get("JAX_COMPILATION_CACHE_DIR"):
        return environ["JAX_COMPILATION_CACHE_DIR"]
    default = setting == "" or is_on(setting)
    directory = str(cache_dir(environ)) if default else os.path.abspath(os.path.expanduser(setting))
    environ["JAX_COMPILATION_CACHE_DIR"] = directory
    environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")
    environ.setdefault("JAX_COMPILATION_CACHE_MAX_SIZE", str(MAX_BYTES))
    return directory
