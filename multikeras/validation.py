"""Checks on what reaches ``fit``, so bad input fails early with a message that names the fix.

Keras reports most of these deep inside a traced train step (a broadcasting error, a NaN
loss three epochs in, an index error in a gather) or not at all: a (n, 3) target against a
(n, 1) output broadcasts silently under MSE. Only NumPy-like data is checked; datasets and
generators pass through untouched.
"""

from __future__ import annotations

import difflib
import warnings

import numpy as np
from scipy import sparse

from .loss_formats import is_one_hot, is_sparse, loss_name

__all__ = ["check_fit_data", "check_adapted", "LabelFormatWarning", "NotAdaptedError"]


class LabelFormatWarning(UserWarning):
    """Labels were converted to the format the loss expects (one-hot <-> integer)."""


class NotAdaptedError(ValueError):
    """A preprocessing layer with an ``adapt`` step was never adapted and has no given statistics."""


def _never_adapted(layer) -> bool:
    """A Normalization without ``mean``/``variance`` whose statistics are still their initial 0 and 1
    (``adapt`` builds the layer, so an unbuilt one was never adapted), or a Discretization with no bins."""
    import keras

    if isinstance(layer, keras.layers.Normalization) and layer.input_mean is None:
        if not layer.built:
            return True
        mean, variance = keras.ops.convert_to_numpy(layer.adapt_mean), keras.ops.convert_to_numpy(layer.adapt_variance)
        return bool(np.all(mean == 0) and np.all(variance == 1))
    return isinstance(layer, keras.layers.Discretization) and layer.bin_boundaries is None


def check_adapted(model) -> None:
    """Refuse a model whose Normalization (or Discretization) layer was never adapted.

    Such a layer trains on initial statistics: on the housing recipes that is a NaN loss from
    the first epoch and a saved model that looks fine. Raises :class:`NotAdaptedError`.
    """
    from .backends.keras_internals import sublayers

    stale = [layer for layer in sublayers(model) if _never_adapted(layer)]
    if stale:
        names = ", ".join(f"{layer.name!r} ({type(layer).__name__})" for layer in stale)
        layers, were, them = ("Layers", "were", "them") if len(stale) > 1 else ("Layer", "was", "it")
        raise NotAdaptedError(
            f"{layers} {names} of model {model.name!r} {were} never adapted and {'have' if len(stale) > 1 else 'has'} "
            f"no given statistics, so {'they' if len(stale) > 1 else 'it'} would train on placeholders (a NaN loss, here or later). Call layer.adapt(X_train) on {them} before fit, or give "
            f"Normalization(mean=..., variance=...); a recipe adapts when built with its data: "
            f"recipe.build_model(**recipe.data_hparams(X_train))."
        )


def _is_arraylike(data) -> bool:
    if isinstance(data, (list, tuple)):  # a list of arrays is Keras's multi-input form: left to Keras
        return not any(hasattr(item, "shape") for item in data)
    return (
        isinstance(data, np.ndarray) or sparse.issparse(data) or (hasattr(data, "__array__") and hasattr(data, "shape"))
    )


def _checkable(data) -> bool:
    if isinstance(data, dict):
        return bool(data) and all(_is_arraylike(v) for v in data.values())
    return _is_arraylike(data)


def _as_array(data, name: str):
    """``data`` as a NumPy array (a SciPy sparse matrix stays one), numbers checked."""
    array = data if sparse.issparse(data) else np.asarray(data)
    if array.dtype == object or array.dtype.kind in "USV":
        raise TypeError(
            f"{name} has dtype {array.dtype}; Keras needs numbers. Convert it first, e.g. "
            f"{name}.astype('float32'), or encode text/categorical columns (sklearn's OrdinalEncoder)."
        )
    return array


def _check_finite(array: np.ndarray, name: str, compute_dtype: str = "float32") -> None:
    if array.dtype.kind not in "fc":
        return
    rows = None
    if sparse.issparse(array):  # only the stored values can be bad; their rows name the sample
        stored = array.tocoo()
        array, rows = stored.data, stored.row
    bad = ~np.isfinite(array)
    if bad.any():
        first = int(np.argwhere(bad)[0][0]) if rows is None else int(rows[np.argmax(bad)])
        raise ValueError(
            f"{name} contains {int(bad.sum())} NaN or inf value(s), the first in sample {first}; "
            f"drop those samples or impute them (sklearn.impute.SimpleImputer) before fitting."
        )
    limit = np.finfo(compute_dtype).max if np.dtype(compute_dtype).kind == "f" else np.inf
    if array.dtype.itemsize > np.dtype(compute_dtype).itemsize and array.size and np.abs(array).max() > limit:
        first = (
            int(np.argwhere(np.abs(array) > limit)[0][0])
            if rows is None
            else int(rows[np.argmax(np.abs(array) > limit)])
        )
        raise ValueError(
            f"{name} holds values beyond {compute_dtype}'s range ({limit:.3g}), the first in sample {first}; "
            f"the model computes in {compute_dtype}, where they become inf. Scale them (sklearn's StandardScaler)."
        )


def _model_inputs(model):
    """``(names, shapes)`` of the model's inputs, or ``(None, None)`` where Keras does not know them."""
    try:
        tensors = model.inputs
    except (AttributeError, ValueError):  # subclassed or not yet built
        return None, None
    return [tensor.name for tensor in tensors], [tuple(tensor.shape) for tensor in tensors]


def _check_names(expected, x: dict, name: str) -> None:
    if expected is None:
        return
    missing = [key for key in expected if key not in x]
    unknown = [key for key in x if key not in expected]
    if not missing and not unknown:
        return
    hints = []
    for key in unknown:
        close = difflib.get_close_matches(str(key), missing, n=1)
        hints.append(f"{key!r} (did you mean {close[0]!r}?)" if close else repr(key))
    detail = f"missing {missing}" if missing else ""
    if unknown:
        detail += ("; " if detail else "") + f"unknown key(s) {', '.join(hints)}"
    raise ValueError(f"{name} does not match the model's inputs {expected}: {detail}. Key {name} by the input names.")


def _check_shape(array: np.ndarray, expected, name: str, what: str) -> None:
    if expected is None or len(expected) == 0:
        return
    # Keras's functional models squeeze or add a trailing axis of size 1 themselves
    if array.ndim == len(expected) + 1 and array.shape[-1] == 1:
        array = array.reshape(array.shape[:-1])
    elif array.ndim == len(expected) - 1 and expected[-1] == 1:
        expected = expected[:-1]
    if array.ndim != len(expected) or any(e is not None and e != a for e, a in zip(expected[1:], array.shape[1:])):
        shown = "(n_samples, " + ", ".join("?" if e is None else str(e) for e in expected[1:]) + ")"
        raise ValueError(
            f"{name} has shape {array.shape} but {what} expects {shown}; reshape it or select the right columns."
        )


def _arrays_of(data, name: str, model) -> dict:
    """``{display name: array}`` for one side of the data, with names and shapes checked."""
    names, shapes = _model_inputs(model)
    if isinstance(data, dict):
        _check_names(names, data, name)
        arrays = {f"{name}[{key!r}]": _as_array(value, f"{name}[{key!r}]") for key, value in data.items()}
        if names and shapes:
            for key, shape in zip(names, shapes):
                _check_shape(arrays[f"{name}[{key!r}]"], shape, f"{name}[{key!r}]", f"input {key!r}")
        return arrays
    array = _as_array(data, name)
    if names is not None and len(names) > 1:
        raise ValueError(f"The model has {len(names)} inputs {names}; pass {name} as a dict keyed by those names.")
    if shapes:
        _check_shape(array, shapes[0], name, "the model's input")
    return {name: array}


def _check_lengths(arrays: dict) -> None:
    lengths = {key: (a.shape[0] if a.ndim else 0) for key, a in arrays.items()}
    for key, length in lengths.items():
        if length == 0:
            raise ValueError(f"{key} is empty (0 samples); pass at least one sample.")
    if len(set(lengths.values())) > 1:
        listing = ", ".join(f"{key}: {n}" for key, n in lengths.items())
        raise ValueError(f"Inputs and targets must have the same number of samples; got {listing}.")


def _output_units(model, index: int):
    try:
        return model.outputs[index].shape[-1]
    except (AttributeError, ValueError, IndexError):
        return None


def _match_labels(y: np.ndarray, loss, units, name: str) -> np.ndarray:
    """Convert one-hot <-> integer labels when ``y`` is in the other format from ``loss``."""
    kind = loss_name(loss)
    if is_sparse(loss):
        if y.ndim == 2 and y.shape[1] > 1:
            if np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1):
                warnings.warn(
                    f"{name} is one-hot {y.shape} but the loss is {kind}, which takes integer labels; "
                    f"converted with argmax. Pass integer labels (or use categorical_crossentropy) to silence this.",
                    LabelFormatWarning,
                    stacklevel=4,
                )
                return y.argmax(axis=1)
            raise ValueError(
                f"{name} has shape {y.shape} but the loss {kind} takes one integer class label per sample; "
                f"pass shape (n_samples,)."
            )
        if units and y.size and (y.min() < 0 or y.max() >= units):
            raise ValueError(
                f"{name} holds labels from {y.min()} to {y.max()} but the model has {units} output units "
                f"(labels must be 0..{units - 1}); encode labels with sklearn's LabelEncoder or widen the last layer."
            )
    elif is_one_hot(loss):
        flat = y.reshape(-1) if y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1) else None
        if flat is not None and units and units > 1:
            if not np.all(np.equal(np.mod(flat, 1), 0)) or flat.min() < 0 or flat.max() >= units:
                raise ValueError(
                    f"{name} looks like class labels but is not integers in 0..{units - 1}; the loss {kind} "
                    f"takes one-hot rows of length {units}."
                )
            warnings.warn(
                f"{name} holds integer labels but the loss is {kind}, which takes one-hot rows; converted with "
                f"keras.utils.to_categorical. Pass one-hot labels (or use sparse_categorical_crossentropy) to silence this.",
                LabelFormatWarning,
                stacklevel=4,
            )
            return np.eye(units, dtype="float32")[flat.astype(np.int64)]
    elif units and y.ndim == 2 and y.shape[1] != units:
        raise ValueError(
            f"{name} has {y.shape[1]} columns but the model's output has {units}; under {kind} they would "
            f"broadcast silently. Pass shape (n_samples,) or (n_samples, {units})."
        )
    return y


def _targets(model, y, name: str):
    """``(y with labels matched to the loss, {display name: array})``."""
    loss = getattr(model, "loss", None)
    if isinstance(y, dict):
        names = list(getattr(model, "output_names", []) or [])
        converted = {}
        for key, value in y.items():
            array = _as_array(value, f"{name}[{key!r}]")
            index = names.index(key) if key in names else None
            output_loss = loss.get(key) if isinstance(loss, dict) else loss
            units = _output_units(model, index) if index is not None else None
            converted[key] = _match_labels(array, output_loss, units, f"{name}[{key!r}]")
        return converted, {f"{name}[{key!r}]": v for key, v in converted.items()}
    array = _as_array(y, name)
    if not isinstance(loss, (dict, list, tuple)):
        array = _match_labels(array, loss, _output_units(model, 0), name)
    return array, {name: array}


def check_fit_data(model, x, y=None, *, names=("x", "y")):
    """Validate ``(x, y)`` for ``model.fit`` and return them, labels converted to the loss's format.

    Raises ValueError or TypeError naming the argument and the fix; warns
    (:class:`LabelFormatWarning`) when it converts labels.
    """
    if not _checkable(x) or (y is not None and not _checkable(y)):
        return x, y
    x_name, y_name = names
    arrays = _arrays_of(x, x_name, model)
    if y is not None:
        y, y_arrays = _targets(model, y, y_name)
        arrays.update(y_arrays)
    _check_lengths(arrays)
    compute_dtype = getattr(getattr(model, "dtype_policy", None), "compute_dtype", "float32")
    for key, array in arrays.items():
        _check_finite(array, key, compute_dtype)
    return x, y
