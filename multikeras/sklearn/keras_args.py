"""The wrapper's parameters turned into what Keras takes: compile arguments and callbacks.

Names, classes and objects are accepted for the optimizer, the loss and the metrics, alone or in
a list or dict (one per output); routed ``optimizer__*``, ``loss__*`` and ``metrics__*`` keys
configure the classes among them (see :func:`routed_params.construct`).
"""

from __future__ import annotations

import copy

from . import routed_params

__all__ = ["compile_kwargs", "callbacks", "optimizer", "loss", "metrics"]

# Metric names Keras resolves from the loss and output shape: they stay names.
KERAS_RESOLVED_METRICS = frozenset({"acc", "accuracy", "ce", "crossentropy"})


def compile_kwargs(params: dict, loss_value) -> dict:
    """``Model.compile`` arguments from the wrapper's parameters, with ``loss_value`` as the loss."""
    extra = routed_params.own(routed_params.routed(params, "compile"))
    return {
        "optimizer": optimizer(params["optimizer"], routed_params.routed(params, "optimizer")),
        "loss": loss(loss_value, routed_params.routed(params, "loss")),
        "metrics": metrics(params["metrics"], routed_params.routed(params, "metrics")),
        "run_eagerly": params["run_eagerly"],
        **extra,
    }


def optimizer(spec, params):
    import keras

    if isinstance(spec, str) and not params:
        return keras.optimizers.get(spec)  # a fresh instance on every call
    if isinstance(spec, keras.optimizers.Optimizer) and not params:
        return type(spec).from_config(spec.get_config())  # fresh slots: refits never share state
    return routed_params.construct(spec, params, lambda name: type(keras.optimizers.get(name)))


def loss(spec, params):
    """Losses are stateless, so objects are used as given (Huber's config would drop its delta)."""
    import keras

    return routed_params.construct(spec, params, lambda name: _class_named(keras.losses, name, "loss"))


def metrics(spec, params):
    """Metrics as Keras takes them: a list or dict, never a lone metric."""
    import keras

    def from_name(name):
        return _class_named(keras.metrics, name, "metric")

    built = routed_params.construct(spec, params, from_name)
    if built is None or isinstance(built, (list, dict)):
        return built
    return list(built) if isinstance(built, tuple) else [built]


def _class_named(module, name: str, what: str) -> type:
    """The class behind a name: "huber" -> Huber, "binary_crossentropy" -> BinaryCrossentropy."""
    camel = "".join(part[:1].upper() + part[1:] for part in name.split("_"))
    for candidate in (name, camel):
        found = getattr(module, candidate, None)
        if isinstance(found, type):
            return found
    try:
        built = module.get(name)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{what} {name!r} is not a Keras {what} name: {err}") from err
    if isinstance(built, type) or not hasattr(built, "get_config"):
        raise routed_params.UnexpectedArgument(
            f"{what} {name!r} names a function, which takes no {what}__* arguments; "
            f"name its class instead (e.g. {camel!r}) or pass an instance."
        )
    return type(built)


def callbacks(spec, params, where: str) -> list:
    """A list of callbacks from an instance, a class, or a list or dict of them.

    A class is instantiated with the keys routed to it (``callbacks__0__patience``, or
    ``callbacks__patience`` for a lone class). An instance is used as given, so it can record
    what it sees; with routed keys it is copied first and the copy's attributes are set, so the
    caller's object is never changed.
    """
    import keras

    if spec is None:
        return []
    if isinstance(spec, (keras.callbacks.Callback, type)):
        return [_configured(spec, params, where)]
    if isinstance(spec, dict):
        items = spec.items()
    elif isinstance(spec, (list, tuple)):
        items = enumerate(spec)
    else:
        raise TypeError(
            f"{where} must be a keras.callbacks.Callback (instance or class), or a list or dict of them; "
            f"got {type(spec).__name__}."
        )
    shared = routed_params.own(params)
    result = []
    for key, item in items:
        item_params = {**shared, **routed_params.routed(params, str(key))}
        if isinstance(item, (list, tuple)):
            result.extend(callbacks(list(item), item_params, f"{where}[{key!r}]"))
        else:
            result.append(_configured(item, item_params, f"{where}[{key!r}]"))
    return result


def _configured(callback, params, where):
    import keras

    if isinstance(callback, type):
        if not issubclass(callback, keras.callbacks.Callback):
            raise TypeError(f"{where} is the class {callback.__name__}, which is not a keras.callbacks.Callback.")
        return routed_params.construct(callback, params, None)
    if not isinstance(callback, keras.callbacks.Callback):
        raise TypeError(f"{where} is {callback!r}, which is not a keras.callbacks.Callback (instance or class).")
    if not params:
        return callback
    configured = copy.deepcopy(callback)
    routed_params.reject_unknown(params, [k for k in vars(configured) if not k.startswith("_")], where)
    for name, value in params.items():
        setattr(configured, name, value)
    return configured
