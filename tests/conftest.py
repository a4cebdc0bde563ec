"""Shared fixtures. Tests never touch the network: downloading is switched off here."""

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

os.environ["MULTIKERAS_OFFLINE"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The tests' JAX programs go to a cache of their own, shared by their subprocesses and removed
# afterwards, so they neither fill the user's cache nor trip over entries left in it.
_JAX_CACHE = tempfile.mkdtemp(prefix="multikeras-tests-jax-")
os.environ.setdefault("MULTIKERAS_JAX_CACHE", _JAX_CACHE)
atexit.register(shutil.rmtree, _JAX_CACHE, ignore_errors=True)

import multikeras  # noqa: E402  (selects the backend before any test imports Keras)

REAL_FILES = {
    "fashion-mnist": "train-images-idx3-ubyte.gz",
    "california-housing": "cal_housing.data",
    "timeseries": "monthly-sunspots.csv",
}


@pytest.fixture(scope="session")
def backend():
    return multikeras.active_backend()


@pytest.fixture(scope="session")
def real_data_dir():
    """The directory with the published files, or a skip that says how to provide it."""
    value = os.environ.get("MULTIKERAS_DATA_DIR")
    if not value:
        pytest.skip(
            "real-data test: set MULTIKERAS_DATA_DIR to a folder with the published files (../shared/data here)"
        )
    root = Path(value)
    missing = [f"{folder}/{name}" for folder, name in REAL_FILES.items() if not (root / folder / name).is_file()]
    if missing:
        pytest.skip(f"real-data test: {root} lacks {', '.join(missing)}")
    return root


def run_python(code, env_update=None, timeout=300, cwd=None):
    """Run ``code`` in a fresh interpreter (a backend is fixed per process) and return the result."""
    env = dict(os.environ)
    for key, value in (env_update or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd
    )


_FAULT_SUMMARIES = []


@pytest.fixture
def fault_summary():
    """Lines a fault test reports; printed in pytest's closing summary, so CI's log shows them."""
    return _FAULT_SUMMARIES.append


def pytest_terminal_summary(terminalreporter):
    if _FAULT_SUMMARIES:
        terminalreporter.section("fault tests")
        for line in _FAULT_SUMMARIES:
            terminalreporter.write_line(line)
