import json
import signal
import subprocess
import sys

import numpy as np
import psutil
import pytest

from multikeras import registry
from multikeras.app import runner
from multikeras.app.records import Event, Job, ResultRow, Status
from multikeras.app.rows_log import FINISHED_KEY, HEADER_KEY


def _logged_rows(out):
    """rows.jsonl's rows (its first line is the job's fingerprint, its last the closing line of a finished run)."""
    header, *lines = (out / "rows.jsonl").read_text().splitlines()
    assert HEADER_KEY in json.loads(header)
    return [row for row in map(json.loads, lines) if FINISHED_KEY not in row]


def _workers():
    return [p for p in psutil.Process().children(recursive=True) if "multikeras.app.worker" in " ".join(p.cmdline())]


def test_resolve_backends_dedupes_aliases_and_rejects_unknown():
    assert runner.resolve_backends("pytorch,torch, jax") == ["torch", "jax"]
    with pytest.raises(ValueError, match="Unknown backend 'thenao'"):
        runner.resolve_backends("thenao")


@pytest.mark.fault(
    "compare on a backend that is not installed", "a 'not installed' row for each recipe; the other backends run"
)
def test_missing_backend_is_a_row_not_a_crash(backend, monkeypatch, tmp_path):
    monkeypatch.setattr(runner, "is_installed", lambda name: name == backend)
    other = next(b for b in ("torch", "jax", "tensorflow") if b != backend)
    events = []
    rows = runner.compare("regression_mlp", [other, backend], epochs=1, out=tmp_path, on_event=events.append)
    assert all(isinstance(row, ResultRow) for row in rows)
    by_backend = {row.backend: row for row in rows}
    assert by_backend[other].status is Status.NOT_INSTALLED
    mine = by_backend[backend]
    assert mine.ok and mine.is_parity_source and np.isfinite(mine.value) and mine.history["loss"]
    assert all(isinstance(e, Event) and e.backend in (other, backend) for e in events)
    assert {e.kind for e in events} >= {"skipped", "start", "epoch", "row"}
    logged = _logged_rows(tmp_path)
    assert [r["status"] for r in logged] == ["not installed", "ok"]
    assert logged[0] == {"recipe": "regression_mlp", "backend": other, "status": "not installed"}
    assert logged[1]["parity_source"] == backend and logged[1]["parity_ok"] is None
    assert ResultRow.from_json(logged[1]) == mine  # history included: a rerun reuses the row whole
    assert (tmp_path / "models" / "regression_mlp.keras").is_file()


@pytest.mark.fault("a recipe that raises inside the worker", "a failed row with the error; the other recipes run")
def test_failures_inside_a_recipe_become_failed_rows(backend, tmp_path):
    rows = runner.compare(
        "lstm_forecaster", [backend], data="real", data_dir=tmp_path / "empty", epochs=1, out=tmp_path
    )
    assert rows[0].status is Status.FAILED and rows[0].detail.startswith("DataFilesMissing")
    (logged,) = _logged_rows(tmp_path)
    assert logged["status"].startswith("failed: DataFilesMissing") and set(logged) == {"recipe", "backend", "status"}


@pytest.mark.fault("a worker process that dies", "failed rows naming the exit code and the worker's last line")
def test_a_dead_worker_fails_its_rows_with_the_reason(backend, tmp_path):
    rows = runner.compare("wide_deep,regression_mlp", [backend], out=tmp_path, python="/bin/false")
    assert [r.status for r in rows] == [Status.FAILED, Status.FAILED]
    assert rows[0].detail.startswith("worker exited with code 1")
    assert rows[0].status_text.startswith("failed: worker exited with code 1")


@pytest.mark.cross
def test_all_recipes_all_backends_with_parity(tmp_path):
    rows = runner.compare("all", ["torch", "jax", "tensorflow"], epochs=1, out=tmp_path)
    assert len(rows) == 3 * len(registry.names())
    assert all(row.ok for row in rows), [r.status_text for r in rows if not r.ok]
    for row in rows:
        if row.backend == "torch":
            assert row.parity_max_abs_diff is None
        else:
            assert row.parity_max_abs_diff <= 1e-4 and row.parity_ok is True


@pytest.mark.fault("compare's parent process killed", "the worker stops at its next report instead of training on")
def test_a_worker_stops_when_its_parent_goes_away(backend, tmp_path):
    import subprocess
    import sys

    job = Job(
        recipes=["lstm_forecaster"],
        epochs=50,
        seed=0,
        source_backend=backend,
        is_source=True,
        artifacts=str(tmp_path / "models"),
    )
    (tmp_path / "job.json").write_text(json.dumps(job.to_json()))
    worker = subprocess.Popen(
        [sys.executable, "-m", "multikeras.app.worker", str(tmp_path / "job.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert "ready" in worker.stdout.readline()
    worker.stdout.close()  # what a dead parent leaves behind
    assert worker.wait(timeout=120) != 0
    assert "parent process is gone" in worker.stderr.read()


@pytest.mark.fault(
    "compare interrupted at its first row, then run again",
    "no worker left behind; the rerun trains only the missing recipe; a run after a finished one trains all",
)
def test_an_interrupted_compare_resumes_without_retraining(backend, tmp_path):
    def stop_at_the_first_row(event):
        if event.kind == "row":
            raise KeyboardInterrupt  # what Ctrl-C does in the parent while the worker trains the second recipe

    recipes = "regression_mlp,classifier_mlp"
    with pytest.raises(KeyboardInterrupt):
        runner.compare(recipes, [backend], epochs=1, out=tmp_path, on_event=stop_at_the_first_row)
    assert _workers() == []  # stopped, not left training
    (first,) = _logged_rows(tmp_path)
    assert first["recipe"] == "regression_mlp" and first["history"]["loss"]

    events = []
    rows = runner.compare(recipes, [backend], epochs=1, out=tmp_path, on_event=events.append)
    assert events[0] == Event("resumed", count=1, path=str(tmp_path / "rows.jsonl"))
    assert [e.recipe for e in events if e.kind == "start"] == ["classifier_mlp"]
    assert json.loads((tmp_path / f"job-{backend}.json").read_text())["recipes"] == ["classifier_mlp"]
    assert rows[0] == ResultRow.from_json(first) and rows[1].ok and rows[1].recipe == "classifier_mlp"

    again = []
    runner.compare(recipes, [backend], epochs=1, out=tmp_path, on_event=again.append)
    assert "resumed" not in [e.kind for e in again]  # that run finished: the next one trains afresh
    assert [e.recipe for e in again if e.kind == "start"] == ["regression_mlp", "classifier_mlp"]


@pytest.mark.fault(
    "a resumed compare whose source model file is gone",
    "that recipe retrained on every backend, so parity is checked against a fresh model",
)
def test_a_source_row_without_its_model_is_retrained_with_its_parity_rows(backend, tmp_path):
    kept = ResultRow(recipe="regression_mlp", backend=backend, status=Status.OK, parity_source=backend)
    other = ResultRow(recipe="regression_mlp", backend="other", status=Status.OK, parity_source=backend)
    rows = {("regression_mlp", backend): kept, ("regression_mlp", "other"): other}
    assert runner._reusable(rows, backend, tmp_path / "models") == {}
    (tmp_path / "models").mkdir()
    for name in ("regression_mlp.keras", "regression_mlp.predictions.npy"):
        (tmp_path / "models" / name).write_bytes(b"")
    assert runner._reusable(rows, backend, tmp_path / "models") == rows


@pytest.mark.fault(
    "SIGTERM to a compare worker", "exit 143 with one line, no traceback, no row for the unfinished recipe"
)
def test_a_worker_stops_quietly_on_sigterm(backend, tmp_path):
    job = Job(
        recipes=["regression_mlp"],
        epochs=5000,
        source_backend=backend,
        is_source=True,
        artifacts=str(tmp_path / "models"),
    )
    (tmp_path / "job.json").write_text(json.dumps(job.to_json()))
    worker = subprocess.Popen(
        [sys.executable, "-m", "multikeras.app.worker", str(tmp_path / "job.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in worker.stdout:
        if '"epoch"' in line:
            break
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=20) == 143
    assert "multikeras worker: interrupted by SIGTERM; stopping" in worker.stderr.read().splitlines()


@pytest.mark.cross
def test_a_resumed_compare_checks_parity_against_the_kept_source_model(tmp_path):
    runner.compare("regression_mlp", ["torch", "jax"], epochs=1, out=tmp_path)
    log = tmp_path / "rows.jsonl"
    log.write_text("".join(log.read_text().splitlines(keepends=True)[:2]))  # killed after the source's row
    events = []
    rows = runner.compare("regression_mlp", ["torch", "jax"], epochs=1, out=tmp_path, on_event=events.append)
    assert [(e.backend, e.recipe) for e in events if e.kind == "start"] == [("jax", "regression_mlp")]
    assert rows[0].is_parity_source and rows[1].parity_ok is True


def test_seeds_are_dealt_to_as_many_jobs_as_cores_grouped_by_the_recipes_they_lack(monkeypatch):
    monkeypatch.setattr(runner, "available_cores", lambda: 2)
    job = Job(recipes=["wide_deep", "regression_mlp"], seed=42)
    assert runner.seed_list(42, 3) == [42, 43, 44]
    jobs = runner._jobs(job, [(name, seed) for name in job.recipes for seed in (42, 43, 44)])
    assert [(j.recipes, j.seeds) for j in jobs] == [
        (["wide_deep", "regression_mlp"], [42, 44]),
        (["wide_deep", "regression_mlp"], [43]),
    ]
    resumed = runner._jobs(job, [("wide_deep", 44), ("regression_mlp", 43), ("regression_mlp", 44)])
    assert [(j.recipes, j.seeds) for j in resumed] == [
        (["regression_mlp"], [43]),
        (["wide_deep", "regression_mlp"], [44]),
    ]
    assert [(j.recipes, j.seeds) for j in runner._jobs(job, [("wide_deep", None)])] == [
        (["wide_deep"], None)
    ]  # one seed


def test_workers_side_by_side_share_the_cores(monkeypatch):
    monkeypatch.setattr(runner, "available_cores", lambda: 4)
    assert runner._parallelism(1) == (1, None)  # a lone worker keeps the threads it always had
    assert runner._parallelism(2) == (2, 2) and runner._parallelism(9) == (4, 1)
    monkeypatch.delenv("MULTIKERAS_THREADS", raising=False)
    assert runner._worker_env("jax", threads=2)["MULTIKERAS_THREADS"] == "2"
    assert "MULTIKERAS_THREADS" not in runner._worker_env("jax")
    monkeypatch.setenv("MULTIKERAS_THREADS", "3")
    assert runner._worker_env("jax", threads=2)["MULTIKERAS_THREADS"] == "3"  # the user's setting is kept


@pytest.mark.fault(
    "compare --seeds 3 whose workers die",
    "a failed row per recipe and seed, naming the exit code and each worker's last line",
)
def test_seeds_run_in_parallel_workers_each_with_its_thread_budget(backend, monkeypatch, tmp_path):
    fake = tmp_path / "python"  # stands in for the interpreter: reports the budget it was given, then dies
    fake.write_text('#!/bin/sh\necho "threads=$MULTIKERAS_THREADS" >&2\nexit 3\n')
    fake.chmod(0o755)
    monkeypatch.setattr(runner, "available_cores", lambda: 2)
    monkeypatch.delenv("MULTIKERAS_THREADS", raising=False)
    rows = runner.compare("regression_mlp", [backend], seeds=3, out=tmp_path / "out", python=str(fake))
    assert [(r.seed, r.status_text) for r in rows] == [
        (s, "failed: worker exited with code 3: threads=1") for s in (42, 43, 44)
    ]
    assert sorted(p.name for p in (tmp_path / "out" / "logs").iterdir()) == [
        f"{backend}-worker1.log",
        f"{backend}-worker2.log",
    ]
    (one,) = runner.compare("regression_mlp", [backend], out=tmp_path / "one", python=str(fake))
    assert one.seed is None and one.status_text == "failed: worker exited with code 3: threads="


def test_rows_of_the_seeds_after_the_first_stand_alone(backend, tmp_path):
    def row(seed, source):
        return ResultRow(recipe="regression_mlp", backend=backend, seed=seed, status=Status.OK, parity_source=source)

    rows = {("regression_mlp", backend, 42): row(42, backend), ("regression_mlp", backend, 43): row(43, None)}
    assert runner._reusable(rows, backend, tmp_path / "models") == {
        ("regression_mlp", backend, 43): rows[("regression_mlp", backend, 43)]
    }


@pytest.mark.fault(
    "compare --seeds 2 interrupted at its first row, then run again",
    "only the missing seed trains; the kept seed's row is reused as it was",
)
def test_an_interrupted_seeds_compare_resumes_per_seed(backend, monkeypatch, tmp_path):
    def stop_at_the_first_row(event):
        if event.kind == "row":
            raise KeyboardInterrupt

    monkeypatch.setattr(runner, "available_cores", lambda: 1)  # one worker, seeds in turn: the first row is seed 42's
    with pytest.raises(KeyboardInterrupt):
        runner.compare("regression_mlp", [backend], epochs=1, seeds=2, out=tmp_path, on_event=stop_at_the_first_row)
    assert _workers() == []
    (first,) = _logged_rows(tmp_path)
    assert first["seed"] == 42
    events = []
    rows = runner.compare("regression_mlp", [backend], epochs=1, seeds=2, out=tmp_path, on_event=events.append)
    assert events[0] == Event("resumed", count=1, path=str(tmp_path / "rows.jsonl"))
    assert [(e.recipe, e.seed) for e in events if e.kind == "start"] == [("regression_mlp", 43)]
    assert rows[0] == ResultRow.from_json(first) and rows[1].ok and rows[1].seed == 43
    assert rows[0].is_parity_source and rows[1].parity_source is None  # parity: the first seed only


@pytest.mark.cross
def test_seeds_across_two_backends_check_parity_for_the_first_seed_only(tmp_path):
    rows = runner.compare("regression_mlp", ["torch", "jax"], epochs=1, seeds=2, out=tmp_path)
    assert [(r.backend, r.seed) for r in rows] == [("torch", 42), ("torch", 43), ("jax", 42), ("jax", 43)]
    assert all(r.ok for r in rows), [r.status_text for r in rows if not r.ok]
    assert rows[0].is_parity_source and rows[2].parity_ok is True
    assert rows[1].parity_source is None and rows[3].parity_max_abs_diff is None


def test_the_books_figure_comes_with_the_real_data_only():
    from multikeras.app import worker

    classifier, regression = registry.get("classifier_mlp"), registry.get("regression_mlp")
    assert worker._book_result(classifier, "real") == 0.8864 and worker._book_result(regression, "real") == 0.5297
    assert (
        worker._book_result(classifier, "embedded") is None
        and worker._book_result(registry.get("wide_deep"), "real") is None
    )
