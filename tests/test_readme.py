"""The README's commands run as printed: every command line parses, the quick examples run."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

from .conftest import run_python

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _blocks(language):
    return re.findall(rf"^```{language}\n(.*?)^```", README, flags=re.S | re.M)


def _command_lines():
    """Each shell line of the README, continuations joined, comments and env assignments dropped."""
    text = "\n".join(_blocks("bash")).replace("\\\n", " ")
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
            words = words[1:]
        if words:
            yield words


def test_the_readme_has_the_commands_this_test_reads():
    programs = {words[0] for words in _command_lines()}
    assert {"make", "multikeras", "python"} <= programs, programs
    assert len(_blocks("python")) >= 3


def test_every_multikeras_command_in_the_readme_parses():
    from multikeras.app.cli import build_parser

    commands = [words[1:] for words in _command_lines() if words[0] == "multikeras"]
    assert len(commands) >= 10
    for argv in commands:
        build_parser().parse_args(argv)  # argparse exits (SystemExit) on an unknown flag or bad value


def test_every_make_target_and_script_in_the_readme_exists():
    targets = set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), flags=re.M))
    for words in _command_lines():
        if words[0] == "make":
            assert set(words[1:]) <= targets, words
        elif words[0] == "python":
            assert (ROOT / words[1]).is_file(), words
        elif words[0] == "source":
            assert words[1] == ".venv/bin/activate"  # made by `make install`
        else:
            assert words[0] == "multikeras", f"a README command this test does not know: {words}"


def test_the_quickstart_and_callbacks_examples_run(tmp_path):
    """The first Python block (embedded data, the book's 20 epochs) and the callbacks one, which continues it."""
    quickstart, _, callbacks = _blocks("python")[:3]
    assert "from multikeras.callbacks import" in callbacks
    result = run_python(quickstart + "\n" + callbacks, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"^rmse \d", result.stdout, flags=re.M), result.stdout[-2000:]
    assert (tmp_path / "wide_deep.keras").is_file() and any((tmp_path / "runs" / "tb").iterdir())


def test_the_grid_search_example_runs(tmp_path):
    grid = _blocks("python")[1]
    assert "GridSearchCV" in grid
    result = run_python(grid, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "'model__n_hidden'" in result.stdout


def test_multikeras_recipes_runs_as_printed(tmp_path):
    listing = subprocess.run(
        [sys.executable, "-m", "multikeras.app.cli", "recipes"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listing.returncode == 0, listing.stderr[-2000:]
    assert "wide_deep" in listing.stdout and "lstm_forecaster" in listing.stdout
