"""
Title: The benchmark suite: every recipe on every backend, against hand-written loops
Run: python -m benchmarks.suite [--backends torch,jax,tensorflow] [--recipes all] [--epochs 3] [--repeats 3] [--quick]

## Introduction
For each recipe and backend, in a process of its own: training throughput (samples per
second, median over the timed epochs after one warm-up epoch; with --repeats, the run with
the median time among that many fresh processes), predict latency (one batch of 32, median
of 30 calls), the process's peak RSS, and the recipe's test metric. Training goes
through `multikeras.fit`, the path users take. Beside them: hand-written torch (1 and 2
threads) and JAX loops for the classifier MLP and the LSTM (`benchmarks/native.py`), and the
import time of `keras` against `multikeras` + `keras` in fresh interpreters. Ratios are taken
inside one run. Data: the published sets when MULTIKERAS_DATA_DIR has them (the classifier
on the first 20,000 Fashion-MNIST images, as in the issue's table), else the embedded ones.
Results: benchmarks/results/suite.{json,md,png}.
"""

## Setup
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from . import results_io
from .peak_rss import own_peak_mb

RESULTS = results_io.RESULTS
BATCH = 32
CLASSIFIER_ROWS = 20_000
LATENCY_CALLS = 30
IMPORT_REPEATS = 3
QUICK = {"recipes": ["classifier_mlp", "lstm_forecaster"], "epochs": 1, "rows": 512}
NATIVE = {"classifier_mlp": "mlp", "lstm_forecaster": "lstm"}


## Measure one recipe on the active backend (runs in the backend's own process)
def _data(recipe, source, rows):
    (X, y), valid, (X_test, y_test) = recipe.load_data(source)
    if recipe.NAME == "classifier_mlp":
        X, y = X[:rows], y[:rows]
    elif rows < CLASSIFIER_ROWS:  # --quick
        import keras

        X, y = keras.tree.map_structure(lambda a: a[:rows], (X, y))
    return X, y, valid, X_test, y_test


def measure_recipe(name, source, epochs, rows):
    import keras

    import multikeras
    from multikeras import registry
    from multikeras.timing import median_seconds

    recipe = registry.get(name)
    multikeras.set_seed(0)
    X, y, _, X_test, y_test = _data(recipe, source, rows)
    model = recipe.build_model(**recipe.data_hparams(X))
    durations = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            durations.append(time.perf_counter() - self.start)

    multikeras.fit(model, X, y, epochs=1 + epochs, batch_size=BATCH, callbacks=[EpochTimer()], verbose=0)
    seconds = statistics.median(durations[1:])
    n = len(keras.tree.flatten(y)[0])
    batch = keras.tree.map_structure(lambda a: a[:BATCH], X_test)
    with multikeras.predicting.faster_predict(model):
        latency, _ = median_seconds(lambda: model.predict_on_batch(batch), LATENCY_CALLS)
    return {
        "recipe": name,
        "backend": multikeras.active_backend(),
        "data": source,
        "n_train": n,
        "seconds_per_epoch": seconds,
        "samples_per_second": n / seconds,
        "predict_ms_batch_32": 1000 * latency,
        "metric": recipe.METRIC,
        "value": float(recipe.score(y_test, multikeras.predict(model, X_test, verbose=0))),
        "peak_rss_mb": own_peak_mb(),
    }


def measure_native(name, source, epochs, rows):
    """The hand-written loops for this recipe on the active backend (torch: 1 and 2 threads)."""
    import multikeras
    from multikeras import registry

    from . import native

    recipe = registry.get(name)
    X, y, _, X_test, y_test = _data(recipe, source, rows)
    backend = multikeras.active_backend()
    kind = NATIVE[name]
    runs = []
    if backend == "torch":
        for threads in (1, 2):
            result = getattr(native, f"torch_{kind}")(X, y, X_test, y_test, epochs, BATCH, threads=threads)
            runs.append({**result, "loop": f"native torch, {threads} thread{'s' * (threads > 1)}"})
    elif backend == "jax":
        runs.append({**getattr(native, f"jax_{kind}")(X, y, X_test, y_test, epochs, BATCH), "loop": "native JAX (jit)"})
        scanned = getattr(native, f"jax_{kind}")(X, y, X_test, y_test, epochs, BATCH, whole_epoch=True)
        runs.append({**scanned, "loop": "native JAX (one scan per epoch)"})
    for run in runs:
        run.update(recipe=name, backend=backend, n_train=len(y), samples_per_second=len(y) / run["seconds_per_epoch"])
    return runs


def _worker(args):
    if args.native:
        rows = measure_native(args.recipe, args.data, args.epochs, args.rows)
    else:
        rows = [measure_recipe(args.recipe, args.data, args.epochs, args.rows)]
    print(json.dumps(rows))


## Orchestrate: one process per (backend, recipe), native loops apart
def _run(backend, recipe, data, epochs, rows, native=False):
    command = [
        sys.executable,
        "-m",
        "benchmarks.suite",
        "--worker",
        "--recipe",
        recipe,
        "--data",
        data,
        "--epochs",
        str(epochs),
        "--rows",
        str(rows),
    ]
    command += ["--native"] if native else []
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        status = "not installed" if "No module named" in last else f"failed: {last}"
        return [{"recipe": recipe, "backend": backend, "status": status}]
    return [dict(row, status="ok") for row in json.loads(result.stdout.strip().splitlines()[-1])]


def _median_run(runs):
    """Per (recipe, backend, loop): the run with the median seconds per epoch, all times kept."""
    groups = {}
    for row in runs:
        groups.setdefault((row["recipe"], row["backend"], row.get("loop")), []).append(row)
    merged = []
    for rows in groups.values():
        ok = sorted((r for r in rows if r.get("status") == "ok"), key=lambda r: r["seconds_per_epoch"])
        if not ok:
            merged.append(rows[0])
            continue
        merged.append(
            dict(ok[(len(ok) - 1) // 2], repeats=len(ok), seconds_per_epoch_all=[r["seconds_per_epoch"] for r in ok])
        )
    return merged


def import_times(backend, repeats=IMPORT_REPEATS):
    """Median seconds for ``import keras`` and for ``import multikeras, keras``, fresh processes."""
    code = (
        "import sys, time\nt = time.perf_counter()\n{stmt}\nprint(time.perf_counter() - t, 'tensorflow' in sys.modules)"
    )
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    out = {}
    for label, stmt in (("keras", "import keras"), ("multikeras", "import multikeras, keras")):
        samples, tf_loaded = [], False
        for _ in range(repeats):
            result = subprocess.run(
                [sys.executable, "-c", code.format(stmt=stmt)], capture_output=True, text=True, env=env
            )
            if result.returncode != 0:
                return {"backend": backend, "status": "not installed"}
            seconds, loaded = result.stdout.split()
            samples.append(float(seconds))
            tf_loaded |= loaded == "True"
        out[f"import_{label}_s"] = statistics.median(samples)
        out[f"tensorflow_loaded_by_{label}"] = tf_loaded
    return {
        "backend": backend,
        "status": "ok",
        **out,
        "import_overhead_s": out["import_multikeras_s"] - out["import_keras_s"],
    }


def _source():
    directory = os.environ.get("MULTIKERAS_DATA_DIR")
    return "real" if directory and os.path.isdir(directory) else "embedded"


def targets(rows):
    """The issue's ratios, from this run's rows (None where a figure is missing)."""
    ok = [r for r in rows if r.get("status") == "ok"]

    def seconds(recipe, backend, loop=None):
        found = [
            r["seconds_per_epoch"]
            for r in ok
            if r["recipe"] == recipe and r["backend"] == backend and r.get("loop") == loop
        ]
        return found[0] if found else None

    native_torch = [
        r["seconds_per_epoch"]
        for r in ok
        if r["recipe"] == "classifier_mlp" and str(r.get("loop", "")).startswith("native torch")
    ]
    keras_rows = lambda recipe: [r for r in ok if r["recipe"] == recipe and "loop" not in r]  # noqa: E731
    result = {}
    torch_clf = seconds("classifier_mlp", "torch")
    if torch_clf and native_torch:
        result["classifier torch / best native torch (target <= 1.3)"] = torch_clf / min(native_torch)
    for recipe in ("regression_mlp", "lstm_forecaster"):
        torch_s, others = seconds(recipe, "torch"), keras_rows(recipe)
        if torch_s and others:
            result[f"{recipe} torch / fastest backend (target <= 2)"] = torch_s / min(
                r["seconds_per_epoch"] for r in others
            )
    clf = keras_rows("classifier_mlp")
    if clf and native_torch:
        eager = [
            r["seconds_per_epoch"]
            for r in ok
            if r["recipe"] == "classifier_mlp" and r.get("loop") == "native torch, 1 thread"
        ]
        fastest = min(clf, key=lambda r: r["seconds_per_epoch"])
        if eager:
            result[f"native torch eager / fastest backend on classifier ({fastest['backend']}) (target >= 1.5)"] = (
                eager[0] / fastest["seconds_per_epoch"]
            )
        floor = seconds("classifier_mlp", "jax", "native JAX (one scan per epoch)")
        if eager and floor:
            result["native torch eager / native JAX with one scan per epoch, the XLA floor (for reference)"] = (
                eager[0] / floor
            )
    return result


def markdown(payload):
    lines = [
        f"Benchmark suite, {payload['date']}, {payload['machine']}, data: {payload['data']}, "
        f"{payload['epochs']} timed epoch(s) after a warm-up, batch {BATCH}, median of {payload['repeats']} process(es) per row.",
        "",
        "| recipe | backend | loop | samples/s | s/epoch | predict ms (32) | peak RSS MB | metric |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in payload["results"]:
        if r.get("status") != "ok":
            lines.append(f"| {r['recipe']} | {r['backend']} | {r.get('loop', 'multikeras')} | {r['status']} | | | | |")
            continue
        latency = f"{r['predict_ms_batch_32']:.2f}" if "predict_ms_batch_32" in r else ""
        rss = f"{r['peak_rss_mb']:.0f}" if "peak_rss_mb" in r else ""
        lines.append(
            f"| {r['recipe']} | {r['backend']} | {r.get('loop', 'multikeras')} | {r['samples_per_second']:,.0f} | "
            f"{r['seconds_per_epoch']:.3f} | {latency} | {rss} | {r['metric']} {r['value']:.4f} |"
        )
    lines += [
        "",
        "| backend | import keras s | import multikeras + keras s | overhead s | TensorFlow loaded |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in payload["imports"]:
        if r["status"] == "ok":
            lines.append(
                f"| {r['backend']} | {r['import_keras_s']:.2f} | {r['import_multikeras_s']:.2f} | {r['import_overhead_s']:+.2f} | "
                f"{'yes' if r['tensorflow_loaded_by_multikeras'] else 'no'} |"
            )
    lines += ["", "| ratio | value |", "| --- | --- |"] + [f"| {k} | {v:.2f} |" for k, v in payload["targets"].items()]
    return lines


def chart(payload, path):
    """Seconds per epoch, one group per recipe, one bar per backend or native loop."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in payload["results"] if r.get("status") == "ok"]
    recipes = list(dict.fromkeys(r["recipe"] for r in ok))
    label_of = lambda r: r.get("loop") or f"multikeras on {r['backend']}"  # noqa: E731
    labels = list(dict.fromkeys(label_of(r) for r in ok))
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(recipes) * max(1, len(labels) / 3)), 4.5))
    width = 0.8 / max(1, len(labels))
    for i, label in enumerate(labels):
        values = []
        for recipe in recipes:
            found = [r["seconds_per_epoch"] for r in ok if r["recipe"] == recipe and label_of(r) == label]
            values.append(found[0] if found else 0)
        ax.bar([k + i * width for k in range(len(recipes))], values, width, label=label)
    ax.set_xticks([k + width * (len(labels) - 1) / 2 for k in range(len(recipes))], recipes, rotation=15)
    ax.set(ylabel="seconds per epoch (lower is faster)", title=f"multikeras benchmark, {payload['date']}")
    ax.legend(fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.suite", description=__doc__.split("## Introduction")[0].strip()
    )
    parser.add_argument("--backends", default="torch,jax,tensorflow")
    parser.add_argument("--recipes", default="all")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs after the warm-up (default 3)")
    parser.add_argument(
        "--repeats", type=int, default=3, help="fresh processes per measurement; the median one is kept (default 3)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: two recipes, tiny data, one timed epoch, one repeat"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--native", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--recipe", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=CLASSIFIER_ROWS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker(args)
    from multikeras import registry

    names = QUICK["recipes"] if args.quick else registry.resolve(args.recipes)
    epochs, rows = (QUICK["epochs"], QUICK["rows"]) if args.quick else (args.epochs, CLASSIFIER_ROWS)
    source = "embedded" if args.quick else _source()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    repeats = 1 if args.quick else args.repeats
    runs = []
    for repeat in range(1, repeats + 1):  # repeats outermost: a slow spell of the machine hits every row alike
        for backend in backends:
            for name in names:
                print(f"[suite] {repeat}/{repeats}: {name} on {backend} ...", file=sys.stderr, flush=True)
                runs += _run(backend, name, source, epochs, rows)
                if name in NATIVE and backend in ("torch", "jax"):
                    runs += _run(backend, name, source, epochs, rows, native=True)
    results = _median_run(runs)
    imports = [import_times(b, 1 if args.quick else IMPORT_REPEATS) for b in backends]
    payload = {
        **results_io.stamp(args.quick),
        "data": source,
        "epochs": epochs,
        "repeats": repeats,
        "results": results,
        "imports": imports,
    }
    payload["targets"] = targets(results)
    md = results_io.write("suite", payload, markdown(payload), RESULTS)
    png = chart(payload, md.with_suffix(".png"))
    print("\n".join(markdown(payload)))
    print(f"wrote {md}, {md.with_suffix('.json')} and {png}", file=sys.stderr)


if __name__ == "__main__":
    main()
