"""Check where a command will write before it trains, so a bad path fails at once, not after the run.

A check creates nothing: the path's nearest existing ancestor must be a folder this user may
write into (``os.access``), a file flag must not name an existing folder and a folder flag
must not name an existing file. Messages name the flag, the path, the problem and the fix.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["OutputPathError", "check_file", "check_folder"]


class OutputPathError(ValueError):
    """An output flag names a place the command could not write."""


def check_file(flag: str, path) -> Path:
    """``path`` can be written as a file (its folders created as needed); return it."""
    path = Path(path)
    if path.is_dir():
        raise OutputPathError(f"{flag} {str(path)!r} is a folder; name a file (inside it or elsewhere) instead.")
    _check_writable(flag, path, path.parent)
    return path


def check_folder(flag: str, path) -> Path:
    """``path`` is, or can be created as, a folder to write into; return it."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"{flag} {str(path)!r} is a file, not a folder; name a folder, or move the file away.")
    _check_writable(flag, path, path)
    return path


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")


def _check_writable(flag: str, path: Path, folder: Path) -> None:
    """``folder`` exists and is writable, or its nearest existing ancestor is a writable folder."""
    ancestor = _nearest_existing(folder)
    if not ancestor.is_dir():
        raise OutputPathError(
            f"{flag} {str(path)!r} cannot be created: {str(ancestor)!r} is a file, not a folder; choose a path outside it."
        )
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputPathError(
            f"{flag} {str(path)!r} cannot be written: this user may not write in {str(ancestor)!r}; "
            "choose another place or change its permissions."
        )
