"""When the engine runs, when Keras's own loop does, and the switches between them."""

import pytest

import multikeras

if multikeras.active_backend() != "torch":
    pytest.skip("the torch engine runs on the torch backend only; this env runs another", allow_module_level=True)

import keras
import numpy as np

from multikeras.backends.torch_engine import trainer_routes

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


def test_torch_engine_false_in_multikeras_fit_runs_keras():
    model = _model()
    multikeras.fit(model, X, Y, epochs=1, verbose=0, torch_engine=False)
    assert not _engine_ran(model)


def test_datasets_and_custom_steps_run_keras_and_subclasses_run_the_engine():
    import torch

    model = _model()
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.ones(20, 3), torch.ones(20)), batch_size=5
    )
    model.fit(loader, epochs=1, verbose=0)
    assert not _engine_ran(model)
    assert (
        trainer_routes.fit_route(
            model,
            {
                "x": loader,
                "y": None,
                "sample_weight": None,
                "validation_data": None,
                "steps_per_epoch": None,
                "validation_steps": None,
                "shuffle": True,
                "class_weight": None,
            },
        )
        == "the data are not NumPy arrays"
    )

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


def _fit_route_taken(model, **fit_kwargs) -> bool:
    before = trainer_routes.CALLS["fit", "engine"]
    model.fit(X, Y, epochs=1, verbose=0, **fit_kwargs)
    return trainer_routes.CALLS["fit", "engine"] > before


def test_an_argument_the_engine_does_not_know_goes_to_keras():
    import inspect

    def fit(self, x=None, y=None, epochs=1, new_option=None, **kwargs):  # a fit a newer Keras might have
        pass

    signature = inspect.signature(fit)
    known = {"x", "y", "epochs"}
    assert (
        trainer_routes.unknown_arguments(
            signature, {"x": X, "y": Y, "epochs": 1, "new_option": None, "kwargs": {}}, known
        )
        is None
    )
    why = trainer_routes.unknown_arguments(
        signature, {"x": X, "y": Y, "epochs": 1, "new_option": "on", "kwargs": {}}, known
    )
    assert why == "new_option= is not an argument the engine knows"
    assert "extra" in trainer_routes.unknown_arguments(signature, {"new_option": None, "kwargs": {"extra": 1}}, known)


def test_max_steps_per_epoch_and_a_distribution_go_to_keras(monkeypatch):
    model = _model()
    assert _fit_route_taken(model)
    keras.config.set_max_steps_per_epoch(1)
    try:
        assert not _fit_route_taken(model)
        assert "max_steps_per_epoch is set" in multikeras.explain(model)
    finally:
        keras.config.set_max_steps_per_epoch(None)
    monkeypatch.setattr(keras.distribution, "distribution", lambda: object())
    assert trainer_routes.fit_route(model, {}) == "a keras.distribution is in use"
    assert trainer_routes.predict_route(model, {"x": X}) == "a keras.distribution is in use"


def test_variables_on_an_untested_device_go_to_keras_and_explain_says_why(monkeypatch):
    from multikeras.backends import torch_engine

    model = _model()
    monkeypatch.setattr(torch_engine, "TESTED_DEVICES", frozenset({"cuda"}))
    assert not _fit_route_taken(model)
    assert "variables on cpu: the engine's tests have run only on cuda" in multikeras.explain(model)


def test_a_keras_outside_the_tested_range_runs_keras_with_one_warning(monkeypatch):
    from multikeras.backends import torch_engine

    model = _model()
    monkeypatch.setattr(torch_engine, "TESTED_KERAS", ("3.0.0", "3.0.1"))
    torch_engine.keras_outside_tested.cache_clear()
    try:
        with pytest.warns(
            UserWarning,
            match=rf"Keras {keras.__version__} is outside the versions the engine was tested on \(3.0.0 to 3.0.1\)",
        ):
            assert not _fit_route_taken(model)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert not _fit_route_taken(model)  # warned once per process
    finally:
        monkeypatch.undo()
        torch_engine.keras_outside_tested.cache_clear()
    assert _fit_route_taken(model)


def test_a_model_that_overrides_a_loop_method_or_weights_per_output_goes_to_keras():
    class OwnMetrics(keras.Sequential):
        def compute_metrics(self, x, y, y_pred, sample_weight=None):
            return super().compute_metrics(x, y, y_pred, sample_weight)

    model = OwnMetrics([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    assert not _fit_route_taken(model)
    assert "overrides compute_metrics" in multikeras.explain(model)
    inputs = keras.Input((3,))
    two = keras.Model(
        inputs, {"a": keras.layers.Dense(1, name="a")(inputs), "b": keras.layers.Dense(1, name="b")(inputs)}
    )
    two.compile("sgd", {"a": "mse", "b": "mse"})
    before = trainer_routes.CALLS["fit", "sample weights per output"]
    two.fit(X, {"a": Y, "b": Y}, sample_weight={"a": np.ones(20), "b": np.ones(20)}, verbose=0)
    assert trainer_routes.CALLS["fit", "sample weights per output"] == before + 1
    before = trainer_routes.CALLS["fit", "validation sample weights per output"]
    two.fit(X, {"a": Y, "b": Y}, validation_data=(X, {"a": Y, "b": Y}, {"a": np.ones(20), "b": np.ones(20)}), verbose=0)
    assert trainer_routes.CALLS["fit", "validation sample weights per output"] == before + 1
