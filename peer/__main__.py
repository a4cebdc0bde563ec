"""``python -m peer [pytest args]``: scikeras's own test suite against multikeras.sklearn.

The suite is looked for under ``MULTIKERAS_PEER_DIR`` (the folder that holds
``scikeras-0.13.0/``; ``.ci/run`` sets it). The backend is the usual one (``KERAS_BACKEND``).

On JAX each test file runs in its own process and the counts are summed into one summary
line: one process for the whole suite crashed inside XLA (a segmentation fault while
compiling) about 300 tests in, at the same test with and without the compilation cache, while
each half of the suite alone passed. The processes share one JAX compilation cache, fresh for
the run. Other backends run the suite in one process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import tomllib

from .scikeras_redirect import target_name

SUITE = "scikeras-0.13.0"
ONE_FILE = "MULTIKERAS_PEER_FILE"  # set for the child process that runs one file
COUNTS = "MULTIKERAS_PEER_COUNTS"  # where that child writes its counts
FIELDS = ("passed", "failed", "error", "skipped", "excluded", "deviations", "gaps", "closed")


def main(argv: list[str]) -> int:
    root = os.environ.get("MULTIKERAS_PEER_DIR")
    suite = Path(root) / SUITE if root else None
    if suite is None or not (suite / "tests").is_dir():
        where = f"{suite} has no tests/" if suite else "MULTIKERAS_PEER_DIR is not set"
        print(f"scikeras's suite skipped: {where}. Set MULTIKERAS_PEER_DIR to the folder holding {SUITE}/.")
        return 0
    if os.environ.get(ONE_FILE):
        return _pytest(suite, argv, os.environ[ONE_FILE])
    if os.environ.get("KERAS_BACKEND") == "jax":
        return _each_file(suite, argv)
    return _pytest(suite, argv, str(suite / "tests"))


def _pytest(suite: Path, argv: list[str], target: str) -> int:
    import pytest

    return pytest.main(
        [
            "-p",
            "peer.scikeras_suite",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(suite),
            "-q",
            "--disable-warnings",
            *argv,
            target,
        ]
    )


def _excluded_files() -> set[str]:
    with (Path(__file__).with_name("scikeras_exclusions.toml")).open("rb") as handle:
        return {entry["test"] for entry in tomllib.load(handle).get("exclude", []) if entry["test"].endswith(".py")}


def _each_file(suite: Path, argv: list[str]) -> int:
    excluded = _excluded_files()
    files = [path for path in sorted((suite / "tests").glob("test_*.py")) if f"tests/{path.name}" not in excluded]
    total = dict.fromkeys(FIELDS, 0)
    total["excluded"] = sorted(excluded)
    total["closed"] = []
    worst = 0
    with tempfile.TemporaryDirectory(prefix="multikeras-peer-") as scratch:
        env = {**os.environ, "MULTIKERAS_JAX_CACHE": os.environ.get("MULTIKERAS_JAX_CACHE", str(Path(scratch) / "jax"))}
        for path in files:
            counts = Path(scratch) / f"{path.stem}.json"
            child = {**env, ONE_FILE: str(path), COUNTS: str(counts)}
            code = subprocess.call([sys.executable, "-m", "peer", *argv], env=child)
            if code not in (0, 5):  # 5: every test in the file deselected
                worst = worst or code
            if not counts.exists():
                print(f"{path.name}: no counts written (exit code {code}); counted as one error")
                total["error"] += 1
                worst = worst or 1
                continue
            for key, value in json.loads(counts.read_text()).items():
                total[key] = sorted(set(total[key]) | set(value)) if key == "excluded" else total[key] + value
    backend = os.environ.get("KERAS_BACKEND", "torch")
    print(summary_line(total, backend, target_name()))
    for nodeid in total["closed"]:
        print(
            f"  passes on {backend}; once it passes on torch and JAX, remove it from peer/scikeras_gaps.toml: {nodeid}"
        )
    return worst


def summary_line(count: dict, backend: str, target: str) -> str:
    return (
        f"scikeras 0.13.0 suite against {target} ({backend}): "
        f"{count['passed']} passed, {count['failed']} failed, {count['error']} errors, {count['skipped']} skipped, "
        f"{len(count['excluded'])} excluded tests and files (peer/scikeras_exclusions.toml), "
        f"{count['deviations']} deliberate differences (peer/scikeras_deviations.toml), "
        f"{count['gaps']} known gaps still failing and {len(count['closed'])} now passing (peer/scikeras_gaps.toml)"
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
