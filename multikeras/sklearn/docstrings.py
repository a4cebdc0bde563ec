"""The wrappers' docstrings, assembled from one description per parameter.

Each parameter is written once here; :func:`assemble` builds a numpydoc docstring for each
wrapper, so ``help(KerasClassifier)`` shows every parameter and no two copies can drift.
"""

from __future__ import annotations

import inspect

__all__ = ["PARAMETERS", "ATTRIBUTES", "assemble"]

PARAMETERS = {
    "model": """model : callable or keras.Model
    Build function returning a Keras model (compiled or not). It may take ``meta`` (dict of
    fitted metadata: ``n_features_in_``, ``X_shape_``, ``X_dtype_``, ``y_dtype_``, ``y_ndim_``,
    ``n_outputs_``, ``n_outputs_expected_``, ``n_classes_``, ``classes_``, ``target_type_``,
    the encoders), ``compile_kwargs`` (optimizer, loss, metrics built from this estimator's
    parameters; the loss is None unless ``loss`` is set), ``params`` (``get_params()``), ``X``
    (the training inputs, e.g. to adapt Normalization layers) and its own parameters, given as
    ``model__name`` or plainly. A ``keras.Model`` is used as given, its weights kept. None: a
    subclass's ``_keras_build_fn`` builds it.""",
    "build_fn": """build_fn : callable
    scikeras's older name for ``model`` (warns).""",
    "warm_start": """warm_start : bool, default=False
    Keep training the existing ``model_`` on the next ``fit`` instead of building anew
    (``history_`` restarts, as in scikeras; ``partial_fit`` appends to it).""",
    "random_state": """random_state : int, RandomState or None, default=None
    Seeds Python, NumPy and the backend (``keras.utils.set_random_seed``) before building and
    before each fit, so the same int gives the same fit, shuffling included, on every backend.
    A RandomState is drawn from (and so advanced) by each fit, as in scikit-learn.""",
    "optimizer": """optimizer : str, class or keras.optimizers.Optimizer, default="rmsprop"
    Compiles a model the build function left uncompiled; ``optimizer__*`` sets its arguments.""",
    "loss": """loss : str, class, keras.losses.Loss or None, default=None
    Compiles an uncompiled model; ``loss__*`` sets its arguments. None picks the task's loss:
    {default_loss}.""",
    "metrics": """metrics : str, class, list, dict or None, default=None
    Keras metrics to compile an uncompiled model with (a lone one is put in a list);
    ``metrics__*`` configures the classes among them.""",
    "batch_size": """batch_size : int or None, default=None
    Samples per gradient step (Keras's default, 32, when None; -1 for all of X); also the
    predict batch.""",
    "validation_batch_size": """validation_batch_size : int or None, default=None
    As in ``keras.Model.fit``.""",
    "verbose": """verbose : int, default=1
    Keras's progress output during fit.""",
    "callbacks": """callbacks : list or dict of callbacks (instances or classes), default=None
    ``callbacks__0__patience=3`` (or ``callbacks__NAME__...`` for a dict) sets a parameter of
    one callback, so search can tune it.""",
    "validation_split": """validation_split : float, default=0.0
    Fraction of the training data Keras holds out for ``val_*`` logs.""",
    "shuffle": """shuffle : bool, default=True
    Shuffle before each epoch (in an order keyed by ``random_state`` and the epoch).""",
    "run_eagerly": """run_eagerly : bool, default=False
    As in ``keras.Model.compile``.""",
    "epochs": """epochs : int, default=1
    Passes over the training data per ``fit``; ``fit__*`` and ``predict__*`` pass anything else.""",
    "class_weight": """class_weight : dict, "balanced" or None, default=None
    {class_weight}""",
    "feature_groups": """feature_groups : dict or None, default=None
    For multi-input models: input name -> column indices or names of a 2-D ``X``
    (array or DataFrame), so the model fits inside Pipelines and searches.""",
    "fit_store": """fit_store : str, path, FitStore or None, default=None
    A folder of finished fits (:class:`multikeras.sklearn.FitStore`): a fresh ``fit`` whose
    parameters, data, backend and versions match a stored one restores it instead of training,
    so a killed search, KFold ensemble or split evaluation run again resumes. Share the folder
    between joblib or Dask workers; it holds pickles, so use only folders you trust.""",
}
ATTRIBUTES = {
    "model_": """model_ : keras.Model
    The trained model.""",
    "history_": """history_ : dict of lists
    Each metric's value per epoch, over every ``fit`` and ``partial_fit`` so far.""",
    "n_features_in_": """n_features_in_ : int
    Columns of ``X`` seen in ``fit``.""",
    "n_outputs_": """n_outputs_ : int
    Target columns.""",
    "target_type_": """target_type_ : str
    scikit-learn's ``type_of_target`` of ``y``.""",
    "classes_": """classes_ : ndarray of shape (n_classes,)
    The labels, in the order of ``predict_proba``'s columns.""",
    "n_classes_": """n_classes_ : int
    Number of classes.""",
}


def _section(title: str, entries) -> str:
    return f"{title}\n{'-' * len(title)}\n" + "\n".join(entries)


def assemble(summary: str, attributes, **fill) -> str:
    """A numpydoc docstring: ``summary``, every parameter (``fill`` completes the templates),
    then the fitted ``attributes`` named."""
    parameters = [text.format(**fill) if "{" in text else text for text in PARAMETERS.values()]
    body = [
        inspect.cleandoc(summary),
        _section("Parameters", parameters),
        _section("Attributes", [ATTRIBUTES[a] for a in attributes]),
    ]
    return "\n\n".join(body) + "\n"
