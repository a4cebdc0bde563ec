"""Export a trained model for other tools, and load the export back to check its predictions.

=============== ========================= =================================================
format          path                      loads with
=============== ========================= =================================================
``keras``       ``model.keras``           :func:`multikeras.load_model`, any backend
``weights``     ``model.weights.h5``      ``model.load_weights`` on the same architecture
``h5``          ``model.h5``              Keras's legacy HDF5 (``keras.models.load_model``)
``savedmodel``  a directory               ``tf.saved_model.load``, TF Serving (needs TF)
``onnx``        ``model.onnx``            onnxruntime and every ONNX runtime
=============== ========================= =================================================

``savedmodel`` and ``onnx`` go through Keras's ``model.export``, whose support differs by
backend (see :data:`ROUTES`). A ``.keras`` file loads on every backend, so a format the
training backend cannot write is one ``multikeras export MODEL.keras OUT --backend B`` away;
the errors below say which backend to use.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from . import backends
from .atomic_io import atomic_path
from .backends import active_backend
from .predicting import flatten_predictions
from .saving import SUFFIXES, load_model, save_model

__all__ = ["FORMATS", "ROUTES", "format_of", "export_model", "load_predictor", "check_export", "sample_inputs"]

FORMATS = ("keras", "weights", "h5", "savedmodel", "onnx")
SUFFIX_FORMATS = {".keras": "keras", ".weights.h5": "weights", ".h5": "h5", ".onnx": "onnx"}
# The backend to export from when the active one cannot write the format (Keras 3.15, torch 2.13).
ROUTES = {
    ("savedmodel", "torch"): "jax",  # Keras's torch exporter fails on torch 2.13 (dynamic_shapes mismatch)
    ("onnx", "jax"): "torch",  # needs jax2onnx, which brings flax, orbax, equinox and more; not installed
    ("onnx", "tensorflow"): "torch",  # tf2onnx leaves Normalization's constants as unfed graph inputs
}


def format_of(path, format=None) -> str:
    """The export format named by ``format``, else read from ``path``'s suffix (a directory: savedmodel)."""
    if format is not None:
        if format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}.")
        return format
    name = Path(path).name
    suffix = next((s for s in (*SUFFIXES, ".onnx") if name.endswith(s)), None)
    if suffix:
        return SUFFIX_FORMATS[suffix]
    if Path(path).suffix == "":
        return "savedmodel"
    raise ValueError(
        f"Cannot tell the export format of {str(path)!r}: end it in .keras, .weights.h5, .h5 or .onnx, "
        f"use a directory name for a SavedModel, or pass format= ({', '.join(FORMATS)})."
    )


def _route_hint(fmt) -> str:
    other = ROUTES.get((fmt, active_backend()))
    if other is None:
        return ""
    return f" Export from {other} instead: save a .keras file, then `multikeras export MODEL.keras OUT --format {fmt} --backend {other}`."


def _needs(module, what, install, fmt):
    if importlib.util.find_spec(module) is None:
        raise ImportError(f"{what} needs {module}; install it with `pip install {install}`.{_route_hint(fmt)}")


def export_model(model, path, format=None) -> Path:
    """Write ``model`` to ``path`` in ``format`` (read from the path when not given); return the path."""
    fmt = format_of(path, format)
    path = Path(path)
    if fmt in ("keras", "weights", "h5"):
        suffix = next(s for s, f in SUFFIX_FORMATS.items() if f == fmt)
        if not path.name.endswith(suffix):
            raise ValueError(f"A {fmt} export's path must end in {suffix}, got {str(path)!r}.")
        if fmt == "h5" and "layers" not in model.get_config():
            raise ValueError(
                f"Legacy .h5 cannot hold the subclassed model {model.name!r}: Keras rebuilds it with no layers. "
                f"Save it as .keras (or .weights.h5) instead."
            )
        return save_model(model, path)
    if fmt == "savedmodel":
        _needs("tensorflow", "A SavedModel export", "'multikeras[tensorflow]'", fmt)
    else:
        module, requirement = backends.current().onnx_requirement
        _needs(module, f"ONNX export from {active_backend()}", requirement, fmt)
        if getattr(model, "inputs", None):
            model.predict(sample_inputs(model, n=1), verbose=0)  # Keras exports only models that were called
    keras_format = "tf_saved_model" if fmt == "savedmodel" else "onnx"
    try:
        if fmt == "onnx":
            with atomic_path(path) as tmp:
                model.export(str(tmp), format=keras_format, verbose=False)
                _check_onnx_inputs(tmp, model)
        else:
            model.export(str(path), format=keras_format, verbose=False)
    except Exception as err:
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise RuntimeError(
            f"Keras could not export this {active_backend()} model to {fmt}: {first}.{_route_hint(fmt)}"
        ) from err
    return path


def _check_onnx_inputs(path, model):
    """tf2onnx can turn captured constants (Normalization's statistics) into inputs nobody feeds."""
    import onnx

    graph = onnx.load(str(path)).graph
    initializers = {item.name for item in graph.initializer}
    names = [item.name for item in graph.input if item.name not in initializers]
    expected = len(model.inputs) if getattr(model, "inputs", None) else None
    captured = [name for name in names if "/" in name]  # TF op paths, e.g. model/normalization/Sub/y:0
    if captured or (expected is not None and len(names) != expected):
        raise ValueError(
            f"the ONNX graph asks for inputs {', '.join(names)}; {len(captured) or len(names)} of them nobody can feed"
        )


def _onnx_feed(names, X) -> dict:
    """Inputs by name; a dict keyed otherwise goes in Keras's flattening order (sorted keys)."""
    import keras

    if not isinstance(X, dict):
        return {names[0]: np.asarray(X, np.float32)}
    if set(names) <= set(X):
        return {name: np.asarray(X[name], np.float32) for name in names}
    flat = keras.tree.flatten(X)
    if len(flat) != len(names):
        raise ValueError(f"The ONNX graph takes inputs {names}; X has keys {sorted(X)}.")
    return {name: np.asarray(value, np.float32) for name, value in zip(names, flat)}


def _onnx_predictor(path):
    _needs("onnxruntime", "Loading ONNX", "'multikeras[onnx]'", "onnx")
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [item.name for item in session.get_inputs()]

    def predict(X):
        return session.run(None, _onnx_feed(names, X))

    return predict


def _saved_model_predictor(path):
    import tensorflow as tf

    loaded = tf.saved_model.load(str(path))  # held by the closure: its variables die with it

    def predict(X):
        inputs = (
            {k: tf.constant(v, tf.float32) for k, v in X.items()} if isinstance(X, dict) else tf.constant(X, tf.float32)
        )
        outputs = loaded.serve(inputs)
        return {k: v.numpy() for k, v in outputs.items()} if isinstance(outputs, dict) else outputs.numpy()

    return predict


def load_predictor(path, format=None, model=None):
    """A function ``X -> predictions`` backed by the exported file alone.

    ``weights`` files hold no architecture: pass a ``model`` of the same architecture to load
    them into.
    """
    fmt = format_of(path, format)
    if fmt == "onnx":
        return _onnx_predictor(path)
    if fmt == "savedmodel":
        _needs("tensorflow", "Loading a SavedModel", "'multikeras[tensorflow]'", "savedmodel")
        return _saved_model_predictor(path)
    if fmt == "weights":
        if model is None:
            raise ValueError(
                f"{str(path)!r} holds weights only; pass model= (the same architecture) to load them into."
            )
        model.load_weights(path)
        loaded = model
    else:
        loaded = load_model(path, compile=False)
    return lambda X: loaded.predict(X, verbose=0)


def sample_inputs(model, n=16, seed=0):
    """Standard-normal inputs shaped like the model's inputs (a dict for named multi-input models)."""
    import keras

    if not getattr(model, "inputs", None):
        raise ValueError(f"{model.name!r} has no symbolic inputs (a subclassed model); pass sample inputs X yourself.")
    rng = np.random.default_rng(seed)
    structure = model.inputs[0] if len(model.inputs) == 1 else model.input  # Sequential has no .input until called
    return keras.tree.map_structure(lambda t: rng.standard_normal((n, *t.shape[1:])).astype(np.float32), structure)


def _blank_copy(model):
    """The same architecture, built, with every weight zeroed: only a real weights load restores it.

    Going through .keras builds subclassed models and un-adapted Normalization layers the way
    Keras's loader does (building them by calling them leaks JAX tracers).
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="multikeras-check-") as scratch:
        copy = load_model(save_model(model, Path(scratch) / "architecture.keras"), compile=False)
    for variable in copy.weights:
        variable.assign(np.zeros(variable.shape, variable.dtype))
    return copy


def check_export(model, path, X=None, format=None) -> float:
    """Largest absolute difference between ``model``'s predictions and the export's, on ``X``."""
    X = sample_inputs(model) if X is None else X
    expected = flatten_predictions(model.predict(X, verbose=0))
    fmt = format_of(path, format)
    fresh = None
    if fmt == "weights":
        fresh = _blank_copy(model)
    got = flatten_predictions(load_predictor(path, fmt, model=fresh)(X))
    if got.shape != expected.shape:
        raise ValueError(f"The export predicts {got.size} values where the model predicts {expected.size}.")
    return float(np.max(np.abs(got - expected)))
