import io

import pytest

from multikeras.app import progress
from multikeras.app.records import Event, ResultRow, Status


class Terminal(io.StringIO):
    def isatty(self):
        return True


def _feed(printer):
    printer(Event("start", backend="jax", recipe="wide_deep"))
    printer(Event("epoch", backend="jax", recipe="wide_deep", epoch=1, epochs=2, loss=0.5))
    row = ResultRow(recipe="wide_deep", backend="jax", status=Status.OK, metric="rmse", value=0.5, fit_seconds=1.0)
    printer(Event("row", backend="jax", row=row))
    printer(Event("skipped", backend="tensorflow", reason="not installed", count=1))


def test_off_a_terminal_only_results_and_rare_epoch_lines(monkeypatch):
    stream = io.StringIO()
    _feed(progress.ProgressPrinter(total=2, stream=stream))
    lines = stream.getvalue().splitlines()
    assert (
        lines == [lines[0], lines[1]] and "wide_deep: rmse 0.5000, fit 1.0s" in lines[0] and "not installed" in lines[1]
    )
    monkeypatch.setattr(progress, "QUIET_SECONDS", 0)
    stream = io.StringIO()
    _feed(progress.ProgressPrinter(total=2, stream=stream))
    assert "epoch 1/2 loss 0.5000" in stream.getvalue()


def test_on_a_terminal_epochs_update_one_line():
    stream = Terminal()
    printer = progress.ProgressPrinter(total=2, stream=stream)
    _feed(printer)
    assert "\r\033[K" in stream.getvalue() and "epoch 1/2" in stream.getvalue()
    assert printer.done == 2


@pytest.mark.fault(
    "a recipe whose worker exited with code 1", "the progress line ends 'failed: worker exited with code 1: boom'"
)
def test_a_failed_row_prints_its_reason():
    stream = io.StringIO()
    printer = progress.ProgressPrinter(total=1, stream=stream)
    printer(
        Event("row", backend="torch", row=ResultRow.failed("wide_deep", "torch", "worker exited with code 1: boom"))
    )
    assert stream.getvalue().rstrip().endswith("torch      wide_deep: failed: worker exited with code 1: boom")
    assert printer.done == 1


def test_a_seeds_job_names_the_seed_on_each_line():
    stream = io.StringIO()
    printer = progress.ProgressPrinter(total=2, stream=stream)
    row = ResultRow(
        recipe="wide_deep", backend="jax", status=Status.OK, metric="rmse", value=0.5, fit_seconds=1.0, seed=43
    )
    printer(Event("row", backend="jax", row=row, seed=43))
    assert "jax        wide_deep seed 43: rmse 0.5000" in stream.getvalue()
