"""A folder of finished fits, so a search, ensemble or split evaluation that dies resumes.

``KerasRegressor(..., fit_store="runs/fits")`` makes every fresh ``fit`` look itself up first:
the key is a hash of what determines the fitted model (the wrapper's class and parameters,
the code of its build function, the data, the fit's arguments, the backend and the library
versions). A hit restores the fitted state; a miss fits and then stores it, atomically. The
store is a parameter, so it travels through ``clone`` into scikit-learn's own
``GridSearchCV``, ``cross_validate`` and every joblib or Dask worker; point it at a folder
they all see. Fits continued from a trained model (``warm_start``, ``partial_fit``) are
never stored: their result depends on the model they start from.

Entries are pickles: point the store only at folders you trust.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import time
import warnings
from pathlib import Path

import joblib

from ..atomic_io import atomic_path

__all__ = ["FitStore", "resolve", "JOURNAL"]

JOURNAL = "journal.jsonl"
# Parameters that change what is printed, not what is fitted.
UNKEYED_PARAMS = frozenset({"fit_store", "verbose"})


def resolve(fit_store) -> FitStore | None:
    """The store a wrapper's ``fit_store`` parameter names (a folder path or a FitStore), or None."""
    if fit_store is None or isinstance(fit_store, FitStore):
        return fit_store
    if isinstance(fit_store, (str, os.PathLike)):
        return FitStore(fit_store)
    raise TypeError(
        f"fit_store must be a folder path or a FitStore, got {type(fit_store).__name__}; e.g. fit_store='runs/fits'."
    )


def _versions() -> dict:
    """The backend and the versions that make a stored fit's numbers (the backend is loaded already)."""
    import importlib

    from .. import backends

    backend = backends.active_backend()
    modules = (backend, "keras", "numpy", "sklearn", "multikeras")
    return {"backend": backend, **{name: importlib.import_module(name).__version__ for name in modules}}


def _code_bytes(code) -> bytes:
    """A code object's bytecode, names and constants, nested functions' code included (a code
    object's repr carries a memory address, and a set's order changes with the hash seed, so
    neither is used)."""
    return code.co_code + repr(code.co_names).encode() + b"|".join(map(_const_bytes, code.co_consts))


def _const_bytes(const) -> bytes:
    if hasattr(const, "co_code"):
        return _code_bytes(const)
    if isinstance(const, (set, frozenset)):
        return b"{" + b",".join(sorted(map(_const_bytes, const))) + b"}"
    if isinstance(const, tuple):
        return b"(" + b",".join(map(_const_bytes, const)) + b")"
    return repr(const).encode()  # the literals a code object holds: str, bytes, numbers, None


def _function(value) -> str | None:
    """A function's name and a hash of its code, defaults and closure: editing a build function,
    or making one with other values captured, does not reuse old fits, and one shipped by value
    to a Dask worker (a script's ``__main__.build``) keys the same."""
    code = getattr(value, "__code__", None)
    if code is None:
        return None
    cells = [cell.cell_contents for cell in value.__closure__ or ()]
    captured = joblib.hash((value.__defaults__, value.__kwdefaults__, cells))
    digest = hashlib.sha256(_code_bytes(code) + captured.encode()).hexdigest()
    return f"{value.__module__}.{value.__qualname__}:{digest}"


def _fingerprint(name: str, value) -> str:
    try:
        return _function(value) or joblib.hash(value)
    except Exception as err:  # pickling an arbitrary object can fail in many ways
        raise TypeError(
            f"fit_store cannot fingerprint the {name} ({type(value).__name__}: {err}); pass a picklable value, "
            f"or set fit_store=None for this estimator."
        ) from err


@dataclasses.dataclass(frozen=True)
class FitKey:
    """What a stored fit is keyed on; ``digest`` names its file."""

    estimator: str
    parts: dict

    @property
    def digest(self) -> str:
        return hashlib.sha256(json.dumps([self.estimator, self.parts], sort_keys=True).encode()).hexdigest()[:32]


class FitStore:
    """Finished fits in ``directory``: ``fits/KEY.pkl`` (the fitted state) and a journal of events."""

    def __init__(self, directory):
        self.directory = Path(directory)

    def __repr__(self):
        return f"FitStore({str(self.directory)!r})"

    def __eq__(self, other):  # so clone's parameter check sees a copy as the same store
        return isinstance(other, FitStore) and other.directory == self.directory

    def __hash__(self):
        return hash(("FitStore", self.directory))

    def key(self, estimator, X, y, sample_weight, fit_kwargs) -> FitKey:
        params = {k: v for k, v in estimator.get_params(deep=False).items() if k not in UNKEYED_PARAMS}
        parts = {f"param {k}": _fingerprint(f"parameter {k!r}", v) for k, v in sorted(params.items())}
        parts.update(
            X=_fingerprint("X", X),
            y=_fingerprint("y", y),
            sample_weight=_fingerprint("sample_weight", sample_weight),
            fit_kwargs=_fingerprint("fit arguments", fit_kwargs),
            versions=_versions(),
        )
        return FitKey(f"{type(estimator).__module__}.{type(estimator).__qualname__}", parts)

    def _path(self, key: FitKey) -> Path:
        return self.directory / "fits" / f"{key.digest}.pkl"

    def restore(self, estimator, key: FitKey) -> bool:
        """Load the stored fit into ``estimator``; False if there is none (or it is unreadable)."""
        path = self._path(key)
        try:
            state = pickle.loads(path.read_bytes())
        except FileNotFoundError:
            return False
        except Exception as err:  # a damaged entry is refitted, not fatal
            warnings.warn(
                f"fit store entry {str(path)!r} is unreadable ({type(err).__name__}: {err}); fitting again",
                RuntimeWarning,
                stacklevel=3,
            )
            self._log("unreadable", key, error=f"{type(err).__name__}: {err}")
            return False
        estimator.__setstate__({**estimator.__dict__, **state})
        self._log("reused", key)
        return True

    def save(self, estimator, key: FitKey, seconds: float) -> None:
        params = set(estimator._get_param_names()) | {"_extra_params"}
        fitted = {k: v for k, v in estimator.__getstate__().items() if k not in params}
        with atomic_path(self._path(key)) as tmp:
            tmp.write_bytes(pickle.dumps(fitted, protocol=pickle.HIGHEST_PROTOCOL))
        self._log("stored", key, seconds=round(seconds, 3))

    def fit(self, estimator, fit, X, y, sample_weight, fit_kwargs):
        """``fit()`` unless the same fit is stored; returns the estimator."""
        key = self.key(estimator, X, y, sample_weight, fit_kwargs)
        if self.restore(estimator, key):
            return estimator
        started = time.perf_counter()
        fit()
        self.save(estimator, key, time.perf_counter() - started)
        return estimator

    def _log(self, event: str, key: FitKey, **extra) -> None:
        """One line per event, appended whole (O_APPEND), so workers can share the journal."""
        line = json.dumps(
            {
                "event": event,
                "key": key.digest,
                "estimator": key.estimator,
                "pid": os.getpid(),
                "time": time.time(),
                **extra,
            }
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)

    def events(self) -> list[dict]:
        """The journal: one dict per stored, reused or unreadable fit, in order."""
        path = self.directory / JOURNAL
        if not path.exists():
            return []
        return [event for event in map(_parse, path.read_text().splitlines()) if event is not None]


def _parse(line: str):
    """One journal line, or None for a line torn by a kill or by a file system without atomic appends."""
    try:
        return json.loads(line)
    except ValueError:
        return None
