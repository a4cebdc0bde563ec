"""Every use of Keras's private API in multikeras, in one place to audit when Keras moves.

Keras 3 offers no public way to do these things: walk a functional graph with our own layer
calls, compute a compiled loss outside ``train_step``, seed initializers from a private
generator, keep TensorFlow unloaded, or make its checkpoint callbacks write atomically. Each
name is listed in :data:`PRIVATE_NAMES`, and :func:`missing` reports those this Keras lacks,
so an upgrade that removes one fails one test that names the Keras version, instead of a
speed-up quietly stepping aside. Nothing here imports Keras at import time.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import re

__all__ = [
    "PRIVATE_NAMES",
    "TENSORFLOW_PROBE_MODULE",
    "PRIVATE_OPTIMIZER_MODULE",
    "TORCH_TRAINER_MODULE",
    "missing",
    "missing_on",
    "python_random",
    "set_python_random",
    "set_initial_epoch",
    "sublayers",
    "normalization_broadcast_shape",
    "mark_called",
    "compiled_loss",
    "is_functional",
    "graph_of",
    "graph_masks",
    "graph_nodes",
    "output_structure",
    "standardize_inputs",
    "run_through_graph",
    "compute_loss",
    "loss_tracker",
    "compiled_metrics",
    "loss_terms",
    "output_loss_trackers",
    "is_loss_function_wrapper",
    "symbolic_build",
    "class_weight_to_sample_weights",
    "train_validation_split",
    "plain_update_blocker",
    "parallel_update",
    "initial_epoch",
    "should_eval",
    "flatten_metrics_in_order",
    "pythonify_logs",
    "flat_metrics",
    "flatten_outputs",
    "mean_metric_values",
    "function_of",
    "optimizer_slots",
    "torch_optimizer_class",
    "unpack_x_y_sample_weight",
    "torch_trainer",
    "model_checkpoint_base",
    "backup_and_restore_base",
    "OuterCall",
    "keras_mask",
    "resolve_training",
    "rematerialized",
]

# Keras's lazy TensorFlow handle, asked "is TensorFlow available?" while serializing (tensorflow_guard).
TENSORFLOW_PROBE_MODULE = "keras.src.utils.module_utils"
# Keras's torch Trainer, whose fit/evaluate/predict the torch engine routes.
TORCH_TRAINER_MODULE = "keras.src.backend.torch.trainer"
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
    ("keras.src.losses.losses", "LossFunctionWrapper"),
    ("keras.Model", "_symbolic_build"),
    ("keras.Model", "_should_eval"),
    ("keras.Model", "_flatten_metrics_in_order"),
    ("keras.src.utils.python_utils", "pythonify_logs"),
    ("keras.src.metrics.reduction_metrics", "MeanMetricWrapper"),
    ("keras.src.trainers.compile_utils.CompileMetrics", "_flatten_y"),
    ("keras.src.trainers.data_adapters.data_adapter_utils", "class_weight_to_sample_weights"),
    ("keras.src.trainers.data_adapters.array_slicing", "train_validation_split"),
    ("keras.src.losses.loss", "squeeze_or_expand_to_same_rank"),
    ("keras.src.layers.layer", "CallContext"),
    ("keras.src.backend.common.global_state", "get_global_attribute"),
    ("keras.src.backend.common.global_state", "set_global_attribute"),
)
# Attributes that exist only on instances: checked by :func:`missing_on` on live objects.
INSTANCE_ATTRIBUTES = {
    "built layer": ("_losses", "_loss_ids"),
    "compiled model": (
        "_loss_tracker",
        "_compile_loss",
        "_compile_metrics",
        "_initial_epoch",
        "_functional",
        "_called",
    ),
    "built compiled loss": ("_flat_losses",),
    "built compiled metrics": ("_flat_metrics", "_flat_weighted_metrics"),
    "Mean metric wrapper": ("_fn", "_fn_kwargs"),
    "functional graph": ("_nodes_by_depth", "_outputs_struct"),
    "BackupAndRestore": ("_current_epoch",),
    "adapted Normalization": ("_broadcast_shape",),
}
TORCH_PRIVATE_NAMES = (
    ("keras.src.backend.torch.trainer", "TorchTrainer"),
    ("keras.src.backend.torch.optimizers.torch_adam", "Adam"),
    ("keras.src.backend.torch.optimizers.torch_sgd", "SGD"),
    ("keras.optimizers.Optimizer", "_get_variable_index"),
    ("keras.src.backend.torch.optimizers.torch_parallel_optimizer", "TorchParallelOptimizer"),
    ("keras.src.backend.torch.optimizers.torch_adam.Adam", "_parallel_update_step"),
    ("keras.src.backend.torch.optimizers.torch_sgd.SGD", "_parallel_update_step"),
)


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
    return [
        f"{what}.{name}"
        for what, obj in objects.items()
        for name in INSTANCE_ATTRIBUTES[what]
        if not hasattr(obj, name)
    ]


# ---- the call context ------------------------------------------------------------------
CALL_CONTEXT = "current_call_ctx"  # the global attribute Keras keeps the active CallContext under


class OuterCall:
    """What ``model(x, training=...)`` sets up around its ``call``: a call context carrying
    ``training`` for the layers that do not get it explicitly, and the losses of the last call
    cleared. Made once per model (it keeps the flat list of layers); entered every step."""

    def __init__(self, model):
        from keras.src.layers.layer import CallContext

        self.model, self.state, self.context_class = model, _global_state(), CallContext
        self.layers = [model, *sublayers(model)]

    @contextlib.contextmanager
    def __call__(self, training):
        if self.state.get_global_attribute(CALL_CONTEXT) is not None:  # inside another call: inherit it
            yield
            return
        for layer in self.layers:  # Layer._clear_losses without its walk of the layer tree
            if layer._losses:
                layer._losses.clear()
                layer._loss_ids.clear()
        context = self.context_class(entry_layer=self.model)
        context.set_value("training", training)
        self.state.set_global_attribute(CALL_CONTEXT, context)
        try:
            yield
        finally:
            self.state.set_global_attribute(CALL_CONTEXT, None)


def rematerialized(layer) -> bool:
    """Whether Keras's ``__call__`` runs the layer under rematerialization (``keras.RematScope``)."""
    return getattr(layer, "_remat_mode", None) is not None  # absent on a Keras without remat


def keras_mask(tensor):
    """The mask Keras attached to a tensor (``Layer.__call__`` passes it on), or None."""
    return getattr(tensor, "_keras_mask", None)


@functools.cache
def _global_state():
    from keras.src.backend.common import global_state

    return global_state


def resolve_training(explicit):
    """The ``training`` Keras's ``Layer.__call__`` resolves: the explicit value (stashed for the
    layers after it, as Keras does), else the outer call's, else None."""
    context = _global_state().get_global_attribute(CALL_CONTEXT)
    if context is None:
        return explicit
    if explicit is None:
        return context.get_value("training")
    context.set_value("training", explicit)
    return explicit


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


def mark_called(model) -> None:
    """Record that the model and its layers ran on real tensors, as their ``__call__`` would
    (Keras's exporters refuse a model never called)."""
    for layer in [model, *sublayers(model)]:
        layer._called = True


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


def graph_nodes(graph) -> list:
    """The graph's layer calls in the order Keras runs them (deepest first), inputs left out."""
    return [
        node
        for depth in sorted(graph._nodes_by_depth, reverse=True)
        for node in graph._nodes_by_depth[depth]
        if node.operation is not None and not node.is_input
    ]


def output_structure(graph):
    """How the graph packs its outputs (a tensor, a list or a dict of them)."""
    return graph._outputs_struct


def standardize_inputs(graph, x):
    return graph._standardize_inputs(x)


def run_through_graph(graph, inputs, operation_fn):
    return graph._run_through_graph(inputs, operation_fn=operation_fn)


def compute_loss(model, x, y, y_pred, sample_weight, training):
    return model._compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=training)


def loss_tracker(model):
    """The Mean metric behind the ``loss`` log."""
    return model._loss_tracker


def compiled_metrics(model):
    """The container ``compile(metrics=...)`` made, or None."""
    return getattr(model, "_compile_metrics", None)


def loss_terms(model):
    """``[(path, loss, weight)]`` of the built compiled loss, or None before it is built."""
    compiled = compiled_loss(model)
    if compiled is None or not compiled.built or compiled._flat_losses is None:
        return None
    return [(term.path, term.loss, term.loss_weights) for term in compiled._flat_losses]


def output_loss_trackers(model) -> list:
    """The Mean metrics behind ``<output>_loss`` logs of a multi-output model (empty otherwise)."""
    compiled = compiled_loss(model)
    return list(getattr(compiled, "metrics", []) or [])


def is_loss_function_wrapper(loss) -> bool:
    """A loss whose ``call`` is its function over (y_true, y_pred): all of Keras's named losses."""
    from keras.src.losses.losses import LossFunctionWrapper

    return type(loss).call is LossFunctionWrapper.call


def symbolic_build(model, data_batch) -> None:
    """Build the model, its compiled loss and metrics from one batch, as ``fit`` does first."""
    model._symbolic_build(data_batch=data_batch)


def class_weight_to_sample_weights(y, class_weight):
    from keras.src.trainers.data_adapters.data_adapter_utils import class_weight_to_sample_weights as convert

    return convert(y, class_weight)


def train_validation_split(arrays, validation_split):
    """Keras's split for ``validation_split``: the last fraction of the samples validates."""
    from keras.src.trainers.data_adapters.array_slicing import train_validation_split as split

    return split(arrays, validation_split=validation_split)


def plain_update_blocker(optimizer, variables=()):
    """Why ``optimizer.apply`` must run in full (an option its update step alone skips), or None."""
    from keras.src.backend.torch.optimizers.torch_parallel_optimizer import TorchParallelOptimizer

    if not isinstance(optimizer, TorchParallelOptimizer):
        return f"{type(optimizer).__name__} has no multi-tensor update step"
    options = {
        "loss_scale_factor": optimizer.loss_scale_factor,
        "clipnorm": optimizer.clipnorm,
        "clipvalue": optimizer.clipvalue,
        "global_clipnorm": optimizer.global_clipnorm,
        "weight_decay": optimizer.weight_decay,
        "use_ema": optimizer.use_ema,
        "gradient_accumulation_steps": optimizer.gradient_accumulation_steps,
    }
    set_options = [name for name, value in options.items() if value]
    if set_options:
        return f"the optimizer sets {', '.join(set_options)}"
    if any(v.constraint is not None or getattr(v, "overwrite_with_gradient", False) for v in variables):
        return "a variable has a constraint or is overwritten with its gradient"
    return None


def parallel_update(optimizer, grads, variables) -> None:
    """``optimizer.apply`` for the plain case: the multi-tensor update, then one more iteration."""
    optimizer._parallel_update_step(grads, variables, optimizer.learning_rate)
    optimizer.iterations.assign_add(1)


def initial_epoch(model):
    """The epoch a restored backup set ``fit`` to start from (None: none)."""
    return model._initial_epoch


def should_eval(model, epoch, validation_freq) -> bool:
    return model._should_eval(epoch, validation_freq)


def flatten_metrics_in_order(model, logs):
    return model._flatten_metrics_in_order(logs)


def pythonify_logs(logs) -> dict:
    from keras.src.utils.python_utils import pythonify_logs as pythonify

    return pythonify(logs)


def flat_metrics(compiled):
    """``[(output index, metric, weighted)]`` of a built compiled-metrics container (empty if none)."""
    if compiled is None or not compiled.built:
        return []
    found = []
    for weighted, lists in ((False, compiled._flat_metrics), (True, compiled._flat_weighted_metrics)):
        for index, metric_list in enumerate(lists):
            for metric in metric_list.metrics if metric_list else []:
                found.append((index, metric, weighted))
    return found


def flatten_outputs(compiled, values) -> list:
    """Targets or predictions in the container's output order."""
    return compiled._flatten_y(values)


def mean_metric_values(metric):
    """For a metric whose update is ``Mean.update_state(values, sample_weight)``: ``values(y_true, y_pred)``; else None."""
    import keras
    from keras.src.metrics.reduction_metrics import MeanMetricWrapper

    if type(metric).update_state is MeanMetricWrapper.update_state:
        return lambda y_true, y_pred: metric._fn(y_true, y_pred, **metric._fn_kwargs)
    if type(metric) is keras.metrics.RootMeanSquaredError:
        return lambda y_true, y_pred: _squared_error(metric, y_true, y_pred)
    return None


def function_of(wrapper):
    """``(fn, kwargs)`` of a LossFunctionWrapper or MeanMetricWrapper: what each step computes."""
    fn = getattr(wrapper, "fn", None) or getattr(wrapper, "_fn", None)
    return fn, dict(getattr(wrapper, "_fn_kwargs", {}))


def _squared_error(metric, y_true, y_pred):
    from keras import ops
    from keras.src.losses.loss import squeeze_or_expand_to_same_rank

    y_true, y_pred = squeeze_or_expand_to_same_rank(
        ops.convert_to_tensor(y_true, metric.dtype), ops.convert_to_tensor(y_pred, metric.dtype)
    )
    return ops.square(y_pred - y_true)


def optimizer_slots(optimizer, variables, name: str) -> list:
    """The torch tensors of an optimizer's per-variable state (``"_momentums"``, ``"_velocities"``)."""
    slots = getattr(optimizer, name)
    return [slots[optimizer._get_variable_index(v)].value for v in variables]


def torch_optimizer_class(name: str):
    """Keras's torch optimizer class ``name`` (``"Adam"``, ``"SGD"``): what keras.optimizers builds on torch."""
    module = importlib.import_module(f"keras.src.backend.torch.optimizers.torch_{name.lower()}")
    return getattr(module, name)


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
