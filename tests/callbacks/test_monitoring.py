import keras
import numpy as np

import multikeras
from multikeras.callbacks import ValTrainRatio


def test_ratio_is_printed_and_recorded():
    lines = []
    multikeras.set_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).normal(size=(20, 2)).astype("float32")
    callback = ValTrainRatio(warn_above=0.0, stream=lines.append)
    history = multikeras.fit(model, x, x.sum(axis=1), validation_split=0.5, epochs=2, callbacks=[callback], verbose=0)
    ratios = np.array(history.history["val_loss"]) / np.array(history.history["loss"])
    np.testing.assert_allclose(history.history["val_train_ratio"], ratios, rtol=1e-6)
    assert lines[0] == f"epoch 1: val_loss / loss = {ratios[0]:.3f} (overfitting?)"
