import keras
import numpy as np
import pytest

import multikeras
from multikeras import registry
from multikeras.callbacks import LRFinder
from multikeras.training import lr_range_test


def test_rate_grows_exponentially_and_the_loss_turns_up():
    finder = lr_range_test(registry.get("classifier_mlp"), batch_size=8)
    rates = np.array(finder.rates)
    assert rates[0] == pytest.approx(1e-5)
    np.testing.assert_allclose(np.diff(np.log(rates)), np.log(rates[1] / rates[0]), rtol=1e-6)
    # The loss turning up at high rates shows the rate reached the compiled step (JAX's jit too).
    best = int(np.nanargmin(finder.smoothed))
    assert finder.smoothed[-1] > finder.smoothed[best] and finder.suggestion == pytest.approx(finder.rates[best] / 10)
    assert 1e-4 < finder.suggestion < 1


def test_batch_losses_undo_the_running_mean():
    multikeras.set_seed(0)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros")])
    model.compile("sgd", "mse")
    x = np.ones((40, 1), "float32")
    finder = LRFinder(min_lr=1e-9, max_lr=1e-8)  # too small to move the weights
    multikeras.fit(
        model,
        x,
        np.arange(1, 41, dtype="float32"),
        batch_size=10,
        epochs=1,
        shuffle=False,
        callbacks=[finder],
        verbose=0,
    )
    expected = [np.mean(np.arange(1 + 10 * i, 11 + 10 * i) ** 2) for i in range(4)]
    np.testing.assert_allclose(finder.losses, expected, rtol=1e-4)


@pytest.mark.fault("LRFinder(min_lr=0.01, max_lr=1e-3)", "ValueError: max_lr (0.001) must be above min_lr")
@pytest.mark.fault("LRFinder(steps=1)", "ValueError: steps must be at least 2")
def test_bad_ranges_are_named():
    with pytest.raises(ValueError, match=r"max_lr \(0.001\) must be above min_lr"):
        LRFinder(min_lr=0.01, max_lr=1e-3)
    with pytest.raises(ValueError, match="steps must be at least 2"):
        LRFinder(steps=1)


def test_cli_writes_the_curve_and_the_suggestion(tmp_path, capsys):
    import json

    from multikeras.app.cli import main

    assert main(["lr-find", "regression_mlp", "--out", str(tmp_path), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    saved = json.loads((tmp_path / "lr_find.json").read_text())
    assert printed["suggested_learning_rate"] == saved["suggested_learning_rate"] > 0
    assert (tmp_path / "lr_find.png").read_bytes()[:4] == b"\x89PNG"
