import numpy as np
import pytest

import keras
import multikeras
from multikeras.callbacks import ModelCheckpoint


def _model():
    multikeras.set_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


DATA = (np.random.default_rng(0).normal(size=(32, 3)).astype("float32"), np.zeros(32, "float32"))


@pytest.mark.parametrize("name, weights_only", [("best.keras", False), ("best.weights.h5", True)])
def test_checkpoint_keeps_the_best_epoch(tmp_path, name, weights_only):
    model = _model()
    path = tmp_path / name
    checkpoint = ModelCheckpoint(path, monitor="loss", save_best_only=True, save_weights_only=weights_only)
    history = multikeras.fit(model, *DATA, epochs=3, batch_size=8, callbacks=[checkpoint], verbose=0)
    assert path.exists() and checkpoint.best == min(history.history["loss"])
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary files left behind


def test_a_crash_mid_checkpoint_leaves_the_previous_file_loadable(tmp_path, monkeypatch):
    model = _model()
    path = tmp_path / "model.keras"
    multikeras.fit(model, *DATA, epochs=1, batch_size=8, callbacks=[ModelCheckpoint(path)], verbose=0)
    before = multikeras.load_model(path).predict(DATA[0], verbose=0)

    def dies_halfway(filepath, *args, **kwargs):
        with open(filepath, "wb") as handle:
            handle.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt("killed mid-save")

    monkeypatch.setattr(model, "save", dies_halfway)
    with pytest.raises(KeyboardInterrupt):
        multikeras.fit(model, *DATA, epochs=1, batch_size=8, callbacks=[ModelCheckpoint(path)], verbose=0)
    np.testing.assert_array_equal(multikeras.load_model(path).predict(DATA[0], verbose=0), before)
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]
