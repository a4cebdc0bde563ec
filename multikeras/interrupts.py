"""Ctrl-C, SIGTERM and SIGHUP as one exception, so ``finally`` blocks run and child processes stop.

Python turns SIGINT into ``KeyboardInterrupt``, but SIGTERM (what ``kill``, batch schedulers
and container runtimes send) and SIGHUP (a closed terminal) end the process at once: no
``finally``, no stopping of worker processes, temporary files left behind. Inside
:func:`stop_signals_raise` they raise :class:`Interrupted`, a ``KeyboardInterrupt`` subclass,
so code that handles Ctrl-C handles all three, and :func:`exit_code` gives the shell's code
(128 + the signal's number: 130, 143, 129).
"""

from __future__ import annotations

import contextlib
import signal
import threading

__all__ = ["Interrupted", "STOP_SIGNALS", "stop_signals_raise", "exit_code", "signal_name"]

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Interrupted(KeyboardInterrupt):
    """A stop requested by a signal other than SIGINT; carries the signal's number."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def exit_code(stop: BaseException) -> int:
    """130 for Ctrl-C, 143 for SIGTERM: 128 + the signal's number, as shells report it."""
    return 128 + getattr(stop, "signum", signal.SIGINT)


def signal_name(stop: BaseException) -> str:
    return signal.Signals(getattr(stop, "signum", signal.SIGINT)).name


def _raise_interrupted(signum, frame):
    raise Interrupted(signum)


@contextlib.contextmanager
def stop_signals_raise():
    """Within: each of `STOP_SIGNALS` raises `Interrupted`; the previous handlers come back afterwards.

    A signal set to be ignored (``nohup`` ignores SIGHUP) stays ignored. Only the main thread
    may set handlers; elsewhere this changes nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    current = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    # None: a handler set outside Python, which could not be put back
    previous = {signum: handler for signum, handler in current.items() if handler not in (signal.SIG_IGN, None)}
    for signum in previous:
        signal.signal(signum, _raise_interrupted)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
