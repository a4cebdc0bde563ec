"""Keras's private API: present in this Keras, and used nowhere but keras_internals."""

import re
from pathlib import Path

import keras
import numpy as np
import pytest

import multikeras
from multikeras.backends import keras_internals

PACKAGE = Path(multikeras.__file__).parent
PRIVATE_ATTRIBUTES = {name for _, name in keras_internals.PRIVATE_NAMES if name.startswith("_")} | {
    name for names in keras_internals.INSTANCE_ATTRIBUTES.values() for name in names
}


def test_every_private_name_multikeras_uses_exists_in_this_keras():
    gone = keras_internals.missing()
    assert not gone, (
        f"Keras {keras.__version__} no longer has {', '.join(gone)}; update multikeras/backends/keras_internals.py"
    )


def test_the_torch_private_names_exist_when_keras_runs_torch(backend):
    if backend != "torch":
        pytest.skip("Keras imports its torch modules only on the torch backend; this env runs another")
    gone = keras_internals.missing(keras_internals.TORCH_PRIVATE_NAMES)
    assert not gone, (
        f"Keras {keras.__version__} no longer has {', '.join(gone)}; update multikeras/backends/keras_internals.py"
    )


def test_instance_attributes_exist_on_live_objects(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Normalization(), keras.layers.Dense(1)])
    model.layers[0].adapt(np.arange(12, dtype="float32").reshape(4, 3))
    model.compile("sgd", "mse", metrics=["mae"])
    model.fit(np.ones((4, 3), "float32"), np.ones(4, "float32"), verbose=0)
    backup = keras.callbacks.BackupAndRestore(str(tmp_path))
    gone = keras_internals.missing_on(
        **{
            "compiled model": model,
            "functional graph": keras_internals.graph_of(model),
            "BackupAndRestore": backup,
            "adapted Normalization": model.layers[0],
            "built layer": model.layers[1],
            "built compiled loss": keras_internals.compiled_loss(model),
            "built compiled metrics": keras_internals.compiled_metrics(model),
            "Mean metric wrapper": keras.metrics.MeanAbsoluteError(),
        }
    )
    assert not gone, (
        f"Keras {keras.__version__} no longer has {', '.join(gone)}; update multikeras/backends/keras_internals.py"
    )


def test_no_module_but_keras_internals_names_keras_private_api():
    names = "|".join(sorted(PRIVATE_ATTRIBUTES))
    pattern = re.compile(rf"keras\.src|\.({names})\b")
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{number}"
        for path in PACKAGE.rglob("*.py")
        if path.name not in ("keras_internals.py", "patches.py")  # patches.py names them in its list, as text
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert not offenders, f"Keras private API outside multikeras/backends/keras_internals.py: {offenders}"
