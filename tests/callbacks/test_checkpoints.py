import keras
import numpy as np
import pytest

import multikeras
from multikeras.callbacks import ModelCheckpoint
from multikeras.callbacks.checkpoints import NonFiniteWeightsWarning


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


@pytest.mark.fault(
    "an interrupt halfway through writing a checkpoint",
    "the interrupt propagates; the previous file loads and predicts as before; no temporary left",
)
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


def _diverge(model):
    """Make the next epoch's weights non-finite."""
    model.optimizer.learning_rate.assign(1e30)


@pytest.mark.fault(
    "ModelCheckpoint (every epoch) while the weights turn NaN",
    "NonFiniteWeightsWarning; the file keeps the last finite model",
)
@pytest.mark.parametrize("name", ["last.keras", "last.weights.h5"])
def test_a_checkpoint_never_replaces_a_finite_model_with_a_nan_one(tmp_path, name):
    model = _model()
    path = tmp_path / name
    checkpoint = ModelCheckpoint(path, save_weights_only=name.endswith(".weights.h5"))  # every epoch, not only the best
    multikeras.fit(model, DATA[0] * 1e3, DATA[0][:, 0] * 1e3, epochs=1, batch_size=8, callbacks=[checkpoint], verbose=0)
    good = path.read_bytes()
    _diverge(model)
    with pytest.warns(NonFiniteWeightsWarning, match="keeps the last finite model"):
        multikeras.fit(
            model,
            DATA[0] * 1e3,
            DATA[0][:, 0] * 1e3,
            epochs=2,
            batch_size=8,
            callbacks=[checkpoint],
            verbose=0,
            nan_guard=False,
        )
    assert path.read_bytes() == good
