from pathlib import Path

from ..conftest import run_python

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sklearn_tour.py"


def test_the_sklearn_tour_runs_and_reports_every_model():
    code = f"import sys, runpy; sys.argv = ['sklearn_tour', '--quick']; runpy.run_path({str(EXAMPLE)!r}, run_name='__main__')"
    result = run_python(code, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "grid search best" in out
    for name in (
        "regression_mlp",
        "wide_deep",
        "random_forest",
        "kfold_ensemble(regression_mlp)",
        "stack(mlp, wide_deep, forest -> ridge)",
    ):
        assert f"\n{name} " in out, out
