"""Fault tests for the fit store: a search killed at random points, and a lost Dask worker.

Slow (a process start per run), so they run once, in the tox env ``cross`` (marker
``fault_injection``). Kill points come from a seed, printed with the summary and on failure;
``MULTIKERAS_FAULT_SEED`` replays one.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from multikeras.sklearn import FitStore

from . import search_job

pytestmark = pytest.mark.fault_injection
JOB = Path(search_job.__file__)
KILLS = 3


def _run(store, out, *extra, timeout=600):
    result = subprocess.run(
        [sys.executable, str(JOB), str(store), str(out), *extra], capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(Path(out).read_text())


def _stored(store) -> int:
    return sum(1 for event in FitStore(store).events() if event["event"] == "stored")


def _kill_after(store, out, fits: int, delay: float) -> int:
    """Start the search, SIGKILL it ``delay`` seconds after ``fits`` more fits were stored; return how many were."""
    start = _stored(store)
    process = subprocess.Popen(
        [sys.executable, str(JOB), str(store), str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 300
    while _stored(store) < start + fits and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    return _stored(store) - start


def _assert_each_fit_stored_once(store):
    counts = Counter(event["key"] for event in FitStore(store).events() if event["event"] == "stored")
    repeated = {key: n for key, n in counts.items() if n > 1}
    assert not repeated, f"finished fits were repeated: {repeated}"
    return len(counts)


def _assert_same(result, reference):
    assert result["best_params"] == reference["best_params"]
    np.testing.assert_allclose(result["scores"], reference["scores"], rtol=1e-6)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uninterrupted")
    return _run(folder / "store", folder / "result.json")


@pytest.mark.fault(
    "a GridSearchCV with fit_store SIGKILLed 3 times at seeded random points, rerun each time",
    "the last run finishes with the uninterrupted run's best parameters and scores; no finished fit trained twice",
)
def test_a_search_killed_at_random_points_finishes_with_the_uninterrupted_results(
    tmp_path, uninterrupted, fault_summary
):
    seed = int(os.environ.get("MULTIKERAS_FAULT_SEED", random.SystemRandom().randrange(10**6)))
    rng = random.Random(seed)
    store, out = tmp_path / "store", tmp_path / "result.json"
    kills = []
    for _ in range(KILLS):
        fits, delay = rng.randint(1, search_job.FITS // (KILLS + 1)), rng.uniform(0.0, 0.3)
        kills.append((fits, round(delay, 2), _kill_after(store, out, fits, delay)))
    assert not out.exists(), f"seed {seed}: the search finished before the last kill; kills {kills}"
    before = _stored(store)
    result = _run(store, out)
    unique = _assert_each_fit_stored_once(store)
    reused = sum(1 for event in FitStore(store).events() if event["event"] == "reused")
    fault_summary(
        f"search kills (seed {seed}): {KILLS} kills after (fits waited, delay s, fits stored) {kills}, {KILLS + 1} runs; "
        f"{before} fits finished before the last run and were not repeated ({reused} restores), "
        f"{unique} journalled fits stored once each; results equal the uninterrupted run's"
    )
    assert before > 0
    # a kill between an entry's write and its journal line leaves a stored fit with no "stored" line
    assert unique <= search_job.FITS == len(list((store / "fits").iterdir()))
    try:
        _assert_same(result, uninterrupted)
    except AssertionError as err:
        raise AssertionError(f"seed {seed}, kills {kills}: {err}") from None


@pytest.mark.fault(
    "one of two Dask workers SIGKILLed mid-search",
    "Dask reschedules, or the search fails and is run again; same results, no finished fit trained twice",
)
def test_a_search_that_loses_a_dask_worker_finishes_with_the_same_results(tmp_path, uninterrupted, fault_summary):
    """Dask usually reschedules the lost worker's tasks; when the search fails instead (a
    result the dead worker held is forgotten), it is run again, as a user would: either way
    the fits that had finished come from the store."""
    distributed = pytest.importorskip("distributed")
    store, out = tmp_path / "store", tmp_path / "result.json"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            command = [sys.executable, str(JOB), str(store), str(out), cluster.scheduler_address]
            job = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
            deadline = time.monotonic() + 300
            while _stored(store) < 3 and job.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            victim = next(iter(client.run(os.getpid).items()))
            os.kill(victim[1], signal.SIGKILL)
            _, stderr = job.communicate(timeout=600)
            rerun = job.returncode != 0
            if rerun:
                assert "distributed" in stderr, stderr[-3000:]  # a Dask failure, not ours
                before = _stored(store)
                client.wait_for_workers(2, timeout=120)
                _run(store, out, cluster.scheduler_address)
    unique = _assert_each_fit_stored_once(store)
    how = (
        f"the search failed and was run again ({before} fits restored from the store)" if rerun else "Dask rescheduled"
    )
    fault_summary(
        f"lost Dask worker: killed worker {victim[0]} (pid {victim[1]}) after 3 stored fits; {how}; {unique} fits stored once each; results equal"
    )
    _assert_same(json.loads(out.read_text()), uninterrupted)
