"""TensorBoard logs on every backend, without TensorFlow.

``keras.callbacks.TensorBoard`` writes through ``tf.summary``, so it needs TensorFlow. This
callback writes the same layout (``log_dir/train`` and ``log_dir/validation``, tags
``epoch_loss``, ``epoch_<metric>``, ``epoch_learning_rate``) with the ``tensorboard``
package's own record writer and event protos, which import no TensorFlow, so
``tensorboard --logdir LOG_DIR`` reads it. Each epoch is flushed, so a run that dies keeps
its curves.
"""

from __future__ import annotations

import itertools
import os
import socket
import time
from pathlib import Path

import keras

__all__ = ["TensorBoard"]

_file_counter = itertools.count()


class _EventFile:
    """One ``events.out.tfevents.*`` file: TFRecord framing around Event protos."""

    def __init__(self, directory: Path):
        from tensorboard.compat.proto import event_pb2
        from tensorboard.summary.writer.record_writer import RecordWriter

        self._event_pb2 = event_pb2
        directory.mkdir(parents=True, exist_ok=True)
        name = f"events.out.tfevents.{time.time():.0f}.{socket.gethostname()}.{os.getpid()}.{next(_file_counter)}.v2"
        self.path = directory / name
        self._handle = open(self.path, "wb")  # noqa: SIM115  (closed in close())
        self._writer = RecordWriter(self._handle)
        self._write(self._event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))

    def _write(self, event):
        self._writer.write(event.SerializeToString())

    def scalars(self, step: int, values: dict) -> None:
        from tensorboard.compat.proto import summary_pb2

        summary = summary_pb2.Summary(
            value=[summary_pb2.Summary.Value(tag=tag, simple_value=float(v)) for tag, v in values.items()]
        )
        self._write(self._event_pb2.Event(wall_time=time.time(), step=step, summary=summary))
        self._handle.flush()

    def close(self):
        self._writer.close()


class TensorBoard(keras.callbacks.Callback):
    """Log epoch metrics and the learning rate for TensorBoard, on torch, JAX and TensorFlow."""

    def __init__(self, log_dir="logs"):
        super().__init__()
        self.log_dir = Path(log_dir)
        self._files = {}

    def _file(self, split: str) -> _EventFile:
        if split not in self._files:
            self._files[split] = _EventFile(self.log_dir / split)
        return self._files[split]

    def on_epoch_end(self, epoch, logs=None):
        train, valid = {}, {}
        for key, value in (logs or {}).items():
            if key.startswith("val_"):
                valid[f"epoch_{key[4:]}"] = value
            else:
                train[f"epoch_{key}"] = value
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and "epoch_learning_rate" not in train:
            train["epoch_learning_rate"] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        self._file("train").scalars(epoch, train)
        if valid:
            self._file("validation").scalars(epoch, valid)

    def on_train_end(self, logs=None):
        for events in self._files.values():
            events.close()
        self._files = {}
