"""Keras's common loss and metric functions as plain torch, the same operations in the same order.

Keras's functions are written in ``keras.ops``, which convert and check every argument on
each call; on a small model those checks cost more than the arithmetic. :func:`torch_function`
returns the torch version of a known Keras function (matched by identity and arguments), or
None, in which case the engine calls Keras's own function on the torch tensors.
"""

from __future__ import annotations

import keras
import torch

__all__ = ["cast", "torch_function", "same_rank"]


def cast(x, dtype):
    """``x.to(dtype)``, skipped when it is a no-op (a no-op ``to`` still costs microseconds per call)."""
    return x if x.dtype == dtype else x.to(dtype)


def same_rank(x1, x2):
    """Keras's ``squeeze_or_expand_to_same_rank`` (expanding a rank-1 partner)."""
    r1, r2 = x1.dim(), x2.dim()
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        return (x1, x2.unsqueeze(-1)) if r2 == 1 else (x1.squeeze(-1), x2)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        return (x1.unsqueeze(-1), x2) if r1 == 1 else (x1, x2.squeeze(-1))
    return x1, x2


def _mse(y_true, y_pred):
    y_true, y_pred = same_rank(cast(y_true, y_pred.dtype), y_pred)
    return torch.mean(torch.square(y_true - y_pred), dim=-1)


def _mae(y_true, y_pred):
    y_true, y_pred = same_rank(cast(y_true, y_pred.dtype), y_pred)
    return torch.mean(torch.abs(y_true - y_pred), dim=-1)


def _sparse_crossentropy(from_logits):
    epsilon = keras.config.epsilon()

    def loss(y_true, y_pred):
        if y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1:
            y_true = y_true.squeeze(-1)
        target = y_true.long()
        if from_logits:
            return torch.nn.functional.cross_entropy(y_pred, target, reduction="none")
        output = y_pred / torch.sum(y_pred, dim=-1, keepdim=True)
        output = torch.clip(output, epsilon, 1.0 - epsilon)
        return torch.nn.functional.nll_loss(torch.log(output), target, reduction="none")

    return loss


def _categorical_crossentropy(from_logits, label_smoothing, keras_fn):
    epsilon = keras.config.epsilon()

    def loss(y_true, y_pred):
        y_true = cast(y_true, y_pred.dtype)
        if y_pred.shape[-1] == 1 or y_true.shape != y_pred.shape or y_pred.dim() < 1:
            return keras_fn(
                y_true, y_pred, from_logits=from_logits, label_smoothing=label_smoothing
            )  # Keras's own warning or error
        if label_smoothing:
            y_true = y_true * (1.0 - label_smoothing) + label_smoothing / torch.tensor(
                y_true.shape[-1], dtype=y_pred.dtype
            )
        if from_logits:
            log_prob = torch.nn.functional.log_softmax(y_pred, dim=-1)
        else:
            output = y_pred / torch.sum(y_pred, dim=-1, keepdim=True)
            log_prob = torch.log(torch.clip(output, epsilon, 1.0 - epsilon))
        return -torch.sum(y_true * log_prob, dim=-1)

    return loss


def _binary_crossentropy(from_logits, label_smoothing, keras_fn):
    epsilon = keras.config.epsilon()

    def loss(y_true, y_pred):
        y_true = cast(y_true, y_pred.dtype)
        if y_true.shape != y_pred.shape:
            return keras_fn(
                y_true, y_pred, from_logits=from_logits, label_smoothing=label_smoothing
            )  # Keras's own error
        if label_smoothing:
            y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
        if from_logits:
            values = torch.nn.functional.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
        else:
            values = torch.nn.functional.binary_cross_entropy(
                torch.clip(y_pred, epsilon, 1.0 - epsilon), y_true, reduction="none"
            )
        return torch.mean(values, dim=-1)

    return loss


def _huber(delta):
    def loss(y_true, y_pred):
        y_true, y_pred = same_rank(cast(y_true, y_pred.dtype), y_pred)
        limit = torch.tensor(delta, dtype=y_pred.dtype)
        error = y_pred - y_true
        absolute = torch.abs(error)
        half = torch.tensor(0.5, dtype=y_pred.dtype)
        return torch.mean(
            torch.where(absolute <= limit, half * torch.square(error), limit * absolute - half * torch.square(limit)),
            dim=-1,
        )

    return loss


def _log_cosh(y_true, y_pred):
    y_true, y_pred = same_rank(cast(y_true, y_pred.dtype), y_pred)
    error = y_pred - y_true
    log2 = torch.log(torch.tensor(2.0, dtype=y_pred.dtype))
    return torch.mean(error + torch.nn.functional.softplus(error * -2.0) - log2, dim=-1)


def _binary_accuracy(threshold):
    def metric(y_true, y_pred):
        y_true, y_pred = same_rank(y_true, y_pred)
        predicted = (y_pred > torch.tensor(threshold, dtype=getattr(torch, keras.config.floatx()))).to(y_true.dtype)
        return (y_true == predicted).to(getattr(torch, keras.config.floatx()))

    return metric


def _categorical_accuracy(y_true, y_pred):
    if y_true.dtype == torch.bool:  # as Keras's argmax takes booleans
        y_true = y_true.to(torch.uint8)
    y_true = y_true.argmax(-1).to(y_pred.dtype)
    shape = y_true.shape
    squeezed = y_true.dim() == y_pred.dim()
    if squeezed:
        y_true = y_true.squeeze(-1)
    matches = (y_true == y_pred.argmax(-1).to(y_true.dtype)).to(getattr(torch, keras.config.floatx()))
    return matches.reshape(shape) if squeezed else matches


def _sparse_accuracy(y_true, y_pred):
    y_true = cast(y_true, y_pred.dtype)
    shape = y_true.shape
    squeezed = y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1
    if squeezed:
        y_true = y_true.squeeze(-1)
    matches = (y_true == y_pred.argmax(-1).to(y_true.dtype)).to(getattr(torch, keras.config.floatx()))
    if squeezed:
        matches = matches.reshape(shape)
    return matches.squeeze(-1) if matches.dim() > 1 and matches.shape[-1] == 1 else matches


def torch_function(fn, kwargs: dict):
    """The torch version of Keras's ``fn`` called with ``kwargs``, or None."""
    losses, metrics = keras.losses, keras.metrics
    if fn is losses.mean_squared_error and not kwargs:
        return _mse
    if fn is losses.mean_absolute_error and not kwargs:
        return _mae
    if (
        fn is losses.sparse_categorical_crossentropy
        and kwargs.get("ignore_class") is None
        and kwargs.get("axis", -1) == -1
    ):
        return _sparse_crossentropy(bool(kwargs.get("from_logits", False)))
    if fn is metrics.sparse_categorical_accuracy and not kwargs:
        return _sparse_accuracy
    smoothing = kwargs.get("label_smoothing", 0.0)
    plain_axis = kwargs.get("axis", -1) == -1 and set(kwargs) <= {"from_logits", "label_smoothing", "axis"}
    if fn is losses.categorical_crossentropy and plain_axis:
        return _categorical_crossentropy(bool(kwargs.get("from_logits", False)), smoothing, fn)
    if fn is losses.binary_crossentropy and plain_axis:
        return _binary_crossentropy(bool(kwargs.get("from_logits", False)), smoothing, fn)
    if fn is losses.huber and set(kwargs) <= {"delta"}:
        return _huber(float(kwargs.get("delta", 1.0)))
    if fn is losses.log_cosh and not kwargs:
        return _log_cosh
    if fn is metrics.binary_accuracy and set(kwargs) <= {"threshold"}:
        return _binary_accuracy(float(kwargs.get("threshold", 0.5)))
    if fn is metrics.categorical_accuracy and not kwargs:
        return _categorical_accuracy
    return None
