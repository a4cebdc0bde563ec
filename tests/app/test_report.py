import json
from dataclasses import replace

import pytest

from multikeras.app import report
from multikeras.app.records import ResultRow, Status

ROWS = [
    ResultRow(
        recipe="lstm_forecaster",
        backend="torch",
        metric="mae",
        value=0.2,
        baseline=0.3,
        fit_seconds=1.5,
        predict_ms=3.0,
        status=Status.OK,
        parity_source="torch",
        parity_max_abs_diff=None,
        history={"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]},
    ),
    ResultRow(
        recipe="lstm_forecaster",
        backend="jax",
        metric="mae",
        value=0.21,
        baseline=0.3,
        fit_seconds=0.5,
        predict_ms=1.0,
        status=Status.OK,
        parity_source="torch",
        parity_max_abs_diff=3e-3,
        history={"loss": [1.0, 0.4], "val_loss": [1.2, 0.6]},
    ),
    ResultRow.not_installed("lstm_forecaster", "tensorflow"),
]


def test_table_marks_source_parity_failures_and_naive_baseline():
    table = report.format_table(ROWS)
    lines = table.splitlines()
    assert lines[0].split("|")[1].strip() == "recipe" and len(lines) == 2 + len(ROWS)
    assert "source" in lines[2] and "(naive 0.3000)" in lines[2]
    assert "FAIL >0.0001" in lines[3]
    assert "not installed" in lines[4]


def test_json_rows_lead_with_documented_keys_and_drop_history():
    rows = report.json_rows(ROWS)
    assert list(rows[0])[:7] == ["recipe", "backend", "metric", "value", "fit_seconds", "parity_max_abs_diff", "status"]
    assert all("history" not in row for row in rows)
    assert rows[2]["value"] is None and rows[2]["status"] == "not installed"
    assert rows[1]["parity_ok"] is False and rows[0]["parity_ok"] is None and rows[0]["baseline"] == 0.3


@pytest.mark.fault(
    "a recipe that failed (ValueError: bad shape)", "the table and the JSON status read 'failed: ValueError: bad shape'"
)
def test_failed_rows_show_the_reason_in_the_table_and_json():
    rows = ROWS[:2] + [ResultRow.failed("lstm_forecaster", "tensorflow", "ValueError: bad shape")]
    assert "failed: ValueError: bad shape" in report.format_table(rows).splitlines()[4]
    assert report.json_rows(rows)[2]["status"] == "failed: ValueError: bad shape"


def test_write_report_writes_table_results_and_one_png_per_recipe(tmp_path):
    written = report.write_report(ROWS, tmp_path)
    assert written["table"].read_text().startswith("| recipe")
    results = json.loads(written["results"].read_text())
    assert results == report.json_rows(ROWS)
    assert [ResultRow.from_json(r) for r in results] == [replace(r, history=None) for r in ROWS]
    assert json.loads((tmp_path / "histories.json").read_text()) == {
        "lstm_forecaster/torch": ROWS[0].history,
        "lstm_forecaster/jax": ROWS[1].history,
    }
    assert [p.name for p in written["curves"]] == ["lstm_forecaster.png"]
    assert written["curves"][0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_fastest_backend_is_named_per_recipe():
    assert report.fastest_backends(ROWS) == {"lstm_forecaster": ("jax", 0.5, 3.0)}
    assert report.format_fastest(ROWS) == (
        "fastest for lstm_forecaster: jax (0.5 s to fit; the slowest took 3.0x as long)"
    )
    flags = [row["fastest"] for row in report.json_rows(ROWS)]
    assert flags == [False, True, False]
