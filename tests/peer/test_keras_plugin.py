import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_listed_tests_are_reported_xfailed_when_they_fail_and_xpassed_when_they_pass(tmp_path):
    (tmp_path / "test_listed.py").write_text(
        "def test_passes():\n    pass\n\ndef test_fails():\n    assert False\n\ndef test_unlisted():\n    pass\n"
    )
    (tmp_path / "listed.toml").write_text(
        '[[exception]]\ntest = "test_listed.py::test_passes"\nreason = "r"\n[[exception]]\ntest = "test_listed.py::test_fails"\nreason = "r"\n'
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MULTIKERAS_KERAS_SUITE_MODE": "with",
           "MULTIKERAS_KERAS_EXCEPTIONS": str(tmp_path / "listed.toml"), "MULTIKERAS_KERAS_SUITE_OUT": str(tmp_path / "out.json")}  # fmt: skip
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "peer.keras_plugin", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), "test_listed.py"],
                   cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    outcomes = json.loads((tmp_path / "out.json").read_text())["outcomes"]
    assert outcomes == {
        "test_listed.py::test_passes": "xpassed",
        "test_listed.py::test_fails": "xfailed",
        "test_listed.py::test_unlisted": "passed",
    }
