import numpy as np
import pytest

import multikeras
from multikeras.recipes import regression_mlp


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
    np.testing.assert_allclose(multikeras.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert [p.name for p in path.parent.iterdir()] == ["model.keras"]  # no temporary left behind


def test_weights_only_file_says_how_to_load_it(model, tmp_path):
    path = multikeras.save_model(model, tmp_path / "m.weights.h5")
    with pytest.raises(ValueError, match=r"weights only.*load_weights"):
        multikeras.load_model(path)


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


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="No model file at"):
        multikeras.load_model(tmp_path / "nope.keras")


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_keras_file_is_named_in_a_clear_error(model, tmp_path, damage):
    path = multikeras.save_model(model, tmp_path / "m.keras")
    data = path.read_bytes()
    path.write_bytes(b"not a model at all" if damage == "garbage" else data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"m\.keras.*(not a loadable \.keras file|damaged)"):
        multikeras.load_model(path)


def test_unknown_suffix_names_the_formats(tmp_path):
    (tmp_path / "model.pt").write_bytes(b"x")
    with pytest.raises(ValueError, match=r"\.keras"):
        multikeras.load_model(tmp_path / "model.pt")


def test_saved_config_names_only_public_optimizer_modules(model, tmp_path):
    import json
    import zipfile

    path = multikeras.save_model(model, tmp_path / "m.keras")
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    assert config["compile_config"]["optimizer"]["module"] == "keras.optimizers"


def test_backend_private_modules_are_rewritten_anywhere_in_the_config():
    from multikeras.saving import _publicize

    config = {"a": [{"module": "keras.src.backend.torch.optimizers.torch_adam"}], "b": {"module": "keras.layers"}}
    assert _publicize(config)
    assert config == {"a": [{"module": "keras.optimizers"}], "b": {"module": "keras.layers"}}
    assert not _publicize(config)
