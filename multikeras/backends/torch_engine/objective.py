"""The compiled loss and metrics, computed in torch and accumulated on the device.

Keras's compiled loss goes through containers, name scopes and dtype conversions every step,
and its loss tracker writes a Keras variable every step. Here a single-output model's loss is
the loss object's own ``call`` (the same per-sample values) reduced as Keras reduces them,
and the running loss is a torch tensor that is written into Keras's tracker only when
something reads the logs. Anything else (several outputs, regularization losses, a custom
``compute_loss``, another reduction) uses Keras's own ``compute_loss``, unchanged.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import keras
import torch

from .. import keras_internals as internals
from .functions import cast, same_rank, torch_function

__all__ = ["Objective", "MeanAccumulator", "Term"]

REDUCTIONS = ("sum_over_batch_size", "mean", "sum")


class MeanAccumulator:
    """A Keras Mean-family metric (MeanMetricWrapper, RootMeanSquaredError) summed on the device.

    Each step adds what ``Mean.update_state`` would add to ``total`` and ``count``; :meth:`sync`
    writes the sums into the metric's own variables, so ``result()`` is Keras's.
    """

    def __init__(self, metric, weighted: bool, values=None):
        self.metric, self.weighted = metric, weighted
        in_torch = values or self._torch_values(metric)
        self.values = in_torch or internals.mean_metric_values(metric)
        self.in_torch = in_torch is not None
        self.dtype = getattr(torch, metric.dtype)
        self.total = torch.zeros((), dtype=getattr(torch, metric.dtype))
        self.count = torch.zeros((), dtype=getattr(torch, metric.dtype))

    @staticmethod
    def _torch_values(metric):
        if type(metric) is keras.metrics.RootMeanSquaredError:
            dtype = getattr(torch, metric.dtype)

            def squared_error(y_true, y_pred):
                y_true, y_pred = same_rank(cast(y_true, dtype), cast(y_pred, dtype))
                return torch.square(y_pred - y_true)

            return squared_error
        fn, kwargs = internals.function_of(metric)
        return torch_function(fn, kwargs) if fn is not None else None

    def _samplewise(self, values, weights):
        """``reduce_to_samplewise_values`` of Keras's Mean, in torch."""
        values = cast(values, self.dtype)
        if weights is None:
            return (values.mean(dim=tuple(range(1, values.dim()))) if values.dim() > 1 else values), None
        values, weights = same_rank(values, cast(weights, self.dtype))
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

    def add(self, value, weight) -> None:
        """``Mean.update_state(value, sample_weight=weight)`` for a scalar ``value``."""
        self.total += value * weight
        self.count += weight

    def sync(self) -> None:
        self.metric.total.assign(self.total)
        self.metric.count.assign(self.count)

    def reset(self) -> None:
        self.total.zero_()
        self.count.zero_()


@dataclass
class Term:
    """One output's loss: Keras's loss object, its weight, its per-sample function and its tracker."""

    key: object  # the output's name in y / y_pred dicts; None for a single output
    loss: object
    weight: object
    per_sample: object
    tracker: MeanAccumulator | None  # the "<output>_loss" metric of a multi-output model
    in_torch: bool = False  # per_sample is the torch version of Keras's function, not the loss's own call

    def value(self, y_true, y_pred, sample_weight):
        """Keras's ``Loss.__call__``: per-sample values, weighted and reduced, as float32."""
        dtype = getattr(torch, self.loss.dtype)
        values = self.per_sample(cast(y_true, dtype), cast(y_pred, dtype))
        if sample_weight is not None:
            values, weights = same_rank(values, cast(sample_weight, values.dtype))
            values = values * weights
        if values.dim() == 0 or values.shape == (0,):
            total = values
        elif self.loss.reduction == "sum":
            total = values.sum()
        else:
            total = values.sum() / values.numel() if values.numel() else values.sum() * 0
        return cast(total, torch.float32)


class Objective:
    """Loss and metrics of one compiled model for the engine's steps."""

    def __init__(self, model):
        self.model = model
        self.tracker = internals.loss_tracker(model)
        self.metrics = internals.compiled_metrics(model)
        self.accumulators, self.others = self._metric_plan()
        self.terms, self.why_not = self._terms(model)
        self.loss_sum = torch.zeros((), dtype=torch.float32)
        self.seen = torch.zeros((), dtype=torch.float32)
        self.keras_loss_used = False  # this epoch, a step fell back to Keras's compute_loss

    @staticmethod
    def _terms(model):
        if type(model).compute_loss is not keras.Model.compute_loss:
            return None, "the model overrides compute_loss"
        if model.losses or any(
            getattr(layer, "activity_regularizer", None) is not None for layer in internals.sublayers(model)
        ):
            return None, "the model adds regularization or activity losses"
        terms = internals.loss_terms(model)
        if not terms:
            return None, "no compiled loss"
        trackers = internals.output_loss_trackers(model)
        if len(terms) > 1 and len(trackers) != len(terms):
            return None, "several outputs whose losses Keras tracks differently"
        built = []
        for index, (path, loss, weight) in enumerate(terms):
            single = path in ((), None)
            if not (single or (isinstance(path, tuple) and len(path) == 1)) or (single and len(terms) > 1):
                return None, "nested outputs"
            if not internals.is_loss_function_wrapper(loss) or loss.reduction not in REDUCTIONS:
                return None, f"the loss {type(loss).__name__} is not one of Keras's function losses"
            fn = torch_function(*internals.function_of(loss))
            per_sample = (lambda y_true, y_pred, fn=fn: fn(*same_rank(y_true, y_pred))) if fn is not None else loss.call
            tracker = MeanAccumulator(trackers[index], weighted=True, values=lambda v, _: v) if len(terms) > 1 else None
            built.append(Term(None if single else path[0], loss, weight, per_sample, tracker, fn is not None))
        return built, None

    def _metric_plan(self):
        """``([(output index, accumulator)], [(output index, metric, weighted)])``: summed here, or Keras's update."""
        accumulators, others = [], []
        for index, metric, weighted in internals.flat_metrics(self.metrics):
            if internals.mean_metric_values(metric) is not None:
                accumulators.append((index, MeanAccumulator(metric, weighted)))
            else:
                others.append((index, metric, weighted))
        return accumulators, others

    def describe(self) -> list[str]:
        """Lines for :func:`explain`: how the loss and each compiled metric are computed."""
        if internals.loss_terms(self.model) is None:
            return ["  loss and metrics: decided when the first fit or evaluate builds them"]
        if self.terms is None:
            lines = [f"  loss: Keras's compute_loss ({self.why_not})"]
        else:
            lines = [
                f"  loss{'' if term.key is None else f' ({term.key})'}: {term.loss.name}, "
                + ("in torch" if term.in_torch else "its own call, reduced here")
                for term in self.terms
            ]
        for _, accumulator in self.accumulators:
            how = "in torch" if accumulator.in_torch else "Keras's function"
            lines.append(f"  metric {accumulator.metric.name}: {how}, summed on the device")
        for _, metric, _ in self.others:
            lines.append(f"  metric {metric.name}: Keras's update_state each step")
        return lines

    def loss(self, x, y, y_pred, sample_weight, training=True):
        """The step's total loss (a scalar tensor), as Keras's ``compute_loss`` gives it."""
        terms = self.terms
        if terms is None or (terms[0].key is not None and not (isinstance(y, dict) and isinstance(y_pred, dict))):
            self.keras_loss_used = True
            return internals.compute_loss(self.model, x, y, y_pred, sample_weight, training)
        if terms[0].key is None:
            term = terms[0]
            value = term.value(y, y_pred, sample_weight)
            return value * term.weight if term.weight is not None else value
        total = 0
        for term in terms:
            value = term.value(y[term.key], y_pred[term.key], sample_weight)
            if term.tracker is not None:  # Keras tracks each output's unweighted loss when several have one
                term.tracker.add(value.detach(), y_pred[term.key].shape[0])
            total = total + (value * term.weight if term.weight is not None else value)
        return total

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

    def _trackers(self) -> list:
        return [term.tracker for term in self.terms or () if term.tracker is not None]

    def sync(self) -> None:
        """Write the running sums into Keras's tracker and metrics, so ``model.metrics`` read true values."""
        self.tracker.total.assign(self.loss_sum)
        self.tracker.count.assign(self.seen)
        for _, accumulator in self.accumulators:
            accumulator.sync()
        if not self.keras_loss_used:  # else Keras's own compute_loss updated them
            for tracker in self._trackers():
                tracker.sync()

    @contextlib.contextmanager
    def synced_on_error(self):
        """On any exception (Ctrl-C included), Keras's metrics hold the batches done, as after Keras's loop."""
        try:
            yield
        except BaseException:
            self.sync()
            raise

    def reset(self) -> None:
        self.model.reset_metrics()
        self.loss_sum.zero_()
        self.seen.zero_()
        self.keras_loss_used = False
        for accumulator in [a for _, a in self.accumulators] + self._trackers():
            accumulator.reset()

    def results(self) -> dict:
        self.sync()
        return self.model.get_metrics_result()

    def logs(self) -> dict:
        """A batch's logs as Keras's CallbackList hands them to callbacks: a new dict of Python numbers."""
        return internals.pythonify_logs(self.results())
