"""The estimator core shared by KerasClassifier and KerasRegressor.

Parameters are documented once, in :mod:`multikeras.sklearn.docstrings`, and each wrapper's
docstring lists them all.
"""

from __future__ import annotations

import copy
import os
import tempfile
from collections import defaultdict

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .. import saving
from ..fitting import fit
from ..predicting import predict
from ..seeding import seeded_build, set_seed
from . import routing

__all__ = ["BaseWrapper"]

NO_TARGET = "no_validation"  # validate_data's own marker for "no y to check"
# Keyword names a build function may take besides its own hyperparameters.
BUILD_EXTRAS = ("meta", "compile_kwargs", "X")


class BaseWrapper(BaseEstimator):
    """The fit/predict machinery; KerasClassifier and KerasRegressor handle targets and document it."""

    def __init__(
        self,
        model=None,
        *,
        build_fn=None,
        warm_start=False,
        random_state=None,
        optimizer="rmsprop",
        loss=None,
        metrics=None,
        batch_size=None,
        validation_batch_size=None,
        verbose=1,
        callbacks=None,
        validation_split=0.0,
        shuffle=True,
        run_eagerly=False,
        epochs=1,
        class_weight=None,
        feature_groups=None,
        **kwargs,
    ):
        self.model = model
        self.build_fn = build_fn
        self.warm_start = warm_start
        self.random_state = random_state
        self.optimizer = optimizer
        self.loss = loss
        self.metrics = metrics
        self.batch_size = batch_size
        self.validation_batch_size = validation_batch_size
        self.verbose = verbose
        self.callbacks = callbacks
        self.validation_split = validation_split
        self.shuffle = shuffle
        self.run_eagerly = run_eagerly
        self.epochs = epochs
        self.class_weight = class_weight
        self.feature_groups = feature_groups
        # Routed (prefix__name) and plain model parameters: public through get/set_params, kept
        # in one private dict because scikit-learn allows no other attributes set in __init__.
        self._extra_params = dict(kwargs)

    # ---- parameters -------------------------------------------------------------------
    def get_params(self, deep=True):
        return {**super().get_params(deep=deep), **self._extra_params}

    def set_params(self, **params):
        declared = set(self._get_param_names())
        for key in [k for k in params if k not in declared and (routing.is_routed(k) or k in self._extra_params)]:
            self._extra_params[key] = params.pop(key)
        return super().set_params(**params) if params else self

    # ---- data ---------------------------------------------------------------------------
    def _validate(self, X, y=NO_TARGET, reset=True):
        """scikit-learn's own validation (and messages); X becomes float32 for Keras."""
        kwargs = {"dtype": np.float32, "reset": reset, "allow_nd": True}
        if y is NO_TARGET:
            return validate_data(self, X, **kwargs), None
        return validate_data(self, X, y, multi_output=True, y_numeric=self._y_numeric, **kwargs)

    def _resolve_feature_groups(self):
        if self.feature_groups is None:
            return None
        names = list(getattr(self, "feature_names_in_", []))
        resolved = {}
        for group, columns in dict(self.feature_groups).items():
            resolved[group] = np.array([self._column_index(c, names, group) for c in _as_list(columns)])
        return resolved

    def _column_index(self, column, names, group):
        if isinstance(column, str):
            if column not in names:
                where = f"the DataFrame's columns {names}" if names else "X, which has no column names (pass a DataFrame)"
                raise ValueError(f"feature_groups[{group!r}] names column {column!r}, which is not in {where}.")
            return names.index(column)
        index = int(column)
        if not -self.n_features_in_ <= index < self.n_features_in_:
            raise ValueError(
                f"feature_groups[{group!r}] names column {index}, but X has {self.n_features_in_} columns "
                f"(valid indices 0..{self.n_features_in_ - 1})."
            )
        return index

    def _model_inputs(self, X):
        """X as the Keras model takes it: the array, or a dict of column groups."""
        if self.feature_groups_ is None:
            return X
        return {group: X[:, columns] for group, columns in self.feature_groups_.items()}

    # ---- model --------------------------------------------------------------------------
    def _build_function(self):
        if self.model is not None and self.build_fn is not None:
            raise ValueError("Pass the build function as model= or build_fn=, not both (build_fn is scikeras's old name).")
        build = self.model if self.model is not None else self.build_fn
        if build is None:
            raise ValueError("model is None: pass model=, a function returning a Keras model (or a keras.Model).")
        return build

    def _meta(self) -> dict:
        keys = ("n_features_in_", "feature_names_in_", "n_outputs_", "target_type_", "classes_", "n_classes_")
        return {key: getattr(self, key) for key in keys if hasattr(self, key)}

    def _build_kwargs(self, build, inputs) -> dict:
        params = self.get_params()
        given = {**{k: v for k, v in self._extra_params.items() if not routing.is_routed(k)}, **routing.routed(params, "model")}
        available = {"meta": self._meta(), "compile_kwargs": self._compile_kwargs(), "X": inputs}
        accepted = routing.accepted_names(build)
        if accepted is None:
            return {**available, **given}
        routing.reject_unknown(given, accepted - set(BUILD_EXTRAS), f"The build function {getattr(build, '__name__', build)!r}")
        return {**{k: v for k, v in available.items() if k in accepted}, **given}

    def _build_model(self, inputs):
        import keras

        build = self._build_function()
        if isinstance(build, keras.Model):
            model = keras.models.clone_model(build)
        else:
            model = build(**self._build_kwargs(build, inputs))
        if not isinstance(model, keras.Model):
            raise TypeError(f"The build function must return a keras.Model, got {type(model).__name__}.")
        if not model.compiled:
            model.compile(**self._compile_kwargs(model))
        return model

    def _compile_kwargs(self, model=None) -> dict:
        params = self.get_params()
        loss = self.loss if self.loss is not None else self._default_loss(model)
        return {
            "optimizer": _instantiate(self.optimizer, routing.routed(params, "optimizer"), "optimizer"),
            "loss": _instantiate(loss, routing.routed(params, "loss"), "loss"),
            "metrics": self.metrics,
            "run_eagerly": self.run_eagerly,
            **routing.routed(params, "compile"),
        }

    def _callbacks(self) -> list:
        callbacks = self.callbacks or []
        items = callbacks.items() if isinstance(callbacks, dict) else enumerate(callbacks)
        params = routing.routed(self.get_params(), "callbacks")
        return [_configured_callback(cb, routing.routed(params, str(key)), key) for key, cb in items]

    # ---- fit / predict ------------------------------------------------------------------
    def _seed(self, reuse):
        """Seed from random_state and return the seed (None: unseeded); continued training is
        offset by the epochs already run."""
        if self.random_state is None:
            return None
        if isinstance(self.random_state, (int, np.integer)) and not isinstance(self.random_state, bool):
            done = len(self.history_.get("loss", [])) if reuse else 0
            seed = int(self.random_state) + done
        else:
            seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        return set_seed(seed)

    def _fit_kwargs(self, overrides) -> dict:
        """Keras fit arguments; callbacks passed to ``fit`` are added to the configured ones."""
        overrides = dict(overrides)
        extra_callbacks = list(overrides.pop("callbacks", None) or [])
        if overrides.get("validation_data") is not None:
            overrides["validation_data"] = self._validation_data(*overrides["validation_data"])
        return {
            "batch_size": self.batch_size,
            "validation_batch_size": self.validation_batch_size,
            "epochs": self.epochs,
            "verbose": self.verbose,
            "shuffle": self.shuffle,
            "validation_split": self.validation_split,
            "callbacks": self._callbacks() + extra_callbacks,
            **routing.routed(self.get_params(), "fit"),
            **overrides,
        }

    def _validation_data(self, X_val, y_val):
        """Held-out data in the model's form, encoded exactly like the training data."""
        X_val, y_val = self._validate(X_val, y_val, reset=False)
        return self._model_inputs(X_val), self._model_targets(self._fit_targets(y_val, reset=False))

    def _fit(self, X, y, sample_weight, overrides, reuse_model, classes=None):
        reuse = reuse_model and hasattr(self, "model_")
        X, y = self._validate(X, y, reset=not reuse)
        targets = self._fit_targets(y, reset=not reuse, classes=classes)
        weights = self._sample_weights(y, sample_weight)
        if not reuse:
            self.feature_groups_ = self._resolve_feature_groups()
        inputs = self._model_inputs(X)
        seed = self._seed(reuse)
        if not reuse:
            with seeded_build(seed):
                self.model_ = self._build_model(inputs)
            self.history_ = defaultdict(list)
        history = fit(self.model_, inputs, self._model_targets(targets), sample_weight=weights, **self._fit_kwargs(overrides))
        for key, values in history.history.items():
            self.history_[key].extend(float(v) for v in values)
        return self

    def fit(self, X, y, sample_weight=None, **kwargs):
        """Build (unless ``warm_start`` and fitted) and train; ``kwargs`` override fit settings."""
        return self._fit(X, y, sample_weight, kwargs, reuse_model=self.warm_start)

    def partial_fit(self, X, y, sample_weight=None, **kwargs):
        """Train the current model for one more epoch (building it on the first call)."""
        classes = kwargs.pop("classes", None)
        return self._fit(X, y, sample_weight, {"epochs": 1, **kwargs}, reuse_model=True, classes=classes)

    def _raw_predict(self, X, **kwargs):
        check_is_fitted(self, "model_")
        X, _ = self._validate(X, reset=False)
        options = {"batch_size": self.batch_size, "verbose": 0, **routing.routed(self.get_params(), "predict"), **kwargs}
        return predict(self.model_, self._model_inputs(X), **options)

    # ---- subclass hooks -----------------------------------------------------------------
    _y_numeric = False

    def _default_loss(self, model):
        raise NotImplementedError

    def _fit_targets(self, y, reset, classes=None):
        return y

    def _model_targets(self, targets):
        """Targets as the model takes them: one y is given to every output of a multi-output model."""
        names = getattr(self.model_, "output_names", None) or []
        if len(names) > 1 and not isinstance(targets, dict):
            return {name: targets for name in names}
        return targets

    def _main_output(self, raw):
        """The prediction to report from ``model.predict``'s output.

        A build function may name the output of a multi-output model with a ``main_output``
        attribute (recipes do, through their ``MAIN_OUTPUT``); otherwise override this.
        """
        if not isinstance(raw, dict):
            return raw
        chosen = getattr(self._build_function(), "main_output", None)
        if chosen in raw:
            return raw[chosen]
        raise ValueError(
            f"The model predicts several outputs {sorted(raw)}; give the build function a main_output "
            "attribute naming the one to report, or subclass the wrapper and override _main_output."
        )

    def _sample_weights(self, y, sample_weight):
        """A fresh float32 copy (the caller's array is never changed), or None."""
        if sample_weight is None:
            return None
        weights = check_array(sample_weight, ensure_2d=False, dtype=np.float32, copy=True, input_name="sample_weight")
        if weights.shape != (len(y),):
            raise ValueError(f"sample_weight has shape {weights.shape}; it needs one weight per sample, shape ({len(y)},).")
        if np.any(weights < 0):
            raise ValueError("Negative values in data passed to sample_weight; weights must be 0 or more.")
        if not np.any(weights):
            raise ValueError("Sample weights must contain at least one non-zero number.")
        return weights

    # ---- pickling: the model travels as .keras bytes --------------------------------
    def __getstate__(self):
        state = dict(self.__dict__)
        if "model_" in state:
            state["model_"] = _model_to_bytes(state["model_"])
        if "history_" in state:
            state["history_"] = dict(state["history_"])
        return state

    def __setstate__(self, state):
        if isinstance(state.get("model_"), bytes):
            state["model_"] = _model_from_bytes(state["model_"])
        if "history_" in state:
            state["history_"] = defaultdict(list, state["history_"])
        self.__dict__.update(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags


def _as_list(columns) -> list:
    """Column selectors as plain Python values (so messages show 'f0', not np.str_('f0'))."""
    if isinstance(columns, (str, int, np.integer)):
        return [columns]
    return columns.tolist() if hasattr(columns, "tolist") else list(columns)


def _instantiate(spec, kwargs, what):
    """An optimizer or loss from a name, class or instance, with routed arguments applied."""
    import keras

    module = keras.optimizers if what == "optimizer" else keras.losses
    if spec is None:
        return None
    if isinstance(spec, str):
        return _from_name(module, spec, kwargs, what) if kwargs else module.get(spec)
    if isinstance(spec, type):
        return spec(**kwargs)
    if kwargs:
        raise ValueError(f"{what}__* arguments need {what} given as a name or a class, got the object {spec!r}.")
    if what == "optimizer" and hasattr(spec, "get_config"):
        return type(spec).from_config(spec.get_config())  # fresh state: refits never share slots
    return spec  # losses are stateless (and Huber's config would drop its delta)


def _from_name(module, name, kwargs, what):
    """The class behind a name, with arguments: "huber" -> Huber(delta=...), "adam" -> Adam(...)."""
    class_name = "".join(part.capitalize() for part in name.split("_")) if name.islower() else name
    try:
        built = module.get({"class_name": class_name, "config": kwargs})
    except (ValueError, TypeError) as err:
        raise ValueError(f"{what}={name!r} with {what}__* arguments {sorted(kwargs)} failed: {err}") from err
    if isinstance(built, type) or not hasattr(built, "get_config"):
        raise ValueError(
            f"{what}={name!r} names a function, which takes no {what}__* arguments; "
            f"name the class instead (e.g. {class_name!r}) or pass an instance."
        )
    return built


def _configured_callback(callback, kwargs, key):
    if isinstance(callback, type):
        return callback(**kwargs)
    configured = copy.deepcopy(callback)
    routing.reject_unknown(kwargs, [k for k in vars(configured) if not k.startswith("_")], f"callbacks[{key!r}]")
    for name, value in kwargs.items():
        setattr(configured, name, value)
    return configured


def _model_to_bytes(model) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = saving.save_model(model, os.path.join(tmp, "model.keras"))
        return path.read_bytes()


def _model_from_bytes(data: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        with open(path, "wb") as handle:
            handle.write(data)
        return saving.load_model(path)
