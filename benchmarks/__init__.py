"""Benchmarks: run as `python -m benchmarks` (or `make bench`); results go to benchmarks/results/."""
