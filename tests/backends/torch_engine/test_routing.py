"""When the engine runs, when Keras's own loop does, and the switches between them."""

import multikeras
import pytest

if multikeras.active_backend() != "torch":
    pytest.skip("the torch engine runs on the torch backend only; this env runs another", allow_module_level=True)

import keras
import numpy as np

from multikeras.backends.torch_engine import routing

from ...conftest import run_python as run


def _model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


def _engine_ran(model) -> bool:
    return getattr(model, "_multikeras_engine", None) is not None


X, Y = np.ones((20, 3), "float32"), np.ones(20, "float32")


def test_plain_fit_on_arrays_runs_the_engine_and_engine_off_runs_keras():
    model = _model()
    model.fit(X, Y, epochs=1, verbose=0)
    assert _engine_ran(model)
    other = _model()
    with multikeras.engine_off():
        other.fit(X, Y, epochs=1, verbose=0)
        other.predict(X, verbose=0)
    assert not _engine_ran(other)


def test_lean_step_false_in_multikeras_fit_runs_keras():
    model = _model()
    multikeras.fit(model, X, Y, epochs=1, verbose=0, lean_step=False)
    assert not _engine_ran(model)


def test_datasets_and_custom_steps_run_keras_and_subclasses_run_the_engine():
    import torch

    model = _model()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.ones(20, 3), torch.ones(20)), batch_size=5)
    model.fit(loader, epochs=1, verbose=0)
    assert not _engine_ran(model)
    assert routing.fit_route(model, {"x": loader, "y": None, "sample_weight": None, "validation_data": None, "steps_per_epoch": None, "validation_steps": None, "shuffle": True, "class_weight": None}) == "the data are not NumPy arrays"

    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

    sub = Sub()
    sub.compile("sgd", "mse")
    sub.fit(X, Y, epochs=1, verbose=0)
    sub.fit(X, Y, epochs=1, verbose=0)  # built now: its Dense runs lowered inside the subclass's call
    assert _engine_ran(sub)  # the loop is the engine's; the forward pass is the subclass's own call
    assert type(sub.dense) is keras.layers.Dense  # the lowered class is swapped back afterwards
    text = multikeras.explain(sub)
    assert "own call()" in text and "dense" in text and "lowered" in text

    class OwnStep(Sub):
        def train_step(self, data):
            return super().train_step(data)

    own = OwnStep()
    own.compile("sgd", "mse")
    own.fit(X, Y, epochs=1, verbose=0)
    assert not _engine_ran(own) and "overrides train_step" in multikeras.explain(own)


def test_explain_names_each_layer_and_how_it_runs():
    text = multikeras.explain(_model())
    assert "torch engine runs" in text and "Dense" in text and "torch.matmul" in text


def test_the_environment_switch_turns_the_engine_off_for_the_process():
    code = (
        "import multikeras, keras, numpy as np\n"
        "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]); m.compile('sgd', 'mse')\n"
        "m.fit(np.ones((8, 3)), np.ones(8), verbose=0)\n"
        "print(getattr(m, '_multikeras_engine', None) is not None)\n"
    )
    assert run(code, {"MULTIKERAS_TORCH_ENGINE": "0"}).stdout.strip().splitlines()[-1] == "False"
    assert run(code, {"MULTIKERAS_TORCH_ENGINE": None}).stdout.strip().splitlines()[-1] == "True"


def test_the_progress_bar_shows_the_engine_logs(capsys):
    model = _model()
    model.fit(X, Y, epochs=2, batch_size=4, verbose=1, validation_data=(X, Y))
    model.evaluate(X, Y, verbose=1)
    shown = capsys.readouterr().out
    assert _engine_ran(model) and "Epoch 2/2" in shown and "val_loss" in shown and "5/5" in shown
