"""Every export format, loaded back and predicting like the model, where this env's backend writes it.

``expected_outcome`` is the format x backend table in the README; a change in Keras that
makes a refused route work (or breaks a working one) fails here.
"""

import importlib.util
import json

import keras
import numpy as np
import pytest

from multikeras import registry
from multikeras.app.cli import main
from multikeras.export import FORMATS, check_export, export_model, format_of

from .conftest import run_python

SUFFIX = {"keras": ".keras", "weights": ".weights.h5", "h5": ".h5", "savedmodel": "", "onnx": ".onnx"}
TOLERANCE = 1e-5
NORMALIZED = {"regression_mlp", "wide_deep", "wide_deep_aux", "wide_deep_subclassed"}


def installed(module):
    return importlib.util.find_spec(module) is not None


def expected_outcome(fmt, recipe, backend):
    """None when the export must work here, else (exception type, words its message must hold)."""
    if fmt == "h5" and recipe == "wide_deep_subclassed":
        return ValueError, "Save it as .keras"
    if fmt == "savedmodel":
        if not installed("tensorflow"):
            return ImportError, "needs tensorflow"
        if backend == "torch":
            return RuntimeError, "--backend jax"
    if fmt == "onnx":
        if backend == "jax":
            return ImportError, "--backend torch"
        if not installed("onnx"):
            return ImportError, "multikeras[onnx]"
        if backend == "tensorflow" and recipe in NORMALIZED:
            return RuntimeError, "--backend torch"
    return None


def _model_and_inputs(name):
    recipe = registry.get(name)
    (X, _), _, (X_test, _) = recipe.load_data("embedded")
    model = recipe.build_model(**recipe.data_hparams(X))
    X_test = keras.tree.map_structure(lambda a: a[:16], X_test)
    model.predict(X_test, verbose=0)  # a subclassed model is built by its first call
    return model, X_test


@pytest.mark.fault("export of the subclassed recipe to .h5", "ValueError: Save it as .keras")
@pytest.mark.fault("SavedModel export without TensorFlow installed", "ImportError: needs tensorflow")
@pytest.mark.fault("SavedModel export on the torch backend", "RuntimeError pointing to --backend jax")
@pytest.mark.fault("ONNX export on the JAX backend", "ImportError pointing to --backend torch")
@pytest.mark.fault("ONNX export without onnx installed", "ImportError naming multikeras[onnx]")
@pytest.mark.fault(
    "ONNX export of a recipe with Normalization on TensorFlow", "RuntimeError pointing to --backend torch"
)
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", registry.names())
def test_export_loads_back_and_predicts_the_same(name, fmt, backend, tmp_path):
    model, X = _model_and_inputs(name)
    path = tmp_path / f"{name}{SUFFIX[fmt]}"
    outcome = expected_outcome(fmt, name, backend)
    if outcome is not None:
        error, words = outcome
        with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
            export_model(model, path, fmt)
        return
    written = export_model(model, path, fmt)
    assert check_export(model, written, X, fmt) <= TOLERANCE


@pytest.mark.fault(
    "export to a path with an unknown suffix (m.pt)", "ValueError: Cannot tell the export format of 'm.pt'"
)
@pytest.mark.fault("format='torchscript'", "ValueError: format must be one of ...")
def test_format_is_read_from_the_path():
    assert [format_of(p) for p in ("m.keras", "m.weights.h5", "m.h5", "m.onnx", "serving")] == [
        "keras",
        "weights",
        "h5",
        "onnx",
        "savedmodel",
    ]
    with pytest.raises(ValueError, match="Cannot tell the export format of 'm.pt'"):
        format_of("m.pt")
    with pytest.raises(ValueError, match="format must be one of"):
        format_of("m.keras", "torchscript")


@pytest.mark.fault("check_export of a weights file from another model", "the check reports a difference above 0.1")
def test_weights_check_fails_when_the_weights_differ(tmp_path):
    """The weights check loads into zeroed weights, so a file from another model is caught."""
    model, X = _model_and_inputs("regression_mlp")
    other, _ = _model_and_inputs("regression_mlp")
    for variable in other.trainable_weights:
        variable.assign(np.asarray(variable) + 1.0)
    path = export_model(other, tmp_path / "other.weights.h5")
    assert check_export(model, path, X) > 0.1


@pytest.mark.fault("multikeras export to model.pt", "exit code 1; stderr: Cannot tell the export format")
def test_cli_exports_a_saved_run(tmp_path, capsys, backend):
    saved = tmp_path / "model.keras"
    assert main(["run", "lstm_forecaster", "--epochs", "1", "--save", str(saved), "--json"]) == 0
    capsys.readouterr()
    assert main(["export", str(saved), str(tmp_path / "model.weights.h5")]) == 0
    assert "predictions match the model's within 0" in capsys.readouterr().out
    assert main(["export", str(saved), str(tmp_path / "model.pt")]) == 1
    assert "Cannot tell the export format" in capsys.readouterr().err


@pytest.mark.cross
@pytest.mark.parametrize("backend, target", [("jax", "serving"), ("torch", "model.onnx")])
def test_a_model_trained_on_jax_exports_through_the_backend_that_writes_each_format(tmp_path, backend, target):
    """The routes the errors suggest: SavedModel from JAX, ONNX from torch, both from one .keras file."""
    saved = tmp_path / "wide_deep.keras"
    train = f"from multikeras.app.cli import main; raise SystemExit(main(['run', 'wide_deep', '--epochs', '1', '--save', {str(saved)!r}]))"
    assert run_python(train, {"KERAS_BACKEND": "jax"}).returncode == 0
    export = f"from multikeras.app.cli import main; raise SystemExit(main(['export', {str(saved)!r}, {str(tmp_path / target)!r}, '--backend', {backend!r}, '--json']))"
    result = run_python(export, {"KERAS_BACKEND": None})
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["max_abs_diff"] <= TOLERANCE
