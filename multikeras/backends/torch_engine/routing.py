"""Plain ``model.fit``, ``evaluate`` and ``predict`` on torch, routed through the engine.

Installed on Keras's torch trainer when it loads (:func:`install`): each call checks whether
the engine can run it (the switch, the model, in-memory arrays, no ``steps_per_epoch``) and
otherwise calls Keras's own method with the same arguments. The decision is made per call,
so one model can train on arrays through the engine and on a dataset through Keras.
"""

from __future__ import annotations

import functools
import inspect

from . import eligibility, switched_on

__all__ = ["install", "fit_route", "evaluate_route", "predict_route"]


def _arrays(*data) -> bool:
    from .data import arrays_only

    return arrays_only(*data)


def fit_route(model, arguments: dict) -> str | None:
    """None if the engine runs this fit, else why not."""
    a = arguments
    if not switched_on():
        return "switched off"
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
    if a["validation_data"] is not None and not (isinstance(a["validation_data"], (tuple, list)) and _arrays(*a["validation_data"])):
        return "validation_data is not NumPy arrays"
    return eligibility(model)


def evaluate_route(model, arguments: dict) -> str | None:
    a = arguments
    if not switched_on():
        return "switched off"
    if not getattr(model, "compiled", False):
        return "not compiled"
    if a["y"] is None or not _arrays(a["x"], a["y"], a["sample_weight"]):
        return "the data are not NumPy arrays"
    if a.get("kwargs"):
        return "extra keyword arguments"
    return eligibility(model)


def predict_route(model, arguments: dict) -> str | None:
    if not switched_on():
        return "switched off"
    if not _arrays(arguments["x"]):
        return "the data are not NumPy arrays"
    if not model.built:
        return "the model is not built"
    return eligibility(model)


def _routed(original, route, run_name, keep):
    signature = inspect.signature(original)

    @functools.wraps(original)
    def method(self, *args, **kwargs):
        arguments = signature.bind(self, *args, **kwargs)
        arguments.apply_defaults()
        values = dict(arguments.arguments)
        values.pop("self")
        if route(self, values) is not None:
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
    trainer.fit = _routed(trainer.fit, fit_route, "fit", fit_keep)
    trainer.evaluate = _routed(
        trainer.evaluate, evaluate_route, "evaluate", ["x", "y", "batch_size", "verbose", "sample_weight", "steps", "callbacks", "return_dict"]
    )
    trainer.predict = _routed(trainer.predict, predict_route, "predict", ["x", "batch_size", "verbose", "steps", "callbacks"])
