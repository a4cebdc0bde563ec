from pathlib import Path

from ..conftest import run_python

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "class_weight.py"


def test_the_class_weight_example_reports_recall_both_ways():
    code = f"import sys, runpy; sys.argv = ['class_weight', '--quick']; runpy.run_path({str(EXAMPLE)!r}, run_name='__main__')"
    result = run_python(code, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [line.split() for line in result.stdout.splitlines() if line[:5].strip().isdigit()]
    assert [row[0].rstrip("*") for row in rows] == [str(label) for label in range(10)]
    assert "rare classes (*), mean recall: plain" in result.stdout
