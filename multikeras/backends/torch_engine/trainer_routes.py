"""Plain ``model.fit``, ``evaluate`` and ``predict`` on torch, routed through the engine.

Installed on Keras's torch trainer when it loads (:func:`install`): each call checks whether
the engine can run it and otherwise calls Keras's own method with the same arguments. The
decision is made per call, so one model can train on arrays through the engine and on a
dataset through Keras. Unknown means Keras: an argument the engine does not take (one a newer
Keras added, say) set to anything but its default, a config setting or distribution it does
not implement, a Keras outside the tested range, or variables off the CPU.
"""

from __future__ import annotations

import collections
import functools
import inspect

from . import eligibility, keras_outside_tested, switched_on, unknown_settings

__all__ = ["install", "fit_route", "evaluate_route", "predict_route", "CALLS"]

# (method, "engine") or (method, why Keras's own method ran): every routed call, counted. The
# Keras-suite runner (peer/) prints them, so a suite the engine never reaches shows as such.
CALLS: collections.Counter = collections.Counter()


def _arrays(*data) -> bool:
    from .data import arrays_only

    return arrays_only(*data)


def process_route() -> str | None:
    """Why nothing can run in the engine now (the switch, the Keras version, Keras's settings), or None."""
    if not switched_on():
        return "switched off"
    return keras_outside_tested() or unknown_settings()


def fit_route(model, arguments: dict) -> str | None:
    """None if the engine runs this fit, else why not."""
    a = arguments
    why = process_route()
    if why is not None:
        return why
    if not getattr(model, "compiled", False) or getattr(model, "optimizer", None) is None:
        return "not compiled"
    if a["steps_per_epoch"] is not None or a["validation_steps"] is not None:
        return "steps_per_epoch or validation_steps is set"
    if a["shuffle"] not in (True, False):
        return f"shuffle={a['shuffle']!r}"
    if a["class_weight"] is not None and a["sample_weight"] is not None:
        return "class_weight and sample_weight together (Keras refuses them)"
    if a["y"] is None or not _arrays(a["x"], a["y"], a["sample_weight"]):
        return "the data are not NumPy arrays"
    if _nested(a["sample_weight"]):
        return "sample weights per output"
    validation = a["validation_data"]
    if validation is not None and not (isinstance(validation, (tuple, list)) and _arrays(*validation)):
        return "validation_data is not NumPy arrays"
    if validation is not None and len(validation) == 3 and _nested(validation[2]):
        return "validation sample weights per output"
    return eligibility(model)


def evaluate_route(model, arguments: dict) -> str | None:
    a = arguments
    why = process_route()
    if why is not None:
        return why
    if not getattr(model, "compiled", False):
        return "not compiled"
    if a["y"] is None or not _arrays(a["x"], a["y"], a["sample_weight"]):
        return "the data are not NumPy arrays"
    if _nested(a["sample_weight"]):
        return "sample weights per output"
    return eligibility(model)


def predict_route(model, arguments: dict) -> str | None:
    why = process_route()
    if why is not None:
        return why
    if not _arrays(arguments["x"]):
        return "the data are not NumPy arrays"
    if not model.built:
        return "the model is not built"
    return eligibility(model)


def _nested(sample_weight) -> bool:
    return isinstance(sample_weight, (dict, list, tuple))


def unknown_arguments(signature: inspect.Signature, values: dict, known) -> str | None:
    """Why an argument outside ``known`` sends the call to Keras (set, and not to its default), or None."""
    for name, parameter in signature.parameters.items():
        if name == "self" or name in known:
            continue
        value = values.get(name, parameter.default)
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            if value:
                return f"keyword arguments the engine does not know: {', '.join(sorted(value))}"
        elif parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            if value:
                return "extra positional arguments"
        elif value is not parameter.default:
            return f"{name}= is not an argument the engine knows"
    return None


def _routed(original, route, run_name, keep, checked=()):
    signature = inspect.signature(original)
    known = {*keep, *checked}

    @functools.wraps(original)
    def method(self, *args, **kwargs):
        arguments = signature.bind(self, *args, **kwargs)
        arguments.apply_defaults()
        values = dict(arguments.arguments)
        values.pop("self")
        why = unknown_arguments(signature, values, known) or route(self, values)
        CALLS[run_name, why or "engine"] += 1
        if why is not None:
            return original(self, *args, **kwargs)
        from . import loop  # imported on first use: this module is patched in while Keras loads

        return getattr(loop, run_name)(self, **{name: values[name] for name in keep})

    method.__multikeras_original__ = original
    return method


def install(module) -> None:
    """Route the torch trainer's fit, evaluate and predict (``module`` is Keras's torch trainer module)."""
    trainer = module.TorchTrainer
    if getattr(trainer.fit, "__multikeras_original__", None) is not None:
        return
    fit_keep = [
        "x", "y", "batch_size", "epochs", "verbose", "callbacks", "validation_split", "validation_data", "shuffle",
        "class_weight", "sample_weight", "initial_epoch", "validation_batch_size", "validation_freq",
    ]  # fmt: skip
    trainer.fit = _routed(trainer.fit, fit_route, "fit", fit_keep, checked=["steps_per_epoch", "validation_steps"])
    trainer.evaluate = _routed(
        trainer.evaluate,
        evaluate_route,
        "evaluate",
        ["x", "y", "batch_size", "verbose", "sample_weight", "steps", "callbacks", "return_dict"],
    )
    trainer.predict = _routed(
        trainer.predict, predict_route, "predict", ["x", "batch_size", "verbose", "steps", "callbacks"]
    )
