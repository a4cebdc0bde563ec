import io

from multikeras import progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def _feed(printer):
    printer({"event": "start", "backend": "jax", "recipe": "wide_deep"})
    printer({"event": "epoch", "backend": "jax", "recipe": "wide_deep", "epoch": 1, "epochs": 2, "loss": 0.5})
    printer({"event": "row", "row": {"backend": "jax", "recipe": "wide_deep", "status": "ok", "metric": "rmse", "value": 0.5, "fit_seconds": 1.0}})
    printer({"event": "skipped", "backend": "tensorflow", "reason": "not installed", "count": 1})


def test_off_a_terminal_only_results_and_rare_epoch_lines(monkeypatch):
    stream = io.StringIO()
    _feed(progress.ProgressPrinter(total=2, stream=stream))
    lines = stream.getvalue().splitlines()
    assert lines == [lines[0], lines[1]] and "wide_deep: rmse 0.5000, fit 1.0s" in lines[0] and "not installed" in lines[1]
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
