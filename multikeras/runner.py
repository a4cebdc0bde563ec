"""Run recipes on several backends, one subprocess per backend, and gather the rows.

Keras 3 fixes its backend when it is first imported, so each backend gets a fresh Python
process with ``KERAS_BACKEND`` set. The first installed backend is the parity source: its
models are saved as .keras and reloaded by the others. Rows are appended to
``OUT/rows.jsonl`` as they arrive, so a run that dies keeps what it finished. Workers get a
`Job` and answer with `Event` lines; the rows are `ResultRow` records (see `multikeras.records`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from . import datasets, registry
from .backends import BACKENDS, is_installed, normalize_backend
from .records import JSON_KEYS, Event, Job, ResultRow

__all__ = ["compare", "resolve_backends", "JSON_KEYS"]


def resolve_backends(backends) -> list:
    """Canonical, de-duplicated backend names from a comma-separated string or an iterable."""
    if isinstance(backends, str):
        backends = [b for b in backends.split(",") if b.strip()]
    names = []
    for backend in backends:
        name = normalize_backend(backend)
        if name not in names:
            names.append(name)
    if not names:
        raise ValueError(f"backends is empty; name one or more of {', '.join(BACKENDS)}.")
    return names


def _worker_env(backend: str) -> dict:
    env = dict(os.environ, KERAS_BACKEND=backend, PYTHONUNBUFFERED="1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up chatter out of the log
    return env


def _run_worker(backend: str, job: Job, workdir: Path, on_event, python):
    """Run one backend's worker, forwarding its events; returns (rows, exit code, last stderr line)."""
    job_path = workdir / f"job-{backend}.json"
    job_path.write_text(json.dumps(job.to_json()))
    log_path = workdir / "logs" / f"{backend}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [python, "-m", "multikeras.worker", str(job_path)],
            env=_worker_env(backend),
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        for line in process.stdout:
            event = Event.from_line(line)
            if event is None:
                log.write(line)
                continue
            event = event.with_backend(backend)
            if event.row is not None:
                rows.append(event.row)
            on_event(event)
        code = process.wait()
    return rows, code, _last_line(log_path)


def _last_line(path: Path) -> str:
    lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def compare(
    recipes="all",
    backends=BACKENDS,
    data="embedded",
    epochs=None,
    seed=42,
    data_dir=None,
    out=None,
    on_event=None,
    python=sys.executable,
) -> list[ResultRow]:
    """Train each recipe on each backend; return one `ResultRow` per (recipe, backend).

    Rows are ordered recipe by recipe, backends in the order given; a successful row carries
    its ``history`` (per-epoch logs). ``on_event`` gets each `Event` as it happens.
    """
    names = registry.resolve(recipes)
    backend_names = resolve_backends(backends)
    datasets.check_source(data, "data")
    on_event = on_event or (lambda event: None)
    with tempfile.TemporaryDirectory(prefix="multikeras-compare-") as scratch:
        workdir = Path(out) if out is not None else Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        rows_log = workdir / "rows.jsonl"
        rows_log.write_text("")
        installed = [b for b in backend_names if is_installed(b)]
        source = installed[0] if installed else None
        rows = {}
        for backend in backend_names:
            if backend not in installed:
                found = [ResultRow.not_installed(name, backend) for name in names]
                on_event(Event("skipped", backend=backend, reason="not installed", count=len(names)))
            else:
                job = Job(
                    recipes=names,
                    data=data,
                    data_dir=None if data_dir is None else str(data_dir),
                    epochs=epochs,
                    seed=seed,
                    source_backend=source,
                    is_source=backend == source,
                    artifacts=str(workdir / "models"),
                )
                found = _gather(backend, job, workdir, on_event, python)
            with open(rows_log, "a") as log:
                for row in found:
                    rows[(row.recipe, backend)] = row
                    log.write(json.dumps(row.to_json()) + "\n")
        return [rows[(name, backend)] for name in names for backend in backend_names]


def _gather(backend: str, job: Job, workdir: Path, on_event, python) -> list[ResultRow]:
    """The worker's rows, plus a failed row for each recipe it did not report (it died first)."""
    rows, code, last = _run_worker(backend, job, workdir, on_event, python)
    done = {row.recipe for row in rows}
    detail = f"worker exited with code {code}: {last}"
    return rows + [ResultRow.failed(name, backend, detail) for name in job.recipes if name not in done]
