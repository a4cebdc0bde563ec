import os

import pytest

import multikeras
from multikeras.backends import selection as mk_backend

from ..conftest import run_python


def test_aliases_and_canonical_names():
    assert mk_backend.normalize_backend("pytorch") == "torch"
    assert mk_backend.normalize_backend(" JAX ") == "jax"
    assert mk_backend.normalize_backend("tf") == "tensorflow"


@pytest.mark.fault("backend 'troch'", "ValueError listing the valid backends: Did you mean 'torch'")
def test_unknown_backend_lists_valid_ones_and_suggests():
    with pytest.raises(ValueError, match=r"Valid backends: torch, jax, tensorflow.*Did you mean 'torch'"):
        mk_backend.normalize_backend("troch")


@pytest.mark.fault(
    "use_backend(another) after Keras is imported",
    "RuntimeError: cannot switch, pointing to multikeras compare; the current one is fine",
)
def test_switching_after_keras_is_imported_raises_and_points_to_the_runner(backend):
    import keras  # noqa: F401

    other = next(b for b in mk_backend.BACKENDS if b != backend)
    with pytest.raises(RuntimeError, match="cannot switch.*multikeras compare"):
        multikeras.use_backend(other)
    assert multikeras.use_backend(backend) == backend  # asking for the current one is fine


def test_import_defaults_to_torch_without_importing_keras():
    result = run_python(
        "import os, sys, multikeras; print(os.environ['KERAS_BACKEND'], 'keras' in sys.modules)",
        {"KERAS_BACKEND": None},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["torch", "False"]


def test_use_backend_before_keras_import_selects_it(backend):
    code = f"import multikeras; multikeras.use_backend({backend!r}); import keras; print(keras.config.backend())"
    result = run_python(code, {"KERAS_BACKEND": None})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == backend


def test_pytorch_alias_in_environment_is_normalized():
    result = run_python("import os, multikeras; print(os.environ['KERAS_BACKEND'])", {"KERAS_BACKEND": "pytorch"})
    assert result.stdout.strip() == "torch"


def test_only_this_envs_backend_is_installed(backend):
    """tox's per-backend envs install one backend, proving none secretly needs another."""
    only = os.environ.get("MULTIKERAS_ONLY_BACKEND")
    if not only:
        pytest.skip("MULTIKERAS_ONLY_BACKEND is set only by tox's per-backend envs")
    assert only == backend
    assert [b for b in mk_backend.BACKENDS if mk_backend.is_installed(b)] == [only]
