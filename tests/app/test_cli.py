import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

import psutil
import pytest

import multikeras
from multikeras.app.cli import main


def _error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_recipes_lists_all_six(capsys):
    assert main(["recipes"]) == 0
    assert len(capsys.readouterr().out.split()) == 6


@pytest.mark.fault(
    "multikeras run wide_dep (a misspelled recipe)",
    "one line, exit 1: Unknown recipe 'wide_dep'. Did you mean 'wide_deep'?",
)
def test_unknown_recipe_is_one_line_with_a_suggestion(capsys):
    assert main(["run", "wide_dep"]) == 1
    line = _error_line(capsys)
    assert line.startswith("multikeras: error: Unknown recipe 'wide_dep'. Did you mean 'wide_deep'?")


@pytest.mark.fault("--epochs 0, or --data cloud", "one line naming the flag and the allowed values, exit 2")
def test_bad_argument_is_one_line_exit_2(capsys):
    assert main(["run", "wide_deep", "--epochs", "0"]) == 2
    assert "--epochs: must be at least 1" in _error_line(capsys)
    assert main(["compare", "--data", "cloud"]) == 2
    assert "invalid choice: 'cloud'" in _error_line(capsys)


@pytest.mark.fault("compare --backends torch,thenao", "one line, exit 1: Unknown backend 'thenao'")
def test_unknown_backend_is_one_line(capsys):
    assert main(["compare", "--backends", "torch,thenao"]) == 1
    assert "Unknown backend 'thenao'" in _error_line(capsys)


def test_debug_shows_the_traceback():
    with pytest.raises(ValueError, match="Unknown recipe"):
        main(["run", "nope", "--debug"])


@pytest.mark.fault(
    "run --backend jax after Keras loaded on another backend, in one process",
    "one line: Keras cannot switch backends in a process",
)
def test_switching_backend_in_process_explains_why(backend, capsys):
    import keras  # noqa: F401

    other = "jax" if backend != "jax" else "torch"
    assert main(["run", "wide_deep", "--backend", other, "--epochs", "1"]) == 1
    assert "cannot switch backends" in _error_line(capsys)


def test_run_trains_reports_json_and_saves(backend, capsys, tmp_path):
    code = main(
        ["run", "regression_mlp", "--backend", backend, "--epochs", "1", "--json", "--save", str(tmp_path / "m")]
    )
    assert code == 0
    row = json.loads(capsys.readouterr().out)
    assert row["recipe"] == "regression_mlp" and row["backend"] == backend and row["epochs"] == 1
    assert multikeras.load_model(row["saved_to"]).input_shape == (None, 10)


@pytest.mark.fault(
    "--class-weight on a regressor, a --checkpoint name without .keras, --data real with files missing",
    "one line each, exit 1, naming the problem (not a classifier; must end in .keras; the file not found)",
)
def test_bad_run_options_are_one_line(capsys, tmp_path):
    assert main(["run", "regression_mlp", "--class-weight", "balanced", "--epochs", "1"]) == 1
    assert "this recipe is not a classifier" in _error_line(capsys)
    assert main(["run", "regression_mlp", "--checkpoint", str(tmp_path / "best.txt"), "--epochs", "1"]) == 1
    assert "must end in .keras" in _error_line(capsys)
    assert main(["run", "regression_mlp", "--data", "real", "--data-dir", str(tmp_path)]) == 1
    assert "cal_housing.data not found" in _error_line(capsys)


def test_run_stops_early_and_keeps_the_best_checkpoint(capsys, tmp_path):
    checkpoint = tmp_path / "best.weights.h5"
    assert (
        main(["run", "regression_mlp", "--epochs", "100", "--patience", "2", "--checkpoint", str(checkpoint), "--json"])
        == 0
    )
    row = json.loads(capsys.readouterr().out)
    assert row["epochs"] < 100 and checkpoint.exists()


def test_run_weights_classes_on_request(capsys):
    assert main(["run", "classifier_mlp", "--epochs", "1", "--class-weight", "balanced", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["recipe"] == "classifier_mlp"


def test_compare_end_to_end_in_a_subprocess(backend, tmp_path):
    command = [
        sys.executable,
        "-m",
        "multikeras.app.cli",
        "compare",
        "--recipes",
        "wide_deep_subclassed,lstm_forecaster",
        "--backends",
        backend,
        "--epochs",
        "1",
        "--json",
        "--out",
        str(tmp_path),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = json.loads(result.stdout)
    assert [(r["recipe"], r["backend"], r["status"]) for r in rows] == [
        ("wide_deep_subclassed", backend, "ok"),
        ("lstm_forecaster", backend, "ok"),
    ]
    assert "lstm_forecaster: mae" in result.stderr  # progress went to stderr
    assert sorted(p.name for p in (tmp_path / "curves").iterdir()) == [
        "lstm_forecaster.png",
        "wide_deep_subclassed.png",
    ]
    assert (tmp_path / "table.md").read_text().startswith("| recipe")


@pytest.mark.cross
def test_compare_table_across_three_backends(tmp_path):
    command = [
        sys.executable,
        "-m",
        "multikeras.app.cli",
        "compare",
        "--recipes",
        "classifier_mlp",
        "--epochs",
        "1",
        "--out",
        str(tmp_path),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout.strip().splitlines()
    lines = [line for line in out if line.startswith("|")]
    assert [line.split("|")[2].strip() for line in lines[2:]] == ["torch", "jax", "tensorflow"]
    assert "source" in lines[2] and lines[3].count(" ok") == 2 and lines[4].count(" ok") == 2
    assert out[-1].startswith("fastest for classifier_mlp: ")


@pytest.mark.fault(
    "an output flag (--save, --checkpoint, --plot, --tensorboard, --backup-dir, --out) under a file, or a folder for a file",
    "one line naming the flag, the path and the fix, exit 1, before any data loads; nothing created",
)
def test_unusable_output_paths_fail_before_training(capsys, tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("")
    (tmp_path / "taken.keras").mkdir()
    cases = [
        (
            ["run", "regression_mlp", "--save", str(blocker / "sub" / "m.keras")],
            f"--save '{blocker / 'sub' / 'm.keras'}' cannot be created: '{blocker}' is a file, not a folder; choose a path outside it",
        ),
        (
            ["run", "regression_mlp", "--save", str(tmp_path / "taken")],  # saved as taken.keras, which is a folder
            f"--save '{tmp_path / 'taken.keras'}' is a folder; name a file",
        ),
        (["run", "regression_mlp", "--checkpoint", str(tmp_path)], "--checkpoint"),
        (["run", "regression_mlp", "--plot", str(blocker / "curves.png")], "--plot"),
        (
            ["run", "regression_mlp", "--tensorboard", str(blocker)],
            f"--tensorboard '{blocker}' is a file, not a folder",
        ),
        (["run", "regression_mlp", "--backup-dir", str(blocker / "backup")], "--backup-dir"),
        (["compare", "--out", str(blocker)], "--out"),
        (["lr-find", "regression_mlp", "--out", str(blocker / "lr")], "--out"),
        (["search", "regression_mlp", "--out", str(blocker)], "--out"),
    ]
    for argv, expected in cases:
        assert main([*argv, "--epochs", "1000"]) == 1, argv
        captured = capsys.readouterr()
        assert captured.out == "" and len(captured.err.splitlines()) == 1, argv  # one line, and no epoch ran
        assert captured.err.startswith(f"multikeras: error: {expected}"), captured.err
    assert blocker.read_text() == "" and sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "taken.keras"]


@pytest.mark.fault(
    "compare stopped after its first row, run again with the same --out",
    "the finished row kept, only the other trained; the same results as an uninterrupted run",
)
def test_compare_resumes_after_its_first_row(backend, capsys, tmp_path):
    argv = [
        "compare",
        "--recipes",
        "regression_mlp,classifier_mlp",
        "--backends",
        backend,
        "--epochs",
        "1",
        "--out",
        str(tmp_path),
        "--json",
    ]
    assert main(argv) == 0
    whole = json.loads((tmp_path / "results.json").read_text())
    log = tmp_path / "rows.jsonl"
    log.write_text("".join(log.read_text().splitlines(keepends=True)[:2]))  # the fingerprint and one row: killed there
    capsys.readouterr()
    assert main(argv) == 0
    assert f"multikeras: resuming: 1 of 2 rows kept from {log}" in capsys.readouterr().err.splitlines()
    resumed = json.loads((tmp_path / "results.json").read_text())
    assert resumed[0] == whole[0]  # reused as it was, timings included
    retrained = {key: value for key, value in resumed[1].items() if key not in ("fit_seconds", "predict_ms", "value")}
    assert retrained == {
        key: value for key, value in whole[1].items() if key not in ("fit_seconds", "predict_ms", "value")
    }
    assert resumed[1]["value"] == pytest.approx(whole[1]["value"], rel=1e-5)  # the same seed, the same result


def _read_until(fd, needle, timeout):
    """What ``fd`` yields until ``needle`` shows (or the other end closes, or ``timeout`` seconds pass)."""
    text, deadline = "", time.monotonic() + timeout
    while (needle is None or needle not in text) and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.5)[0]:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: every writer closed the terminal
                chunk = b""
            if not chunk:
                break
            text += chunk.decode(errors="replace")
    return text


def _interrupt(args, needle, send):
    """Run the CLI as a terminal runs it, wait for ``needle``, ``send(pid)`` a signal.

    Returns the exit code, the output (stdout and stderr share a pseudo-terminal, so progress
    is live) and the command lines of the processes it had started.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        pytest.skip("SIGINT is ignored here, so the CLI would inherit that and ignore Ctrl-C")
    terminal, child_end = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "multikeras.app.cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=child_end,
        stderr=child_end,
        start_new_session=True,
    )  # its own group, as a shell job
    os.close(child_end)
    try:
        output = _read_until(terminal, needle, timeout=180)
        assert needle in output, output[-3000:]
        children = {child: " ".join(child.cmdline()) for child in psutil.Process(process.pid).children(recursive=True)}
        send(process.pid)
        output += _read_until(terminal, None, timeout=20)  # read on: a full terminal buffer would block its last writes
        code = process.wait(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(terminal)
    left = [line for child, line in children.items() if child.is_running() and child.status() != psutil.STATUS_ZOMBIE]
    assert left == [], left
    return code, output, list(children.values())


def _interrupted_lines(output):
    assert "Traceback" not in output, output[-3000:]
    return [line.replace("\x1b[K", "") for line in re.split(r"[\r\n]+", output) if "interrupted" in line]


@pytest.mark.fault(
    "Ctrl-C (SIGINT to the terminal's process group) during compare",
    "exit 130, one line with the rows kept and how to resume; the worker stops quietly, no process left",
)
def test_ctrl_c_stops_compare_and_its_worker(backend, tmp_path):
    args = ["compare", "--recipes", "regression_mlp", "--backends", backend, "--epochs", "5000", "--out", str(tmp_path)]
    code, output, children = _interrupt(
        args, "epoch 1/", lambda pid: os.killpg(pid, signal.SIGINT)
    )  # a terminal's Ctrl-C
    assert code == 130 and any("multikeras.app.worker" in line for line in children)
    assert _interrupted_lines(output) == [
        f"multikeras: interrupted by SIGINT; 0 finished row(s) kept in {tmp_path / 'rows.jsonl'}; "
        f"run it again with --out {tmp_path} to train only the rest"
    ]
    assert (
        "interrupted by SIGTERM; stopping" in (tmp_path / "logs" / f"{backend}.log").read_text()
    )  # the worker stopped quietly


@pytest.mark.fault(
    "SIGTERM during multikeras run --checkpoint", "exit 143, one line naming the checkpoint kept; the checkpoint loads"
)
def test_sigterm_stops_run_and_keeps_its_checkpoint(backend, tmp_path):
    checkpoint = tmp_path / "best.keras"
    args = ["run", "regression_mlp", "--backend", backend, "--epochs", "5000", "--checkpoint", str(checkpoint)]
    code, output, _ = _interrupt(args, "Epoch 2/", lambda pid: os.kill(pid, signal.SIGTERM))
    assert code == 143
    assert _interrupted_lines(output) == [
        f"multikeras: interrupted by SIGTERM; kept the best model so far in {checkpoint}"
    ]
    assert multikeras.load_model(checkpoint).input_shape == (None, 10)


@pytest.mark.fault("--seeds 0 on compare or run", "one line naming --seeds and its minimum, exit 2")
def test_seeds_must_be_at_least_one(capsys):
    for command in (["compare"], ["run", "regression_mlp"]):
        assert main([*command, "--seeds", "0"]) == 2
        assert "argument --seeds: must be at least 1, got 0" in _error_line(capsys)


@pytest.mark.fault(
    "run --seeds 2 with --save, --checkpoint, --backup-dir, --tensorboard or --ratio",
    "one line naming the flag and the fix (drop it or use --seeds 1), exit 2, before anything trains",
)
def test_run_over_seeds_refuses_flags_for_one_model(capsys, tmp_path):
    for flag in (
        ["--save", str(tmp_path / "m.keras")],
        ["--checkpoint", str(tmp_path / "b.keras")],
        ["--backup-dir", str(tmp_path / "b")],
        ["--tensorboard", str(tmp_path / "tb")],
        ["--ratio"],
    ):
        assert main(["run", "regression_mlp", "--seeds", "2", *flag]) == 2
        assert _error_line(capsys).startswith(
            f"multikeras: error: {flag[0]} is for one model, but --seeds 2 trains 2 models; drop {flag[0]} or use --seeds 1"
        )
    assert list(tmp_path.iterdir()) == []


def test_compare_over_two_seeds_writes_each_seeds_value_and_the_interval(backend, capsys, tmp_path):
    argv = [
        "compare",
        "--seeds",
        "2",
        "--epochs",
        "1",
        "--recipes",
        "regression_mlp",
        "--backends",
        backend,
        "--out",
        str(tmp_path),
    ]
    assert main([*argv, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["seeds"] == [42, 43] and [(r["seed"], r["status"]) for r in report["rows"]] == [
        (42, "ok"),
        (43, "ok"),
    ]
    (summary,) = report["summary"]
    assert summary["value"]["per_seed"] == [r["value"] for r in report["rows"]] and summary["value"]["n"] == 2
    low, high = summary["value"]["interval"]
    assert low < summary["value"]["mean"] < high and summary["fit_seconds"]["per_seed"] == [
        r["fit_seconds"] for r in report["rows"]
    ]
    assert report["verdicts"] == []  # one backend: nothing to compare
    assert json.loads((tmp_path / "results.json").read_text()) == report
    table = (tmp_path / "table.md").read_text().splitlines()
    assert table[0].startswith("| recipe") and "95% interval" in table[0] and f"[{low:.4f}, {high:.4f}]" in table[2]
    assert [p.name for p in (tmp_path / "seeds").iterdir()] == ["regression_mlp.png"]
    assert [p.name for p in (tmp_path / "curves").iterdir()] == ["regression_mlp.png"]


def test_run_over_two_seeds_prints_each_and_the_summary(backend, capsys, tmp_path):
    argv = ["run", "regression_mlp", "--backend", backend, "--seeds", "2", "--seed", "7", "--epochs", "1"]
    assert main([*argv, "--batch-size", "64", "--plot", str(tmp_path / "curves.png")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines[:2]] == [f"regression_mlp on {backend}, seed {s}" for s in (7, 8)]
    assert lines[2].startswith(f"regression_mlp on {backend}, embedded data, over 2 of 2 seeds: rmse mean ")
    assert "95% interval [" in lines[2] and (tmp_path / "curves.png").exists()
    assert main([*argv, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [r["seed"] for r in report["rows"]] == [7, 8] and report["summary"][0]["value"]["n"] == 2


@pytest.mark.cross
def test_compare_over_seeds_on_two_backends_prints_the_verdicts(tmp_path):
    command = [
        sys.executable,
        "-m",
        "multikeras.app.cli",
        "compare",
        "--seeds",
        "2",
        "--epochs",
        "1",
        "--recipes",
        "regression_mlp",
        "--backends",
        "torch,jax",
        "--out",
        str(tmp_path),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout.strip().splitlines()
    assert [line.split("|")[2].strip() for line in out[2:4]] == ["torch", "jax"]
    verdict = r"torch vs jax (differ|within seed noise) \(p = [0-9.e-]+(, (torch|jax) (lower|faster))?\)"
    assert re.fullmatch(f"regression_mlp rmse: {verdict}", out[-2]), out[-2]
    assert re.fullmatch(f"regression_mlp fit time: {verdict}", out[-1]), out[-1]
    assert not any(line.startswith("fastest for") for line in out)


@pytest.mark.cross
def test_compare_over_three_seeds_on_three_backends_reports_values_intervals_and_verdicts(tmp_path):
    """The issue's acceptance: per-seed values, intervals and the significance verdicts, in CI's cross env."""
    command = [
        sys.executable,
        "-m",
        "multikeras.app.cli",
        "compare",
        "--seeds",
        "3",
        "--epochs",
        "1",
        "--recipes",
        "regression_mlp,wide_deep",
        "--json",
        "--out",
        str(tmp_path),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["seeds"] == [42, 43, 44] and len(report["rows"]) == 2 * 3 * 3
    assert all(r["status"] == "ok" for r in report["rows"])
    assert [(s["recipe"], s["backend"]) for s in report["summary"]] == [
        (recipe, b) for recipe in ("regression_mlp", "wide_deep") for b in ("torch", "jax", "tensorflow")
    ]
    for summary in report["summary"]:
        for quantity in ("value", "fit_seconds"):
            stats = summary[quantity]
            assert len(stats["per_seed"]) == 3 and stats["interval"][0] <= stats["mean"] <= stats["interval"][1]
        assert summary["parity_ok"] in (None, True)  # the first seed's parity
    assert len(report["verdicts"]) == 2 * 3 * 2  # per recipe: 3 pairs of backends, on the metric and on fit time
    for verdict in report["verdicts"]:
        assert 0 <= verdict["p_value"] <= 1 and verdict["verdict"] == (
            "differ" if verdict["p_value"] < 0.05 else "within seed noise"
        )
    assert sorted(p.name for p in (tmp_path / "seeds").iterdir()) == ["regression_mlp.png", "wide_deep.png"]
    assert report["book"] == []  # embedded data: the book's figures hold for --data real only
