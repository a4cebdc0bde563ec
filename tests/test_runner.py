import json

import numpy as np
import pytest

from multikeras import runner
from recipes import NAMES


def test_resolve_backends_dedupes_aliases_and_rejects_unknown():
    assert runner.resolve_backends("pytorch,torch, jax") == ["torch", "jax"]
    with pytest.raises(ValueError, match="Unknown backend 'thenao'"):
        runner.resolve_backends("thenao")


def test_missing_backend_is_a_row_not_a_crash(backend, monkeypatch, tmp_path):
    monkeypatch.setattr(runner, "is_installed", lambda name: name == backend)
    other = next(b for b in ("torch", "jax", "tensorflow") if b != backend)
    events = []
    rows = runner.compare("regression_mlp", [other, backend], epochs=1, out=tmp_path, on_event=events.append)
    by_backend = {row["backend"]: row for row in rows}
    assert by_backend[other]["status"] == "not installed"
    mine = by_backend[backend]
    assert mine["status"] == "ok" and mine["parity_source"] == backend and np.isfinite(mine["value"])
    assert {e["event"] for e in events} >= {"skipped", "start", "epoch", "row"}
    logged = [json.loads(line) for line in (tmp_path / "rows.jsonl").read_text().splitlines()]
    assert [r["status"] for r in logged] == ["not installed", "ok"]
    assert (tmp_path / "models" / "regression_mlp.keras").is_file()


def test_failures_inside_a_recipe_become_failed_rows(backend, tmp_path):
    rows = runner.compare("lstm_forecaster", [backend], data="real", data_dir=tmp_path / "empty", epochs=1, out=tmp_path)
    assert rows[0]["status"].startswith("failed: DataFilesMissing")


def test_a_dead_worker_fails_its_rows_with_the_reason(backend, tmp_path):
    rows = runner.compare("wide_deep,regression_mlp", [backend], out=tmp_path, python="/bin/false")
    assert [r["status"].split(":")[0] for r in rows] == ["failed", "failed"]
    assert "worker exited with code 1" in rows[0]["status"]


@pytest.mark.cross
def test_all_recipes_all_backends_with_parity(tmp_path):
    rows = runner.compare("all", ["torch", "jax", "tensorflow"], epochs=1, out=tmp_path)
    assert len(rows) == 3 * len(NAMES)
    assert all(row["status"] == "ok" for row in rows), [r["status"] for r in rows if r["status"] != "ok"]
    for row in rows:
        if row["backend"] == "torch":
            assert row["parity_max_abs_diff"] is None
        else:
            assert row["parity_max_abs_diff"] <= 1e-4 and row["parity_ok"] is True


def test_a_worker_stops_when_its_parent_goes_away(backend, tmp_path):
    import subprocess
    import sys

    job = {"recipes": ["lstm_forecaster"], "data": "embedded", "data_dir": None, "epochs": 50, "seed": 0,
           "source_backend": backend, "is_source": True, "artifacts": str(tmp_path / "models")}
    (tmp_path / "job.json").write_text(json.dumps(job))
    worker = subprocess.Popen([sys.executable, "-m", "multikeras.worker", str(tmp_path / "job.json")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert "ready" in worker.stdout.readline()
    worker.stdout.close()  # what a dead parent leaves behind
    assert worker.wait(timeout=120) != 0
    assert "parent process is gone" in worker.stderr.read()
