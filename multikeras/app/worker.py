"""The per-backend half of `compare`: runs in a subprocess whose KERAS_BACKEND is set.

``python -m multikeras.app.worker JOB.json`` reads a `Job`, trains its recipes one after another
(each under each of the job's seeds) and reports on stdout as `Event` lines (tagged with
``EVENT_PREFIX``; other output is ignored by the parent). The parity source saves each model
and its test predictions; every other backend loads that model and reports the largest
prediction difference. With several seeds only the job's parity seed (``Job.seed``) does so.

The parent stops a worker with SIGTERM (on Ctrl-C, say); the worker then exits at once with
one line on stderr, 143, and no row for the recipe it was training.
"""

from __future__ import annotations

import json
import sys
import traceback
from dataclasses import replace
from pathlib import Path

from ..interrupts import exit_code, signal_name, stop_signals_raise
from .records import Event, Job, ResultRow, Status


def emit(event: Event) -> None:
    """Report to the parent; if the parent is gone (closed pipe), stop instead of training on."""
    try:
        sys.stdout.write(event.to_line())
        sys.stdout.flush()
    except BrokenPipeError:
        raise SystemExit("multikeras worker: the parent process is gone; stopping") from None


def _epoch_reporter(recipe_name, total_epochs, seed=None):
    import keras

    class EpochReporter(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            loss = (logs or {}).get("loss")
            loss = None if loss is None else float(loss)
            emit(Event("epoch", recipe=recipe_name, epoch=epoch + 1, epochs=total_epochs, loss=loss, seed=seed))

    return EpochReporter()


def _parity(run, artifacts: Path, name: str):
    """Largest |difference| between the source backend's predictions and its reloaded model's here."""
    import numpy as np

    from ..predicting import flatten_predictions, predict
    from ..saving import load_model

    model_path, reference_path = artifacts / f"{name}.keras", artifacts / f"{name}.predictions.npy"
    if not model_path.exists() or not reference_path.exists():
        return None
    reference = np.load(reference_path)
    loaded = load_model(model_path)
    mine = flatten_predictions(predict(loaded, run.X_test, verbose=0))
    if mine.shape != reference.shape:
        raise ValueError(
            f"parity: predictions have shape {mine.shape} here but {reference.shape} on the source backend"
        )
    return float(np.max(np.abs(mine - reference)))


def _save_reference(run, artifacts: Path, name: str) -> None:
    import numpy as np

    from ..saving import save_model

    artifacts.mkdir(parents=True, exist_ok=True)
    save_model(run.model, artifacts / f"{name}.keras")
    np.save(artifacts / f"{name}.predictions.npy", run.predictions)


def _check_parity(run, job: Job, name: str, seed: int) -> tuple:
    """(largest difference or None, parity source or None): only the job's parity seed is compared."""
    if seed != job.seed or job.source_backend is None:
        return None, None
    artifacts = Path(job.artifacts)
    if job.is_source:
        _save_reference(run, artifacts, name)
        return None, job.source_backend
    return _parity(run, artifacts, name), job.source_backend


def _book_result(recipe, data: str):
    """The book's figure for the recipe, which holds for the published data only."""
    return getattr(recipe, "BOOK_RESULT", None) if data == "real" else None


def run_one(name: str, job: Job, seed: int | None = None) -> ResultRow:
    """Train one recipe under ``seed`` (the job's own by default) and make training's row a `ResultRow` with parity."""
    from .. import registry
    from ..training import run_callbacks, train_recipe

    seed = job.seed if seed is None else seed
    recipe = registry.get(name)
    epochs = job.epochs or recipe.FIT_KWARGS["epochs"]
    emit(Event("start", recipe=name, epochs=epochs, seed=job.seed_tag(seed)))
    callbacks = [_epoch_reporter(name, epochs, job.seed_tag(seed)), *run_callbacks(patience=job.patience)]
    fit_options = {"batch_size": job.batch_size, "class_weight": job.class_weight}
    run = train_recipe(recipe, job.data, job.data_dir, epochs=epochs, seed=seed, callbacks=callbacks, **fit_options)
    diff, source = _check_parity(run, job, name, seed)
    row = ResultRow.from_json({**run.row, "status": Status.OK.value})
    return replace(
        row,
        parity_max_abs_diff=diff,
        parity_source=source,
        history=run.history,
        book_result=_book_result(recipe, job.data),
    )


def run_job(job: Job) -> None:
    """Train each of the job's recipes under each of its seeds, one "row" event each; a failure does not stop the rest."""
    import multikeras

    backend = multikeras.active_backend()
    emit(Event("ready", backend=backend))
    for name in job.recipes:
        for seed in job.run_seeds:
            try:
                row = run_one(name, job, seed)
            except Exception as err:
                traceback.print_exc(file=sys.stderr)
                row = ResultRow.failed(name, backend, f"{type(err).__name__}: {err}", seed=job.seed_tag(seed))
            emit(Event("row", row=row, seed=job.seed_tag(seed)))
    emit(Event("done", backend=backend))


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    job = Job.from_json(json.loads(Path(argv[0]).read_text()))
    try:
        with stop_signals_raise():
            run_job(job)
    except KeyboardInterrupt as stop:  # the parent's SIGTERM, or a Ctrl-C sent to this process
        print(f"multikeras worker: interrupted by {signal_name(stop)}; stopping", file=sys.stderr)
        return exit_code(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
