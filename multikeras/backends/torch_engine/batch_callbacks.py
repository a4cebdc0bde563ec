"""The batch hooks of one phase (train, test, predict), with logs computed only when read.

Keras computes every batch's logs, and so waits for the device at every step, even when
no callback reads them. Here only the callbacks that define a phase's batch hooks (on the
class or the instance) are called. They get the dict Keras would hand them, computed at
that batch, unless every one of them declares ``lazy_batch_logs = True``: a promise to
read the logs only by key during the hook and never keep them (multikeras's stop check
and NaN guard make it). Those get :class:`LazyLogs`, filled on first use, so a fit with
only them skips the logs of the batches they do not read. The progress bar alone is
updated at most every ``PROGRESS_SECONDS``, so drawing it costs no step time.
"""

from __future__ import annotations

import time

import keras

from ..callback_hooks import BATCH_HOOKS, defines_hook

__all__ = ["PROGRESS_SECONDS", "BatchCallbacks", "LazyLogs"]

PROGRESS_SECONDS = 0.1


class LazyLogs(dict):
    """A dict that fills itself from ``make()`` the first time it is read by key or iterated.

    Other ways in (writes, ``dict``'s own methods, C code such as ``json.dumps``) see it empty
    until then, which is why only callbacks that declare ``lazy_batch_logs`` get one.
    """

    __slots__ = ("_make",)

    def __init__(self, make):
        super().__init__()
        self._make = make

    @property
    def unread(self) -> bool:
        return getattr(self, "_make", None) is not None

    def fill(self) -> LazyLogs:
        if self.unread:
            make, self._make = self._make, None
            dict.update(self, make())
        return self

    def __getitem__(self, key):
        return dict.__getitem__(self.fill(), key)

    def get(self, key, default=None):
        return dict.get(self.fill(), key, default)

    def __contains__(self, key):
        return dict.__contains__(self.fill(), key)

    def __iter__(self):
        return dict.__iter__(self.fill())

    def __len__(self):
        return dict.__len__(self.fill())

    def __repr__(self):
        return dict.__repr__(self.fill())


class BatchCallbacks:
    """Calls one phase's batch hooks on the callbacks that define them; throttles the progress bar."""

    def __init__(self, callbacks, phase: str):
        hooks = BATCH_HOOKS[phase]
        members = list(getattr(callbacks, "callbacks", callbacks))
        self.progress = [c for c in members if type(c) is keras.callbacks.ProgbarLogger]
        self.others = [c for c in members if c not in self.progress and any(defines_hook(c, hook) for hook in hooks)]
        self.lazy = all(getattr(c, "lazy_batch_logs", False) is True for c in self.others)
        self.begin, self.end = hooks[0], hooks[1]
        self.last_drawn = 0.0
        self.active = bool(self.progress or self.others)

    def on_begin(self, step: int) -> None:
        if self.others:
            logs = {}  # Keras hands the begin hooks one empty dict
            for callback in self.others:
                getattr(callback, self.begin)(step, logs)

    def on_end(self, step: int, make_logs, last: bool) -> None:
        """Run the end hooks; ``make_logs()`` (one wait for the device) runs only if logs are read."""
        logs = None
        if self.others:
            logs = LazyLogs(make_logs) if self.lazy else make_logs()
            for callback in self.others:
                getattr(callback, self.end)(step, logs)
        now = time.perf_counter()
        if self.progress and (last or now - self.last_drawn >= PROGRESS_SECONDS):
            self.last_drawn = now
            logs = make_logs() if logs is None else logs.fill() if isinstance(logs, LazyLogs) else logs
            for callback in self.progress:
                getattr(callback, self.end)(step, logs)
