"""fit, evaluate and predict for in-memory arrays, as Keras's torch Trainer runs them, minus its per-step Python.

The loops follow Keras's torch Trainer (its fit, evaluate and predict) call for call: the same CallbackList
(History, progress bar, the user's callbacks), the same epoch and validation order, the same
``stop_training``, and the same logs at the end of each epoch. What differs is each step:
a program of torch calls (:mod:`.forward`), the loss and its running mean in torch
(:mod:`.objective`), the optimizer's update step called directly (:mod:`.update`), and
batches gathered by index (:mod:`.data`). Per-batch callbacks run only for callbacks that act
on batches; their logs are computed when read. The progress bar is updated at most every
``PROGRESS_SECONDS``, so drawing it costs no step time.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import keras
import numpy as np
import torch

from .. import keras_internals as internals
from .data import Arrays, draw_loader_seed, epoch_order, to_arrays
from .forward import ForwardProgram
from .objective import Objective
from .threads import thread_policy
from .update import Updater

__all__ = ["Engine", "fit", "evaluate", "predict"]

PROGRESS_SECONDS = 0.1
REFRESH_SECONDS = 1.0  # epochs shorter than this keep the thread count chosen at the start
BATCH_HOOKS = {
    "train": ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end"),
    "test": ("on_test_batch_begin", "on_test_batch_end"),
    "predict": ("on_predict_batch_begin", "on_predict_batch_end"),
}


class LazyLogs(Mapping):
    """A batch's logs, computed (one sync with the device) only if a callback reads them."""

    def __init__(self, objective: Objective):
        self._objective = objective
        self._logs = None

    def _values(self) -> dict:
        if self._logs is None:
            self._logs = internals.pythonify_logs(self._objective.results())  # what CallbackList hands callbacks
        return self._logs

    def __getitem__(self, key):
        return self._values()[key]

    def __iter__(self):
        return iter(self._values())

    def __len__(self):
        return len(self._values())


class BatchCallbacks:
    """Calls one phase's batch hooks on the callbacks that override them; throttles the progress bar."""

    def __init__(self, callbacks, phase: str):
        hooks = BATCH_HOOKS[phase]
        members = list(getattr(callbacks, "callbacks", callbacks))
        self.progress = [c for c in members if isinstance(c, keras.callbacks.ProgbarLogger)]
        self.others = [c for c in members if c not in self.progress and _hooks(c, hooks)]
        self.begin, self.end = hooks[0], hooks[1]
        self.last_drawn = 0.0
        self.active = bool(self.progress or self.others)

    def on_begin(self, step: int) -> None:
        for callback in self.others:
            getattr(callback, self.begin)(step, {})

    def on_end(self, step: int, logs, last: bool) -> None:
        for callback in self.others:
            getattr(callback, self.end)(step, logs)
        now = time.perf_counter()
        if self.progress and (last or now - self.last_drawn >= PROGRESS_SECONDS):
            self.last_drawn = now
            for callback in self.progress:
                getattr(callback, self.end)(step, logs)


def _hooks(callback, hooks) -> bool:
    return any(getattr(type(callback), hook, None) is not getattr(keras.callbacks.Callback, hook) for hook in hooks)


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
        return (id(model.optimizer), id(internals.compiled_loss(model)), id(internals.compiled_metrics(model)), trainable)

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
        loss.backward()
        with torch.no_grad():
            self.updater()
            objective.update_metrics(y, y_pred, sample_weight)

    def test_step(self, x, y, sample_weight) -> None:
        objective = self.objective
        with torch.no_grad():
            y_pred = self.forward(x, False)
            loss = objective.loss(x, y, y_pred, sample_weight, training=False)
            objective.track(loss, x[0].shape[0])
            objective.update_metrics(y, y_pred, sample_weight)


def _engine(model) -> Engine:
    engine = getattr(model, "_multikeras_engine", None)
    if engine is None or engine.model is not model:
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
        epochs = max_epochs
    if validation_split and validation_data is None:
        (x, y, sample_weight), validation_data = internals.train_validation_split((x, y, sample_weight), validation_split)
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
            callbacks, add_history=True, add_progbar=verbose != 0, verbose=verbose, epochs=epochs, steps=steps, model=model
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
    for epoch in range(initial_epoch, epochs):
        objective.reset()
        if policy is not None and epoch > initial_epoch and time.perf_counter() - epoch_started > REFRESH_SECONDS:
            policy.refresh()  # a competing process may have started or ended
        epoch_started = time.perf_counter()
        callbacks.on_epoch_begin(epoch)
        model.train()
        order = epoch_order(train.n, shuffle is True)
        for step in range(steps):
            index = order[step * batch_size : (step + 1) * batch_size]
            if batch_callbacks.active:
                batch_callbacks.on_begin(step)
            engine.train_step(*train.batch(index))
            if batch_callbacks.active:
                batch_callbacks.on_end(step, LazyLogs(objective), last=step == steps - 1)
            if model.stop_training:
                break
        else:
            draw_loader_seed()  # Keras opens the next epoch's DataLoader as this one ends
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


def _evaluate_arrays(engine, arrays: Arrays, batch_size: int, callbacks, steps=None) -> dict:
    objective = engine.objective
    batch_callbacks = BatchCallbacks(callbacks, "test")
    n_batches = _n_batches(arrays.n, batch_size, steps)
    model = engine.model
    callbacks.on_test_begin()
    objective.reset()
    model.stop_evaluating = False
    epoch_order(arrays.n, shuffle=False)  # the DataLoader's draw, for the generator's state
    for step in range(n_batches):
        if batch_callbacks.active:
            batch_callbacks.on_begin(step)
        engine.test_step(*arrays.slice(step * batch_size, (step + 1) * batch_size))
        if batch_callbacks.active:
            batch_callbacks.on_end(step, LazyLogs(objective), last=step == n_batches - 1)
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


def _evaluate(model, x, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None, callbacks=None, return_dict=False):
    engine = _engine(model)
    arrays = to_arrays(engine.graph, x, y, sample_weight)
    engine.forward.structure = arrays.structured
    batch_size = _batch_size(batch_size)
    if internals.loss_terms(model) is None or not model.built:
        draw_loader_seed()  # Keras's symbolic build takes a first batch from a fresh DataLoader
    engine.prepare_training(arrays)
    if not isinstance(callbacks, keras.callbacks.CallbackList):
        callbacks = keras.callbacks.CallbackList(
            callbacks, add_progbar=verbose != 0, verbose=verbose, epochs=1, steps=_n_batches(arrays.n, batch_size, steps), model=model
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
        callbacks = keras.callbacks.CallbackList(callbacks, add_progbar=verbose != 0, verbose=verbose, epochs=1, steps=n_batches, model=model)
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
                batch_callbacks.on_end(step, {"outputs": batch_outputs}, last=step == n_batches - 1)
            if model.stop_predicting:
                break
        else:
            if steps is None:
                draw_loader_seed()  # Keras opens the next pass's DataLoader as this one ends
    callbacks.on_predict_end()
    flat = [keras.tree.flatten(o) for o in outputs]
    joined = [np.concatenate([part[i].numpy() for part in flat]) for i in range(len(flat[0]))]
    return keras.tree.pack_sequence_as(outputs[0], joined)
