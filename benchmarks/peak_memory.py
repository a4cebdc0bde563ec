"""
Title: Peak memory of `multikeras compare --data real`
Run: python -m benchmarks.peak_memory [--epochs 1] [--quick]

## Introduction
Runs the main job on the published data (embedded with --quick) and reports the peak
resident set size of the largest process: each backend's worker, or the parent. Memory does
not grow with epochs (the data is loaded once and batches are views), so one epoch measures
the same peak as the book's 30 and takes a minute instead of ten.
"""

## Setup
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from . import results_io

RESULTS = results_io.RESULTS


# A fresh parent for compare: RUSAGE_CHILDREN of this process would also count the children of
# benchmarks that ran before it in `python -m benchmarks` (their largest was 1.9 GB).
_PARENT = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print('peak_kib', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def measure(data, epochs, backends):
    """Run compare under a fresh parent; its largest process's peak RSS (Linux reports KiB)."""
    with tempfile.TemporaryDirectory(prefix="multikeras-bench-") as out:
        command = [
            sys.executable,
            "-m",
            "multikeras.app.cli",
            "compare",
            "--data",
            data,
            "--backends",
            backends,
            "--json",
            "--out",
            out,
        ]
        if epochs:
            command += ["--epochs", str(epochs)]
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", _PARENT, *command], capture_output=True, text=True)
        seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"compare failed: {result.stderr.strip().splitlines()[-1]}")
    rows = json.loads(result.stdout)
    peak_kib = int(
        next(line.split()[1] for line in reversed(result.stderr.splitlines()) if line.startswith("peak_kib "))
    )
    return {
        "data": data,
        "epochs": epochs,
        "backends": backends,
        "rows": len(rows),
        "seconds": seconds,
        "peak_rss_mb": peak_kib / 1024,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description="peak RSS of multikeras compare")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--backends", default="torch,jax,tensorflow")
    parser.add_argument("--quick", action="store_true", help="embedded data (no MULTIKERAS_DATA_DIR needed)")
    args = parser.parse_args(argv)
    data = "embedded" if args.quick or not os.environ.get("MULTIKERAS_DATA_DIR") else "real"
    row = measure(data, args.epochs, args.backends)
    print(
        f"compare --data {data} --epochs {args.epochs}: largest process {row['peak_rss_mb']:.0f} MB, {row['seconds']:.0f} s",
        flush=True,
    )
    stamp = results_io.stamp(args.quick)
    lines = [
        f"Peak RSS of `multikeras compare`, {stamp['date']}, {stamp['machine']}",
        "",
        "| data | epochs | backends | largest process | wall time |",
        "| --- | --- | --- | --- | --- |",
        f"| {data} | {args.epochs} | {args.backends} | {row['peak_rss_mb']:.0f} MB | {row['seconds']:.0f} s |",
    ]
    results_io.write("peak_memory", {**stamp, **row}, lines, RESULTS)
    return row


if __name__ == "__main__":
    main()
