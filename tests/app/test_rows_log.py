import json
from dataclasses import replace

import pytest

from multikeras.app.records import ResultRow, Status
from multikeras.app.rows_log import HEADER_KEY, Previous, RowsLog, fingerprint, row_key


def _fingerprint(**changes):
    return {**fingerprint("embedded", None, 1, 42, ["torch", "jax"], "torch"), **changes}


def _ok(recipe, backend="torch"):
    return ResultRow(
        recipe=recipe, backend=backend, metric="rmse", value=0.5, status=Status.OK, history={"loss": [1.0, 0.5]}
    )


def test_rows_are_kept_with_their_history_under_a_fingerprint_header(tmp_path):
    log = RowsLog(tmp_path / "rows.jsonl", _fingerprint())
    log.begin()
    log.append(_ok("wide_deep"))
    header, row = (tmp_path / "rows.jsonl").read_text().splitlines()
    assert json.loads(header) == {HEADER_KEY: _fingerprint()}
    assert json.loads(row)["history"] == {"loss": [1.0, 0.5]}
    assert log.read().rows == {("wide_deep", "torch"): _ok("wide_deep")}


@pytest.mark.fault(
    "rows.jsonl whose last line was cut short by a kill",
    "the whole rows are kept, the cut line ignored; failed rows are retrained",
)
def test_only_ok_rows_come_back_and_a_line_cut_short_is_ignored(tmp_path):
    log = RowsLog(tmp_path / "rows.jsonl", _fingerprint())
    log.begin([_ok("wide_deep")])
    log.append(ResultRow.failed("lstm_forecaster", "torch", "boom"))
    log.append(ResultRow.not_installed("wide_deep", "jax"))
    with open(log.path, "a") as out:
        out.write('{"recipe": "regression_mlp", "back')  # a kill mid-write
    previous = log.read()
    assert previous.matched and list(previous.rows) == [("wide_deep", "torch")]


@pytest.mark.fault("a rerun with other arguments into the same --out", "a fresh start, with a line naming what differs")
def test_another_jobs_log_is_set_aside_with_the_reason(tmp_path):
    RowsLog(tmp_path / "rows.jsonl", _fingerprint()).begin([_ok("wide_deep")])
    previous = RowsLog(tmp_path / "rows.jsonl", _fingerprint(epochs=2)).read()
    assert not previous.matched and previous.rows == {}
    assert previous.reason.endswith("rows.jsonl is from a different job (epochs was 1, now 2)")
    (tmp_path / "rows.jsonl").write_text(json.dumps(_ok("wide_deep").to_json()) + "\n")  # no header line
    assert "it has no fingerprint line" in RowsLog(tmp_path / "rows.jsonl", _fingerprint()).read().reason


def test_no_log_or_an_empty_one_is_a_fresh_start_without_a_reason(tmp_path):
    assert RowsLog(tmp_path / "rows.jsonl", _fingerprint()).read().reason is None
    (tmp_path / "rows.jsonl").write_text("")
    previous = RowsLog(tmp_path / "rows.jsonl", _fingerprint()).read()
    assert (previous.matched, previous.reason) == (False, None)


def test_the_fingerprint_names_what_makes_rows_comparable(tmp_path):
    mine = fingerprint("real", tmp_path, None, 0, ["jax"], "jax")
    assert mine["data_dir"] == str(tmp_path) and mine["epochs"] is None and mine["source_backend"] == "jax"
    assert mine["keras"] and mine["multikeras"]
    assert (
        fingerprint("embedded", tmp_path, 1, 42, ["torch"], "torch")["data_dir"] is None
    )  # embedded data reads no files


def test_a_finished_run_is_not_resumed(tmp_path):
    log = RowsLog(tmp_path / "rows.jsonl", _fingerprint())
    log.begin([_ok("wide_deep")])
    log.finish()
    assert log.read() == Previous()  # the same arguments again: a new run, trained afresh


def test_a_seeds_job_keys_its_rows_by_seed_too(tmp_path):
    several = {**_fingerprint(), "seeds": [42, 43]}
    assert fingerprint("embedded", None, 1, 42, ["torch", "jax"], "torch", seeds=[42, 43]) == several
    log = RowsLog(tmp_path / "rows.jsonl", several)
    log.begin()
    for seed in (42, 43):
        log.append(replace(_ok("wide_deep"), seed=seed))
    assert list(log.read().rows) == [("wide_deep", "torch", 42), ("wide_deep", "torch", 43)]
    assert len(RowsLog(log.path).ok_rows()) == 2  # what an interrupt's line counts, without the fingerprint
    assert row_key(_ok("wide_deep")) == ("wide_deep", "torch")


@pytest.mark.fault(
    "compare --seeds 3 into an --out that holds a one-seed run (or the reverse)",
    "a fresh start, with a line naming the seeds that differ",
)
def test_other_seeds_are_another_job(tmp_path):
    RowsLog(tmp_path / "rows.jsonl", _fingerprint()).begin([_ok("wide_deep")])
    previous = RowsLog(tmp_path / "rows.jsonl", {**_fingerprint(), "seeds": [42, 43, 44]}).read()
    assert not previous.matched and previous.reason.endswith("(seeds was None, now [42, 43, 44])")
    RowsLog(tmp_path / "rows.jsonl", {**_fingerprint(), "seeds": [42, 43]}).begin()
    assert RowsLog(tmp_path / "rows.jsonl", _fingerprint()).read().reason.endswith("(seeds was [42, 43], now None)")
