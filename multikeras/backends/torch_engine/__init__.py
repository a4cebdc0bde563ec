"""The torch engine: Keras models trained, evaluated and run as direct torch calls.

On by default on the torch backend wherever multikeras is imported: plain ``model.fit``,
``evaluate`` and ``predict`` as well as ``multikeras.fit`` and everything built on it. It
takes a call when the data are in-memory arrays and the model keeps Keras's steps: a
Sequential or functional model runs as a program of torch calls, a subclassed model by its own
``call``. Anything else (datasets, generators, a custom ``train_step``, ``jit_compile``, mixed
precision, masks, a distribution, variables off the CPU, a Keras outside the tested range,
an argument or setting the engine does not know) runs Keras's own loop, unchanged. The model,
its variables, optimizer state, saved files and History are Keras's; the tests hold History
and predictions to Keras's own loop within 1e-5, and Keras's own test suite passes with the
engine on (``python -m peer.keras_suite``).

Off: ``MULTIKERAS_TORCH_ENGINE=0`` for the process, or ``with multikeras.engine_off():`` for
a block. :func:`explain` says what runs lowered for a model, and why anything does not.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import warnings

from ...switches import is_off

__all__ = [
    "ENV_SWITCH",
    "TESTED_KERAS",
    "switched_on",
    "disabled",
    "eligibility",
    "explain",
    "keras_outside_tested",
    "unknown_settings",
]

ENV_SWITCH = "MULTIKERAS_TORCH_ENGINE"
# The Keras versions the engine's tests (and, for the newest, Keras's own suite) have passed on:
# the keras-min tox env runs the lowest, the others the newest. pyproject.toml pins the same range.
TESTED_KERAS = ("3.10.0", "3.15.1")
# Devices the engine's equivalence tests have run on; variables elsewhere go to Keras's loop.
TESTED_DEVICES = frozenset({"cpu"})
# Methods of Keras's trainer that its loop calls and the engine replaces: a model that overrides one runs Keras's loop.
LOOP_METHODS = (
    "train_step", "test_step", "predict_step", "compute_metrics", "get_metrics_result", "reset_metrics",
    "make_train_function", "make_test_function", "make_predict_function", "evaluate",
)  # fmt: skip
_local = threading.local()


@functools.cache
def keras_outside_tested() -> str | None:
    """Why this Keras is not one the engine was tested on (warned once per process), or None."""
    import keras
    from packaging.version import InvalidVersion, Version

    low, high = TESTED_KERAS
    try:
        inside = Version(low) <= Version(keras.__version__) <= Version(high)
    except InvalidVersion:
        inside = False
    if inside:
        return None
    why = f"Keras {keras.__version__} is outside the versions the engine was tested on ({low} to {high})"
    warnings.warn(f"{why}: Keras's own loop runs fit, evaluate and predict (correct, slower).", stacklevel=4)
    return why


def unknown_settings() -> str | None:
    """A global Keras setting the engine does not implement, or None."""
    import keras

    if keras.config.max_steps_per_epoch():
        return "keras.config.max_steps_per_epoch is set"
    if keras.distribution.distribution() is not None:
        return "a keras.distribution is in use"
    return None


def switched_on() -> bool:
    return not is_off(os.environ.get(ENV_SWITCH)) and not getattr(_local, "off", False)


@contextlib.contextmanager
def disabled():
    """Inside the block, Keras's own loops run (per thread)."""
    previous = getattr(_local, "off", False)
    _local.off = True
    try:
        yield
    finally:
        _local.off = previous


def eligibility(model) -> str | None:
    """None if the engine can run ``model``, else why it cannot (one line)."""
    import keras

    from .. import keras_internals as internals
    from .forward import graph_eligible

    trainer = internals.torch_trainer()
    if getattr(model, "jit_compile", False) is True:
        return "jit_compile=True: Keras compiles the step with torch.compile"
    if model.dtype_policy.compute_dtype != model.dtype_policy.variable_dtype:
        return f"mixed precision ({model.dtype_policy.name})"
    for method in LOOP_METHODS:
        if getattr(type(model), method, None) is not getattr(trainer, method, None):
            return f"the model overrides {method}"
    if getattr(model, "steps_per_execution", 1) != 1:
        return "steps_per_execution is set"
    if not isinstance(model, keras.Model):
        return "not a keras.Model"
    devices = {v.value.device.type for v in model.weights}
    if not devices <= TESTED_DEVICES:
        return f"variables on {', '.join(sorted(devices - TESTED_DEVICES))}: the engine's tests have run only on {', '.join(sorted(TESTED_DEVICES))}"
    return graph_eligible(model)


def explain(model) -> str:
    """A table: each layer, whether it runs lowered to torch, and how or why not."""
    from .trainer_routes import process_route

    reason = process_route() or eligibility(model)
    if reason is not None:
        return f"{model.name}: Keras's own loop runs ({reason})."
    from .forward import ForwardProgram

    program = ForwardProgram(model)
    if program.subclassed:
        lines = [
            f"{model.name}: the torch engine runs fit, evaluate and predict; the forward pass is the subclass's own call(),"
        ]
        lines.append("  with each built layer it calls running its lowering:")
        rows = [
            (layer.name, type(layer).__name__, "lowered" if bind else "own call", why)
            for layer, (bind, why) in program.inner
        ]
    else:
        lines = [f"{model.name}: the torch engine runs fit, evaluate and predict."]
        rows = [
            (step.layer.name, type(step.layer).__name__, "lowered" if step.lowered else "own call", step.why)
            for step in program.steps
        ]
    widths = [max(len(r[i]) for r in rows + [("layer", "class", "runs", "how")]) for i in range(3)]
    for row in [("layer", "class", "runs", "how")] + rows:
        lines.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3])
    if getattr(model, "compiled", False):
        from .objective import Objective

        lines.extend(Objective(model).describe())
    return "\n".join(lines)
