"""Which Keras backend this process runs, decided before Keras loads.

Keras 3 reads ``KERAS_BACKEND`` once, when ``keras`` is first imported, and cannot switch
afterwards. Everything here therefore works on the environment and on ``sys.modules``
without importing Keras or any backend package.
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import sys

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "active_backend",
    "is_installed",
    "normalize_backend",
    "use_backend",
]

BACKENDS = ("torch", "jax", "tensorflow")
DEFAULT_BACKEND = "torch"
ALIASES = {"pytorch": "torch", "tf": "tensorflow"}


def normalize_backend(name: str) -> str:
    """Return the canonical backend name, or raise ValueError listing the valid ones."""
    if not isinstance(name, str):
        raise TypeError(f"backend must be a string such as 'torch', got {type(name).__name__}.")
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key in BACKENDS:
        return key
    hint = difflib.get_close_matches(key, BACKENDS + tuple(ALIASES), n=1)
    suggestion = f" Did you mean {hint[0]!r}?" if hint else ""
    raise ValueError(
        f"Unknown backend {name!r}. Valid backends: {', '.join(BACKENDS)} "
        f"('pytorch' is an alias of 'torch').{suggestion}"
    )


def is_installed(backend: str) -> bool:
    """Whether the backend's package (named like the backend) can be imported, found without importing it."""
    return importlib.util.find_spec(normalize_backend(backend)) is not None


def active_backend() -> str:
    """The backend Keras runs (or will run) in this process."""
    if "keras" in sys.modules:
        import keras

        return keras.config.backend()
    return normalize_backend(os.environ.get("KERAS_BACKEND", DEFAULT_BACKEND))


def use_backend(name: str) -> str:
    """Select the Keras backend for this process; must run before Keras is imported.

    To run on several backends, use ``multikeras.app.runner`` (one subprocess per backend).
    """
    backend = normalize_backend(name)
    if "keras" in sys.modules:
        current = active_backend()
        if current != backend:
            raise RuntimeError(
                f"Keras was already imported with the {current!r} backend and Keras 3 cannot "
                f"switch backends inside one process. Set KERAS_BACKEND={backend} before "
                f"starting Python, or use multikeras.app.runner.compare() / `multikeras compare "
                f"--backends {backend}`, which run each backend in its own subprocess."
            )
        return backend
    os.environ["KERAS_BACKEND"] = backend
    return backend


def select_default_backend() -> str:
    """Apply KERAS_BACKEND if set (normalising aliases), else the default, before Keras loads."""
    requested = os.environ.get("KERAS_BACKEND") or DEFAULT_BACKEND
    if "keras" in sys.modules:
        return active_backend()
    return use_backend(requested)
