"""
Title: Peak memory of a sparse and a dense one-hot pipeline (scikeras's sparse tutorial)
Run: python -m benchmarks.sparse_memory [--samples 20000] [--epochs 1] [--backends torch,jax,tensorflow] [--quick]

## Introduction
scikeras's sparse tutorial fits `Pipeline(OneHotEncoder(), KerasRegressor(...))` on one
categorical column with as many categories as rows, once with the encoder's dense output and
once with its sparse output (its default). Dense, X is samples x samples float64 (3.2 GB at
20,000); sparse, it is one stored value per row, and the wrappers make only each batch dense.
Each fit runs in its own process; the peak resident set size of that process is reported,
and the fit's wall time.
"""

## Setup
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from . import results_io

RESULTS = results_io.RESULTS

_FIT = """
import json, sys, time
import numpy as np
import keras
from sklearn.pipeline import Pipeline
from benchmarks.peak_rss import own_peak_mb
from sklearn.preprocessing import OneHotEncoder
from multikeras.sklearn import KerasRegressor

samples, epochs, sparse_output = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "sparse"
X = np.arange(samples).reshape(-1, 1)
y = np.random.default_rng(0).uniform(0, 1, size=samples)

def build(meta):
    return keras.Sequential([keras.Input((meta["n_features_in_"],)), keras.layers.Dense(100, activation="relu"), keras.layers.Dense(1)])

pipeline = Pipeline([("encoder", OneHotEncoder(sparse_output=sparse_output)),
                     ("model", KerasRegressor(build, loss="mse", epochs=epochs, verbose=0, random_state=0))])
start = time.perf_counter()
pipeline.fit(X, y)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_rss_mb": own_peak_mb()}))
"""


def measure(backend: str, samples: int, epochs: int, form: str) -> dict:
    env = {**os.environ, "KERAS_BACKEND": backend}
    done = subprocess.run(
        [sys.executable, "-c", _FIT, str(samples), str(epochs), form],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],  # the child imports benchmarks.peak_rss
    )
    if done.returncode != 0:
        raise SystemExit(f"{form} fit on {backend} failed: {done.stderr.strip().splitlines()[-1]}")
    return {
        "backend": backend,
        "X": form,
        "samples": samples,
        "epochs": epochs,
        **json.loads(done.stdout.strip().splitlines()[-1]),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description="peak RSS of a sparse and a dense one-hot pipeline")
    parser.add_argument("--samples", type=int, default=20_000, help="rows, and one-hot columns (the tutorial's 20,000)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--backends", default="torch,jax,tensorflow")
    parser.add_argument("--quick", action="store_true", help="2,000 samples")
    args = parser.parse_args(argv)
    samples = 2_000 if args.quick else args.samples
    rows = []
    for backend in args.backends.split(","):
        for form in ("dense", "sparse"):  # alternated per backend, one process each
            rows.append(measure(backend, samples, args.epochs, form))
            print(
                f"{backend} {form}: peak {rows[-1]['peak_rss_mb']:.0f} MB, fit {rows[-1]['seconds']:.1f} s", flush=True
            )
    stamp = results_io.stamp(args.quick)
    lines = [
        f"Peak RSS of one pipeline fit, OneHotEncoder -> KerasRegressor, {samples} rows x {samples} one-hot columns, "
        f"{args.epochs} epoch(s), {stamp['date']}, {stamp['machine']}",
        "",
        "| backend | X | peak RSS | fit time |",
        "| --- | --- | --- | --- |",
        *(f"| {r['backend']} | {r['X']} | {r['peak_rss_mb']:.0f} MB | {r['seconds']:.1f} s |" for r in rows),
    ]
    results_io.write("sparse_memory", {**stamp, "results": rows}, lines, RESULTS)
    return rows


if __name__ == "__main__":
    main()
