import json
from dataclasses import replace

import pytest

from multikeras import plots
from multikeras.app import seed_report
from multikeras.app.records import ResultRow, Status

SEEDS = (42, 43, 44)


def _rows(backend, values, fits, parity=None, source="torch", **extra):
    return [
        ResultRow(
            recipe="regression_mlp",
            backend=backend,
            metric="rmse",
            value=value,
            fit_seconds=fit,
            seed=seed,
            status=Status.OK,
            parity_source=source if seed == SEEDS[0] else None,
            parity_max_abs_diff=parity if seed == SEEDS[0] else None,
            history={"loss": [1.0, value]},
            **extra,
        )
        for seed, value, fit in zip(SEEDS, values, fits)
    ]


ROWS = (
    _rows("torch", [0.50, 0.52, 0.51], [1.0, 1.1, 1.2])
    + _rows("jax", [0.51, 0.50, 0.52], [0.5, 0.55, 0.6], parity=2e-6)
    + [ResultRow.not_installed("regression_mlp", "tensorflow", seed=seed) for seed in SEEDS]
)


def test_the_table_shows_mean_sd_and_interval_of_metric_and_fit_time():
    header, rule, torch, jax, tensorflow = seed_report.format_table(ROWS).splitlines()
    cells = lambda line: [cell.strip() for cell in line.split("|")[1:-1]]  # noqa: E731
    assert cells(header) == list(seed_report.COLUMNS)
    # sd 0.01 over 3 seeds: the interval is 0.51 ± 4.3027 * 0.01 / sqrt(3) = 0.51 ± 0.0248
    assert cells(torch) == [
        "regression_mlp",
        "torch",
        "rmse",
        "3/3",
        "0.5100",
        "0.0100",
        "[0.4852, 0.5348]",
        "1.10",
        "0.10",
        "[0.85, 1.35]",
        "source",
        "ok",
    ]
    assert cells(jax)[4:7] == ["0.5100", "0.0100", "[0.4852, 0.5348]"] and cells(jax)[10] == "2.0e-06 ok"
    assert cells(tensorflow)[3:] == ["0/3", "–", "–", "–", "–", "–", "–", "–", "not installed"]


def test_verdicts_per_pair_of_backends_on_metric_and_fit_time():
    # The same rmse values in another order: p = 1. Fit times 1.1 s and 0.55 s, variances 0.01 and
    # 0.0025: Welch's t = 0.55 / sqrt(0.01/3 + 0.0025/3) = 8.52 on 2.94 degrees of freedom.
    assert seed_report.format_verdicts(ROWS).splitlines() == [
        "regression_mlp rmse: torch vs jax within seed noise (p = 1)",
        "regression_mlp fit time: torch vs jax differ (p = 0.0037, jax faster)",
    ]
    (recipe, on_metric), (_, on_fit) = seed_report.verdicts(ROWS)
    assert recipe == "regression_mlp" and on_metric.quantity == "rmse" and on_fit.quantity == "fit_seconds"
    assert seed_report.format_verdicts(ROWS[:3] + ROWS[6:]) == ""  # one backend with results: nothing to compare


def test_json_has_every_seeds_row_the_summaries_and_the_verdicts():
    report = seed_report.json_report(ROWS)
    assert report["seeds"] == list(SEEDS) and len(report["rows"]) == 9
    assert [row["seed"] for row in report["rows"][:3]] == list(SEEDS) and "history" not in report["rows"][0]
    torch = report["summary"][0]
    assert torch["seeds"] == list(SEEDS) and torch["value"]["per_seed"] == [0.50, 0.52, 0.51]
    assert torch["value"]["interval"] == [pytest.approx(0.4852, abs=1e-4), pytest.approx(0.5348, abs=1e-4)]
    assert torch["fit_seconds"]["per_seed"] == [1.0, 1.1, 1.2] and torch["fit_seconds"]["mean"] == pytest.approx(1.1)
    assert report["summary"][2]["value"] is None and report["summary"][2]["status"] == "not installed"
    assert [(v["recipe"], v["quantity"], v["verdict"]) for v in report["verdicts"]] == [
        ("regression_mlp", "rmse", "within seed noise"),
        ("regression_mlp", "fit_seconds", "differ"),
    ]
    assert json.loads(json.dumps(report)) == report


@pytest.mark.fault(
    "compare --seeds 3 where one seed's run failed",
    "the recipe's status reads '2 of 3 ok; seed 43: failed: ...'; the summary covers the seeds that finished",
)
def test_a_failed_seed_is_named_and_left_out_of_the_summary():
    rows = list(ROWS)
    rows[1] = ResultRow.failed("regression_mlp", "torch", "ValueError: boom", seed=43)
    (torch, *_) = seed_report.groups(rows)
    assert torch.status == "2 of 3 ok; seed 43: failed: ValueError: boom"
    assert torch.value.values == (0.50, 0.51) and torch.to_json()["seeds"] == [42, 44]


def test_write_report_files_and_the_books_line_for_real_data(tmp_path, monkeypatch):
    drawn = []
    monkeypatch.setattr(
        plots,
        "seed_strip",
        lambda values, path, metric, title, reference, intervals: drawn.append((values, reference, intervals)) or path,
    )
    written = seed_report.write_report(ROWS, tmp_path)
    assert written["table"].read_text().splitlines()[-1].startswith("regression_mlp fit time: torch vs jax differ")
    assert json.loads(written["results"].read_text()) == seed_report.json_report(ROWS)
    assert sorted(json.loads((tmp_path / "histories.json").read_text())) == sorted(
        f"regression_mlp/{b}/{s}" for b in ("torch", "jax") for s in SEEDS
    )
    assert [p.name for p in written["curves"]] == ["regression_mlp.png"] and written["seeds"] == [
        tmp_path / "seeds" / "regression_mlp.png"
    ]
    ((values, book, intervals),) = drawn
    assert (
        values == {"torch": (0.50, 0.52, 0.51), "jax": (0.51, 0.50, 0.52)} and book is None
    )  # embedded data: no book line
    assert intervals["torch"] == (pytest.approx(0.4852, abs=1e-4), pytest.approx(0.5348, abs=1e-4))
    real = [replace(row, book_result=0.5297) if row.ok else row for row in ROWS]
    seed_report.plot_seeds(real, tmp_path / "seeds")
    assert drawn[-1][1] == 0.5297


def test_on_the_real_data_a_line_says_which_backends_reproduce_the_book():
    assert seed_report.book_checks(ROWS) == []  # embedded data carries no book figure
    # rmse over seeds: mean 0.51 on both, interval [0.4852, 0.5348]; tensorflow has no results.
    for book, verdict in [
        (0.5297, "reproduces it (mean 0.5100 is better, interval [0.4852, 0.5348])"),
        (0.4900, "reproduces it (inside the interval [0.4852, 0.5348])"),
        (0.4800, "falls short (mean 0.5100, interval [0.4852, 0.5348])"),
    ]:
        real = [replace(row, book_result=book) if row.ok else row for row in ROWS]
        assert seed_report.format_verdicts(real).splitlines()[-1] == (
            f"regression_mlp against the book's {book:g}: torch {verdict}; jax {verdict}"
        )
        checks = seed_report.json_report(real)["book"]
        assert [(c["recipe"], c["backend"], c["reference"]) for c in checks] == [
            ("regression_mlp", b, book) for b in ("torch", "jax")
        ]
    assert [c["reproduces"] for c in checks] == [False, False]
    # A second recipe's lines follow the first's: each recipe's verdicts and book line stay together.
    other = [replace(row, recipe="wide_deep") for row in real]
    heads = [line.split(":")[0] for line in seed_report.format_verdicts(real + other).splitlines()]
    assert heads == [
        f"{recipe} {what}"
        for recipe in ("regression_mlp", "wide_deep")
        for what in ("rmse", "fit time", "against the book's 0.48")
    ]
