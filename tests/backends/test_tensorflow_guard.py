import pytest

from ..conftest import run_python

WORKLOAD = """
import sys, tempfile
import multikeras
from multikeras.recipes import wide_deep
multikeras.set_seed(0)
(X, y), _, _ = wide_deep.load_data("embedded")
model = wide_deep.build_model(**wide_deep.data_hparams(X))
model.fit(X, y, epochs=1, verbose=0)
model.get_config()
multikeras.load_model(multikeras.save_model(model, tempfile.mkdtemp() + "/m.keras"))
from multikeras.tuning import search_recipe  # KerasTuner too
search_recipe(wide_deep, trials=1, epochs=1, directory=tempfile.mkdtemp())
print("tensorflow" in sys.modules)
"""


@pytest.mark.cross
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_torch_and_jax_runs_never_import_tensorflow(backend):
    """Meaningful where TensorFlow is installed, hence the cross env."""
    result = run_python(WORKLOAD, {"KERAS_BACKEND": backend})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.cross
def test_switch_restores_keras_behaviour():
    code = WORKLOAD.replace("import sys, tempfile", "import os, sys, tempfile")
    result = run_python(code, {"KERAS_BACKEND": "torch", "MULTIKERAS_KEEP_TF_UNLOADED": "0"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "True"  # Keras's own serializer imports it


@pytest.mark.cross
def test_tensorflow_is_usable_once_imported_explicitly():
    code = "import multikeras, tensorflow, keras\nprint(keras.src.utils.module_utils.tensorflow.available)"
    result = run_python(code, {"KERAS_BACKEND": "torch"})
    assert result.stdout.strip().splitlines()[-1] == "True"


@pytest.mark.cross
@pytest.mark.parametrize("target", ["jax", "tensorflow"])
def test_a_torch_saved_model_keeps_training_on_another_backend(tmp_path, target):
    """Keras on torch records torch-only optimizer classes; loaded elsewhere they broke training."""
    path = tmp_path / "m.keras"
    save = (
        "import multikeras\nfrom multikeras.recipes import classifier_mlp\n"
        f"multikeras.save_model(classifier_mlp.build_model(input_shape=(8, 8)), {str(path)!r})"
    )
    assert run_python(save, {"KERAS_BACKEND": "torch"}).returncode == 0
    train = (
        "import sys, numpy as np, multikeras\n"
        f"model = multikeras.load_model({str(path)!r})\n"
        "model.fit(np.zeros((4, 8, 8), 'float32'), np.zeros(4), verbose=0)\n"
        "print('torch' in sys.modules)"
    )
    result = run_python(train, {"KERAS_BACKEND": target})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "False"
