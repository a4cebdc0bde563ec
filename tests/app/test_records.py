import json
import math

import pytest

from multikeras.app.records import EVENT_PREFIX, JSON_KEYS, PARITY_TOLERANCE, Event, Job, ResultRow, Status

TRAINED = {  # the keys and order of training's RecipeRun.row, plus what the worker adds
    "recipe": "lstm_forecaster",
    "backend": "jax",
    "metric": "mae",
    "value": 0.21,
    "fit_seconds": 0.5,
    "predict_ms": 1.0,
    "epochs": 2,
    "n_train": 100,
    "data": "embedded",
    "seed": 42,
    "baseline": 0.3,
    "status": "ok",
    "parity_max_abs_diff": 2e-6,
    "parity_ok": True,
    "parity_source": "torch",
}


def test_status_is_a_plain_string_in_json_and_fstrings():
    assert json.dumps([Status.OK, Status.FAILED, Status.NOT_INSTALLED]) == '["ok", "failed", "not installed"]'
    assert f"{Status.NOT_INSTALLED}" == str(Status.NOT_INSTALLED) == "not installed"
    assert Status("ok") is Status.OK and Status.OK == "ok"
    with pytest.raises(ValueError):
        Status("failed: ValueError: x")


def test_an_ok_row_round_trips_with_the_same_keys_in_the_same_order():
    row = ResultRow.from_json(TRAINED)
    assert row.ok and row.status is Status.OK and row.detail is None and row.baseline == 0.3 and row.extra == {}
    assert list(row.to_json()) == list(TRAINED) and row.to_json() == TRAINED
    assert ResultRow.from_json(json.loads(json.dumps(row.to_json()))) == row


def test_a_failed_row_keeps_its_reason_in_one_status_string():
    row = ResultRow.failed("wide_deep", "torch", "worker exited with code 1: Traceback: boom")
    assert row.to_json() == {
        "recipe": "wide_deep",
        "backend": "torch",
        "status": "failed: worker exited with code 1: Traceback: boom",
    }
    back = ResultRow.from_json(row.to_json())
    assert back == row and back.status is Status.FAILED and back.detail == "worker exited with code 1: Traceback: boom"
    assert back.parity_ok is None and not back.ok
    assert ResultRow.not_installed("wide_deep", "tensorflow").to_json() == {
        "recipe": "wide_deep",
        "backend": "tensorflow",
        "status": "not installed",
    }


def test_the_source_row_carries_empty_parity_keys_and_unknown_keys_survive():
    row = ResultRow.from_json(
        {**TRAINED, "backend": "torch", "parity_max_abs_diff": None, "parity_ok": None, "gpu": "none"}
    )
    assert row.is_parity_source and row.parity_ok is None and row.extra == {"gpu": "none"}
    data = row.to_json()
    assert data["parity_max_abs_diff"] is None and data["parity_ok"] is None and data["gpu"] == "none"
    assert list(data)[-4:] == ["status", "parity_max_abs_diff", "parity_ok", "parity_source"]


def test_history_goes_only_where_asked():
    row = ResultRow.from_json({**TRAINED, "history": {"loss": [1.0, 0.5]}})
    assert row.history == {"loss": [1.0, 0.5]} and "history" not in row.to_json()
    assert row.to_json(history=True)["history"] == {"loss": [1.0, 0.5]}


def test_parity_verdict_at_the_tolerance():
    assert PARITY_TOLERANCE == ResultRow.PARITY_TOLERANCE == 1e-4
    assert ResultRow.parity_verdict(None) is None
    assert ResultRow.parity_verdict(0.0) is True
    assert ResultRow.parity_verdict(PARITY_TOLERANCE) is True
    assert ResultRow.parity_verdict(math.nextafter(PARITY_TOLERANCE, 1.0)) is False
    failing = ResultRow.from_json({**TRAINED, "parity_max_abs_diff": 3e-3, "parity_ok": True})
    assert failing.parity_ok is False and failing.to_json()["parity_ok"] is False  # derived, so it cannot disagree


def test_documented_keys_are_all_written():
    assert (
        JSON_KEYS
        == ResultRow.JSON_KEYS
        == ("recipe", "backend", "metric", "value", "fit_seconds", "parity_max_abs_diff", "status")
    )
    assert set(JSON_KEYS) <= set(ResultRow.from_json(TRAINED).to_json())


@pytest.mark.fault("a job with a misspelled key ('epoch' for 'epochs')", "ValueError: unknown keys")
def test_job_round_trips_and_rejects_unknown_keys():
    job = Job(
        recipes=["wide_deep", "lstm_forecaster"],
        data="real",
        data_dir="/data",
        epochs=3,
        seed=1,
        source_backend="torch",
        is_source=False,
        artifacts="/tmp/models",
    )
    data = json.loads(json.dumps(job.to_json()))
    assert set(data) == {"recipes", "data", "data_dir", "epochs", "seed", "source_backend", "is_source", "artifacts"}
    assert Job.from_json(data) == job
    with pytest.raises(ValueError, match="unknown keys"):
        Job.from_json({**data, "epoch": 3})


def test_events_travel_as_prefixed_json_lines_with_the_row_and_its_history():
    row = ResultRow.from_json({**TRAINED, "history": {"loss": [1.0]}})
    line = Event("row", row=row).to_line()
    assert line.startswith(EVENT_PREFIX) and line.endswith("\n")
    assert json.loads(line[len(EVENT_PREFIX) :]) == {"event": "row", "row": {**TRAINED, "history": {"loss": [1.0]}}}
    back = Event.from_line(line)
    assert back == Event("row", row=row) and back.row.history == {"loss": [1.0]}
    assert (
        back.with_backend("jax").backend == "jax"
        and Event("done", backend="torch").with_backend("jax").backend == "torch"
    )
    epoch = Event("epoch", recipe="wide_deep", epoch=1, epochs=2, loss=0.5)
    assert Event.from_line(epoch.to_line()) == epoch
    assert Event.from_line("Epoch 1/2 - loss 0.5\n") is None


def test_a_one_seed_job_reads_as_it_always_has_and_a_seeds_job_round_trips():
    job = Job(recipes=["wide_deep"], epochs=1, source_backend="torch", is_source=True)
    assert list(job.to_json()) == [
        "recipes",
        "data",
        "data_dir",
        "epochs",
        "seed",
        "source_backend",
        "is_source",
        "artifacts",
    ]
    assert job.run_seeds == [42] and job.seed_tag(42) is None
    several = Job(recipes=["wide_deep"], seed=42, seeds=[42, 44], patience=2)
    assert (
        several.to_json()["seeds"] == [42, 44]
        and several.to_json()["patience"] == 2
        and "batch_size" not in several.to_json()
    )
    assert Job.from_json(json.loads(json.dumps(several.to_json()))) == several
    assert several.run_seeds == [42, 44] and several.seed_tag(44) == 44


def test_the_books_figure_travels_with_the_history_only():
    row = ResultRow.from_json({**TRAINED, "history": {"loss": [1.0]}, "book_result": 0.5297})
    assert row.book_result == 0.5297 and row.extra == {}
    assert "book_result" not in row.to_json() and row.to_json(history=True)["book_result"] == 0.5297
    assert ResultRow.failed("wide_deep", "torch", "boom", seed=43).to_json()["seed"] == 43
    assert ResultRow.not_installed("wide_deep", "jax", seed=43).to_json() == {
        "recipe": "wide_deep",
        "backend": "jax",
        "seed": 43,
        "status": "not installed",
    }
