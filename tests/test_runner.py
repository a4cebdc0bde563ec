import json

import numpy as np
import pytest

from multikeras import registry, runner
from multikeras.records import Event, Job, ResultRow, Status


def test_resolve_backends_dedupes_aliases_and_rejects_unknown():
    assert runner.resolve_backends("pytorch,torch, jax") == ["torch", "jax"]
    with pytest.raises(ValueError, match="Unknown backend 'thenao'"):
        runner.resolve_backends("thenao")


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
    logged = [json.loads(line) for line in (tmp_path / "rows.jsonl").read_text().splitlines()]
    assert [r["status"] for r in logged] == ["not installed", "ok"]
    assert logged[0] == {"recipe": "regression_mlp", "backend": other, "status": "not installed"}
    assert logged[1]["parity_source"] == backend and logged[1]["parity_ok"] is None and "history" not in logged[1]
    assert ResultRow.from_json(logged[1]) == ResultRow.from_json(mine.to_json())
    assert (tmp_path / "models" / "regression_mlp.keras").is_file()


def test_failures_inside_a_recipe_become_failed_rows(backend, tmp_path):
    rows = runner.compare("lstm_forecaster", [backend], data="real", data_dir=tmp_path / "empty", epochs=1, out=tmp_path)
    assert rows[0].status is Status.FAILED and rows[0].detail.startswith("DataFilesMissing")
    logged = json.loads((tmp_path / "rows.jsonl").read_text())
    assert logged["status"].startswith("failed: DataFilesMissing") and set(logged) == {"recipe", "backend", "status"}


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


def test_a_worker_stops_when_its_parent_goes_away(backend, tmp_path):
    import subprocess
    import sys

    job = Job(recipes=["lstm_forecaster"], epochs=50, seed=0, source_backend=backend, is_source=True,
              artifacts=str(tmp_path / "models"))
    (tmp_path / "job.json").write_text(json.dumps(job.to_json()))
    worker = subprocess.Popen([sys.executable, "-m", "multikeras.worker", str(tmp_path / "job.json")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert "ready" in worker.stdout.readline()
    worker.stdout.close()  # what a dead parent leaves behind
    assert worker.wait(timeout=120) != 0
    assert "parent process is gone" in worker.stderr.read()
