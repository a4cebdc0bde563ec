"""Ctrl-C, SIGTERM and SIGHUP as one exception, so ``finally`` blocks run and child processes stop.

Python turns SIGINT into ``KeyboardInterrupt``, but SIGTERM (what ``kill``, batch schedulers
and container runtimes send) and SIGHUP (a closed terminal) end the process at once: no
``finally``, no stopping of worker processes, temporary files left behind. Inside
:func:`stop_signals_raise` they raise :class:`Interrupted`, a ``KeyboardInterrupt`` subclass,
so code that handles Ctrl-C handles all three, and :func:`exit_code` gives the shell's code
(128 + the signal's number: 130, 143, 129).

Python runs a signal's handler in whatever code the main thread is executing. When that is a
finalizer (a ``__del__``, a weakref callback, a generator closed by the garbage collector),
the exception is printed as "Exception ignored in ..." and dropped, and the program trains on
as if no signal had come; JAX's and Keras's objects run such finalizers throughout a fit.
Inside :func:`stop_signals_raise` a dropped stop is raised again at the next line of ordinary
code, so it unwinds the program.

Code can also swallow the exception outright: Keras's ``pythonify_logs`` converts each batch's
logs inside a bare ``except:``, so a signal arriving there was lost and the fit trained on. Every
stop is therefore recorded as well as raised, and :func:`raise_lost_stop`, called at safe points
(:class:`multikeras.stop_check.StopCheck` calls it around each batch and after each epoch of a fit), raises a
recorded stop that the program ran on past.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading

__all__ = [
    "Interrupted",
    "STOP_SIGNALS",
    "RESEND_SECONDS",
    "stop_signals_raise",
    "raise_lost_stop",
    "exit_code",
    "signal_name",
]

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
RESEND_SECONDS = 0.05  # under a tracer (debugger, coverage), a dropped stop is sent again this much later
_received: list[int] = []  # the stop signals received inside stop_signals_raise, in order


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


def _stop(signum: int) -> KeyboardInterrupt:
    return KeyboardInterrupt() if signum == signal.SIGINT else Interrupted(signum)


def _raise_interrupted(signum, frame):
    _received.append(signum)
    raise _stop(signum)


def raise_lost_stop() -> None:
    """Raise the stop a signal asked for, if one came inside :func:`stop_signals_raise` and was swallowed.

    Call it where the program would carry on only if the stop was lost (a training loop's next
    batch): a stop that is unwinding never reaches such a place.
    """
    if _received and threading.current_thread() is threading.main_thread():
        raise _stop(_received[0])


def _raise_at_next_line(stop: BaseException) -> None:
    """Raise ``stop`` where Python next starts a line or a call, by tracing the main thread until then.

    The frames below the finalizer are ordinary code (or another finalizer, which drops it
    again and comes back here), so the stop unwinds from there.
    """
    frames, frame = [], sys._getframe(2)  # the hook's caller is the finalizer's caller
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back

    def tracer(frame, event, arg):
        sys.settrace(None)
        for traced in frames:
            traced.f_trace = None  # a tracer set later (a debugger's) must not call this one
        frames.clear()
        raise stop

    for traced in frames:
        traced.f_trace = tracer
    sys.settrace(tracer)


def _send_again(signum: int) -> None:
    """Send the signal again a moment later: for a thread already traced (a debugger, coverage)."""
    timer = threading.Timer(RESEND_SECONDS, os.kill, (os.getpid(), signum))
    timer.daemon = True
    timer.start()


def _resending(previous_hook):
    """An unraisable hook that raises a dropped stop again in ordinary code instead of printing it."""

    def hook(unraisable):
        stop = unraisable.exc_value
        signum = getattr(stop, "signum", signal.SIGINT)
        ours = (_raise_interrupted, signal.default_int_handler)
        if not isinstance(stop, KeyboardInterrupt) or signal.getsignal(signum) not in ours:
            previous_hook(unraisable)
        elif sys.gettrace() is None and threading.current_thread() is threading.main_thread():
            _raise_at_next_line(_stop(signum))
        else:
            _send_again(signum)

    return hook


@contextlib.contextmanager
def stop_signals_raise():
    """Within: each of `STOP_SIGNALS` raises `Interrupted`; the previous handlers come back afterwards.

    A signal set to be ignored (``nohup`` ignores SIGHUP) stays ignored. Ctrl-C raises
    ``KeyboardInterrupt`` as Python's own handler does, and is recorded like the others. A stop
    dropped in a finalizer is raised again after it; one swallowed elsewhere, at the next
    :func:`raise_lost_stop`. Only the main thread may set handlers; elsewhere this changes nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    current = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    # None: a handler set outside Python, which could not be put back
    previous = {signum: handler for signum, handler in current.items() if handler not in (signal.SIG_IGN, None)}
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not one a caller chose
        previous[signal.SIGINT] = signal.default_int_handler
    received = list(_received)
    for signum in previous:
        signal.signal(signum, _raise_interrupted)
    previous_hook, sys.unraisablehook = sys.unraisablehook, _resending(sys.unraisablehook)
    try:
        yield
    finally:
        sys.unraisablehook = previous_hook
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _received[:] = received  # the stops received within have been raised
