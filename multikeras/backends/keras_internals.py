"""Every use of Keras's private API in multikeras, in one place to audit when Keras moves.

Keras 3 offers no public way to do these things: walk a functional graph with our own layer
calls, compute a compiled loss outside ``train_step``, seed initializers from a private
generator, keep TensorFlow unloaded, or make its checkpoint callbacks write atomically. Each
name is listed in :data:`PRIVATE_NAMES`, and :func:`missing` reports those this Keras lacks,
so an upgrade that removes one fails one test that names the Keras version, instead of a
speed-up quietly stepping aside. Nothing here imports Keras at import time.
"""

from __future__ import annotations

import functools
import importlib
import re

__all__ = [
    "PRIVATE_NAMES",
    "TENSORFLOW_PROBE_MODULE",
    "PRIVATE_OPTIMIZER_MODULE",
    "missing",
    "missing_on",
    "python_random",
    "set_python_random",
    "set_initial_epoch",
    "sublayers",
    "normalization_broadcast_shape",
    "compiled_loss",
    "is_functional",
    "graph_of",
    "graph_masks",
    "standardize_inputs",
    "run_through_graph",
    "compute_loss",
    "loss_tracker",
    "unpack_x_y_sample_weight",
    "torch_trainer",
    "model_checkpoint_base",
    "backup_and_restore_base",
]

# Keras's lazy TensorFlow handle, asked "is TensorFlow available?" while serializing (tensorflow_guard).
TENSORFLOW_PROBE_MODULE = "keras.src.utils.module_utils"
# Where Keras on one backend records its optimizer classes in a saved config (saving makes it public).
PRIVATE_OPTIMIZER_MODULE = re.compile(r"^keras\.src\.backend\.\w+\.optimizers(\.\w+)?$")

# (module, attribute) pairs and (class path, attribute) pairs multikeras relies on.
PRIVATE_NAMES = (
    ("keras.src.utils.module_utils", "tensorflow"),
    ("keras.src.random.seed_generator", "python_random"),
    ("keras.src.models.functional", "Functional"),
    ("keras.src.trainers.data_adapters.data_adapter_utils", "unpack_x_y_sample_weight"),
    ("keras.src.models.functional.Functional", "_run_through_graph"),
    ("keras.src.models.functional.Functional", "_standardize_inputs"),
    ("keras.Model", "_compute_loss"),
    ("keras.Model", "_flatten_layers"),
    ("keras.callbacks.ModelCheckpoint", "_save_model"),
    ("keras.callbacks.ModelCheckpoint", "_get_file_path"),
    ("keras.callbacks.ModelCheckpoint", "_should_save_model"),
    ("keras.callbacks.BackupAndRestore", "_save_model"),
    ("keras.callbacks.BackupAndRestore", "_load_model"),
)
# Attributes that exist only on instances: checked by :func:`missing_on` on live objects.
INSTANCE_ATTRIBUTES = {
    "compiled model": ("_loss_tracker", "_compile_loss", "_initial_epoch", "_functional"),
    "functional graph": ("_nodes_by_depth",),
    "BackupAndRestore": ("_current_epoch",),
    "adapted Normalization": ("_broadcast_shape",),
}
TORCH_PRIVATE_NAMES = (("keras.src.backend.torch.trainer", "TorchTrainer"),)


def _resolve(path: str):
    """The object at a dotted path, importing the longest importable module prefix."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            target = getattr(target, part)
        return target
    raise ImportError(path)


@functools.cache
def missing(names=PRIVATE_NAMES) -> tuple:
    """``"owner.name"`` for each private name this Keras lacks (empty when all are there)."""
    gone = []
    for owner, name in names:
        try:
            if not hasattr(_resolve(owner), name):
                gone.append(f"{owner}.{name}")
        except (ImportError, AttributeError):
            gone.append(f"{owner}.{name}")
    return tuple(gone)


def missing_on(**objects) -> list:
    """Like :func:`missing` for :data:`INSTANCE_ATTRIBUTES`, keyed by their description.

    ``missing_on(**{"compiled model": model, ...})``; descriptions not given are not checked.
    """
    return [f"{what}.{name}" for what, obj in objects.items() for name in INSTANCE_ATTRIBUTES[what] if not hasattr(obj, name)]


# ---- seeding ---------------------------------------------------------------------------
def python_random():
    """The Python RNG Keras draws unseeded initializer seeds from."""
    from keras.src.random import seed_generator

    return seed_generator.python_random


def set_python_random(rng) -> None:
    from keras.src.random import seed_generator

    seed_generator.python_random = rng


# ---- models and layers ---------------------------------------------------------------
def set_initial_epoch(model, epoch: int) -> None:
    """Where ``fit`` starts counting, as Keras's own BackupAndRestore sets it."""
    model._initial_epoch = epoch


def sublayers(model):
    """Every layer inside ``model``, nested ones included, without the model itself."""
    return model._flatten_layers(include_self=False)


def normalization_broadcast_shape(layer):
    return layer._broadcast_shape


def compiled_loss(model):
    """The loss container ``compile`` made (a recompile replaces it)."""
    return getattr(model, "_compile_loss", None)


def is_functional(model) -> bool:
    from keras.src.models.functional import Functional

    return isinstance(model, Functional)


def graph_of(model):
    """The functional graph behind ``model`` (a Sequential keeps one), or None."""
    import keras

    return getattr(model, "_functional", None) if isinstance(model, keras.Sequential) else model


def graph_masks(graph) -> list:
    """The masks Keras left on the graph's symbolic tensors (a layer that produces a mask)."""
    tensors = [t for nodes in graph._nodes_by_depth.values() for node in nodes for t in node.output_tensors]
    return [mask for mask in (getattr(t, "_keras_mask", None) for t in tensors) if mask is not None]


def standardize_inputs(graph, x):
    return graph._standardize_inputs(x)


def run_through_graph(graph, inputs, operation_fn):
    return graph._run_through_graph(inputs, operation_fn=operation_fn)


def compute_loss(model, x, y, y_pred, sample_weight, training):
    return model._compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=training)


def loss_tracker(model):
    """The Mean metric behind the ``loss`` log."""
    return model._loss_tracker


def unpack_x_y_sample_weight(data):
    from keras.src.trainers.data_adapters.data_adapter_utils import unpack_x_y_sample_weight as unpack

    return unpack(data)


def torch_trainer():
    """Keras's torch Trainer class, whose steps a model keeps unless it overrides them."""
    from keras.src.backend.torch.trainer import TorchTrainer

    return TorchTrainer


# ---- checkpoint callbacks --------------------------------------------------------------
@functools.cache
def model_checkpoint_base():
    """``keras.callbacks.ModelCheckpoint`` whose save goes through a public ``write(filepath)``."""
    import keras

    class ModelCheckpointBase(keras.callbacks.ModelCheckpoint):
        def _save_model(self, epoch, batch, logs):
            filepath = self._get_file_path(epoch, batch, logs)
            if self._should_save_model(epoch, batch, logs, filepath):
                self.write(filepath, epoch)

        def write(self, filepath, epoch):  # pragma: no cover - subclasses write
            raise NotImplementedError

    return ModelCheckpointBase


@functools.cache
def backup_and_restore_base():
    """``keras.callbacks.BackupAndRestore`` whose backup and restore are public ``backup(epoch)``
    and ``restore()``, called where Keras calls its own."""
    import keras

    class BackupAndRestoreBase(keras.callbacks.BackupAndRestore):
        def _save_model(self):
            self.backup(self._current_epoch)

        def _load_model(self):
            self.restore()

        def backup(self, epoch):  # pragma: no cover - subclasses back up
            raise NotImplementedError

        def restore(self):  # pragma: no cover - subclasses restore
            raise NotImplementedError

    return BackupAndRestoreBase
