"""JAX's persistent compilation cache: configured at import, the user's choice kept."""

import importlib.util

import numpy as np
import pytest

import multikeras
from multikeras.backends import jax_cache as compile_cache

from ..conftest import run_python


def test_points_jax_at_the_user_cache_dir(tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    assert compile_cache.configure(env) == str(tmp_path / "multikeras" / "jax")
    assert env["JAX_COMPILATION_CACHE_DIR"] == str(tmp_path / "multikeras" / "jax")
    assert env["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] == "0"


def test_keeps_a_configured_cache_and_the_off_switch():
    mine = {"JAX_COMPILATION_CACHE_DIR": "/srv/jax-cache"}
    assert compile_cache.configure(mine) == "/srv/jax-cache" and len(mine) == 1
    off = {"MULTIKERAS_JAX_CACHE": "0"}
    assert compile_cache.configure(off) is None and off == {"MULTIKERAS_JAX_CACHE": "0"}


def test_the_switch_can_name_a_directory(tmp_path):
    env = {"MULTIKERAS_JAX_CACHE": str(tmp_path / "ci-cache"), "XDG_CACHE_HOME": "/nowhere"}
    assert compile_cache.configure(env) == str(tmp_path / "ci-cache")
    assert env["JAX_COMPILATION_CACHE_MAX_SIZE"] == str(compile_cache.MAX_BYTES)


@pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="JAX is not installed in this env; the cache is JAX's"
)
def test_a_jax_fit_fills_the_cache_and_a_second_process_reuses_it(tmp_path):
    code = (
        "import multikeras\nfrom multikeras.recipes import regression_mlp as r\n"
        "(X, y), _, _ = r.load_data()\nmodel = r.build_model(**r.data_hparams(X))\n"
        "multikeras.fit(model, X, y, epochs=1, verbose=0)\n"
    )
    env = {
        "KERAS_BACKEND": "jax",
        "XDG_CACHE_HOME": str(tmp_path),
        "JAX_COMPILATION_CACHE_DIR": None,
        "MULTIKERAS_JAX_CACHE": None,
    }
    first = run_python(code, env)
    assert first.returncode == 0, first.stderr[-2000:]
    entries = sorted(p.name for p in (tmp_path / "multikeras" / "jax").iterdir())
    assert entries, "the fit wrote nothing to the cache"
    second = run_python(code, env)
    assert second.returncode == 0, second.stderr[-2000:]
    assert sorted(p.name for p in (tmp_path / "multikeras" / "jax").iterdir()) == entries  # all hits, nothing new


_FOLDS = """
import os, numpy as np, multikeras
from multikeras.recipes import regression_mlp as r
(X, y), _, (X_test, _) = r.load_data()
cache = os.environ["JAX_COMPILATION_CACHE_DIR"]
for fold in range(2):  # two folds: same architecture, different adapted statistics
    keep = np.arange(len(X)) % 2 == fold
    multikeras.set_seed(0)
    model = r.build_model(**r.data_hparams(X[keep]))
    multikeras.fit(model, X[keep], y[keep], epochs=1, verbose=0)
    fast = multikeras.predict(model, X_test, verbose=0)
    shared = len(os.listdir(cache))
    plain = model.predict(X_test, verbose=0)  # Keras's own program, statistics baked in: compiled per fold
    print(shared, len(os.listdir(cache)), float(np.max(np.abs(fast - plain))))
"""


@pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="JAX is not installed in this env; the cache is JAX's"
)
def test_folds_of_one_architecture_share_compiled_programs(tmp_path):
    result = run_python(
        _FOLDS, {"KERAS_BACKEND": "jax", "MULTIKERAS_JAX_CACHE": str(tmp_path), "JAX_COMPILATION_CACHE_DIR": None}
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (_, first, first_diff), (second, _, second_diff) = [
        line.split() for line in result.stdout.strip().splitlines()[-2:]
    ]
    assert int(first) > 0 and int(second) == int(first)  # the second fold's fit and predict compiled nothing new
    assert float(first_diff) < 1e-6 and float(second_diff) < 1e-6  # statistics read as inputs: same predictions


@pytest.mark.skipif(multikeras.active_backend() != "jax", reason="programs are shared on JAX only")
def test_shared_programs_leave_the_losses_and_the_layers_as_they_were(monkeypatch):
    from multikeras.backends import jax_programs
    from multikeras.recipes import regression_mlp as r

    (X, y), valid, _ = r.load_data()

    def losses():
        multikeras.set_seed(3)
        model = r.build_model(**r.data_hparams(X))
        history = multikeras.fit(model, X, y, validation_data=valid, epochs=2, verbose=0)
        assert not any("call" in vars(layer) for layer in model._flatten_layers())
        return history.history

    shared = losses()
    monkeypatch.setattr(jax_programs, "active", lambda: False)
    plain = losses()
    for key in plain:
        np.testing.assert_allclose(shared[key], plain[key], rtol=1e-6, err_msg=key)
