import keras
import numpy as np
import pytest

from multikeras import hparams


@pytest.mark.fault("a count of 0 (units=0)", "ValueError: units must be at least 1, got 0")
@pytest.mark.fault(
    "a count that is not a whole number (window=2.5, units=True)", "TypeError: window must be a whole number, got 2.5"
)
def test_whole_numbers_name_the_argument():
    hparams.whole_numbers(units=3, window=np.int64(2))
    with pytest.raises(ValueError, match="units must be at least 1, got 0"):
        hparams.whole_numbers(units=0)
    with pytest.raises(TypeError, match="window must be a whole number, got 2.5"):
        hparams.whole_numbers(window=2.5)
    with pytest.raises(TypeError, match="must be a whole number"):
        hparams.whole_numbers(units=True)


@pytest.mark.fault("learning_rate 0, negative, NaN or inf", "ValueError: learning_rate must be a finite number above 0")
@pytest.mark.fault("learning_rate='0.1' (a string)", "TypeError: learning_rate must be a number")
def test_positive_numbers_accept_schedules():
    hparams.positive_numbers(learning_rate=keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9))
    for bad in (0, -1e-3, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="learning_rate must be a finite number above 0"):
            hparams.positive_numbers(learning_rate=bad)
    with pytest.raises(TypeError, match="learning_rate must be a number"):
        hparams.positive_numbers(learning_rate="0.1")


@pytest.mark.fault("hidden_units=300 (a number, not a tuple)", "TypeError showing hidden_units=(300,)")
@pytest.mark.fault("hidden_units=(30, 0)", "ValueError: hidden_units[1] must be at least 1")
@pytest.mark.fault(
    "input_shape=() or input_shape=None", "ValueError: at least one dimension; TypeError: input_shape must be a shape"
)
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


@pytest.mark.fault(
    "adapt_data keyed 'wid' instead of 'wide'", "ValueError listing the keys expected and the keys given"
)
def test_input_dict_keys():
    assert hparams.input_dict("adapt_data", {"wide": 1, "deep": 2}, ("wide", "deep"))
    with pytest.raises(ValueError, match=r"keys \['deep', 'wide'\], got \['deep', 'wid'\]"):
        hparams.input_dict("adapt_data", {"wid": 1, "deep": 2}, ("wide", "deep"))
