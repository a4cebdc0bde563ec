"""Smoke runs only: speed is measured by `make bench`, never asserted here."""

import json

from .conftest import run_python


def smoke_run(module, backend, tmp_path) -> dict:
    """Run ``benchmarks.<module> --quick`` on ``backend`` in a fresh process, results in ``tmp_path``."""
    code = (
        f"import benchmarks.{module} as b\n"
        f"b.RESULTS = __import__('pathlib').Path({str(tmp_path)!r})\n"
        f"b.main(['--quick', '--backends', {backend!r}])"
    )
    result = run_python(code, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads((tmp_path / f"{module}_quick.json").read_text())


def test_search_scaling_smoke_run_writes_results(backend, tmp_path):
    data = smoke_run("search_scaling", backend, tmp_path)
    assert data["quick"] is True and data["results"][0]["status"] == "ok"
    assert data["results"][0]["seconds_n_jobs_2"] > 0
    assert "| backend |" in (tmp_path / "search_scaling_quick.md").read_text()


def test_peak_memory_smoke_run_writes_results(backend, tmp_path):
    data = smoke_run("peak_memory", backend, tmp_path)
    assert data["data"] == "embedded" and data["rows"] == 6 and data["peak_rss_mb"] > 50


def test_suite_smoke_run_measures_recipes_natives_and_imports(backend, tmp_path):
    data = smoke_run("suite", backend, tmp_path)
    rows = [r for r in data["results"] if r["status"] == "ok"]
    keras_rows = [r for r in rows if "loop" not in r]
    assert {r["recipe"] for r in keras_rows} == {"classifier_mlp", "lstm_forecaster"}
    assert all(
        r["samples_per_second"] > 0 and r["predict_ms_batch_32"] > 0 and r["peak_rss_mb"] > 50 for r in keras_rows
    )
    natives = [r for r in rows if "loop" in r]
    assert (
        len(natives) == {"torch": 4, "jax": 4, "tensorflow": 0}[backend]
    )  # 2 recipes x (1 and 2 threads | jit and scan)
    assert all(0 <= r["value"] for r in natives)
    assert data["imports"][0]["status"] == "ok" and data["imports"][0]["tensorflow_loaded_by_multikeras"] == (
        backend == "tensorflow"
    )
    assert (tmp_path / "suite_quick.png").stat().st_size > 0


def test_torch_engine_benchmark_smoke_run_compares_engine_keras_and_native(backend, tmp_path):
    import pytest

    if backend != "torch":
        pytest.skip("the torch engine benchmark runs on torch only")
    code = f"import benchmarks.torch_engine as b; b.main(['--quick', '--recipes', 'classifier_mlp', '--out', {str(tmp_path)!r}])"
    result = run_python(code, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    row = json.loads((tmp_path / "torch_engine_quick.json").read_text())["rows"][0]
    assert row["recipe"] == "classifier_mlp" and row["fit_vs_native"] > 0 and row["predict_vs_native"] > 0
    assert row["engine_busy_vs_quiet"] > 0 and "| classifier_mlp |" in (tmp_path / "torch_engine_quick.md").read_text()


def test_sparse_memory_smoke_run_measures_both_pipelines(backend, tmp_path):
    data = smoke_run("sparse_memory", backend, tmp_path)
    assert [r["X"] for r in data["results"]] == ["dense", "sparse"] and data["results"][0]["samples"] == 2000
    assert all(r["peak_rss_mb"] > 50 and r["seconds"] > 0 for r in data["results"])
