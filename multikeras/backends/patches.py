"""Every change multikeras makes to Keras, torch, JAX, TensorFlow or Python itself, in one list.

A toolkit that changes another library's behaviour owes its users a list of what it changes,
for how long, why and how to turn it off. :data:`PATCHES` is that list; ``multikeras.patches()``
prints it and ``docs/patches.md`` is generated from it (``python -m multikeras.backends.patches
--write docs/patches.md``). Each record names the places in the code that apply it (``sites``: module and
expression); ``tests/backends/test_patches.py`` reads the package's syntax trees and fails on a
write to another library's object, environment variable or hook that no record names, and
compares Keras's modules and classes after a fit with and without multikeras: a difference
that no process-wide record names in ``runtime`` fails it too.

Scopes: ``process`` lasts from import (or the first use) to the end of the process; ``call``
is undone when the call that applied it returns, whatever happens; ``object`` lives on one
model or layer (an attribute of ours that Keras never reads).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Patch", "PATCHES", "table", "render"]


@dataclass(frozen=True)
class Patch:
    name: str
    target: str  # what is changed
    replaces: str  # the behaviour it stands in for
    why: str
    scope: str  # "process", "call" or "object"
    backends: str  # where it applies
    switch: str  # how to turn it off ("-" where it cannot be)
    sites: tuple[str, ...]  # "module.py: expression" for each place in the code that applies it
    runtime: tuple[str, ...] = ()  # for a process-wide patch of Keras: the dotted names it changes


PATCHES = (
    Patch(
        "trainer routes",
        "keras.src.backend.torch.trainer.TorchTrainer.fit, .evaluate and .predict",
        "Keras's torch loop, for the calls the engine can run (anything else is passed to Keras's own method unchanged)",
        "the torch engine: the same results as Keras's loop at a hand-written torch loop's speed",
        "process",
        "torch",
        "MULTIKERAS_TORCH_ENGINE=0; `with multikeras.engine_off():`; `multikeras.fit(..., torch_engine=False)`",
        (
            "backends/torch_engine/trainer_routes.py: trainer.fit",
            "backends/torch_engine/trainer_routes.py: trainer.evaluate",
            "backends/torch_engine/trainer_routes.py: trainer.predict",
            "backends/torch_engine/trainer_routes.py: method.__multikeras_original__",
        ),
        tuple(f"keras.src.backend.torch.trainer.TorchTrainer.{name}" for name in ("fit", "evaluate", "predict")),
    ),  # fmt: skip
    Patch(
        "import hook",
        "sys.meta_path, and the loader of the one module it waits for",
        "nothing: Python imports the module as usual, and the patch runs right after",
        "patches apply when Keras loads its modules, so `import multikeras` need not import Keras (which fixes its backend on import)",
        "process",
        "all",
        "-",
        (
            "backends/import_hooks.py: sys.meta_path.insert",
            "backends/import_hooks.py: sys.meta_path.remove",
            "backends/import_hooks.py: spec.loader.exec_module",
        ),
    ),  # fmt: skip
    Patch(
        "TensorFlow kept unloaded",
        "the class of Keras's lazy TensorFlow handle (keras.src.utils.module_utils.tensorflow)",
        "its `available` property, which imports TensorFlow when installed",
        "on torch and JAX no object can be a TensorFlow type until TensorFlow is imported; importing it costs seconds and a second thread pool",
        "process",
        "torch, jax",
        "MULTIKERAS_KEEP_TF_UNLOADED=0",
        ("backends/tensorflow_guard.py: lazy.__class__",),
        ("keras.src.utils.module_utils.tensorflow",),
    ),  # fmt: skip
    Patch(
        "lowered layer classes",
        "the class of each built, lowered layer inside a subclassed model",
        "the layer's `__call__` (the same maths as a torch function; any argument but the input goes to Keras's `__call__`)",
        "a subclassed model's `call` is the user's code; this is how its layers run lowered inside it",
        "call",
        "torch",
        "the engine's switches",
        (
            "backends/torch_engine/forward.py: layer.__class__",
            "backends/torch_engine/forward.py: layer._multikeras_lowered",
        ),
    ),  # fmt: skip
    Patch(
        "engine on the model",
        "model._multikeras_engine",
        "nothing (an attribute Keras never reads)",
        "the model's program, loss plan and optimizer plan, kept between calls and rebuilt when the model changes",
        "object",
        "torch",
        "the engine's switches",
        ("backends/torch_engine/loop.py: model._multikeras_engine",),
    ),  # fmt: skip
    Patch(
        "called flag",
        "layer._called on the model and its layers",
        "what Keras's `Layer.__call__` sets on a real call (the engine calls the layers' maths directly)",
        "Keras's exporters refuse a model never called",
        "object",
        "torch",
        "the engine's switches",
        ("backends/keras_internals.py: layer._called",),
    ),  # fmt: skip
    Patch(
        "torch threads",
        "torch.set_num_threads",
        "torch's thread count, for the length of one fit, evaluate or predict (restored after)",
        "a small model's step split over two threads waits on the thread that lost its core when another process is busy",
        "call",
        "torch",
        "MULTIKERAS_TORCH_THREADS=0 leaves torch's setting",
        ("backends/torch_engine/fit_threads.py: self.torch.set_num_threads",),
    ),  # fmt: skip
    Patch(
        "grouped steps",
        "model.steps_per_execution, model.train_function, model.test_function",
        "one compiled step per call",
        "32 steps per compiled call: the host no longer dispatches each small step",
        "call",
        "jax, tensorflow",
        "MULTIKERAS_STEPS_PER_EXECUTION=1; `multikeras.fit(..., steps_per_execution=1)`",
        (
            "backends/steps_per_execution.py: model.steps_per_execution",
            "backends/steps_per_execution.py: model.train_function",
            "backends/steps_per_execution.py: model.test_function",
        ),
    ),  # fmt: skip
    Patch(
        "shared JAX programs",
        "an adapted Normalization layer's `call`, `mean` and `variance` (inside multikeras.fit and predict)",
        "statistics baked into the program as constants",
        "folds and candidates of a search share one compiled program",
        "call",
        "jax",
        "MULTIKERAS_JAX_CACHE=0",
        (
            "backends/jax_programs.py: layer.call",
            "backends/jax_programs.py: layer.mean",
            "backends/jax_programs.py: layer.variance",
        ),
    ),  # fmt: skip
    Patch(
        "initializer seeds",
        "keras.src.random.seed_generator.python_random",
        "the Python RNG Keras draws unseeded initializer seeds from",
        "a model built under multikeras.set_seed gets the same weights on every run",
        "call",
        "all",
        "-",
        ("backends/keras_internals.py: seed_generator.python_random",),
    ),  # fmt: skip
    Patch(
        "seeded shuffles",
        "NumPy's and torch's global random generators (numpy.random.seed, torch.manual_seed), at each epoch's start",
        "Keras's data adapters drawing each epoch's order from wherever the global generators stand",
        "under multikeras.set_seed, epoch e's batch order depends on (seed, e) alone, so a resumed or repeated fit sees the same batches",
        "process",
        "all",
        "no seed: `multikeras.set_seed(None)`, or `multikeras.fit(..., shuffle=False)`",
        ("backends/interface.py: np.random.seed", "backends/torch_backend.py: torch.manual_seed"),
    ),  # fmt: skip
    Patch(
        "resumed epoch",
        "model._initial_epoch",
        "nothing: the same attribute Keras's own BackupAndRestore sets",
        "multikeras's BackupAndRestore resumes where the backup stopped",
        "object",
        "all",
        "-",
        ("backends/keras_internals.py: model._initial_epoch",),
    ),  # fmt: skip
    Patch(
        "backend choice",
        "KERAS_BACKEND",
        "Keras's default backend (TensorFlow) when unset",
        "torch is multikeras's default; Keras reads the variable once, when it loads",
        "process",
        "all",
        "set KERAS_BACKEND yourself",
        ("backends/selection.py: os.environ['KERAS_BACKEND']",),
    ),  # fmt: skip
    Patch(
        "thread budget",
        "OMP_NUM_THREADS, XLA_FLAGS, TF_NUM_INTRAOP_THREADS, TF_NUM_INTEROP_THREADS (only where unset, and only when a budget is given)",
        "each library sizing its thread pool by the machine",
        "joblib and Dask workers share the cores; XLA and TensorFlow ignore OMP_NUM_THREADS",
        "process",
        "all",
        "set the variables yourself",
        (
            "backends/torch_backend.py: environ.setdefault",
            "backends/jax_backend.py: environ['XLA_FLAGS']",
            "backends/tensorflow_backend.py: environ.setdefault",
        ),
    ),  # fmt: skip
    Patch(
        "JAX compilation cache",
        "JAX_COMPILATION_CACHE_DIR and JAX's cache thresholds (where unset)",
        "no persistent cache",
        "each architecture compiles once across processes",
        "process",
        "jax",
        "MULTIKERAS_JAX_CACHE=0",
        ("backends/jax_cache.py: environ['JAX_COMPILATION_CACHE_DIR']", "backends/jax_cache.py: environ.setdefault"),
    ),  # fmt: skip
    Patch(
        "MKL reproducibility",
        "MKL_CBWR=AUTO (where unset)",
        "MKL rounding a row of a narrow Dense layer by its memory alignment",
        "a row predicts the same wherever it sits in a batch (measured: no cost)",
        "process",
        "torch",
        "set MKL_CBWR yourself",
        ("backends/torch_backend.py: os.environ.setdefault",),
    ),  # fmt: skip
    Patch(
        "CLI stop signals",
        "SIGINT, SIGTERM and SIGHUP handlers, sys.unraisablehook and a trace function (the `multikeras` command's own process only)",
        "Python's default handlers",
        "a stop signal ends the run cleanly, with one line naming what was kept, even when it lands inside a finalizer",
        "call",
        "all",
        "-",
        (
            "interrupts.py: signal.signal",
            "interrupts.py: sys.unraisablehook",
            "interrupts.py: sys.settrace",
            "interrupts.py: traced.f_trace",
        ),
    ),  # fmt: skip
    Patch(
        "quiet TensorFlow logs",
        "TF_CPP_MIN_LOG_LEVEL=2 (where unset; the `multikeras` command's own process only)",
        "TensorFlow's start-up log lines",
        "the command's output is its table, not TensorFlow's banner",
        "process",
        "tensorflow",
        "set TF_CPP_MIN_LOG_LEVEL yourself",
        ("app/cli.py: os.environ.setdefault",),
    ),  # fmt: skip
)


def table() -> str:
    """The list as text: one block per patch."""
    blocks = []
    for patch in PATCHES:
        blocks.append(
            f"{patch.name} ({patch.scope}; {patch.backends})\n"
            f"  changes:  {patch.target}\n  replaces: {patch.replaces}\n  why:      {patch.why}\n  off:      {patch.switch}"
        )
    return "\n".join(blocks)


HEADER = """# What multikeras changes in other libraries

Every change multikeras makes to Keras, torch, JAX, TensorFlow or Python, from one list
(`multikeras/backends/patches.py`); `multikeras.patches()` prints the same. Generated by
`python -m multikeras.backends.patches --write docs/patches.md`; a test fails when this page is stale, and
another when the code changes another library's object, an environment variable or a hook
that the list does not name.

Scope: *process* lasts from import (or first use) to the end of the process; *call* is
undone when the call returns, whatever happens; *object* is an attribute on one model or layer.
"""


def render() -> str:
    rows = [
        "| patch | changes | replaces | why | scope | backends | off |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for p in PATCHES:
        cells = [p.name, p.target, p.replaces, p.why, p.scope, p.backends, p.switch]
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return HEADER + "\n" + "\n".join(rows) + "\n"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"] and len(sys.argv) == 3:
        Path(sys.argv[2]).write_text(render())
    else:
        print(table())
