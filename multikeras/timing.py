"""Steady-state timing: what `run`'s predict column and the benchmark suite's latencies report."""

from __future__ import annotations

import statistics
import time

__all__ = ["median_seconds"]


def median_seconds(call, repeats):
    """``(median seconds, last result)`` of ``repeats`` calls after one untimed warm-up call.

    The warm-up takes tracing and compilation out of the figure.
    """
    result = call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result
