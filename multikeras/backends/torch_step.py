"""A leaner training and evaluation step for Keras on torch (CPU), switched on by ``multikeras.fit``.

Profiling the classifier recipe on torch showed half of each step in Keras's per-layer
``Layer.__call__`` (input conversion, autocast, masking, name scopes) rather than in the
layers' maths, and the LSTM running its 56 time steps as a Python loop, because Keras uses
torch's fused LSTM kernel only on CUDA. For a Sequential or functional model this step walks
the same graph but calls each layer's ``call`` directly, and runs a plain LSTM through
``torch.lstm`` (the same kernel as ``torch.nn.LSTM``, CPU included). Loss, optimizer, metrics,
callbacks and the data pipeline stay Keras's own, so the History matches Keras's step: the
test holds the losses of every graph recipe to the same values within float32 rounding.
``multikeras.predict`` runs the same forward pass (half the time of Keras's on the recipes).

It steps aside (Keras's step runs) for subclassed models, models with their own
``train_step``, ``jit_compile``, mixed precision, and layers that produce masks. Keras's
graph-walking and loss helpers it uses are private; if they change, it steps aside too.
``MULTIKERAS_LEAN_TORCH_STEP=0`` or ``multikeras.fit(..., lean_step=False)`` switches it off.
"""

from __future__ import annotations

import contextlib
import inspect
import os

import keras
import torch

from ..switches import is_off
from . import keras_internals as internals

__all__ = ["eligible", "lean_steps", "lean_predict", "ENV_SWITCH"]

ENV_SWITCH = "MULTIKERAS_LEAN_TORCH_STEP"


def switched_on() -> bool:
    return not is_off(os.environ.get(ENV_SWITCH))


def _graph(model):
    """The functional graph behind ``model``, or None where Keras's private helpers are missing."""
    graph = internals.graph_of(model)
    if graph is None or internals.missing() or internals.missing_on(**{"functional graph": graph}):
        return None
    return graph


def eligible(model) -> bool:
    """Whether the lean step reproduces Keras's step for ``model``."""
    TorchTrainer = internals.torch_trainer()
    graph = _graph(model)
    if graph is None or not (isinstance(model, keras.Sequential) or internals.is_functional(model)):
        return False
    if type(model).train_step is not TorchTrainer.train_step or type(model).test_step is not TorchTrainer.test_step:
        return False
    if getattr(model, "jit_compile", False) is True or model.dtype_policy.compute_dtype != model.dtype_policy.variable_dtype:
        return False
    if not all(isinstance(op, keras.layers.Layer) for op in graph.operations):
        return False
    # Keras traced the graph symbolically: a layer that produces a mask left it on its outputs.
    return not internals.graph_masks(graph)


def _fused_lstm(layer):
    """``layer.call`` through torch's fused LSTM kernel (the engine's lowering), or None where that is not the same maths."""
    if type(layer) is not keras.layers.LSTM:
        return None
    from .torch_engine.lowering import lower

    bind, _ = lower(layer)
    if bind is None:
        return None
    lstm, dtype = bind(), layer.cell.kernel.value.dtype

    def call(sequences, training=None, mask=None, initial_state=None):
        if mask is not None or initial_state is not None:
            return layer.call(sequences, training=training, mask=mask, initial_state=initial_state)
        return lstm(sequences.to(dtype))

    return call


def _lean_forward(model):
    graph = _graph(model)
    calls = {}

    def operation_fn(training):
        def pick(op):
            key = (id(op), training)
            if key not in calls:
                call = _fused_lstm(op) or op.call
                takes_training = "training" in inspect.signature(call).parameters
                calls[key] = (lambda *a, _c=call, **k: _c(*a, **{**k, "training": training})) if takes_training else call
            return calls[key]

        return pick

    dtype = getattr(torch, model.dtype_policy.compute_dtype)

    def forward(x, training):
        inputs = [t.to(dtype) if torch.is_floating_point(t) else t for t in internals.standardize_inputs(graph, x)]
        outputs = internals.run_through_graph(graph, inputs, operation_fn(training))
        return outputs[0] if isinstance(outputs, (list, tuple)) and len(outputs) == 1 else outputs

    return forward


def _batch_size(x):
    return next(t for t in keras.tree.flatten(x) if t is not None).shape[0]


def _steps(model):
    unpack_x_y_sample_weight = internals.unpack_x_y_sample_weight
    forward = _lean_forward(model)

    def train_function(data):
        x, y, sample_weight = unpack_x_y_sample_weight(data[0])
        y_pred = forward(x, True)
        model.zero_grad()
        loss = internals.compute_loss(model, x, y, y_pred, sample_weight, training=True)
        internals.loss_tracker(model).update_state(loss, sample_weight=_batch_size(x))
        model.optimizer.scale_loss(loss).backward()
        weights = model.trainable_weights[:]
        with torch.no_grad():
            model.optimizer.apply([v.value.grad for v in weights], weights)
        return model.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def test_function(data):
        x, y, sample_weight = unpack_x_y_sample_weight(data[0])
        with torch.no_grad():
            y_pred = forward(x, False)
            loss = internals.compute_loss(model, x, y, y_pred, sample_weight, training=False)
            internals.loss_tracker(model).update_state(loss, sample_weight=_batch_size(x))
            return model.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    return train_function, test_function


def _predict_function(model):
    forward = _lean_forward(model)

    def predict_function(data):
        x, _, _ = internals.unpack_x_y_sample_weight(data[0])
        with torch.no_grad():
            return forward(x, False)

    return predict_function


@contextlib.contextmanager
def lean_steps(model, enabled=True):
    """Inside the block, ``model.fit`` trains and validates with the lean step where it applies.

    Afterwards Keras's own step is restored, so a later plain ``model.fit`` is untouched.
    """
    if not (enabled and switched_on() and getattr(model, "optimizer", None) is not None and eligible(model)):
        yield False
        return
    model.train_function, model.test_function = _steps(model)
    try:
        yield True
    finally:
        model.train_function = model.test_function = None


@contextlib.contextmanager
def lean_predict(model, enabled=True):
    """Inside the block, ``model.predict`` and ``predict_on_batch`` use the lean forward pass.

    The model's own predict function is back afterwards.
    """
    own_step = type(model).predict_step is internals.torch_trainer().predict_step
    if not (enabled and switched_on() and own_step and eligible(model)):
        yield False
        return
    previous = model.predict_function
    model.predict_function = _predict_function(model)
    try:
        yield True
    finally:
        model.predict_function = previous
