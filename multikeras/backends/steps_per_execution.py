"""Several training steps per compiled call on JAX and TensorFlow, chosen by ``multikeras.fit``.

With one batch per call, the host dispatches every small step itself; on this machine that
overhead was most of an epoch for the recipes' small models. Grouping 32 steps into one
compiled call (Keras's ``steps_per_execution``) gave the same losses to the last digit and
2.8x (regression on JAX) to 3x (regression on TensorFlow) faster epochs.

The grouping changes when per-batch callbacks run (every 32nd batch), so it applies only
when no callback passed to ``fit`` hooks batches (an LR finder does), and not when the model
was compiled with its own ``steps_per_execution``. Torch has no grouped steps in Keras.
``MULTIKERAS_STEPS_PER_EXECUTION=1`` or ``multikeras.fit(..., steps_per_execution=1)``
switches it off.
"""

from __future__ import annotations

import contextlib
import os
import weakref

from ..hparams import whole_numbers
from . import keras_internals
from .callback_hooks import BATCH_HOOKS, defines_hook

__all__ = ["DEFAULT", "ENV_SWITCH", "grouped_steps", "hooks_batches", "requested"]

DEFAULT = 32
ENV_SWITCH = "MULTIKERAS_STEPS_PER_EXECUTION"
_GROUPED = weakref.WeakKeyDictionary()  # model -> (steps, compiled state, train_function, test_function)


def hooks_batches(callback) -> bool:
    """Whether ``callback`` acts on single batches (Keras's savers only with an integer save_freq)."""
    if getattr(callback, "save_freq", None) == "epoch":
        return False
    return any(defines_hook(callback, hook) for hook in BATCH_HOOKS["train"] + BATCH_HOOKS["test"])


def requested(setting) -> int:
    """The steps per call that ``setting`` asks for (``"auto"``: the switch, else ``DEFAULT``)."""
    if setting == "auto":
        setting = os.environ.get(ENV_SWITCH, "").strip() or DEFAULT
    try:
        steps = int(setting)
    except (TypeError, ValueError):
        raise ValueError(
            f"steps_per_execution must be 'auto' or a whole number of at least 1, got {setting!r}."
        ) from None
    whole_numbers(steps_per_execution=steps, hint="steps_per_execution=1 runs one step per call.")
    return steps


def _compiled_state(model):
    """What a recompile replaces: a stash made under another compile must not be reused."""
    return (id(getattr(model, "optimizer", None)), id(keras_internals.compiled_loss(model)))


@contextlib.contextmanager
def grouped_steps(model, callbacks=(), setting="auto", most=None):
    """Inside the block, ``model.fit`` runs ``setting`` steps per call where that is safe.

    Afterwards the model's own setting is back, so a plain ``model.fit`` is Keras's. The
    grouped functions are kept on the model for the next ``multikeras.fit`` (partial_fit and
    warm starts would otherwise trace and compile again on every call). ``most`` caps the group
    (a sparse x's dense batches must fit in memory together).
    """
    steps = requested(setting) if most is None else max(1, min(requested(setting), most))
    chosen_by_user = getattr(model, "steps_per_execution", 1) != 1
    if steps == 1 or chosen_by_user or any(hooks_batches(c) for c in callbacks or ()):
        yield getattr(model, "steps_per_execution", 1)
        return
    stash = _GROUPED.get(model)
    reuse = stash is not None and stash[:2] == (steps, _compiled_state(model))
    model.steps_per_execution = steps
    model.train_function, model.test_function = stash[2:] if reuse else (None, None)
    try:
        yield steps
    finally:
        _GROUPED[model] = (steps, _compiled_state(model), model.train_function, model.test_function)
        model.steps_per_execution = 1
        model.train_function = model.test_function = None
