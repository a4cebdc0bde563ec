"""The torch engine: Keras models trained, evaluated and run as direct torch calls.

On by default on the torch backend wherever multikeras is imported: plain ``model.fit``,
``evaluate`` and ``predict`` as well as ``multikeras.fit`` and everything built on it. It
takes a call when the data are in-memory arrays and the model keeps Keras's steps: a
Sequential or functional model runs as a program of torch calls, a subclassed model by its own
``call``. Anything else (datasets, generators, a custom ``train_step``, ``jit_compile``, mixed
precision, masks) runs Keras's own loop, unchanged. The model, its
variables, optimizer state, saved files and History are Keras's; the tests hold History and
predictions to Keras's own step within 1e-5.

Off: ``MULTIKERAS_TORCH_ENGINE=0`` for the process, or ``with multikeras.engine_off():`` for
a block. :func:`explain` says what runs lowered for a model, and why anything does not.
"""

from __future__ import annotations

import contextlib
import os
import threading

from ...switches import is_off

__all__ = ["ENV_SWITCH", "switched_on", "disabled", "eligibility", "explain"]

ENV_SWITCH = "MULTIKERAS_TORCH_ENGINE"
_local = threading.local()


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
    for step in ("train_step", "test_step", "predict_step"):
        if getattr(type(model), step) is not getattr(trainer, step):
            return f"the model overrides {step}"
    if getattr(model, "steps_per_execution", 1) != 1:
        return "steps_per_execution is set"
    return graph_eligible(model) if isinstance(model, keras.Model) else "not a keras.Model"


def explain(model) -> str:
    """A table: each layer, whether it runs lowered to torch, and how or why not."""
    reason = eligibility(model)
    if reason is not None:
        return f"{model.name}: Keras's own loop runs ({reason})."
    from .forward import ForwardProgram

    program = ForwardProgram(model)
    if program.subclassed:
        lines = [f"{model.name}: the torch engine runs fit, evaluate and predict; the forward pass is the subclass's own call(),"]
        lines.append("  with each built layer it calls running its lowering:")
        rows = [(layer.name, type(layer).__name__, "lowered" if bind else "own call", why) for layer, (bind, why) in program.inner]
    else:
        lines = [f"{model.name}: the torch engine runs fit, evaluate and predict."]
        rows = [(step.layer.name, type(step.layer).__name__, "lowered" if step.lowered else "own call", step.why) for step in program.steps]
    widths = [max(len(r[i]) for r in rows + [("layer", "class", "runs", "how")]) for i in range(3)]
    for row in [("layer", "class", "runs", "how")] + rows:
        lines.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3])
    if getattr(model, "compiled", False):
        from .objective import Objective

        lines.extend(Objective(model).describe())
    return "\n".join(lines)
