import os
import signal

import pytest

from multikeras.interrupts import Interrupted, exit_code, signal_name, stop_signals_raise


@pytest.mark.fault('SIGTERM inside the CLI', 'Interrupted (a KeyboardInterrupt) carrying exit code 143; the previous handler restored')
def test_sigterm_raises_a_keyboard_interrupt_that_carries_143_and_the_handler_comes_back():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt) as stop:
        with stop_signals_raise():
            os.kill(os.getpid(), signal.SIGTERM)  # Python runs the handler before the next statement
    assert isinstance(stop.value, Interrupted) and exit_code(stop.value) == 143 and signal_name(stop.value) == "SIGTERM"
    assert signal.getsignal(signal.SIGTERM) is before


def test_ctrl_c_is_130():
    assert exit_code(KeyboardInterrupt()) == 130 and signal_name(KeyboardInterrupt()) == "SIGINT"


@pytest.mark.fault('SIGHUP under nohup (ignored)', 'still ignored')
def test_a_signal_set_to_be_ignored_stays_ignored():
    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    try:
        with stop_signals_raise():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, before)
