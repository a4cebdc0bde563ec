import json
import subprocess
import sys

import pytest

import multikeras
from multikeras.cli import main


def _error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_recipes_lists_all_six(capsys):
    assert main(["recipes"]) == 0
    assert len(capsys.readouterr().out.split()) == 6


def test_unknown_recipe_is_one_line_with_a_suggestion(capsys):
    assert main(["run", "wide_dep"]) == 1
    line = _error_line(capsys)
    assert line.startswith("multikeras: error: Unknown recipe 'wide_dep'. Did you mean 'wide_deep'?")


def test_bad_argument_is_one_line_exit_2(capsys):
    assert main(["run", "wide_deep", "--epochs", "0"]) == 2
    assert "--epochs: must be at least 1" in _error_line(capsys)
    assert main(["compare", "--data", "cloud"]) == 2
    assert "invalid choice: 'cloud'" in _error_line(capsys)


def test_unknown_backend_is_one_line(capsys):
    assert main(["compare", "--backends", "torch,thenao"]) == 1
    assert "Unknown backend 'thenao'" in _error_line(capsys)


def test_debug_shows_the_traceback():
    with pytest.raises(ValueError, match="Unknown recipe"):
        main(["run", "nope", "--debug"])


def test_switching_backend_in_process_explains_why(backend, capsys):
    import keras  # noqa: F401

    other = "jax" if backend != "jax" else "torch"
    assert main(["run", "wide_deep", "--backend", other, "--epochs", "1"]) == 1
    assert "cannot switch backends" in _error_line(capsys)


def test_run_trains_reports_json_and_saves(backend, capsys, tmp_path):
    code = main(["run", "regression_mlp", "--backend", backend, "--epochs", "1", "--json", "--save", str(tmp_path / "m")])
    assert code == 0
    row = json.loads(capsys.readouterr().out)
    assert row["recipe"] == "regression_mlp" and row["backend"] == backend and row["epochs"] == 1
    assert multikeras.load_model(row["saved_to"]).input_shape == (None, 10)


def test_bad_run_options_are_one_line(capsys, tmp_path):
    assert main(["run", "regression_mlp", "--class-weight", "balanced", "--epochs", "1"]) == 1
    assert "this recipe is not a classifier" in _error_line(capsys)
    assert main(["run", "regression_mlp", "--checkpoint", str(tmp_path / "best.txt"), "--epochs", "1"]) == 1
    assert "must end in .keras" in _error_line(capsys)
    assert main(["run", "regression_mlp", "--data", "real", "--data-dir", str(tmp_path)]) == 1
    assert "cal_housing.data not found" in _error_line(capsys)


def test_run_stops_early_and_keeps_the_best_checkpoint(capsys, tmp_path):
    checkpoint = tmp_path / "best.weights.h5"
    assert main(["run", "regression_mlp", "--epochs", "100", "--patience", "2", "--checkpoint", str(checkpoint), "--json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["epochs"] < 100 and checkpoint.exists()


def test_run_weights_classes_on_request(capsys):
    assert main(["run", "classifier_mlp", "--epochs", "1", "--class-weight", "balanced", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["recipe"] == "classifier_mlp"


def test_compare_end_to_end_in_a_subprocess(backend, tmp_path):
    command = [sys.executable, "-m", "multikeras.cli", "compare", "--recipes", "wide_deep_subclassed,lstm_forecaster",
               "--backends", backend, "--epochs", "1", "--json", "--out", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = json.loads(result.stdout)
    assert [(r["recipe"], r["backend"], r["status"]) for r in rows] == [
        ("wide_deep_subclassed", backend, "ok"), ("lstm_forecaster", backend, "ok")]
    assert "lstm_forecaster: mae" in result.stderr  # progress went to stderr
    assert sorted(p.name for p in (tmp_path / "curves").iterdir()) == ["lstm_forecaster.png", "wide_deep_subclassed.png"]
    assert (tmp_path / "table.md").read_text().startswith("| recipe")


@pytest.mark.cross
def test_compare_table_across_three_backends(tmp_path):
    command = [sys.executable, "-m", "multikeras.cli", "compare", "--recipes", "classifier_mlp", "--epochs", "1", "--out", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout.strip().splitlines()
    lines = [line for line in out if line.startswith("|")]
    assert [line.split("|")[2].strip() for line in lines[2:]] == ["torch", "jax", "tensorflow"]
    assert "source" in lines[2] and lines[3].count(" ok") == 2 and lines[4].count(" ok") == 2
    assert out[-1].startswith("fastest for classifier_mlp: ")
