"""The estimator core shared by KerasClassifier and KerasRegressor.

Parameters are documented once, in :mod:`multikeras.sklearn.docstrings`, and each wrapper's
docstring lists them all.
"""

from __future__ import annotations

import functools
import inspect
import os
import re
import tempfile
import warnings
from collections import defaultdict

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .. import saving
from ..fitting import fit
from ..predicting import predict
from ..seeding import seeded_build, set_seed
from . import fit_store, keras_args, routed_params

__all__ = ["BaseWrapper"]

# Keyword names a build function may take besides its own hyperparameters.
BUILD_EXTRAS = ("meta", "compile_kwargs", "params", "X")
# Fitted attributes that are the wrapper's own state, not facts about the data.
NOT_META = frozenset({"model_", "history_", "feature_groups_"})


class BaseWrapper(BaseEstimator):
    """The fit/predict machinery; KerasClassifier and KerasRegressor handle targets and document it."""

    # Keras's own argument names for each call, routed from the wrapper's parameters (the names
    # scikeras subclasses read).
    _fit_kwargs = frozenset(
        {"batch_size", "epochs", "verbose", "validation_split", "shuffle", "class_weight", "sample_weight",
         "initial_epoch", "validation_steps", "validation_batch_size", "validation_freq"}
    )  # fmt: skip
    _predict_kwargs = frozenset({"batch_size", "verbose", "steps"})
    _compile_kwargs = frozenset({"optimizer", "loss", "metrics", "loss_weights", "weighted_metrics", "run_eagerly"})

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
        fit_store=None,
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
        self.fit_store = fit_store
        # Routed (prefix__name) and plain model parameters: public through get/set_params, kept
        # in one private dict because scikit-learn allows no other attributes set in __init__.
        self._extra_params = dict(kwargs)

    def __init_subclass__(cls, **kwargs):
        """Keep the routed parameters a subclass declares in its ``__init__`` and never assigns.

        scikeras's tutorials write ``def __init__(self, ..., optimizer__learning_rate=0.001, **kwargs)``
        and set only the other names; scikit-learn's ``get_params`` and ``clone`` read every
        declared name back. So after such an ``__init__`` runs, each declared routed name it left
        unset holds the value it was given (or its default), and is routed like any other.
        """
        super().__init_subclass__(**kwargs)
        init = vars(cls).get("__init__")
        if init is None:
            return
        signature = inspect.signature(init)
        declared = [name for name in signature.parameters if routed_params.is_routed(name)]
        if not declared:
            return

        @functools.wraps(init)
        def __init__(self, *args, **kwargs):
            init(self, *args, **kwargs)
            given = signature.bind(self, *args, **kwargs)
            given.apply_defaults()
            for name in declared:
                vars(self).setdefault(name, given.arguments[name])

        cls.__init__ = __init__

    # ---- parameters -------------------------------------------------------------------
    @classmethod
    def _get_param_names(cls):
        """The parameters of every ``__init__`` up the chain of subclasses that pass ``**kwargs`` on,
        so ``clone`` keeps ``epochs`` for ``class Mine(KerasClassifier): def __init__(self, split=True, **kwargs)``."""
        names = set()
        for klass in cls.__mro__:
            if "__init__" not in vars(klass) or not issubclass(klass, BaseWrapper):
                continue
            parameters = inspect.signature(klass.__init__).parameters.values()
            names.update(
                p.name for p in parameters if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
            )
            if not any(p.kind is p.VAR_KEYWORD for p in parameters):
                break
        return sorted(names)

    def get_params(self, deep=True):
        return {**super().get_params(deep=deep), **self._extra_params}

    def set_params(self, **params):
        declared = set(self._get_param_names())
        for key in [k for k in params if k not in declared and (routed_params.is_routed(k) or k in self._extra_params)]:
            self._extra_params[key] = params.pop(key)
        for key in [k for k in params if k in declared and routed_params.is_routed(k)]:  # declared by a subclass
            setattr(self, key, params.pop(key))
        try:
            return super().set_params(**params) if params else self
        except ValueError as err:
            raise ValueError(
                f"{err} Invalid parameter {next(iter(params))} for estimator {self.__name__}. "
                f"This issue can likely be resolved by setting this parameter in the {self.__name__} "
                "constructor; check the valid ones with estimator.get_params().keys()."
            ) from None

    def __getattr__(self, name):
        """Routed parameters read as attributes (``est.fit__batch_size``), as scikeras allows."""
        extra = self.__dict__.get("_extra_params", {})
        if name in extra:
            return extra[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def __name__(self):
        return type(self).__name__

    @property
    def current_epoch(self) -> int:
        """Epochs trained since the model was last built (``partial_fit`` counts on)."""
        return len(self.history_.get("loss", [])) if hasattr(self, "history_") else 0

    @property
    def initialized_(self) -> bool:
        """Whether there is a model to predict with (built by ``fit`` or ``initialize``)."""
        return hasattr(self, "model_")

    # ---- encoders: override these properties to change how X and y reach the model ----------
    @property
    def target_encoder(self):
        """An unfitted transformer from y to the model's targets (and back, for predictions)."""
        return FunctionTransformer()

    @property
    def feature_encoder(self):
        """An unfitted transformer from X to the model's inputs."""
        return FunctionTransformer()

    # ---- data ---------------------------------------------------------------------------
    def _validate(self, X, y=None, reset=True):
        """scikit-learn's validation, recording (on ``reset``) or checking the data's meta
        attributes. Numeric X keeps its dtype (Keras casts floats to its own); other X becomes float32."""
        _check_column_types(X)
        # Sparse X (OneHotEncoder's output) stays sparse, as CSR: batches are its rows, made dense as they
        # are trained on (Keras's TensorFlow path also needs CSR's row order; it fails on CSC and COO).
        kwargs = {
            "dtype": None if _is_numeric(X) else np.float32,
            "reset": reset,
            "allow_nd": True,
            "accept_sparse": "csr",
        }
        if y is None:
            X = validate_data(self, X, **kwargs)
        else:
            X, y = validate_data(self, X, y, multi_output=True, y_numeric=self._y_numeric, **kwargs)
            self._record_or_check("y", y, reset)
        self._record_or_check("X", X, reset)
        return X, y

    def _record_or_check(self, name, data, reset):
        if reset:
            setattr(self, f"{name}_dtype_", data.dtype)
            if name == "X":
                self.X_shape_ = data.shape
            else:
                self.y_ndim_ = data.ndim
                self.target_type_ = type_of_target(data)  # the target encoder may refine it
            return
        if name == "X" and data.shape[1:] != self.X_shape_[1:]:
            raise ValueError(
                f"X has {data.ndim} dimensions of shape {data.shape[1:]} per sample, but this {self.__name__} "
                f"was fitted on {len(self.X_shape_)} dimensions in X of shape {self.X_shape_[1:]} per sample."
            )
        if name == "y" and data.ndim != self.y_ndim_:
            raise ValueError(
                f"y has {data.ndim} dimensions, but this {self.__name__} was fitted on y with {self.y_ndim_}: "
                "pass y shaped as in the first fit, or refit with warm_start=False."
            )

    def _check_continued_dtypes(self, X, y):
        """Training on: new data must cast safely to the dtypes the model was built for."""
        for name, data in (("X", X), ("y", y)):
            expected = getattr(self, f"{name}_dtype_", None)
            if data is not None and expected is not None and not np.can_cast(data.dtype, expected):
                raise ValueError(
                    f"Got {name} with dtype {data.dtype}, but this {self.__name__} was fitted on {expected} "
                    f"and casting from {data.dtype} to {expected} is not safe; convert {name} or refit."
                )

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
                where = (
                    f"the DataFrame's columns {names}" if names else "X, which has no column names (pass a DataFrame)"
                )
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
        """X as the Keras model takes it: encoded, and split into column groups if asked."""
        X = self.feature_encoder_.transform(X)
        if self.feature_groups_ is None:
            return X
        return {group: X[:, columns] for group, columns in self.feature_groups_.items()}

    # ---- model --------------------------------------------------------------------------
    def _build_function(self):
        """The callable that builds the model: ``model``, ``build_fn`` or a subclass's ``_keras_build_fn``."""
        import keras

        if self.model is not None and self.build_fn is not None:
            raise ValueError(
                "Pass the build function as model= or build_fn=, not both (build_fn is scikeras's old name)."
            )
        build = self.model if self.model is not None else self.build_fn
        own = getattr(self, "_keras_build_fn", None)
        if build is None:
            if own is None:
                raise ValueError(
                    "model is None: pass model= (a function returning a keras.Model, or a keras.Model), "
                    "or subclass the wrapper: it must implement ``_keras_build_fn``."
                )
            return own
        if own is not None:
            raise ValueError(
                "This class cannot implement ``_keras_build_fn`` if using the `model` parameter; use one or the other."
            )
        if not (isinstance(build, keras.Model) or callable(build)):
            raise TypeError(
                f"``model`` must be a callable, a Keras Model instance or None, got {type(build).__name__}."
            )
        return build

    def _meta(self) -> dict:
        """What ``fit`` has learned so far: every public attribute ending in ``_`` (scikeras's rule)."""
        learned = {k: v for k, v in vars(self).items() if len(k) > 1 and k[-1] == "_" and k[-2] != "_" and k[0] != "_"}
        return {k: v for k, v in learned.items() if k not in NOT_META}

    def _build_kwargs(self, build, inputs) -> dict:
        params = self.get_params()
        model_params = routed_params.own(routed_params.routed(params, "model"))
        given = {**{k: v for k, v in self._extra_params.items() if not routed_params.is_routed(k)}, **model_params}
        accepted = routed_params.accepted_names(build)
        name = getattr(build, "__name__", type(build).__name__)
        if accepted is None:  # **kwargs: scikeras's three extras, and everything given
            return {**given, "meta": self._meta(), "compile_kwargs": self._compile_arguments(), "params": params}
        routed_params.reject_unknown(given, accepted - set(BUILD_EXTRAS), f"The build function {name!r}")
        extras = {
            "meta": self._meta,
            "compile_kwargs": self._compile_arguments,
            "params": lambda: params,
            "X": lambda: inputs,
        }
        return {**given, **{k: make() for k, make in extras.items() if k in accepted}}

    def _build_model(self, inputs):
        import keras

        build = self._build_function()
        if self.build_fn is not None:
            warnings.warn(
                "``build_fn`` will be renamed to ``model``: pass model= (build_fn is scikeras's old name).",
                UserWarning,
                stacklevel=2,
            )
        model = build if isinstance(build, keras.Model) else build(**self._build_kwargs(build, inputs))
        if not isinstance(model, keras.Model):
            raise TypeError(f"The build function must return a keras.Model, got {type(model).__name__}.")
        return model

    def _ensure_compiled(self):
        model = self.model_
        if not model.compiled:
            model.compile(**self._compile_arguments(default_loss=self._default_loss(model)))
        if not _has_loss(getattr(model, "loss", None)):
            raise ValueError(
                "No valid loss function found: you must provide a loss to train. Pass loss= to the wrapper, "
                "or compile the model with a loss in the build function (compile_kwargs has the wrapper's)."
            )
        if not getattr(model, "optimizer", None):
            raise ValueError("You must provide an optimizer or a compiled model: pass optimizer= (e.g. 'adam').")
        given, compiled = _loss_key(self.loss), _loss_key(model.loss)
        default = inspect.signature(type(self).__init__).parameters.get("loss")
        chosen = given is not None and (default is None or given != _loss_key(default.default))
        if chosen and compiled is not None and given != compiled:
            raise ValueError(
                f"loss={self.loss!r} but model compiled with {model.loss!r} by the build function; "
                "data may not match the loss. Pass the same loss, or drop loss= and let the build function choose."
            )

    def _compile_arguments(self, default_loss=None) -> dict:
        """The wrapper's compile arguments; ``loss`` is None unless given, so build functions can
        write ``compile_kwargs["loss"] or "binary_crossentropy"``."""
        loss = self.loss if self.loss is not None else default_loss
        return keras_args.compile_kwargs(self.get_params(), loss)

    def _callbacks(self, stage) -> list:
        """Callbacks for ``fit`` or ``predict``: ``callbacks`` plus ``fit__callbacks`` or ``predict__callbacks``."""
        params = self.get_params()
        shared = keras_args.callbacks(self.callbacks, routed_params.routed(params, "callbacks"), "callbacks")
        staged = routed_params.routed(params, stage)
        own = keras_args.callbacks(
            staged.get("callbacks"), routed_params.routed(staged, "callbacks"), f"{stage}__callbacks"
        )
        return shared + own

    def _stage_arguments(self, stage) -> dict:
        """``fit__*`` or ``predict__*`` keys for Keras's call (their callbacks go through ``_callbacks``)."""
        own = routed_params.own(routed_params.routed(self.get_params(), stage))
        own.pop("callbacks", None)
        return own

    # ---- fit / predict ------------------------------------------------------------------
    def _seed(self):
        """Seed from random_state and return the seed (None: unseeded); each fit call of the
        same model is offset by the epochs run before it, so continued training does not replay."""
        if self.random_state is None:
            return None
        if isinstance(self.random_state, (int, np.integer)) and not isinstance(self.random_state, bool):
            seed = int(self.random_state) + getattr(self, "_epochs_run", 0)
        else:
            seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        return set_seed(seed)

    def _fit_arguments(self, overrides, inputs) -> dict:
        """Keras fit arguments; callbacks passed to ``fit`` are added to the configured ones."""
        overrides = dict(overrides)
        extra_callbacks = overrides.pop("callbacks", None)
        if overrides.get("validation_data") is not None:
            overrides["validation_data"] = self._validation_data(*overrides["validation_data"])
        kwargs = {
            "batch_size": self.batch_size,
            "validation_batch_size": self.validation_batch_size,
            "epochs": self.epochs,
            "verbose": self.verbose,
            "shuffle": self.shuffle,
            "validation_split": self.validation_split,
            **self._stage_arguments("fit"),
            **overrides,
            "callbacks": self._callbacks("fit") + keras_args.callbacks(extra_callbacks, {}, "fit's callbacks"),
        }
        for key in ("batch_size", "validation_batch_size"):
            kwargs[key] = _whole_batch(kwargs[key], inputs, key)
        return kwargs

    def _validation_data(self, X_val, y_val):
        """Held-out data in the model's form, encoded exactly like the training data."""
        X_val, y_val = self._validate(X_val, y_val, reset=False)
        return self._model_inputs(X_val), self._model_targets(self.target_encoder_.transform(y_val))

    def _initialize(self, X, y):
        """Learn the data's meta attributes and encoders, and build the model."""
        X, y = self._validate(X, y, reset=True)
        if y is not None:
            self._fit_target_encoder(y)
        self.feature_encoder_ = self.feature_encoder.fit(X)
        vars(self).update(getattr(self.feature_encoder_, "get_metadata", dict)())
        self.feature_groups_ = self._resolve_feature_groups()
        self._epochs_run = 0
        self.history_ = defaultdict(list)
        with seeded_build(self._seed()):
            self.model_ = self._build_model(self._model_inputs(X))
        return X, y

    def _fit_target_encoder(self, y):
        self.target_encoder_ = self.target_encoder.fit(y)
        vars(self).update(getattr(self.target_encoder_, "get_metadata", dict)())

    def initialize(self, X, y=None):
        """Build the model for ``X`` (and ``y``) without training it, e.g. to predict with a
        pretrained model passed as ``model=``; ``fit`` does this itself."""
        self._initialize(X, y)
        return self

    def _fit(self, X, y, sample_weight, overrides, keep_model, continue_history=False):
        if y is None:
            raise ValueError(f"This {self.__name__} estimator requires y to be passed, but the target y is None.")
        if keep_model and self.initialized_:
            X, y = self._validate(X, y, reset=not hasattr(self, "target_encoder_"))
            if hasattr(self, "target_encoder_"):
                self._check_continued_dtypes(X, y)
            else:  # built by initialize(X) without y
                self._fit_target_encoder(y)
        else:
            X, y = self._initialize(X, y)
        self._ensure_compiled()
        weights = self._sample_weights(y, sample_weight)
        if weights is not None:
            kept = weights != 0  # scikit-learn's meaning: a zero weight is a sample left out
            X, y, weights = X[kept], y[kept], weights[kept]
        targets = self._model_targets(self.target_encoder_.transform(y))
        inputs = self._model_inputs(X)
        kwargs = self._fit_arguments(overrides, inputs)
        if continue_history:
            kwargs["initial_epoch"] = self.current_epoch
            kwargs["epochs"] = self.current_epoch + kwargs["epochs"]
        else:
            self.history_ = defaultdict(list)
        self._seed()
        history = fit(self.model_, inputs, targets, sample_weight=weights, **kwargs)
        for key, values in history.history.items():
            self.history_[_history_key(key)].extend(float(v) for v in values)
        self._epochs_run = getattr(self, "_epochs_run", 0) + len(history.epoch)
        return self

    def fit(self, X, y, sample_weight=None, **kwargs):
        """Build (unless ``warm_start`` and built) and train; ``kwargs`` override fit settings.

        With a ``fit_store``, a fresh fit stored there before is restored instead of refitted.
        """
        store = fit_store.resolve(self.fit_store)
        if store is None or (self.warm_start and self.initialized_):
            return self._fit(X, y, sample_weight, kwargs, keep_model=self.warm_start)
        fresh = functools.partial(self._fit, X, y, sample_weight, kwargs, keep_model=False)
        return store.fit(self, fresh, X, y, sample_weight, kwargs)

    def partial_fit(self, X, y, sample_weight=None, **kwargs):
        """Train the current model for one more epoch (building it on the first call)."""
        for name in ("epochs", "initial_epoch"):
            if name in kwargs:
                raise TypeError(
                    f"Invalid argument `{name}` to `partial_fit`: it always trains one epoch from the current one."
                )
        return self._fit(X, y, sample_weight, {**kwargs, "epochs": 1}, keep_model=True, continue_history=True)

    def _raw_predict(self, X, **kwargs):
        if not self.initialized_:
            check_is_fitted(self, "model_")
        X, _ = self._validate(X, reset=False)
        options = {"batch_size": self.batch_size, "verbose": 0, **self._stage_arguments("predict"), **kwargs}
        inputs = self._model_inputs(X)
        options["batch_size"] = _whole_batch(options["batch_size"], inputs, "batch_size")
        options["callbacks"] = self._callbacks("predict") + keras_args.callbacks(
            options.pop("callbacks", None), {}, "predict's callbacks"
        )
        return predict(self.model_, inputs, **options)

    def _decoded_output(self, raw):
        """The model's output as the target encoder expects it: the main output of a model that
        trains every output on one y, else all of them."""
        if getattr(self, "n_outputs_expected_", None) in (None, 1):
            return self._main_output(raw)
        return raw

    def predict(self, X, **kwargs):
        """Predictions for X, decoded by the target encoder."""
        raw = self._decoded_output(self._raw_predict(X, **kwargs))
        encoder = getattr(self, "target_encoder_", None)
        return np.asarray(raw) if encoder is None else encoder.inverse_transform(raw)

    def score(self, X, y, sample_weight=None):
        """``self.scorer(y, self.predict(X))``: accuracy for a classifier, R² for a regressor.

        A subclass changes the metric by defining ``scorer(y_true, y_pred, **kwargs)``, static or
        bound, as in scikeras; ``score__name`` parameters and ``sample_weight`` reach it as keywords.
        """
        kwargs = routed_params.own(routed_params.routed(self.get_params(), "score"))
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return self.scorer(y, self.predict(X), **kwargs)

    # ---- subclass hooks -----------------------------------------------------------------
    _y_numeric = False

    def _default_loss(self, model):
        return None

    def _model_targets(self, targets):
        """Targets as the model takes them; y is given to every output of a model whose build
        function names a ``main_output``, and must otherwise match the model's outputs."""
        outputs = _output_names(self.model_)
        expected = getattr(self, "n_outputs_expected_", None)
        if len(outputs) > 1 and not isinstance(targets, (dict, list, tuple)):
            if getattr(self._build_function(), "main_output", None) in outputs:
                return {name: targets for name in outputs}
        if expected and outputs and expected != len(outputs):
            raise ValueError(
                f"Detected a Keras model input of size {expected} (n_outputs_expected_ from the target encoder), "
                f"but the model has {len(outputs)} outputs {outputs}. Give the build function a main_output "
                "attribute to train every output on y, or override target_encoder to split y per output."
            )
        return targets

    def _main_output(self, raw):
        """The prediction to report from ``model.predict``'s output.

        A build function may name the output of a multi-output model with a ``main_output``
        attribute (recipes do, through their ``MAIN_OUTPUT``); otherwise override this.
        """
        if isinstance(raw, (list, tuple)) and len(raw) == 1:
            return raw[0]
        if not isinstance(raw, (dict, list, tuple)):
            return raw
        chosen = getattr(self._build_function(), "main_output", None)
        if isinstance(raw, dict) and chosen in raw:
            return raw[chosen]
        outputs = _output_names(self.model_)
        if not isinstance(raw, dict) and chosen in outputs:
            return raw[outputs.index(chosen)]
        raise ValueError(
            f"The model predicts {len(raw)} outputs {outputs}; give the build function a main_output "
            "attribute naming the one to report, or override target_encoder to decode them all."
        )

    def _sample_weights(self, y, sample_weight):
        """A fresh float32 copy (the caller's array is never changed), or None."""
        if sample_weight is None:
            return None
        weights = check_array(sample_weight, ensure_2d=False, dtype=np.float32, copy=True, input_name="sample_weight")
        if weights.shape != (len(y),):
            raise ValueError(
                f"sample_weight has shape {weights.shape}; it needs one weight per sample, shape ({len(y)},)."
            )
        if np.any(weights < 0):
            raise ValueError("Negative values in data passed to sample_weight; weights must be 0 or more.")
        if not np.any(weights):
            raise ValueError(
                "No training samples had any weight: only zeros were passed in sample_weight. "
                "Give at least one sample a positive weight."
            )
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
        tags.input_tags.sparse = True
        return tags


def _is_numeric(X) -> bool:
    """Whether X's values are numbers already (then their dtype is kept and recorded)."""
    dtypes = getattr(X, "dtypes", None)  # a DataFrame: look at its columns, not a copy
    if dtypes is not None and hasattr(dtypes, "__iter__"):
        return all(np.dtype(d).kind in "biuf" if isinstance(d, np.dtype) else False for d in dtypes)
    if sparse.issparse(X):
        return X.dtype.kind in "biuf"
    return np.asarray(X).dtype.kind in "biuf"


def _check_column_types(X) -> None:
    """Text in X: an error naming the first column that holds some, and how to encode it.

    Other objects (numbers stored as objects, or something else) are left to NumPy's conversion.
    """
    if sparse.issparse(X):
        return
    dtypes = getattr(X, "dtypes", None)
    if dtypes is not None and hasattr(dtypes, "items"):  # a DataFrame
        columns = [
            name for name, dtype in dtypes.items() if dtype.kind not in "biuf" and _holds_text(X[name].to_numpy())
        ]
        where = f"column {columns[0]!r}" if columns else None
    else:
        array = np.asarray(X)
        if array.dtype.kind not in "OUS" or array.ndim == 0:
            return
        flat = array.reshape(len(array), -1) if array.ndim > 1 else array.reshape(-1, 1)
        columns = [j for j in range(flat.shape[1]) if _holds_text(flat[:, j])]
        where = f"column {columns[0]}" if columns else None
    if where is not None:
        raise ValueError(
            f"X {where} holds text ({len(columns)} such column(s)); Keras needs numbers. Encode such columns "
            "first: sklearn's OneHotEncoder or OrdinalEncoder in a ColumnTransformer, ahead of this estimator in a Pipeline."
        )


def _holds_text(column) -> bool:
    """Whether ``column`` holds strings that are not numbers written as text."""
    texts = [value for value in column if isinstance(value, (str, bytes))]
    try:
        np.asarray(texts, dtype=np.float64)
    except ValueError:
        return True
    return False


def _output_names(model) -> list:
    try:
        return list(model.output_names or [])
    except (AttributeError, ValueError):
        return []


def _loss_key(loss):
    """A single loss's function name, to compare losses given in different forms; None for none or several."""
    import keras

    if loss is None or isinstance(loss, (list, tuple, dict)):
        return None
    if isinstance(loss, type):
        loss = loss()
    if isinstance(loss, str):
        try:
            loss = keras.losses.get(loss)
        except (ValueError, TypeError):
            return loss
    target = getattr(loss, "fn", loss)
    return getattr(target, "__name__", type(target).__name__)


def _has_loss(loss) -> bool:
    if isinstance(loss, (list, tuple)):
        return any(_has_loss(item) for item in loss)
    if isinstance(loss, dict):
        return any(_has_loss(item) for item in loss.values())
    return loss is not None


def _whole_batch(batch_size, inputs, name):
    """``-1`` means all of the (encoded) inputs in one batch, as scikeras allows."""
    if batch_size != -1:
        return batch_size
    first = next(iter(inputs.values()), None) if isinstance(inputs, dict) else inputs
    if not hasattr(first, "shape"):
        raise ValueError(
            f"`{name}=-1` requires that `X` implement `shape`; the feature encoder gave {type(inputs).__name__}."
        )
    return int(first.shape[0])


def _history_key(key: str) -> str:
    """History keys as scikeras reports them: a metric given by a short name under the name of
    its function ("mae" -> "mean_absolute_error"); the loss and validation keys as Keras writes them."""
    import keras

    if key == "loss" or key.startswith("val_"):
        return key
    try:
        found = keras.metrics.get(key)
    except (ValueError, TypeError):
        return key
    name = type(found).__name__ if isinstance(found, keras.metrics.Metric) else getattr(found, "__name__", key)
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()  # MeanAbsoluteError -> mean_absolute_error


def _as_list(columns) -> list:
    """Column selectors as plain Python values (so messages show 'f0', not np.str_('f0'))."""
    if isinstance(columns, (str, int, np.integer)):
        return [columns]
    return columns.tolist() if hasattr(columns, "tolist") else list(columns)


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
