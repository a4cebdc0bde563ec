"""
Title: Grid-search scaling, n_jobs=1 against n_jobs=2
Run: python -m benchmarks.search_scaling [--backend torch] [--repeats 3] [--quick]

## Introduction
A GridSearchCV over the regression recipe on California housing (embedded diabetes with
--quick), timed with one worker and with two. On two cores, two workers should approach 2x:
each joblib worker gets OMP_NUM_THREADS=cores/2, which multikeras passes on to XLA and
TensorFlow. Every figure is the median of the repeats; the ratio is computed inside one run.
Each backend runs in its own process (Keras fixes its backend per process). JAX's persistent
compilation cache is on, as for users, and emptied before every timed search.
"""

## Setup
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from . import results_io

RESULTS = results_io.RESULTS

GRID = {"model__n_neurons": [16, 32, 64, 128], "model__n_hidden": [1, 2]}
CV = 3
EPOCHS = 3
ROWS = 6000
QUICK = {"rows": 200, "epochs": 1, "repeats": 1, "grid": {"model__n_neurons": [8, 16]}, "cv": 2}


def measure(rows, epochs, repeats, quick=False):
    """Runs in the backend's own process; returns seconds per n_jobs setting."""
    grid, cv = (QUICK["grid"], QUICK["cv"]) if quick else (GRID, CV)
    from sklearn.model_selection import GridSearchCV

    import multikeras
    from multikeras.recipes import regression_mlp
    from multikeras.sklearn import recipe_estimator

    source = "real" if os.environ.get("MULTIKERAS_DATA_DIR") and rows > QUICK["rows"] else "embedded"
    (X, y), _, _ = regression_mlp.load_data(source)
    X, y = X[:rows], y[:rows]
    seconds = {}
    for n_jobs in (1, 2):
        times = []
        for _ in range(repeats + 1):  # the first run warms up the worker pool and is dropped
            _empty(os.environ.get("JAX_COMPILATION_CACHE_DIR"))
            search = GridSearchCV(
                recipe_estimator("regression_mlp", epochs=epochs, random_state=0), grid, cv=cv, n_jobs=n_jobs
            )
            start = time.perf_counter()
            search.fit(X, y)
            times.append(time.perf_counter() - start)
        seconds[n_jobs] = statistics.median(times[1:])
    return {
        "backend": multikeras.active_backend(),
        "data": source,
        "rows": len(X),
        "fits": len(search.cv_results_["params"]) * cv,
        "seconds_n_jobs_1": seconds[1],
        "seconds_n_jobs_2": seconds[2],
        "speedup": seconds[1] / seconds[2],
    }


def _empty(directory):
    """Every timed search starts from an empty JAX cache, as a user's first search does."""
    if directory and os.path.isdir(directory):
        for entry in os.listdir(directory):
            path = os.path.join(directory, entry)
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)


def run_backend(backend, rows, epochs, repeats, quick):
    # JAX's persistent cache as users have it, in a directory of its own that each timed search
    # starts empty: otherwise the dropped warm-up run would fill it, and the timed repeats would
    # measure a rerun (4.5 s / 2.6 s on JAX here) instead of a search.
    with tempfile.TemporaryDirectory(prefix="multikeras-bench-jax-") as cache:
        env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2", MULTIKERAS_JAX_CACHE=cache)
        env.pop("JAX_COMPILATION_CACHE_DIR", None)
        code = f"import json, benchmarks.search_scaling as b; print(json.dumps(b.measure({rows}, {epochs}, {repeats}, {quick})))"
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        return {"backend": backend, "status": f"failed: {result.stderr.strip().splitlines()[-1]}"}
    return {**json.loads(result.stdout.strip().splitlines()[-1]), "status": "ok"}


def main(argv=None):
    parser = argparse.ArgumentParser(description="GridSearchCV with n_jobs=1 vs 2, per backend")
    parser.add_argument("--backends", default="torch,jax,tensorflow")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    rows, epochs, repeats = (
        (QUICK["rows"], QUICK["epochs"], QUICK["repeats"]) if args.quick else (ROWS, EPOCHS, args.repeats)
    )
    results = []
    for backend in args.backends.split(","):
        row = run_backend(backend, rows, epochs, repeats, args.quick)
        results.append(row)
        if row["status"] == "ok":
            print(
                f"{backend:<10} n_jobs=1 {row['seconds_n_jobs_1']:6.1f}s  n_jobs=2 {row['seconds_n_jobs_2']:6.1f}s  speed-up {row['speedup']:.2f}x",
                flush=True,
            )
        else:
            print(f"{backend:<10} {row['status']}", flush=True)
    write(results, quick=args.quick)
    return results


def write(results, quick):
    """benchmarks/results/search_scaling.{json,md}, stamped with the date and the machine."""
    stamp = results_io.stamp(quick)
    fits = results[0].get("fits", "?")
    lines = [
        f"GridSearchCV, {fits} fits per search, {stamp['date']}, {stamp['machine']}",
        "",
        "| backend | data | rows | n_jobs=1 s | n_jobs=2 s | speed-up |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        if r["status"] == "ok":
            lines.append(
                f"| {r['backend']} | {r['data']} | {r['rows']} | {r['seconds_n_jobs_1']:.1f} | {r['seconds_n_jobs_2']:.1f} | {r['speedup']:.2f}x |"
            )
        else:
            lines.append(f"| {r['backend']} | | | | | {r['status']} |")
    results_io.write("search_scaling", {**stamp, "results": results}, lines, RESULTS)


if __name__ == "__main__":
    main()
