import json
import zipfile

import keras
import numpy as np
import pytest

import multikeras
from multikeras.recipes import regression_mlp
from multikeras.saving import UnregisteredClassError, _unknown_objects


@pytest.fixture(scope="module")
def model():
    multikeras.set_seed(0)
    (X, y), _, _ = regression_mlp.load_data("embedded")
    built = regression_mlp.build_model(**regression_mlp.data_hparams(X))
    built.fit(X[:64], y[:64], epochs=1, verbose=0)
    return built


def test_keras_is_the_default_format_and_reloads_identically(model, tmp_path):
    path = multikeras.save_model(model, tmp_path / "sub" / "model")
    assert path == tmp_path / "sub" / "model.keras"
    x = np.ones((3, 10), dtype=np.float32)
    np.testing.assert_allclose(
        multikeras.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6
    )
    assert [p.name for p in path.parent.iterdir()] == ["model.keras"]  # no temporary left behind


@pytest.mark.fault("load_model on a .weights.h5 file", "ValueError: the file holds weights only; use load_weights")
def test_weights_only_file_says_how_to_load_it(model, tmp_path):
    path = multikeras.save_model(model, tmp_path / "m.weights.h5")
    with pytest.raises(ValueError, match=r"weights only.*load_weights"):
        multikeras.load_model(path)


@pytest.mark.fault(
    "a save that fails halfway (disk full) over an existing model",
    "the OSError propagates; the previous file is intact and loads; no temporary left",
)
def test_failed_save_keeps_the_previous_file(model, tmp_path, monkeypatch):
    path = multikeras.save_model(model, tmp_path / "m.keras")
    before = path.read_bytes()

    def crash(filepath, *args, **kwargs):
        with open(filepath, "wb") as handle:
            handle.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(model, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        multikeras.save_model(model, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]
    multikeras.load_model(path)


@pytest.mark.fault("load_model on a path with no file", "FileNotFoundError: No model file at ...")
def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="No model file at"):
        multikeras.load_model(tmp_path / "nope.keras")


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(
            "garbage",
            marks=pytest.mark.fault(
                "a .keras file overwritten with other bytes",
                "ValueError naming the file: not a loadable .keras file, or damaged",
            ),
        ),
        pytest.param(
            "truncated",
            marks=pytest.mark.fault(
                "a .keras file cut to half its length",
                "ValueError naming the file: not a loadable .keras file, or damaged",
            ),
        ),
    ],
)
def test_corrupt_keras_file_is_named_in_a_clear_error(model, tmp_path, damage):
    path = multikeras.save_model(model, tmp_path / "m.keras")
    data = path.read_bytes()
    path.write_bytes(b"not a model at all" if damage == "garbage" else data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"m\.keras.*(not a loadable \.keras file|damaged)"):
        multikeras.load_model(path)


@pytest.mark.fault("load_model on model.pt", "ValueError mentioning .keras")
def test_unknown_suffix_names_the_formats(tmp_path):
    (tmp_path / "model.pt").write_bytes(b"x")
    with pytest.raises(ValueError, match=r"\.keras"):
        multikeras.load_model(tmp_path / "model.pt")


def test_saved_config_names_only_public_optimizer_modules(model, tmp_path):
    path = multikeras.save_model(model, tmp_path / "m.keras")
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    assert config["compile_config"]["optimizer"]["module"] == "keras.optimizers"


def test_backend_private_modules_are_rewritten_anywhere_in_the_config():
    from multikeras.saving import _publicize

    config = {"a": [{"module": "keras.src.backend.torch.optimizers.torch_adam"}], "b": {"module": "keras.layers"}}
    assert _publicize(config)
    assert config == {"a": [{"module": "keras.optimizers"}], "b": {"module": "keras.layers"}}
    assert not _publicize(config)


# ---- loading errors that help ------------------------------------------------------------
TEST_PACKAGE = "multikeras_tests"


@keras.saving.register_keras_serializable(package=TEST_PACKAGE)
class Doubler(keras.layers.Layer):
    def call(self, x):
        return x * 2.0


class Unregistered(keras.layers.Layer):
    def call(self, x):
        return x * 2.0


def _save_tiny(tmp_path, layer, name="m.keras"):
    inputs = keras.Input((3,))
    return multikeras.save_model(keras.Model(inputs, keras.layers.Dense(1)(layer(inputs))), tmp_path / name)


def _rewrite(path, **edits):
    """A copy of the archive with each named JSON member (``config``, ``metadata``) passed through its edit."""
    target = path.with_name("edited.keras")
    with zipfile.ZipFile(path) as archive, zipfile.ZipFile(target, "w") as out:
        for item in archive.infolist():
            data = archive.read(item)
            edit = edits.get(item.filename.removesuffix(".json"))
            out.writestr(item, json.dumps(edit(json.loads(data))) if edit else data)
    return target


def _rename_class(old, new, module=None):
    """An edit that renames every serialized ``old`` class to ``new`` (its registered name too)."""

    def edit(node):
        if isinstance(node, dict):
            if node.get("class_name") == old:
                node["class_name"] = new
                if node.get("registered_name"):
                    node["registered_name"] = node["registered_name"].replace(old, new)
                node["module"] = module or node.get("module")
            return {key: edit(value) for key, value in node.items()}
        return [edit(value) for value in node] if isinstance(node, list) else node

    return edit


@pytest.mark.fault(
    "a .keras file naming a registered class whose module is not importable",
    "UnregisteredClassError: first line names file, class, module and both fixes; the fix loads",
)
def test_unregistered_class_is_named_with_both_fixes_on_the_first_line(tmp_path):
    path = _rewrite(
        _save_tiny(tmp_path, Doubler()), config=_rename_class("Doubler", "Vanished", "no_such_package.layers")
    )
    with pytest.raises(UnregisteredClassError) as caught:
        multikeras.load_model(path)
    first = str(caught.value).splitlines()[0]
    assert "edited.keras" in first and "class Vanished" in first
    assert 'registered as "multikeras_tests>Vanished"' in first
    assert "module no_such_package.layers, which is not importable here" in first
    assert '@keras.saving.register_keras_serializable(package="multikeras_tests")' in first
    assert 'custom_objects={"multikeras_tests>Vanished": Vanished}' in first
    multikeras.load_model(path, custom_objects={"multikeras_tests>Vanished": Doubler})  # the fix it names works


@pytest.mark.fault(
    "loading a custom layer that was saved unregistered",
    "UnregisteredClassError naming the class, the custom_objects key and registration; that fix loads",
)
def test_class_saved_unregistered_is_named_with_the_key_custom_objects_needs(tmp_path):
    path = _save_tiny(tmp_path, Unregistered())
    with pytest.raises(UnregisteredClassError) as caught:
        multikeras.load_model(path, compile=False)
    first = str(caught.value).splitlines()[0]
    assert "class Unregistered (saved unregistered, from module" in first
    assert 'custom_objects={"Unregistered": Unregistered}' in first and "register_keras_serializable(package=" in first
    multikeras.load_model(path, compile=False, custom_objects={"Unregistered": Unregistered})


def test_builtin_recipe_and_given_objects_are_not_flagged():
    from multikeras.recipes import wide_deep_subclassed

    function = {
        "module": "builtins",
        "class_name": "function",
        "config": "mean_absolute_error",
        "registered_name": "function",
    }
    config = [
        {"module": "keras.layers", "class_name": "Dense", "registered_name": None},
        {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional"},
        {
            "module": wide_deep_subclassed.__name__,
            "class_name": "WideAndDeepModel",
            "registered_name": "multikeras_recipes>WideAndDeepModel",
        },
        {"module": None, "class_name": "__keras_tensor__", "registered_name": None},
        {"module": "my.module", "class_name": "Mine", "registered_name": "Mine"},
        function,
        {**function, "config": "my_loss"},
    ]
    assert sorted(_unknown_objects(config, {})) == ["Mine", "my_loss"]
    assert not _unknown_objects(config, {"Mine": Doubler, "my_loss": lambda y, p: y})


@pytest.mark.fault(
    "a file from Keras 99.0.0 with a class this Keras lacks",
    "ValueError naming both Keras versions, pip install -U keras and re-saving",
)
def test_failed_load_of_a_file_from_a_newer_keras_names_both_versions(tmp_path):
    def newer(metadata):
        return {**metadata, "keras_version": "99.0.0"}

    path = _rewrite(
        _save_tiny(tmp_path, Doubler()), metadata=newer, config=_rename_class("Dense", "DenseFromTheFuture")
    )
    with pytest.raises(ValueError) as caught:
        multikeras.load_model(path)
    first = str(caught.value).splitlines()[0]
    assert f"written by Keras 99.0.0 and this is Keras {keras.__version__}" in first
    assert "pip install -U keras" in first and f"re-save the model with Keras {keras.__version__}" in first


@pytest.mark.fault(
    "a file stamped Keras 99.0.0 that this Keras can read", "it loads and predicts; the version alone is not refused"
)
def test_file_from_a_newer_keras_that_loads_is_not_refused(tmp_path):
    path = _rewrite(_save_tiny(tmp_path, Doubler()), metadata=lambda metadata: {**metadata, "keras_version": "99.0.0"})
    assert multikeras.load_model(path).predict(np.ones((2, 3), dtype=np.float32), verbose=0).shape == (2, 1)
