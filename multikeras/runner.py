"""Run recipes on several backends, one subprocess per backend, and gather the rows.

Keras 3 fixes its backend when it is first imported, so each backend gets a fresh Python
process with ``KERAS_BACKEND`` set. The first installed backend is the parity source: its
models are saved as .keras and reloaded by the others. Each row is written to
``OUT/rows.jsonl`` the moment it arrives (see `multikeras.rows_log`), so a run that dies keeps
what it finished, and running the same job into the same ``OUT`` again trains only the pairs
it lacks. Workers get a `Job` and answer with `Event` lines; the rows are `ResultRow` records
(see `multikeras.records`).

Workers run in their own process group, so a Ctrl-C in the terminal reaches only this
process, which then stops them (SIGTERM, then SIGKILL after `STOP_SECONDS`): none outlives an
interrupted run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from . import datasets, registry
from .backends import BACKENDS, is_installed, normalize_backend
from .records import JSON_KEYS, Event, Job, ResultRow
from .rows_log import RowsLog, fingerprint

__all__ = ["compare", "resolve_backends", "JSON_KEYS", "STOP_SECONDS"]

STOP_SECONDS = 5  # how long a worker gets to exit after SIGTERM before it is killed


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


def _start_worker(backend: str, job_path: Path, log, python) -> subprocess.Popen:
    """A worker in a session of its own: a terminal's Ctrl-C goes to the parent, which stops it."""
    return subprocess.Popen(
        [python, "-m", "multikeras.worker", str(job_path)],
        env=_worker_env(backend),
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen) -> None:
    """End a worker that is still running: SIGTERM, then SIGKILL if it outstays `STOP_SECONDS`."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    process.stdout.close()


def _forward_events(process, backend: str, log, on_row, on_event) -> list:
    """Pass the worker's events on as they come (rows to ``on_row`` first); return its rows."""
    rows = []
    for line in process.stdout:
        event = Event.from_line(line)
        if event is None:
            log.write(line)
            continue
        event = event.with_backend(backend)
        if event.row is not None:
            rows.append(event.row)
            on_row(event.row)
        on_event(event)
    return rows


def _run_worker(backend: str, job: Job, workdir: Path, on_row, on_event, python):
    """Run one backend's worker, forwarding its events; returns (rows, exit code, last stderr line)."""
    job_path = workdir / f"job-{backend}.json"
    job_path.write_text(json.dumps(job.to_json()))
    log_path = workdir / "logs" / f"{backend}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = _start_worker(backend, job_path, log, python)
        try:
            rows = _forward_events(process, backend, log, on_row, on_event)
            code = process.wait()
        finally:  # an interrupt (Ctrl-C, SIGTERM) or an error in on_event: no worker left behind
            _stop(process)
    return rows, code, _last_line(log_path)


def _last_line(path: Path) -> str:
    lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _reusable(rows: dict, source: str | None, artifacts: Path) -> dict:
    """The previous rows still valid: a source row needs its saved model, and the others their source row.

    A recipe whose source row is retrained gets a new reference model, so its other rows'
    parity numbers would be stale; they are retrained too.
    """

    def has_model(recipe):
        return (artifacts / f"{recipe}.keras").is_file() and (artifacts / f"{recipe}.predictions.npy").is_file()

    sourced = {recipe for (recipe, backend) in rows if backend == source and has_model(recipe)}
    return {key: row for key, row in rows.items() if key[0] in sourced}


def _open_log(workdir: Path, job_fingerprint: dict, source, on_event) -> tuple:
    """The rows log, started afresh but for the rows kept from the same job's previous run."""
    log = RowsLog(workdir / "rows.jsonl", job_fingerprint)
    previous = log.read()
    kept = _reusable(previous.rows, source, workdir / "models") if previous.matched else {}
    log.begin(kept.values())
    if previous.matched:
        on_event(Event("resumed", count=len(kept), path=str(log.path)))
    elif previous.reason:
        on_event(Event("restarted", reason=f"starting afresh: {previous.reason}", path=str(log.path)))
    return log, kept


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
    its ``history`` (per-epoch logs). ``on_event`` gets each `Event` as it happens. With an
    ``out`` that holds an unfinished run of the same job (it died), its ok rows are reused, not
    retrained (a "resumed" event says how many); a finished one is run afresh.
    """
    names = registry.resolve(recipes)
    backend_names = resolve_backends(backends)
    datasets.check_source(data, "data")
    on_event = on_event or (lambda event: None)
    installed = [b for b in backend_names if is_installed(b)]
    source = installed[0] if installed else None
    with tempfile.TemporaryDirectory(prefix="multikeras-compare-") as scratch:
        workdir = Path(out) if out is not None else Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        job_fingerprint = fingerprint(data, data_dir, epochs, seed, backend_names, source)
        log, rows = _open_log(workdir, job_fingerprint, source, on_event)
        job = Job(
            recipes=names,
            data=data,
            data_dir=None if data_dir is None else str(data_dir),
            epochs=epochs,
            seed=seed,
            source_backend=source,
            artifacts=str(workdir / "models"),
        )
        for backend in backend_names:
            missing = [name for name in names if (name, backend) not in rows]
            if not missing:
                continue
            if backend not in installed:
                found = _not_installed(backend, missing, log, on_event)
            else:
                backend_job = replace(job, recipes=missing, is_source=backend == source)
                found = _gather(backend, backend_job, workdir, log.append, on_event, python)
            rows.update({(row.recipe, backend): row for row in found})
        log.finish()
        return [rows[(name, backend)] for name in names for backend in backend_names]


def _not_installed(backend: str, names: list, log: RowsLog, on_event) -> list[ResultRow]:
    """Rows that say ``backend`` is missing (logged, so the log lists every pair it was asked for)."""
    rows = [ResultRow.not_installed(name, backend) for name in names]
    for row in rows:
        log.append(row)
    on_event(Event("skipped", backend=backend, reason="not installed", count=len(names)))
    return rows


def _gather(backend: str, job: Job, workdir: Path, on_row, on_event, python) -> list[ResultRow]:
    """The worker's rows, plus a failed row for each recipe it did not report (it died first)."""
    rows, code, last = _run_worker(backend, job, workdir, on_row, on_event, python)
    done = {row.recipe for row in rows}
    detail = f"worker exited with code {code}: {last}"
    failed = [ResultRow.failed(name, backend, detail) for name in job.recipes if name not in done]
    for row in failed:
        on_row(row)
    return rows + failed
