"""The engine's thread rule: threads the work can use, capped by the free cores and the budget."""

import multikeras
import pytest

if multikeras.active_backend() != "torch":
    pytest.skip("the torch engine runs on the torch backend only; this env runs another", allow_module_level=True)

import keras
import numpy as np
import torch

from multikeras.backends.torch_engine import threads


def test_small_work_gets_one_thread_and_large_work_what_is_free():
    assert threads.choose_threads(1e6, environ={}, cores=4, busy=0) == 1
    assert threads.choose_threads(1e9, environ={}, cores=4, busy=0) == 4
    assert threads.choose_threads(1e9, environ={}, cores=4, busy=3) == 1  # three cores taken elsewhere
    assert threads.choose_threads(1e9, environ={"OMP_NUM_THREADS": "2"}, cores=4, busy=0) == 2  # a worker's budget


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
    monkeypatch.setenv(threads.ENV_SWITCH, "0")
    model.fit(np.ones((8, 3)), np.ones(8), verbose=0, callbacks=[Spy()])
    assert seen[-1] == before
    monkeypatch.setenv(threads.ENV_SWITCH, "lots")
    with pytest.raises(ValueError, match="MULTIKERAS_TORCH_THREADS must be a whole number"):
        model.fit(np.ones((8, 3)), np.ones(8), verbose=0)
