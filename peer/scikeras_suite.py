"""A pytest plugin: scikeras 0.13.0's own test suite, run against ``multikeras.sklearn``.

Loaded with ``-p peer.scikeras_suite`` before the suite is collected, it makes
``scikeras.wrappers`` our module, so every ``from scikeras.wrappers import KerasClassifier`` in
those files gets ours; scikeras's helpers (``scikeras.utils``) stay scikeras's own. The test
files are never edited.

- ``scikeras_exclusions.toml``: tests that are not ours to pass (scikeras's private helpers,
  the network), deselected, each with its reason;
- ``scikeras_deviations.toml``: tests where we behave differently on purpose (scikit-learn's
  conventions, a feature scikeras lacks), each with its reason; they run as strict expected
  failures, so one that starts passing fails the run;
- ``scikeras_gaps.toml``: tests we do not pass and scikeras fails too, each with its reason;
  they run as expected failures, and one that starts passing is reported so it can leave the list.

The summary line gives passed, failed, excluded and the gaps. ``MULTIKERAS_PEER_TARGET=scikeras``
runs the same suite against scikeras itself, for the baseline.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import types
from pathlib import Path

import pytest
import tomllib

from . import scikeras_redirect

EXCLUSIONS = Path(__file__).with_name("scikeras_exclusions.toml")
GAPS = Path(__file__).with_name("scikeras_gaps.toml")
DEVIATIONS = Path(__file__).with_name("scikeras_deviations.toml")


def _entries(path: Path, table: str) -> dict[str, str]:
    """``{node id prefix: reason}`` from one of the lists."""
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        entries = tomllib.load(handle).get(table, [])
    return {entry["test"]: entry["reason"] for entry in entries}


def _entry(nodeid: str, listed: dict[str, str]) -> str | None:
    """The entry naming this test: its id, its file, or its function with any parameters."""
    for prefix in listed:
        if nodeid == prefix or nodeid.startswith((prefix + "[", prefix + "::")):
            return prefix
    return None


def _match(nodeid: str, listed: dict[str, str]) -> str | None:
    """The reason of the entry naming this test, if one does."""
    prefix = _entry(nodeid, listed)
    return None if prefix is None else listed[prefix]


def _tensorflow_stand_in() -> None:
    """The suite's ``tests/__init__.py`` imports TensorFlow only to turn off its traceback
    filtering. In an env without TensorFlow (the torch and JAX envs) a stand-in answers that
    import while the suite is collected, and is removed before any test runs, so Keras and
    multikeras still find TensorFlow absent."""
    if importlib.util.find_spec("tensorflow") is not None:
        return
    stand_in = types.ModuleType("tensorflow", "stands in while scikeras's suite is collected")
    stand_in.debugging = types.SimpleNamespace(disable_traceback_filtering=lambda: None)
    sys.modules["tensorflow"] = stand_in


def pytest_collection_finish(session):
    module = sys.modules.get("tensorflow")
    if module is not None and module.__doc__ == "stands in while scikeras's suite is collected":
        del sys.modules["tensorflow"]


scikeras_redirect.install()
_tensorflow_stand_in()
_EXCLUDED: set[str] = set()  # the exclusion entries that matched something
_GAP_IDS: set[str] = set()
_DEVIATION_IDS: set[str] = set()


def pytest_ignore_collect(collection_path, config):
    """Whole excluded files are not even imported (test_random_state.py imports TensorFlow)."""
    root = Path(str(config.rootpath))
    try:
        relative = collection_path.relative_to(root).as_posix()
    except ValueError:
        return None
    if relative in _entries(EXCLUSIONS, "exclude"):
        _EXCLUDED.add(relative)
        return True
    return None


def pytest_collection_modifyitems(config, items):
    excluded, gaps, deviations = (
        _entries(EXCLUSIONS, "exclude"),
        _entries(GAPS, "gap"),
        _entries(DEVIATIONS, "deviation"),
    )
    keep, dropped = [], []
    for item in items:
        entry = _entry(item.nodeid, excluded)
        if entry:
            dropped.append(item)
            _EXCLUDED.add(entry)
            continue
        deviation = _match(item.nodeid, deviations) if scikeras_redirect.TARGET != "scikeras" else None
        if deviation:
            item.add_marker(pytest.mark.xfail(reason=f"deliberate difference: {deviation}", strict=True))
            _DEVIATION_IDS.add(item.nodeid)
        gap = _match(item.nodeid, gaps)
        if gap and not deviation:
            item.add_marker(pytest.mark.xfail(reason=f"known gap: {gap}", strict=False))
            _GAP_IDS.add(item.nodeid)
        keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_terminal_summary(terminalreporter):
    import multikeras

    from .__main__ import COUNTS, summary_line
    from .scikeras_redirect import target_name

    stats = terminalreporter.stats
    count = {key: len(stats.get(key, [])) for key in ("passed", "failed", "error", "skipped")}
    count["excluded"] = sorted(_EXCLUDED)  # entries; in one-file runs the runner adds the whole files
    count["gaps"] = sum(report.nodeid in _GAP_IDS for report in stats.get("xfailed", []))
    count["deviations"] = sum(report.nodeid in _DEVIATION_IDS for report in stats.get("xfailed", []))
    count["closed"] = sorted(report.nodeid for report in stats.get("xpassed", []) if report.nodeid in _GAP_IDS)
    if os.environ.get(COUNTS):
        Path(os.environ[COUNTS]).write_text(json.dumps(count))
    terminalreporter.write_line(summary_line(count, multikeras.active_backend(), target_name()))
    for nodeid in count["closed"]:
        terminalreporter.write_line(
            f"  passes on {multikeras.active_backend()}; once it passes on torch and JAX, remove it from peer/scikeras_gaps.toml: {nodeid}"
        )
