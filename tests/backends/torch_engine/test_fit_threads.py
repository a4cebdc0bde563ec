"""The engine's thread rule: threads the work can use, capped by the free cores and the budget."""

import pytest

import multikeras

if multikeras.active_backend() != "torch":
    pytest.skip("the torch engine runs on the torch backend only; this env runs another", allow_module_level=True)

import keras
import numpy as np
import torch

from multikeras.backends.torch_engine import fit_threads


def test_small_work_gets_one_thread_and_large_work_what_is_free():
    assert fit_threads.choose_threads(1e6, environ={}, cores=4, busy=0) == 1
    assert fit_threads.choose_threads(1e9, environ={}, cores=4, busy=0) == 4
    assert fit_threads.choose_threads(1e9, environ={}, cores=4, busy=3) == 1  # three cores taken elsewhere
    assert fit_threads.choose_threads(1e9, environ={"OMP_NUM_THREADS": "2"}, cores=4, busy=0) == 2  # a worker's budget


@pytest.mark.fault(
    "MULTIKERAS_TORCH_THREADS=lots, then fit", "ValueError: MULTIKERAS_TORCH_THREADS must be a whole number"
)
def test_a_fit_restores_torch_threads_and_the_switch_fixes_or_leaves_them(monkeypatch):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    before = torch.get_num_threads()
    seen = []

    class Spy(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append(torch.get_num_threads())

    model.fit(np.ones((8, 3)), np.ones(8), verbose=0, callbacks=[Spy()])
    assert seen == [1] and torch.get_num_threads() == before  # a tiny model: one thread, then torch's own again
    monkeypatch.setenv(fit_threads.ENV_SWITCH, "0")
    model.fit(np.ones((8, 3)), np.ones(8), verbose=0, callbacks=[Spy()])
    assert seen[-1] == before
    monkeypatch.setenv(fit_threads.ENV_SWITCH, "lots")
    with pytest.raises(ValueError, match="MULTIKERAS_TORCH_THREADS must be a whole number"):
        model.fit(np.ones((8, 3)), np.ones(8), verbose=0)


def test_the_meter_reads_other_processes_cpu_time_not_its_own(monkeypatch):
    """Two looks 2 s apart: 300 ticks on these cores, 100 of them this process's -> 1.0 core busy elsewhere."""
    cores = frozenset({0, 1})
    samples = iter(
        [
            fit_threads.CpuSample(10.0, 1000, 500, cores),
            fit_threads.CpuSample(12.0, 1300, 600, cores),
            fit_threads.CpuSample(12.01, 1301, 601, cores),
        ]
    )
    monkeypatch.setattr(fit_threads, "_sample", lambda cores: next(samples))
    meter = fit_threads.BusyMeter()
    meter.ticks = 100
    meter.last = next(samples)
    assert meter.busy_cores(cores) == pytest.approx(1.0)
    assert meter.busy_cores(cores) == pytest.approx(1.0)  # 10 ms later: too short to read, the estimate stands


def test_a_look_over_other_cores_measures_a_fresh_window(monkeypatch):
    """Counters since boot on another set of cores would read as years of work in a second."""
    samples = iter(
        [
            fit_threads.CpuSample(2.0, 90_000, 0, frozenset({0, 1})),
            fit_threads.CpuSample(2.05, 90_000, 0, frozenset({0, 1})),
        ]
    )
    monkeypatch.setattr(fit_threads, "_sample", lambda cores: next(samples))
    monkeypatch.setattr(fit_threads.time, "sleep", lambda seconds: None)
    meter = fit_threads.BusyMeter()
    meter.last = fit_threads.CpuSample(1.0, 10, 0, frozenset({0}))
    assert meter.busy_cores(frozenset({0, 1})) == 0.0


def test_a_stale_look_measures_a_fresh_window(monkeypatch):
    samples = iter([fit_threads.CpuSample(100.0, 5000, 0), fit_threads.CpuSample(100.05, 5000, 0)])
    monkeypatch.setattr(fit_threads, "_sample", lambda cores: next(samples))
    monkeypatch.setattr(fit_threads.time, "sleep", lambda seconds: None)
    meter = fit_threads.BusyMeter()
    meter.last = fit_threads.CpuSample(1.0, 0, 0)  # a minute old: its window would average over the past
    assert meter.busy_cores(frozenset({0})) == 0.0


def test_a_busy_process_beside_the_fit_takes_a_core_away():
    import multiprocessing

    if fit_threads._cores() < 2:
        pytest.skip("needs two cores to see one taken")
    stop = multiprocessing.Event()
    busy = multiprocessing.Process(target=_spin, args=(stop,), daemon=True)
    busy.start()
    try:
        meter = fit_threads.BusyMeter()
        meter.busy_cores(frozenset(fit_threads._core_ids()))  # a first look...
        fit_threads.time.sleep(0.3)
        assert (
            meter.busy_cores(frozenset(fit_threads._core_ids())) > 0.5
        )  # ...and over 0.3 s the spinning process shows
    finally:
        stop.set()
        busy.join(5)


def _spin(stop):
    while not stop.is_set():
        pass


def test_a_recurrent_layer_counts_its_weights_once_per_time_step():
    model = keras.Sequential([keras.Input((10, 2)), keras.layers.LSTM(4), keras.layers.Dense(1)])
    lstm_weights = sum(int(np.prod(w.shape)) for w in model.layers[0].trainable_weights)
    assert fit_threads.step_flops(model, 32) == 6.0 * 32 * (10 * lstm_weights + 5)
