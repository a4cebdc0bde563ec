"""``python -m peer.keras_suite``: Keras's own tests with multikeras imported, compared per test.

Keras 3.15.1's tests for trainers, models, callbacks, the core, recurrent and normalization
layers and Adam and SGD (``$MULTIKERAS_PEER_DIR/keras-3.15.1/tests``, unchanged) run on torch,
one process per file, with multikeras imported before Keras loads. Each test's outcome is
compared with its outcome in a process that never imports multikeras. The run fails on any test
that passes without multikeras and fails with it, on a listed exception that passes (strict),
and when the engine took no call at all (a suite the engine never reaches proves nothing).

The outcomes without multikeras depend only on Keras (and torch), so they are recorded once per
version in ``keras_baseline.json``; regenerate them with ``python -m peer.keras_suite --baseline``.
When the installed Keras is not the recorded one, both halves run. ``--both`` always runs both.
Per file, it prints the outcomes and how many fit/evaluate/predict calls the torch engine took
and how many it handed back to Keras's own method, with the reasons.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUITE = "keras-3.15.1"
SUITE_KERAS = "3.15.1"
BASELINE = Path(__file__).with_name("keras_baseline.json")
REGENERATE = "python -m peer.keras_suite --baseline"
ROOT = Path(__file__).resolve().parent.parent
PASSING = {"passed", "xpassed"}
FAILING = {"failed", "error"}


def suite_dir() -> Path | None:
    root = os.environ.get("MULTIKERAS_PEER_DIR")
    tests = Path(root) / SUITE / "tests" if root else None
    return tests if tests is not None and tests.is_dir() else None


def test_files(tests: Path) -> list[Path]:
    return sorted(tests.glob("*/*_test.py"))


def run_file(tests: Path, path: Path, mode: str, scratch: Path) -> dict:
    """One test file in a fresh process; its outcomes and the engine's call counts."""
    out = scratch / f"{mode}-{path.parent.name}-{path.stem}.json"
    env = {
        **os.environ,
        "KERAS_BACKEND": "torch",
        "MULTIKERAS_KERAS_SUITE_MODE": mode,
        "MULTIKERAS_KERAS_SUITE_OUT": str(out),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        "PYTHONDONTWRITEBYTECODE": "1",  # the suite's folder is read-only
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
    }
    command = [sys.executable, "-m", "pytest", "-p", "peer.keras_plugin", "-p", "no:cacheprovider", "-q", "--no-header",
               "--rootdir", str(tests), "-c", str(tests / "pytest.ini"), str(path)]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=scratch, capture_output=True, text=True)
    result = json.loads(out.read_text()) if out.exists() else {"outcomes": {}, "calls": {}}
    result["seconds"] = time.perf_counter() - started
    result["returncode"] = done.returncode
    result["tail"] = done.stdout[-3000:] + done.stderr[-2000:]
    return result


def run_all(tests: Path, mode: str, jobs: int, only=()) -> dict[str, dict]:
    """``{file: result}`` for every test file (or those whose path contains one of ``only``), ``jobs`` at a time."""
    files = [path for path in test_files(tests) if not only or any(part in str(path) for part in only)]
    with tempfile.TemporaryDirectory(prefix="multikeras-keras-suite-") as scratch:
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            futures = {name(tests, path): pool.submit(run_file, tests, path, mode, Path(scratch)) for path in files}
            return {key: future.result() for key, future in futures.items()}


def name(tests: Path, path: Path) -> str:
    return str(path.relative_to(tests))


def installed_versions() -> dict[str, str]:
    from importlib.metadata import version

    return {"keras": version("keras"), "torch": version("torch")}


def write_baseline(results: dict[str, dict]) -> None:
    outcomes = {
        nodeid: outcome for result in results.values() for nodeid, outcome in sorted(result["outcomes"].items())
    }
    record = {"versions": installed_versions(), "regenerate": REGENERATE, "outcomes": dict(sorted(outcomes.items()))}
    BASELINE.write_text(json.dumps(record, indent=1) + "\n")
    counts = collections.Counter(outcomes.values())
    print(f"wrote {BASELINE.name}: {len(outcomes)} tests without multikeras ({dict(counts)})")


def read_baseline() -> dict | None:
    """The recorded outcomes without multikeras, if they are for the installed versions."""
    if not BASELINE.exists():
        return None
    record = json.loads(BASELINE.read_text())
    return record if record["versions"] == installed_versions() else None


def calls_line(calls: dict[str, int]) -> str:
    taken = collections.Counter()
    handed = collections.defaultdict(collections.Counter)
    for key, count in calls.items():
        method, why = key.split("|", 1)
        if why == "engine":
            taken[method] += count
        else:
            handed[method][why] += count
    methods = ("fit", "evaluate", "predict")
    engine = ", ".join(f"{m} {taken[m]}" for m in methods)
    keras = ", ".join(f"{m} {sum(handed[m].values())}" for m in methods)
    return f"engine took {engine}; handed to Keras {keras}"


def reasons_line(calls: dict[str, int]) -> list[str]:
    reasons = collections.Counter()
    for key, count in calls.items():
        method, why = key.split("|", 1)
        if why != "engine":
            reasons[f"{method}: {why}"] += count
    return [f"    {count:4d} x {why}" for why, count in reasons.most_common()]


def compare(baseline: dict[str, str], results: dict[str, dict], verbose: bool) -> int:
    """Print per file and in total; return 1 on a test that passes without multikeras and fails with it."""
    changed, gained, missing, total_calls = [], [], [], collections.Counter()
    for file, result in results.items():
        outcomes = result["outcomes"]
        total_calls.update(result["calls"])
        counts = collections.Counter(outcomes.values())
        summary = ", ".join(
            f"{counts[k]} {k}" for k in ("passed", "failed", "error", "skipped", "xfailed", "xpassed") if counts[k]
        )
        print(f"{file}: {summary or 'no tests ran'} ({result['seconds']:.0f} s); {calls_line(result['calls'])}")
        if verbose:
            print("\n".join(reasons_line(result["calls"])))
        prefix = file.replace(os.sep, "/")
        for nodeid, before in baseline.items():
            if not nodeid.startswith(prefix + "::"):
                continue
            after = outcomes.get(nodeid)
            if after is None:
                missing.append(nodeid)
            elif before in PASSING and after in FAILING:
                changed.append(nodeid)
            elif before in FAILING and after in PASSING:
                gained.append(nodeid)
        strict = [nodeid for nodeid, outcome in outcomes.items() if outcome == "xpassed"]
        changed.extend(f"{nodeid} (listed in keras_exceptions.toml, now passes: remove it)" for nodeid in strict)
        if not outcomes:
            print(result["tail"])
            changed.append(f"{file} (no test ran, exit code {result['returncode']})")
    print(f"\nall files: {calls_line(dict(total_calls))}")
    print("\n".join(reasons_line(dict(total_calls))))
    for nodeid in gained:
        print(f"fails without multikeras, passes with it: {nodeid}")
    for nodeid in missing:
        print(f"ran without multikeras, not with it: {nodeid}")
    for nodeid in changed:
        print(f"PASSES WITHOUT MULTIKERAS, FAILS WITH IT: {nodeid}")
    for file, result in results.items():
        if any(result["outcomes"].get(n) in FAILING for n in changed):
            print(f"\n---- {file} ----\n{result['tail']}")
    engine_calls = sum(count for key, count in total_calls.items() if key.endswith("|engine"))
    print(f"\nKeras {SUITE_KERAS}'s suite with multikeras: {len(changed)} tests pass without multikeras and fail with it; "
          f"{len(missing)} missing; {len(gained)} pass only with it; the engine took {engine_calls} calls.")  # fmt: skip
    if engine_calls == 0:
        print("The engine took no call: the suite proves nothing about it (is multikeras imported first?).")
        return 1
    return 1 if changed or missing else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m peer.keras_suite", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--baseline", action="store_true", help=f"record the outcomes without multikeras in {BASELINE.name}"
    )
    parser.add_argument(
        "--both", action="store_true", help="run the half without multikeras too, instead of the record"
    )
    parser.add_argument("--jobs", type=int, default=max(1, min(2, os.cpu_count() or 1)), help="test files run at once")
    parser.add_argument("-v", "--verbose", action="store_true", help="per file, why each call went to Keras")
    parser.add_argument("files", nargs="*", help="run only the files whose path contains one of these (default: all)")
    args = parser.parse_args(argv)
    tests = suite_dir()
    if tests is None:
        print(f"Keras's suite skipped: set MULTIKERAS_PEER_DIR to the folder holding {SUITE}/tests.")
        return 0
    versions = installed_versions()
    if versions["keras"] != SUITE_KERAS:
        print(
            f"Keras's suite skipped: its tests are Keras {SUITE_KERAS}'s, and Keras {versions['keras']} is installed."
        )
        return 0
    if args.baseline:
        if args.files:
            parser.error("--baseline records every file: give no file names")
        write_baseline(run_all(tests, "without", args.jobs))
        return 0
    record = None if args.both else read_baseline()
    if record is None:
        print(f"no recorded outcomes for {versions}: running each file without multikeras too")
        without = run_all(tests, "without", args.jobs, args.files)
        baseline = {n: o for result in without.values() for n, o in result["outcomes"].items()}
    else:
        baseline = record["outcomes"]
    return compare(baseline, run_all(tests, "with", args.jobs, args.files), args.verbose)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
