"""Run recipes on several backends, one subprocess per backend, and gather the rows.

Keras 3 fixes its backend when it is first imported, so each backend gets a fresh Python
process with ``KERAS_BACKEND`` set. The first installed backend is the parity source: its
models are saved as .keras and reloaded by the others. Each row is written to
``OUT/rows.jsonl`` the moment it arrives (see `multikeras.app.rows_log`), so a run that dies keeps
what it finished, and running the same job into the same ``OUT`` again trains only the pairs
it lacks. Workers get a `Job` and answer with `Event` lines; the rows are `ResultRow` records
(see `multikeras.app.records`).

With several seeds (``seeds=N``, ``--seeds N``) each backend's seeds are dealt to as many
workers as there are cores, run side by side, each with a thread budget of cores / workers
(``MULTIKERAS_THREADS``), so they do not fight over the cores. Backends still run one after
another: the others need the parity source's models, and each backend's fit times are then
taken under the same load.

Workers run in their own process group, so a Ctrl-C in the terminal reaches only this
process, which then stops them (SIGTERM, then SIGKILL after `STOP_SECONDS`): none outlives an
interrupted run.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from dataclasses import replace
from pathlib import Path

from .. import datasets, registry
from ..backends import BACKENDS, is_installed, normalize_backend
from ..backends.thread_budget import ENV_BUDGET
from .records import JSON_KEYS, Event, Job, ResultRow
from .rows_log import RowsLog, fingerprint

__all__ = ["compare", "run_seeds", "resolve_backends", "seed_list", "available_cores", "JSON_KEYS", "STOP_SECONDS"]

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


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def _parallelism(n_jobs: int) -> tuple:
    """(workers at a time, threads for each): the cores shared out; a lone worker keeps today's threads (None)."""
    cores = available_cores()
    parallel = max(1, min(n_jobs, cores))
    return parallel, (None if parallel == 1 else max(1, cores // parallel))


def _worker_env(backend: str, threads: int | None = None) -> dict:
    env = dict(os.environ, KERAS_BACKEND=backend, PYTHONUNBUFFERED="1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up chatter out of the log
    if threads is not None:
        env.setdefault(ENV_BUDGET, str(threads))  # workers side by side share the cores; a user's setting is kept
    return env


class _Worker:
    """One worker subprocess: its job file, its log, and a thread that queues its stdout lines.

    The lines are read on a thread but handled on the main thread (`_drive`), so a Ctrl-C or an
    error in a callback unwinds where the ``finally`` that stops every worker runs.
    """

    def __init__(self, backend: str, job: Job, workdir: Path, python, threads=None, index=0):
        name = backend if job.seeds is None else f"{backend}-worker{index + 1}"  # its seeds are in its job file
        self.backend, self.job, self.python, self.threads = backend, job, python, threads
        self.job_path = workdir / f"job-{name}.json"
        self.log_path = workdir / "logs" / f"{name}.log"
        self.rows = []
        self.process = self.log = self.reader = None

    def start(self, lines: queue.Queue) -> None:
        """Start it in a session of its own: a terminal's Ctrl-C goes to the parent, which stops it."""
        self.job_path.write_text(json.dumps(self.job.to_json()))
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [self.python, "-m", "multikeras.app.worker", str(self.job_path)],
            env=_worker_env(self.backend, self.threads),
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            start_new_session=True,
        )
        self.reader = threading.Thread(target=self._read, args=(lines,), daemon=True)
        self.reader.start()

    def _read(self, lines: queue.Queue) -> None:
        for line in self.process.stdout:
            lines.put((self, line))
        lines.put((self, None))  # the end of its output

    def finish(self) -> int:
        """Its exit code, once its output has ended."""
        code = self.process.wait()
        self._close()
        return code

    def terminate(self) -> None:
        """Ask it to stop (SIGTERM), without waiting: all workers are asked before any is waited for."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def stop(self) -> None:
        """End it if it still runs: SIGTERM, then SIGKILL if it outstays `STOP_SECONDS`."""
        if self.process is None:  # it never started
            if self.log is not None:
                self.log.close()
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close()

    def _close(self) -> None:
        if self.reader is not None:
            self.reader.join(timeout=STOP_SECONDS)
        if self.reader is None or not self.reader.is_alive():  # closing a pipe another thread still reads could hang
            self.process.stdout.close()
        self.log.close()

    def last_line(self) -> str:
        lines = [line.strip() for line in self.log_path.read_text(errors="replace").splitlines() if line.strip()]
        return lines[-1] if lines else "no output"


def _drive(workers: list, parallel: int, on_line, on_end) -> None:
    """Run ``workers``, ``parallel`` at a time; ``on_line(worker, line)`` and ``on_end(worker, code)`` run here."""
    pending, running, lines = list(workers), [], queue.Queue()
    try:
        while pending or running:
            while pending and len(running) < parallel:
                worker = pending.pop(0)
                running.append(worker)
                worker.start(lines)
            worker, line = lines.get()
            if line is None:
                running.remove(worker)
                on_end(worker, worker.finish())
            else:
                on_line(worker, line)
    finally:  # an interrupt (Ctrl-C, SIGTERM) or an error in a callback: no worker left behind
        for worker in running:
            worker.terminate()
        for worker in running:
            worker.stop()


def seed_list(seed: int, seeds: int) -> list:
    """The seeds of ``--seed S --seeds N``: S, S+1, ..., S+N-1."""
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise ValueError(f"seeds must be a whole number of at least 1 (how many seeds to train under), got {seeds!r}.")
    return list(range(seed, seed + seeds))


def _key(recipe: str, backend: str, seed) -> tuple:
    """A rows dict's key: the seed is None in a one-seed job, whose rows are keyed as they always were."""
    return (recipe, backend) if seed is None else (recipe, backend, seed)


def _reusable(rows: dict, source: str | None, artifacts: Path) -> dict:
    """The previous rows still valid: a source row needs its saved model, and the others their source row.

    A recipe whose source row is retrained gets a new reference model, so its other rows'
    parity numbers would be stale; they are retrained too. Rows of the seeds after the first
    were never compared, so they stand alone.
    """

    def has_model(recipe):
        return (artifacts / f"{recipe}.keras").is_file() and (artifacts / f"{recipe}.predictions.npy").is_file()

    def compared(row):
        return row.parity_source is not None

    sourced = {row.recipe for row in rows.values() if compared(row) and row.backend == source and has_model(row.recipe)}
    return {key: row for key, row in rows.items() if not compared(row) or row.recipe in sourced}


def _open_log(workdir: Path, job_fingerprint: dict, source, on_event, names) -> tuple:
    """The rows log, started afresh but for the rows of ``names`` kept from the same job's previous run."""
    log = RowsLog(workdir / "rows.jsonl", job_fingerprint)
    previous = log.read()
    asked = {key: row for key, row in previous.rows.items() if row.recipe in names}
    kept = _reusable(asked, source, workdir / "models") if previous.matched else {}
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
    seeds=1,
) -> list[ResultRow]:
    """Train each recipe on each backend; return one `ResultRow` per (recipe, backend).

    Rows are ordered recipe by recipe, backends in the order given; a successful row carries
    its ``history`` (per-epoch logs). ``on_event`` gets each `Event` as it happens. With an
    ``out`` that holds an unfinished run of the same job (it died), its ok rows are reused, not
    retrained (a "resumed" event says how many); a finished one is run afresh.

    ``seeds`` > 1 trains each pair under ``seed``, ``seed`` + 1, ...: one row per (recipe,
    backend, seed), seeds innermost, each backend's seeds shared among workers side by side
    (`available_cores`). Parity is checked for the first seed only.
    """
    names = registry.resolve(recipes)
    backend_names = resolve_backends(backends)
    datasets.check_source(data, "data")
    on_event = on_event or (lambda event: None)
    several = seed_list(seed, seeds) if seeds != 1 else None  # a one-seed job keys and logs its rows as it always has
    tags = several or [None]
    installed = [b for b in backend_names if is_installed(b)]
    source = installed[0] if installed else None
    with tempfile.TemporaryDirectory(prefix="multikeras-compare-") as scratch:
        workdir = Path(out) if out is not None else Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        job_fingerprint = fingerprint(data, data_dir, epochs, seed, backend_names, source, seeds=several)
        log, rows = _open_log(workdir, job_fingerprint, source, on_event, names)
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
            missing = [(name, tag) for name in names for tag in tags if _key(name, backend, tag) not in rows]
            if not missing:
                continue
            if backend not in installed:
                found = _not_installed(backend, missing, log, on_event)
            else:
                jobs = _jobs(replace(job, is_source=backend == source), missing)
                found = _gather(backend, jobs, workdir, log.append, on_event, python)
            rows.update({_key(row.recipe, backend, row.seed if several else None): row for row in found})
        log.finish()
        return [rows[_key(name, backend, tag)] for name in names for backend in backend_names for tag in tags]


def run_seeds(
    recipe: str,
    backend: str,
    seed=42,
    seeds=2,
    data="embedded",
    data_dir=None,
    epochs=None,
    on_event=None,
    python=sys.executable,
    **fit_options,
) -> list[ResultRow]:
    """`run --seeds`: one recipe on one backend under ``seed``, ``seed`` + 1, ..., in workers side by side.

    One row per seed, in seed order. No parity and no rows log: nothing to compare against,
    and nothing to resume. ``fit_options``: `Job`'s ``batch_size``, ``patience`` and ``class_weight``.
    """
    (name,) = registry.resolve([recipe])
    backend = normalize_backend(backend)
    datasets.check_source(data, "data")
    if not is_installed(backend):
        raise ValueError(
            f"backend {backend!r} is not installed here; install it (pip install 'multikeras[{backend}]') or choose another."
        )
    seed_values = seed_list(seed, seeds)
    job = Job(
        recipes=[name],
        data=data,
        data_dir=None if data_dir is None else str(data_dir),
        epochs=epochs,
        seed=seed,
        **fit_options,
    )
    with tempfile.TemporaryDirectory(prefix="multikeras-run-") as scratch:
        job = replace(job, artifacts=str(Path(scratch) / "models"))
        jobs = _jobs(job, [(name, s) for s in seed_values])
        found = _gather(backend, jobs, Path(scratch), lambda row: None, on_event or (lambda event: None), python)
    by_seed = {row.seed: row for row in found}
    return [by_seed[s] for s in seed_values]


def _jobs(job: Job, missing: list) -> list[Job]:
    """The workers' jobs for one backend's missing (recipe, seed) pairs (seed None: a one-seed job).

    One job for one seed. Several seeds are dealt round-robin into at most `available_cores`
    jobs, grouped by the recipes they lack (a resumed run may lack different ones per seed).
    """
    if missing[0][1] is None:
        return [replace(job, recipes=[name for name, _ in missing])]
    lacking = {}
    for name, seed in missing:
        lacking.setdefault(seed, []).append(name)
    groups = {}
    for seed, names in sorted(lacking.items()):
        groups.setdefault(tuple(names), []).append(seed)
    jobs = []
    for names, seeds in groups.items():
        count = min(len(seeds), available_cores())
        jobs += [replace(job, recipes=list(names), seeds=seeds[i::count]) for i in range(count)]
    return jobs


def _not_installed(backend: str, missing: list, log: RowsLog, on_event) -> list[ResultRow]:
    """Rows that say ``backend`` is missing (logged, so the log lists every pair it was asked for)."""
    rows = [ResultRow.not_installed(name, backend, seed=tag) for name, tag in missing]
    for row in rows:
        log.append(row)
    on_event(Event("skipped", backend=backend, reason="not installed", count=len(missing)))
    return rows


def _gather(backend: str, jobs: list, workdir: Path, on_row, on_event, python) -> list[ResultRow]:
    """The workers' rows (events passed on as they come, rows to ``on_row`` first), plus a failed
    row for each (recipe, seed) a worker did not report (it died first)."""
    parallel, threads = _parallelism(len(jobs))
    found = []

    def on_line(worker, line):
        event = Event.from_line(line)
        if event is None:
            worker.log.write(line)
            return
        event = event.with_backend(backend)
        if event.row is not None:
            worker.rows.append(event.row)
            on_row(event.row)
        on_event(event)

    def on_end(worker, code):
        failed = _unreported(worker, f"worker exited with code {code}: {worker.last_line()}")
        for row in failed:
            on_row(row)
        found.extend(worker.rows + failed)

    _drive(
        [_Worker(backend, job, workdir, python, threads, i) for i, job in enumerate(jobs)], parallel, on_line, on_end
    )
    return found


def _unreported(worker: _Worker, detail: str) -> list[ResultRow]:
    job = worker.job
    done = {(row.recipe, job.seed_tag(row.seed)) for row in worker.rows}
    wanted = [(name, job.seed_tag(seed)) for name in job.recipes for seed in job.run_seeds]
    return [ResultRow.failed(name, worker.backend, detail, seed=tag) for name, tag in wanted if (name, tag) not in done]
