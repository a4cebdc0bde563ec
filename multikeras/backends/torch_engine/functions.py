"""Keras's common loss and metric functions as plain torch, the same operations in the same order.

Keras's functions are written in ``keras.ops``, which convert and check every argument on
each call; on a small model those checks cost more than the arithmetic. :func:`torch_function`
returns the torch version of a known Keras function (matched by identity and arguments), or
None, in which case the engine calls Keras's own function on the torch tensors.
"""

from __future__ import annotations

import keras
import torch

__all__ = ["torch_function", "same_rank"]


def same_rank(x1, x2):
    """Keras's ``squeeze_or_expand_to_same_rank`` (expanding a rank-1 partner)."""
    r1, r2 = x1.dim(), x2.dim()
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        return (x1, x2.unsqueeze(-1)) if r2 == 1 else (x1.squeeze(-1), x2)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        return (x1.unsqueeze(-1), x2) if r1 == 1 else (x1, x2.squeeze(-1))
    return x1, x2


def _mse(y_true, y_pred):
    y_true, y_pred = same_rank(y_true.to(y_pred.dtype), y_pred)
    return torch.mean(torch.square(y_true - y_pred), dim=-1)


def _mae(y_true, y_pred):
    y_true, y_pred = same_rank(y_true.to(y_pred.dtype), y_pred)
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


def _sparse_accuracy(y_true, y_pred):
    y_true = y_true.to(y_pred.dtype)
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
    if fn is losses.sparse_categorical_crossentropy and kwargs.get("ignore_class") is None and kwargs.get("axis", -1) == -1:
        return _sparse_crossentropy(bool(kwargs.get("from_logits", False)))
    if fn is metrics.sparse_categorical_accuracy and not kwargs:
        return _sparse_accuracy
    return None
