"""A pytest plugin for one file of Keras's own tests: imports multikeras first, or never.

Loaded with ``-p peer.keras_plugin`` by :mod:`peer.keras_suite`, one process per test file.
``MULTIKERAS_KERAS_SUITE_MODE=with`` imports multikeras before Keras loads (as a user's script
does); ``without`` never imports it. Either way each test's outcome is written, with the torch
engine's call counts in the ``with`` mode, to the JSON file named by
``MULTIKERAS_KERAS_SUITE_OUT``. The test files are never edited: tests listed in
``keras_exceptions.toml`` (or the file ``MULTIKERAS_KERAS_EXCEPTIONS`` names) are marked here as
strict expected failures.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import tomllib

MODE = os.environ.get("MULTIKERAS_KERAS_SUITE_MODE", "with")
if MODE == "with":
    import multikeras  # noqa: F401  (before Keras loads, as in a user's script)

EXCEPTIONS = Path(os.environ.get("MULTIKERAS_KERAS_EXCEPTIONS") or Path(__file__).with_name("keras_exceptions.toml"))
_outcomes: dict[str, str] = {}
RANK = {"passed": 0, "skipped": 1, "xfailed": 1, "xpassed": 2, "failed": 3, "error": 3}


def exceptions() -> dict[str, str]:
    """``{node id: reason}``: tests that may fail with multikeras, each with why (we expect none)."""
    if not EXCEPTIONS.exists():
        return {}
    with EXCEPTIONS.open("rb") as handle:
        return {entry["test"]: entry["reason"] for entry in tomllib.load(handle).get("exception", [])}


def pytest_collection_modifyitems(config, items):
    if MODE != "with":
        return
    listed = exceptions()
    for item in items:
        if item.nodeid in listed:
            item.add_marker(pytest.mark.xfail(reason=listed[item.nodeid], strict=True))


def _outcome(report) -> str | None:
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    if report.failed and str(report.longrepr).startswith(
        "[XPASS(strict)]"
    ):  # pytest's report of a listed test that passed
        return "xpassed"
    if report.failed:
        return "failed" if report.when == "call" else "error"
    if report.skipped:
        return "skipped"
    return "passed" if report.when == "call" else None


def pytest_runtest_logreport(report):
    outcome = _outcome(report)
    if outcome is None:
        return
    previous = _outcomes.get(report.nodeid)
    if previous is None or RANK[outcome] > RANK[previous]:
        _outcomes[report.nodeid] = outcome


def _engine_calls() -> dict[str, int]:
    if MODE != "with":
        return {}
    from multikeras.backends.torch_engine.trainer_routes import CALLS

    return {f"{method}|{why}": count for (method, why), count in sorted(CALLS.items())}


def pytest_sessionfinish(session):
    target = os.environ.get("MULTIKERAS_KERAS_SUITE_OUT")
    if target:
        Path(target).write_text(json.dumps({"outcomes": _outcomes, "calls": _engine_calls()}, indent=1))
