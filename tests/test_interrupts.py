import os
import signal
import subprocess
import sys
import time

import pytest

from multikeras import interrupts
from multikeras.interrupts import Interrupted, exit_code, signal_name, stop_signals_raise


@pytest.mark.fault(
    "SIGTERM inside the CLI", "Interrupted (a KeyboardInterrupt) carrying exit code 143; the previous handler restored"
)
def test_sigterm_raises_a_keyboard_interrupt_that_carries_143_and_the_handler_comes_back():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt) as stop:
        with stop_signals_raise():
            os.kill(os.getpid(), signal.SIGTERM)  # Python runs the handler before the next statement
    assert isinstance(stop.value, Interrupted) and exit_code(stop.value) == 143 and signal_name(stop.value) == "SIGTERM"
    assert signal.getsignal(signal.SIGTERM) is before


def test_ctrl_c_is_130():
    assert exit_code(KeyboardInterrupt()) == 130 and signal_name(KeyboardInterrupt()) == "SIGINT"


@pytest.mark.fault("SIGHUP under nohup (ignored)", "still ignored")
def test_a_signal_set_to_be_ignored_stays_ignored():
    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    try:
        with stop_signals_raise():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, before)


FINALIZER_HEAVY = """
import os, signal, sys, threading, time
from multikeras.interrupts import Interrupted, stop_signals_raise

class SlowToDelete:
    def __del__(self):
        time.sleep(0.01)  # a signal arriving now runs its handler inside this finalizer

def busy(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass

threading.Timer(0.3, os.kill, (os.getpid(), signal.{name})).start()
with stop_signals_raise():
    try:
        end = time.monotonic() + 20
        while time.monotonic() < end:
            SlowToDelete()  # deleted at once: about half the time is spent in finalizers
            busy(0.01)
        print("trained on to the end")
    except KeyboardInterrupt as stop:
        print("stopped by", type(stop).__name__, round(time.monotonic() - end + 20, 1))
        sys.exit(3)
"""


@pytest.mark.fault(
    "SIGTERM or Ctrl-C whose handler runs inside a finalizer (__del__), where Python drops its exception",
    "the stop is raised again at the next line of ordinary code; no 'Exception ignored' traceback",
)
@pytest.mark.parametrize("name, raised", [("SIGTERM", "Interrupted"), ("SIGINT", "KeyboardInterrupt")])
def test_a_real_signal_whose_handler_ran_in_a_finalizer_still_stops_the_program(name, raised):
    if name == "SIGINT" and signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        pytest.skip("SIGINT is ignored here, and the child would inherit that")
    result = subprocess.run(
        [sys.executable, "-c", FINALIZER_HEAVY.format(name=name)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 3, (result.stdout, result.stderr[-2000:])
    what, seconds = result.stdout.rsplit(" ", 1)
    assert (
        what == f"stopped by {raised}" and float(seconds) < 2
    )  # sent at 0.3 s; raised at the line after the finalizer
    assert "Exception ignored" not in result.stderr, result.stderr[-2000:]


def test_other_exceptions_in_finalizers_still_reach_the_previous_hook(monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: seen.append(type(unraisable.exc_value)))
    before = sys.unraisablehook

    class Broken:
        def __del__(self):
            raise ValueError("a finalizer's own error")

    with stop_signals_raise():
        Broken()
        assert sys.unraisablehook is not before
    assert seen == [ValueError] and sys.unraisablehook is before  # the hook found is given back


class _StoppedWhileDeleted:
    """A finalizer in which a SIGTERM's handler ran: Python prints and drops what it raises."""

    def __del__(self):
        raise Interrupted(signal.SIGTERM)


def test_a_dropped_stop_is_raised_at_the_next_line_and_tracing_ends():
    reached = []
    with pytest.raises(Interrupted) as stop:
        with stop_signals_raise():
            _StoppedWhileDeleted()
            reached.append("the next line")  # never runs: the stop is raised as it starts
    assert reached == [] and stop.value.signum == signal.SIGTERM
    assert sys.gettrace() is None


def test_under_a_tracer_a_dropped_stop_is_sent_again_instead(monkeypatch):
    sent = []
    monkeypatch.setattr(interrupts, "_send_again", sent.append)
    monkeypatch.setattr(sys, "gettrace", lambda: print)  # as under a debugger or coverage, whose tracer must stay
    with stop_signals_raise():
        _StoppedWhileDeleted()
    assert sent == [signal.SIGTERM]


def test_sending_again_stops_ordinary_code_a_moment_later():
    with pytest.raises(Interrupted):
        with stop_signals_raise():
            interrupts._send_again(signal.SIGTERM)
            time.sleep(10)  # interrupted after RESEND_SECONDS


@pytest.mark.fault(
    "SIGTERM or Ctrl-C whose exception code swallows (a bare except:, as in Keras's pythonify_logs)",
    "raise_lost_stop raises it at the next safe point; after the block, nothing is left to raise",
)
@pytest.mark.parametrize("name, raised", [("SIGTERM", Interrupted), ("SIGINT", KeyboardInterrupt)])
def test_a_swallowed_stop_is_raised_by_raise_lost_stop_and_forgotten_after_the_block(name, raised):
    if name == "SIGINT" and signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("SIGINT has a handler of the caller's here, which stop_signals_raise leaves alone")
    interrupts.raise_lost_stop()  # nothing received: nothing raised
    with pytest.raises(raised):
        with stop_signals_raise():
            try:
                os.kill(os.getpid(), getattr(signal, name))
                time.sleep(5)  # the handler raises here
            except:  # noqa: E722  (the swallowing this guards against)
                pass
            interrupts.raise_lost_stop()
    interrupts.raise_lost_stop()
