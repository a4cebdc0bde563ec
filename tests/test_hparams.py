import numpy as np
import pytest

import keras
from multikeras import hparams


def test_whole_numbers_name_the_argument():
    hparams.whole_numbers(units=3, window=np.int64(2))
    with pytest.raises(ValueError, match="units must be at least 1, got 0"):
        hparams.whole_numbers(units=0)
    with pytest.raises(TypeError, match="window must be a whole number, got 2.5"):
        hparams.whole_numbers(window=2.5)
    with pytest.raises(TypeError, match="must be a whole number"):
        hparams.whole_numbers(units=True)


def test_positive_numbers_accept_schedules():
    hparams.positive_numbers(learning_rate=keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9))
    for bad in (0, -1e-3, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="learning_rate must be a finite number above 0"):
            hparams.positive_numbers(learning_rate=bad)
    with pytest.raises(TypeError, match="learning_rate must be a number"):
        hparams.positive_numbers(learning_rate="0.1")


def test_unit_counts_and_shapes():
    assert hparams.unit_counts("hidden_units", [300, 100]) == (300, 100)
    with pytest.raises(TypeError, match=r"hidden_units=\(300,\)"):
        hparams.unit_counts("hidden_units", 300)
    with pytest.raises(ValueError, match=r"hidden_units\[1\] must be at least 1"):
        hparams.unit_counts("hidden_units", (30, 0))
    assert hparams.shape("input_shape", 8) == (8,)
    with pytest.raises(ValueError, match="at least one dimension"):
        hparams.shape("input_shape", ())
    with pytest.raises(TypeError, match="input_shape must be a shape"):
        hparams.shape("input_shape", None)


def test_input_dict_keys():
    assert hparams.input_dict("adapt_data", {"wide": 1, "deep": 2}, ("wide", "deep"))
    with pytest.raises(ValueError, match=r"keys \['deep', 'wide'\], got \['deep', 'wid'\]"):
        hparams.input_dict("adapt_data", {"wid": 1, "deep": 2}, ("wide", "deep"))
