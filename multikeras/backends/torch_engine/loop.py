"""fit, evaluate and predict for in-memory arrays, as Keras's torch Trainer runs them, minus its per-step Python.

The loops follow Keras's torch Trainer (its fit, evaluate and predict) call for call: the same CallbackList
(History, progress bar, the user's callbacks), the same epoch and validation order, the same
``stop_training``, and the same logs at the end of each epoch. What differs is each step:
a program of torch calls (:mod:`.forward`), the loss and its running mean in torch
(:mod:`.objective`), the optimizer's update step called directly (:mod:`.update`), and
batches gathered by index (:mod:`.data`). Batch hooks run on the callbacks that define them,
with the logs Keras gives them, read from the device only when a callback looks
(:mod:`.batch_callbacks`).
"""

from __future__ import annotations

import time
import warnings

import keras
import numpy as np
import torch

from .. import keras_internals as internals
from .batch_callbacks import BatchCallbacks
from .data import Arrays, draw_loader_seed, epoch_order, to_arrays
from .fit_threads import thread_policy
from .forward import ForwardProgram, fingerprint
from .objective import Objective
from .update import Updater

__all__ = ["Engine", "fit", "evaluate", "predict"]

REFRESH_SECONDS = 1.0  # epochs shorter than this keep the thread count chosen at the start


def _batch_size(batch_size) -> int:
    return 32 if batch_size is None else int(batch_size)


def _n_batches(n: int, batch_size: int, steps=None) -> int:
    batches = -(-n // batch_size)
    return batches if steps is None else min(batches, int(steps))


class Engine:
    """The compiled pieces of one model's steps, kept on the model between calls."""

    def __init__(self, model):
        self.model = model
        self.forward = ForwardProgram(model)
        self.graph = self.forward.graph  # None for a subclassed model
        self.objective = None
        self.updater = None
        self.state = None

    def compiled_for(self, model) -> bool:
        """Whether the loss, metrics and optimizer are the ones this engine was built with."""
        return self.state == self._state(model)

    @staticmethod
    def _state(model) -> tuple:
        trainable = tuple(id(v) for v in model.trainable_weights)
        return (
            id(model.optimizer),
            id(internals.compiled_loss(model)),
            id(internals.compiled_metrics(model)),
            trainable,
        )

    def prepare_training(self, arrays: Arrays) -> None:
        model = self.model
        if not self.compiled_for(model) or self.objective is None:
            if internals.loss_terms(model) is None or not model.built:
                internals.symbolic_build(model, arrays.first(2))
            self.objective = Objective(model)
            self.state = self._state(model)
        self.updater = Updater(model.optimizer, model.trainable_weights)

    # ---- one step --------------------------------------------------------------------
    def train_step(self, x, y, sample_weight) -> None:
        model, objective = self.model, self.objective
        y_pred = self.forward(x, True)
        self.updater.zero_grad()
        loss = objective.loss(x, y, y_pred, sample_weight, training=True)
        objective.track(loss, x[0].shape[0])
        if model.optimizer is not None:
            loss = model.optimizer.scale_loss(loss)
        if self.updater.variables:
            loss.backward()
            with torch.no_grad():
                self.updater()
        else:
            warnings.warn("The model does not have any trainable weights.")  # noqa: B028 (as Keras's step warns, and trains on)
        with torch.no_grad():
            objective.update_metrics(y, y_pred, sample_weight)

    def test_step(self, x, y, sample_weight) -> None:
        objective = self.objective
        with torch.no_grad():
            y_pred = self.forward(x, False)
            loss = objective.loss(x, y, y_pred, sample_weight, training=False)
            objective.track(loss, x[0].shape[0])
            objective.update_metrics(y, y_pred, sample_weight)


def _engine(model) -> Engine:
    """The model's engine, built again when the model changed since (quantized, a layer rebuilt)."""
    engine = getattr(model, "_multikeras_engine", None)
    if engine is None or engine.model is not model or engine.forward.fingerprint != fingerprint(model):
        engine = Engine(model)
        model._multikeras_engine = engine
    else:
        engine.forward.bind()
    return engine


def fit(model, x, y=None, batch_size=None, **kwargs):
    """``model.fit`` for arrays; the caller has checked the model and data are eligible."""
    with thread_policy(model, _batch_size(batch_size)) as policy, _engine(model).forward.lowered_layer_calls():
        history = _fit(model, x, y, batch_size, policy=policy, **kwargs)
    internals.mark_called(model)  # as Keras's __call__ would have (its exporters check it)
    return history


def _fit(
    model,
    x,
    y=None,
    batch_size=None,
    epochs=1,
    verbose="auto",
    callbacks=None,
    validation_split=0.0,
    validation_data=None,
    shuffle=True,
    class_weight=None,
    sample_weight=None,
    initial_epoch=0,
    validation_batch_size=None,
    validation_freq=1,
    policy=None,
):
    max_epochs = keras.config.max_epochs()
    if max_epochs and max_epochs < epochs:
        warnings.warn(f"Limiting epochs to {max_epochs}")  # noqa: B028 (Keras's words, and its stack level)
        epochs = max_epochs
    if validation_split and validation_data is None:
        (x, y, sample_weight), validation_data = internals.train_validation_split(
            (x, y, sample_weight), validation_split
        )
    engine = _engine(model)
    train = to_arrays(engine.graph, x, y, sample_weight, class_weight)
    engine.forward.structure = train.structured
    valid = None
    if validation_data is not None:
        val_x, val_y, val_sw = internals.unpack_x_y_sample_weight(validation_data)
        valid = to_arrays(engine.graph, val_x, val_y, val_sw)
    batch_size = _batch_size(batch_size)
    steps = _n_batches(train.n, batch_size)
    if not isinstance(callbacks, keras.callbacks.CallbackList):
        callbacks = keras.callbacks.CallbackList(
            callbacks,
            add_history=True,
            add_progbar=verbose != 0,
            verbose=verbose,
            epochs=epochs,
            steps=steps,
            model=model,
        )
    if internals.loss_terms(model) is None or not model.built:
        draw_loader_seed()  # Keras's symbolic build takes a first batch from a fresh DataLoader
        if shuffle:
            draw_loader_seed()
    engine.prepare_training(train)
    objective = engine.objective
    batch_callbacks = BatchCallbacks(callbacks, "train")
    model.stop_training = False
    training_logs = {}
    callbacks.on_train_begin()
    initial_epoch = internals.initial_epoch(model) or initial_epoch
    epoch_started = time.perf_counter()
    with objective.synced_on_error():
        for epoch in range(initial_epoch, epochs):
            objective.reset()
            if policy is not None and epoch > initial_epoch and time.perf_counter() - epoch_started > REFRESH_SECONDS:
                policy.refresh()  # a competing process may have started or ended
            epoch_started = time.perf_counter()
            callbacks.on_epoch_begin(epoch)
            model.train()
            _train_epoch(engine, train, batch_size, steps, shuffle is True, batch_callbacks)
            epoch_logs = dict(objective.results())
            model.eval()
            if valid is not None and internals.should_eval(model, epoch, validation_freq):
                val_logs = _evaluate_arrays(engine, valid, validation_batch_size or batch_size, callbacks)
                epoch_logs.update({f"val_{name}": value for name, value in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            training_logs = epoch_logs
            if model.stop_training:
                break
    if isinstance(model.optimizer, keras.optimizers.Optimizer) and epochs > 0:
        model.optimizer.finalize_variable_values(model.trainable_weights)
    callbacks.on_train_end(logs=training_logs)
    return model.history


def _train_epoch(engine, train: Arrays, batch_size: int, steps: int, shuffle: bool, batch_callbacks) -> None:
    """One epoch's steps, in the order Keras's DataLoader draws, until a callback stops training."""
    order = epoch_order(train.n, shuffle)
    for step in range(steps):
        index = order[step * batch_size : (step + 1) * batch_size]
        if batch_callbacks.active:
            batch_callbacks.on_begin(step)
        engine.train_step(*train.batch(index))
        if batch_callbacks.active:
            batch_callbacks.on_end(step, engine.objective.logs, last=step == steps - 1)
        if engine.model.stop_training:
            return
    draw_loader_seed()  # Keras opens the next epoch's DataLoader as this one ends


def _evaluate_arrays(engine, arrays: Arrays, batch_size: int, callbacks, steps=None) -> dict:
    objective = engine.objective
    batch_callbacks = BatchCallbacks(callbacks, "test")
    n_batches = _n_batches(arrays.n, batch_size, steps)
    model = engine.model
    model.stop_evaluating = False
    callbacks.on_test_begin()
    objective.reset()
    epoch_order(arrays.n, shuffle=False)  # the DataLoader's draw, for the generator's state
    with objective.synced_on_error():
        for step in range(n_batches):
            if batch_callbacks.active:
                batch_callbacks.on_begin(step)
            engine.test_step(*arrays.slice(step * batch_size, (step + 1) * batch_size))
            if batch_callbacks.active:
                batch_callbacks.on_end(step, objective.logs, last=step == n_batches - 1)
            if model.stop_evaluating:
                break
        else:
            if steps is None:
                draw_loader_seed()  # Keras opens the next pass's DataLoader as this one ends
    logs = internals.pythonify_logs(objective.results())
    callbacks.on_test_end(logs)
    return logs


def evaluate(model, x, y=None, batch_size=None, **kwargs):
    """``model.evaluate`` for arrays."""
    with thread_policy(model, _batch_size(batch_size)), _engine(model).forward.lowered_layer_calls():
        logs = _evaluate(model, x, y, batch_size, **kwargs)
    internals.mark_called(model)
    return logs


def _evaluate(
    model, x, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None, callbacks=None, return_dict=False
):
    engine = _engine(model)
    arrays = to_arrays(engine.graph, x, y, sample_weight)
    engine.forward.structure = arrays.structured
    batch_size = _batch_size(batch_size)
    if internals.loss_terms(model) is None or not model.built:
        draw_loader_seed()  # Keras's symbolic build takes a first batch from a fresh DataLoader
    engine.prepare_training(arrays)
    if not isinstance(callbacks, keras.callbacks.CallbackList):
        callbacks = keras.callbacks.CallbackList(
            callbacks,
            add_progbar=verbose != 0,
            verbose=verbose,
            epochs=1,
            steps=_n_batches(arrays.n, batch_size, steps),
            model=model,
        )
    model.eval()
    logs = _evaluate_arrays(engine, arrays, batch_size, callbacks, steps)
    return logs if return_dict else internals.flatten_metrics_in_order(model, logs)


def predict(model, x, batch_size=None, **kwargs):
    """``model.predict`` for arrays: NumPy outputs in Keras's structure."""
    with thread_policy(model, _batch_size(batch_size)), _engine(model).forward.lowered_layer_calls():
        outputs = _predict(model, x, batch_size, **kwargs)
    internals.mark_called(model)
    return outputs


def _predict(model, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
    engine = _engine(model)
    arrays = to_arrays(engine.graph, x)
    engine.forward.structure = arrays.structured
    batch_size = _batch_size(batch_size)
    n_batches = _n_batches(arrays.n, batch_size, steps)
    if not isinstance(callbacks, keras.callbacks.CallbackList):
        callbacks = keras.callbacks.CallbackList(
            callbacks, add_progbar=verbose != 0, verbose=verbose, epochs=1, steps=n_batches, model=model
        )
    batch_callbacks = BatchCallbacks(callbacks, "predict")
    model.eval()
    model.stop_predicting = False
    callbacks.on_predict_begin()
    epoch_order(arrays.n, shuffle=False)  # the DataLoader's draw, for the generator's state
    outputs = []
    with torch.no_grad():
        for step in range(n_batches):
            if batch_callbacks.active:
                batch_callbacks.on_begin(step)
            x_batch, _, _ = arrays.slice(step * batch_size, (step + 1) * batch_size)
            batch_outputs = engine.forward(x_batch, False)
            outputs.append(batch_outputs)
            if batch_callbacks.active:
                batch_logs = lambda: internals.pythonify_logs({"outputs": batch_outputs})  # noqa: B023, E731 (read in this step only)
                batch_callbacks.on_end(step, batch_logs, last=step == n_batches - 1)
            if model.stop_predicting:
                break
        else:
            if steps is None:
                draw_loader_seed()  # Keras opens the next pass's DataLoader as this one ends
    callbacks.on_predict_end()
    flat = [keras.tree.flatten(o) for o in outputs]
    joined = [np.concatenate([part[i].numpy() for part in flat]) for i in range(len(flat[0]))]
    return keras.tree.pack_sequence_as(outputs[0], joined)
