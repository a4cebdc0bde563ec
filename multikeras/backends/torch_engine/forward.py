"""A Keras model's forward pass as a flat list of torch calls over the layers' own variables.

Keras's ``Layer.__call__`` converts and checks its arguments, handles masks, autocasting and
name scopes on every call; for small models that is most of a step. Here the graph of a
Sequential or functional model is walked once, and each node becomes one entry of a program:
a lowered torch function for the common layers (same maths as the layer's ``call``, reading
its variables' torch tensors, never copies), or the layer's own ``call`` for any other, so
one unlowered layer never sends the whole model back to Keras. Subclassed models run their
own ``call``, with their inner layers' ``__call__`` left as Keras wrote it.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from dataclasses import dataclass

import keras
import torch

from .. import keras_internals as internals
from .functions import cast
from .lowering import LOWERED, keras_call_extras, lower

__all__ = ["ForwardProgram", "Step", "graph_eligible"]


@dataclass(frozen=True)
class Step:
    """One node of the program: ``fn`` applied to the values at ``sources``, stored at ``targets``."""

    layer: object
    bind: object  # () -> the function to call; None for the layer's own call
    lowered: bool  # a torch function of ours (True) or the layer's own call (False)
    why: str  # for explain(): what was lowered, or why not
    sources: object  # an int (one input), a list of ints, or the node's arguments (general case)
    targets: tuple
    takes_training: bool


LOWERED_TYPES = frozenset(LOWERED)


def _takes_training(fn) -> bool:
    """Whether ``fn`` has a ``training`` parameter (a callable without a signature has none)."""
    try:
        return "training" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _real(inputs) -> bool:
    """A torch tensor, or a list of them (a merge layer's input), not Keras's symbolic tracing and
    without a Keras mask (which the layer's own ``__call__`` would read and pass on)."""
    if isinstance(inputs, (list, tuple)):
        return bool(inputs) and all(_real(x) for x in inputs)
    return isinstance(inputs, torch.Tensor) and not inputs.is_meta and internals.keras_mask(inputs) is None


@functools.cache
def _lowered_class(cls):
    """``cls`` with a ``__call__`` that runs the instance's lowered function."""
    original = cls.__call__

    def __call__(self, inputs, *args, **kwargs):
        if args or not _real(inputs):
            return original(self, inputs, *args, **kwargs)
        training = None
        if kwargs:
            if any(value is not None for key, value in kwargs.items() if key != "training"):
                return original(self, inputs, *args, **kwargs)
            training = kwargs.get("training")
        fn, takes_training = self._multikeras_lowered
        if takes_training:
            return fn(inputs, training=bool(internals.resolve_training(training)))
        if training is not None:
            internals.resolve_training(training)  # Keras passes an explicit value on to the layers after
        return fn(inputs)

    return type(
        cls.__name__, (cls,), {"__call__": __call__, "__module__": cls.__module__, "__qualname__": cls.__qualname__}
    )


def fingerprint(model) -> tuple:
    """What the program was built from: a quantize, a LoRA, a rebuilt layer or a new policy changes it."""
    layers = [model, *internals.sublayers(model)]
    return (
        tuple(id(v) for v in model.weights),
        tuple(
            (id(layer), _own_class(layer), layer.dtype_policy.name, getattr(layer, "lora_enabled", False), layer.built)
            for layer in layers
        ),
    )


def _own_class(layer):
    """The layer's class, looking through the lowered subclass swapped in during a call."""
    return type(layer).__mro__[1] if hasattr(layer, "_multikeras_lowered") else type(layer)


def is_graph(model) -> bool:
    """A Sequential or functional model (a graph of layer calls), not a subclassed one."""
    return isinstance(model, keras.Sequential) or internals.is_functional(model)


def graph_eligible(model) -> str | None:
    """None if the model can run in the engine (a graph as a program, a subclass by its call), else why not."""
    if not is_graph(model):
        return None  # runs by its own call
    graph = internals.graph_of(model)
    if graph is None:
        return "a Sequential model without an Input: build it first"
    if internals.missing() or internals.missing_on(**{"functional graph": graph}):
        return f"this Keras ({keras.__version__}) lacks a private name the program needs"
    if not all(isinstance(op, keras.layers.Layer) for op in graph.operations):
        return "the graph calls keras.ops directly between layers"
    if internals.graph_masks(graph):
        return "a layer produces a mask (Embedding(mask_zero=True), Masking)"
    return None


class ForwardProgram:
    """Runs ``model`` on torch tensors: ``program(inputs, training)`` -> Keras's output structure."""

    def __init__(self, model):
        self.model = model
        self.dtype = getattr(torch, model.dtype_policy.compute_dtype)
        self.subclassed = not is_graph(model)
        self.graph = None if self.subclassed else internals.graph_of(model)
        self.fingerprint = fingerprint(model)
        self.slots = {}  # id(KerasTensor) -> index into the value list
        self.steps = [] if self.subclassed else self._compile()
        self.bind()
        if self.subclassed:
            self.call_takes_training = _takes_training(model.call)
        else:
            self.outputs = [self._slot(t) for t in self.graph.outputs]
            self.output_structure = internals.output_structure(self.graph)

    def _slot(self, tensor) -> int:
        return self.slots.setdefault(id(tensor), len(self.slots))

    def _compile(self) -> list:
        for tensor in self.graph.inputs:
            self._slot(tensor)
        steps = []
        for node in internals.graph_nodes(self.graph):
            layer = node.operation
            bind, why = lower(layer, self.model)
            lowered = bind is not None
            fn = bind() if lowered else self._own_call(layer)
            takes_training = _takes_training(fn)
            args = node.arguments.args
            # None is the call's default; training is the program's own argument.
            kwargs = {k: v for k, v in node.arguments.kwargs.items() if v is not None and k != "training"}
            if kwargs and lowered:
                bind, lowered, why = None, False, f"called with {sorted(kwargs)}: its own call runs"
                takes_training = _takes_training(layer.call)
            if len(args) == 1 and not kwargs and isinstance(args[0], keras.KerasTensor):
                sources = self._slot(args[0])
            elif (
                len(args) == 1
                and not kwargs
                and isinstance(args[0], (list, tuple))
                and all(isinstance(a, keras.KerasTensor) for a in args[0])
            ):
                sources = [self._slot(a) for a in args[0]]
            else:
                for tensor in node.arguments.keras_tensors:
                    self._slot(tensor)
                sources = node.arguments
            targets = tuple(self._slot(t) for t in node.outputs)
            steps.append(Step(layer, bind, lowered, why, sources, targets, takes_training))
        return steps

    @contextlib.contextmanager
    def lowered_layer_calls(self):
        """For a subclassed model: inside the block its built layers' ``__call__`` run their lowering.

        ``call`` is the user's code, so it keeps calling ``self.dense(x)``; each lowered layer's
        class is swapped for a subclass whose ``__call__`` is the torch function (any other
        argument than the input, a mask say, goes to Keras's own ``__call__``). The classes are
        restored on the way out, whatever happens.
        """
        swapped = []
        try:
            for layer, (bind, _) in getattr(self, "inner", ()):
                if bind is not None and type(layer) in LOWERED_TYPES:
                    fn = bind()
                    layer._multikeras_lowered = (fn, _takes_training(fn))
                    swapped.append((layer, type(layer)))
                    layer.__class__ = _lowered_class(type(layer))
            yield len(swapped)
        finally:
            for layer, original in swapped:
                layer.__class__ = original
                del layer._multikeras_lowered

    def bind(self) -> None:
        """Take the variables' current tensors; run at the start of every fit, evaluate and predict."""
        if self.subclassed:
            self.inner = [(layer, lower(layer, self.model)) for layer in internals.sublayers(self.model) if layer.built]
        self.functions = [step.bind() if step.lowered else self._own_call(step.layer) for step in self.steps]
        self.outer_call = internals.OuterCall(self.model)

    def _own_call(self, layer):
        """``layer.call`` where that is all its ``__call__`` would do, else the whole ``__call__``."""
        plain = type(layer).__call__ is keras.layers.Layer.__call__ and keras_call_extras(layer, self.model) is None
        return layer.call if plain else layer

    structure = None  # a subclassed model's input structure, set by the loop from its data

    def __call__(self, inputs, training: bool):
        """The model's outputs; layers that read ``training`` from Keras's call context find it there."""
        # Keras's __call__ passes training on only when the model's call takes it.
        with self.outer_call(training if not self.subclassed or self.call_takes_training else None):
            if self.subclassed:
                return self._call_subclass(inputs, training, self.structure)
            return self._run_graph(inputs, training)

    def _run_graph(self, inputs, training: bool):
        values = [None] * len(self.slots)
        for i, tensor in enumerate(inputs):
            values[i] = cast(tensor, self.dtype) if torch.is_floating_point(tensor) else tensor
        for step, fn in zip(self.steps, self.functions):
            sources = step.sources
            kwargs = {"training": training} if step.takes_training else {}
            if isinstance(sources, int):
                out = fn(values[sources], **kwargs)
            elif isinstance(sources, list):
                out = fn([values[i] for i in sources], **kwargs)
            else:
                lookup = {id(t): values[self.slots[id(t)]] for t in sources.keras_tensors}
                args, own_kwargs = sources.fill_in(lookup)
                own_kwargs.pop("training", None)
                out = fn(*args, **{**own_kwargs, **kwargs})
            if len(step.targets) == 1:
                values[step.targets[0]] = out
            else:
                for target, value in zip(step.targets, keras.tree.flatten(out)):
                    values[target] = value
        flat = [values[i] for i in self.outputs]
        outputs = keras.tree.pack_sequence_as(self.output_structure, flat)
        return outputs[0] if isinstance(outputs, (list, tuple)) and len(outputs) == 1 else outputs

    def _call_subclass(self, inputs, training, structure):
        """A subclassed model's own ``call`` (inner layers keep their ``__call__``), inputs cast as Keras casts them."""
        flat = [cast(t, self.dtype) if torch.is_floating_point(t) else t for t in inputs]
        x = keras.tree.pack_sequence_as(structure, flat) if structure is not None else flat[0]
        return self.model.call(x, training=training) if self.call_takes_training else self.model.call(x)
