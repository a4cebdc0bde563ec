"""The compiled loss and metrics, computed in torch and accumulated on the device.

Keras's compiled loss goes through containers, name scopes and dtype conversions every step,
and its loss tracker writes a Keras variable every step. Here a single-output model's loss is
the loss object's own ``call`` (the same per-sample values) reduced as Keras reduces them,
and the running loss is a torch tensor that is written into Keras's tracker only when
something reads the logs. Anything else (several outputs, regularization losses, a custom
``compute_loss``, another reduction) uses Keras's own ``compute_loss``, unchanged.
"""

from __future__ import annotations

import keras
import torch

from .. import keras_internals as internals
from .functions import same_rank, torch_function

__all__ = ["Objective", "MeanAccumulator"]

REDUCTIONS = ("sum_over_batch_size", "mean", "sum")


class MeanAccumulator:
    """A Keras Mean-family metric (MeanMetricWrapper, RootMeanSquaredError) summed on the device.

    Each step adds what ``Mean.update_state`` would add to ``total`` and ``count``; :meth:`sync`
    writes the sums into the metric's own variables, so ``result()`` is Keras's.
    """

    def __init__(self, metric, weighted: bool):
        self.metric, self.weighted = metric, weighted
        self.values = self._torch_values(metric) or internals.mean_metric_values(metric)
        self.dtype = getattr(torch, metric.dtype)
        self.total = torch.zeros((), dtype=getattr(torch, metric.dtype))
        self.count = torch.zeros((), dtype=getattr(torch, metric.dtype))

    @staticmethod
    def _torch_values(metric):
        if type(metric) is keras.metrics.RootMeanSquaredError:
            dtype = getattr(torch, metric.dtype)

            def squared_error(y_true, y_pred):
                y_true, y_pred = same_rank(y_true.to(dtype), y_pred.to(dtype))
                return torch.square(y_pred - y_true)

            return squared_error
        fn, kwargs = internals.function_of(metric)
        return torch_function(fn, kwargs) if fn is not None else None

    def _samplewise(self, values, weights):
        """``reduce_to_samplewise_values`` of Keras's Mean, in torch."""
        values = values.to(self.dtype)
        if weights is None:
            return (values.mean(dim=tuple(range(1, values.dim()))) if values.dim() > 1 else values), None
        values, weights = same_rank(values, weights.to(self.dtype))
        if values.dim() > weights.dim():
            values = values.mean(dim=tuple(range(weights.dim(), values.dim())))
        weights = weights.broadcast_to(values.shape)
        values = values * weights
        if weights.dim() > 1:
            weights = weights.mean(dim=tuple(range(1, weights.dim())))
        if values.dim() > 1:
            values = values.mean(dim=tuple(range(1, values.dim())))
        return values, weights

    def update(self, y_true, y_pred, sample_weight) -> None:
        values, weights = self._samplewise(self.values(y_true, y_pred), sample_weight if self.weighted else None)
        self.total += values.sum()
        self.count += weights.sum() if weights is not None else (values.shape[0] if values.dim() else 1)

    def sync(self) -> None:
        self.metric.total.assign(self.total)
        self.metric.count.assign(self.count)

    def reset(self) -> None:
        self.total.zero_()
        self.count.zero_()


class Objective:
    """Loss and metrics of one compiled model for the engine's steps."""

    def __init__(self, model):
        self.model = model
        self.tracker = internals.loss_tracker(model)
        self.metrics = internals.compiled_metrics(model)
        self.accumulators, self.others = self._metric_plan()
        self.term, self.why_not = self._single_term(model)
        self.loss_sum = torch.zeros((), dtype=torch.float32)
        self.seen = torch.zeros((), dtype=torch.float32)

    @staticmethod
    def _single_term(model):
        if type(model).compute_loss is not keras.Model.compute_loss:
            return None, "the model overrides compute_loss"
        if model.losses:
            return None, "the model adds regularization or activity losses"
        terms = internals.loss_terms(model)
        if terms is None or len(terms) != 1:
            return None, "several outputs: Keras's compiled loss weighs and tracks each"
        path, loss, weight = terms[0]
        if path not in ((), None) or not internals.is_loss_function_wrapper(loss) or loss.reduction not in REDUCTIONS:
            return None, f"the loss {type(loss).__name__} is not one of Keras's function losses"
        fn = torch_function(*internals.function_of(loss))
        values = (lambda y_true, y_pred: fn(*same_rank(y_true, y_pred))) if fn is not None else loss.call
        return (loss, weight, values), None

    def _metric_plan(self):
        """``([(output index, accumulator)], [(output index, metric, weighted)])``: summed here, or Keras's update."""
        accumulators, others = [], []
        for index, metric, weighted in internals.flat_metrics(self.metrics):
            if internals.mean_metric_values(metric) is not None:
                accumulators.append((index, MeanAccumulator(metric, weighted)))
            else:
                others.append((index, metric, weighted))
        return accumulators, others

    def loss(self, x, y, y_pred, sample_weight, training=True):
        """The step's total loss (a scalar tensor), as Keras's ``compute_loss`` gives it."""
        if self.term is None:
            return internals.compute_loss(self.model, x, y, y_pred, sample_weight, training)
        loss_fn, weight, per_sample = self.term
        dtype = getattr(torch, loss_fn.dtype)
        values = per_sample(y.to(dtype), y_pred.to(dtype))
        if sample_weight is not None:
            values, weights = same_rank(values, sample_weight.to(values.dtype))
            values = values * weights
        if values.dim() == 0 or values.shape == (0,):
            total = values
        elif loss_fn.reduction == "sum":
            total = values.sum()
        else:
            total = values.sum() / values.numel() if values.numel() else values.sum() * 0
        total = total.to(torch.float32)
        return total * weight if weight is not None else total

    def track(self, loss, batch_size: int) -> None:
        """Keras's loss tracker update (total += loss * batch size), kept on the device."""
        self.loss_sum += loss.detach() * batch_size
        self.seen += batch_size

    def update_metrics(self, y, y_pred, sample_weight) -> None:
        if self.metrics is None:
            return
        y_true, y_pred = internals.flatten_outputs(self.metrics, y), internals.flatten_outputs(self.metrics, y_pred)
        weights = internals.flatten_outputs(self.metrics, sample_weight) if sample_weight is not None else [None]
        weights = weights if len(weights) == len(y_true) else [weights[0]] * len(y_true)
        for index, accumulator in self.accumulators:
            accumulator.update(y_true[index], y_pred[index], weights[index])
        for index, metric, weighted in self.others:
            metric.update_state(y_true[index], y_pred[index], *([weights[index]] if weighted else []))

    def sync(self) -> None:
        """Write the running sums into Keras's tracker and metrics, so ``model.metrics`` read true values."""
        self.tracker.total.assign(self.loss_sum)
        self.tracker.count.assign(self.seen)
        for _, accumulator in self.accumulators:
            accumulator.sync()

    def reset(self) -> None:
        self.model.reset_metrics()
        self.loss_sum.zero_()
        self.seen.zero_()
        for _, accumulator in self.accumulators:
            accumulator.reset()

    def results(self) -> dict:
        self.sync()
        return self.model.get_metrics_result()
