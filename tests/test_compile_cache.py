"""JAX's persistent compilation cache: configured at import, the user's choice kept."""

import importlib.util

import pytest

from multikeras import compile_cache

from .conftest import run_python


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


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed in this env; the cache is JAX's")
def test_a_jax_fit_fills_the_cache_and_a_second_process_reuses_it(tmp_path):
    code = (
        "import multikeras\nfrom recipes import regression_mlp as r\n"
        "(X, y), _, _ = r.load_data()\nmodel = r.build_model(**r.data_hparams(X))\n"
        "multikeras.fit(model, X, y, epochs=1, verbose=0)\n"
    )
    env = {"KERAS_BACKEND": "jax", "XDG_CACHE_HOME": str(tmp_path), "JAX_COMPILATION_CACHE_DIR": None}
    first = run_python(code, env)
    assert first.returncode == 0, first.stderr[-2000:]
    entries = sorted(p.name for p in (tmp_path / "multikeras" / "jax").iterdir())
    assert entries, "the fit wrote nothing to the cache"
    second = run_python(code, env)
    assert second.returncode == 0, second.stderr[-2000:]
    assert sorted(p.name for p in (tmp_path / "multikeras" / "jax").iterdir()) == entries  # all hits, nothing new
