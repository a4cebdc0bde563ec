"""scikeras behaviours that real ports rely on, checked on every backend (the peer suite runs
only in the torch and JAX envs)."""

import keras
import numpy as np
import pytest
from sklearn.datasets import make_classification

from multikeras.sklearn import KerasClassifier, KerasRegressor

X, Y = make_classification(60, 4, n_informative=3, n_redundant=0, random_state=0)
X = X.astype(np.float32)


def scikeras_style_binary(meta, compile_kwargs):
    """The scikeras idiom: the wrapper's loss if one was given, else the right one for one sigmoid unit."""
    model = keras.Sequential([keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=compile_kwargs["optimizer"], loss=compile_kwargs["loss"] or "binary_crossentropy")
    return model


def test_a_one_unit_sigmoid_written_the_scikeras_way_trains_with_binary_cross_entropy():
    clf = KerasClassifier(scikeras_style_binary, epochs=2, verbose=0, random_state=0).fit(X, Y)
    assert clf.model_.loss == "binary_crossentropy"
    proba = clf.predict_proba(X[:5])
    assert proba.shape == (5, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


def test_build_functions_see_scikeras_meta_keys():
    seen = {}

    def build(meta, compile_kwargs, params):
        seen.update(meta=meta, params=params)
        return scikeras_style_binary(meta, compile_kwargs)

    KerasClassifier(build, epochs=1, verbose=0).fit(X.astype(np.float64), Y)
    meta = seen["meta"]
    assert meta["n_outputs_expected_"] == 1 and meta["X_shape_"] == X.shape and meta["y_ndim_"] == 1
    assert meta["X_dtype_"] == np.float64 and meta["y_dtype_"] == Y.dtype and meta["target_type_"] == "binary"
    assert {"feature_encoder_", "target_encoder_", "classes_", "n_classes_"} <= set(meta)
    assert seen["params"]["epochs"] == 1


def pretrained_regressor():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.set_weights([np.full((4, 1), 0.5, np.float32), np.array([2.0], np.float32)])
    return model


def test_a_pretrained_model_is_used_as_given_by_initialize_and_warm_start():
    model = pretrained_regressor()
    expected = X @ np.full(4, 0.5) + 2.0
    reg = KerasRegressor(model=model, verbose=0).initialize(X, expected)
    assert reg.model_ is model  # not a clone: the weights are the caller's
    np.testing.assert_allclose(reg.predict(X), expected, rtol=1e-5)
    reg.set_params(warm_start=True, optimizer__learning_rate=0.0).fit(X, expected)
    assert reg.model_ is model
    np.testing.assert_allclose(
        reg.predict(X), expected, rtol=1e-5
    )  # the model came compiled: its own optimizer trained


def compiled_with_all(meta, compile_kwargs):
    model = keras.Sequential([keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(**compile_kwargs)
    return model


@pytest.mark.fault("loss__from_logits routed to a loss given as a function", "TypeError: not a class")
def test_compile_kwargs_routing_builds_metrics_losses_and_nested_objects():
    clf = KerasClassifier(
        compiled_with_all,
        loss=keras.losses.BinaryCrossentropy,
        loss__label_smoothing=0.1,
        metrics="acc",
        optimizer=keras.optimizers.SGD,
        optimizer__learning_rate=0.05,
        epochs=1,
        verbose=0,
    )
    kwargs = clf._compile_arguments()
    assert kwargs["metrics"] == ["acc"]  # a lone metric becomes a list, as Keras wants
    assert isinstance(kwargs["loss"], keras.losses.BinaryCrossentropy) and kwargs["loss"].label_smoothing == 0.1
    assert isinstance(kwargs["optimizer"], keras.optimizers.SGD)
    clf.fit(X, Y)
    assert "acc" in clf.history_
    with pytest.raises(TypeError, match="not a class"):
        KerasClassifier(
            scikeras_style_binary, loss=keras.losses.binary_crossentropy, loss__from_logits=True, verbose=0
        ).fit(X, Y)


class Recorder(keras.callbacks.Callback):
    def __init__(self, log):
        super().__init__()
        self.log = log

    def on_train_begin(self, logs=None):
        self.log.append("train")

    def on_predict_begin(self, logs=None):
        self.log.append("predict")


def test_a_single_callback_and_stage_callbacks_reach_their_stage():
    shared, fitting, predicting = [], [], []
    clf = KerasClassifier(
        scikeras_style_binary,
        callbacks=Recorder(shared),
        fit__callbacks=[Recorder(fitting)],
        predict__callbacks=Recorder(predicting),
        epochs=1,
        verbose=0,
    )
    clf.fit(X, Y).predict(X)
    assert shared == ["train", "predict"] and fitting == ["train"] and predicting == ["predict"]


@pytest.mark.fault("partial_fit(X, y, epochs=3)", "TypeError: partial_fit always trains one epoch")
def test_initialize_partial_fit_and_current_epoch():
    clf = KerasClassifier(scikeras_style_binary, epochs=2, verbose=0, random_state=0)
    clf.initialize(X, Y)
    assert clf.current_epoch == 0 and clf.predict(X[:3]).shape == (3,)
    clf.partial_fit(X, Y)
    clf.partial_fit(X, Y)
    assert clf.current_epoch == 2 and len(clf.history_["loss"]) == 2
    with pytest.raises(TypeError, match="always trains one epoch"):
        clf.partial_fit(X, Y, epochs=3)


def test_batch_size_minus_one_is_the_whole_data():
    seen = []

    class Batch(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(batch)

    KerasClassifier(scikeras_style_binary, batch_size=-1, callbacks=[Batch()], epochs=1, verbose=0).fit(X, Y)
    assert seen == [0]


def test_multilabel_targets_train_one_sigmoid_per_label():
    labels = np.stack([Y, 1 - Y, (X[:, 0] > 0).astype(int)], axis=1)

    def build(meta):
        return keras.Sequential(
            [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(meta["n_classes_"], activation="sigmoid")]
        )

    clf = KerasClassifier(build, epochs=1, verbose=0, random_state=0).fit(X, labels)
    assert clf.target_type_ == "multilabel-indicator" and clf.model_.loss == "binary_crossentropy"
    assert clf.predict(X[:4]).shape == (4, 3) and set(np.unique(clf.predict(X))) <= {0, 1}
    assert clf.predict_proba(X[:4]).shape == (4, 3)


class SubclassedClassifier(KerasClassifier):
    """scikeras's subclassing idiom: own parameters, **kwargs passed on, a _keras_build_fn."""

    def __init__(self, hidden=4, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden

    def _keras_build_fn(self, meta, compile_kwargs):
        model = keras.Sequential(
            [
                keras.Input((meta["n_features_in_"],)),
                keras.layers.Dense(self.hidden, activation="relu"),
                keras.layers.Dense(2, activation="softmax"),
            ]
        )
        model.compile(optimizer=compile_kwargs["optimizer"], loss="sparse_categorical_crossentropy")
        return model


def test_a_subclass_with_kwargs_keeps_base_parameters_through_clone():
    from sklearn.base import clone

    clf = SubclassedClassifier(hidden=3, epochs=2, batch_size=8, verbose=0)
    copy = clone(clf)
    assert copy.get_params()["epochs"] == 2 and copy.get_params()["batch_size"] == 8 and copy.hidden == 3
    copy.fit(X, Y)
    assert copy.model_.layers[0].units == 3 and len(copy.history_["loss"]) == 2


@pytest.mark.fault(
    "loss='mse' to the wrapper whose build function compiles with 'mae'",
    "ValueError: loss='mse' but model compiled with 'mae'; the same loss by another name fits",
)
def test_a_loss_the_build_function_overrides_is_an_error():
    def compiles_mae(meta):
        model = keras.Sequential([keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mae")
        return model

    with pytest.raises(ValueError, match="loss='mse' but model compiled with 'mae'"):
        KerasRegressor(compiles_mae, loss="mse", verbose=0).fit(X, Y.astype(float))
    KerasRegressor(compiles_mae, loss="mean_absolute_error", epochs=1, verbose=0).fit(
        X, Y.astype(float)
    )  # same loss, other name


@pytest.mark.fault(
    "build_fn= (the deprecated name of model=)", "UserWarning: build_fn will be renamed to model; the fit goes on"
)
def test_history_names_short_metrics_in_full_and_build_fn_warns():
    clf = KerasClassifier(build_fn=compiled_with_all, loss="binary_crossentropy", metrics=["mse"], epochs=1, verbose=0)
    with pytest.warns(UserWarning, match="``build_fn`` will be renamed to ``model``"):
        clf.fit(X, Y)
    assert "mean_squared_error" in clf.history_ and "mse" not in clf.history_


@pytest.mark.fault("reading a routed parameter never set (clf.fit__epochs)", "AttributeError")
def test_routed_parameters_read_as_attributes():
    clf = KerasClassifier(scikeras_style_binary, fit__batch_size=8)
    assert clf.fit__batch_size == 8
    with pytest.raises(AttributeError):
        clf.fit__epochs  # noqa: B018 (the attribute read is the test)


def test_a_zero_weight_leaves_its_row_out():
    weights = np.where(np.arange(len(Y)) % 3 == 0, 0.0, 1.0)
    kept = weights > 0
    make = lambda: KerasClassifier(scikeras_style_binary, batch_size=8, epochs=2, verbose=0, random_state=0)  # noqa: E731
    weighted = make().fit(X, Y, sample_weight=weights)
    subset = make().fit(X[kept], Y[kept])
    np.testing.assert_allclose(weighted.history_["loss"], subset.history_["loss"], rtol=1e-6)


class _MeanPerOutputAccuracy(KerasClassifier):
    """scikeras's hook behind ``score``, static, as its DataTransformers tutorial writes it."""

    @staticmethod
    def scorer(y_true, y_pred, **kwargs):
        return float(np.mean([np.mean(y_true[:, i] == y_pred[:, i]) for i in range(y_true.shape[1])]))


class _BoundScorer(KerasRegressor):
    def scorer(self, y_true, y_pred, sample_weight=None, offset=0.0):
        self.seen = (sample_weight, offset)
        return -float(np.mean(np.abs(y_true - y_pred))) + offset


class _BrokenScorer(KerasClassifier):
    @staticmethod
    def scorer(y_true, y_pred, **kwargs):
        raise RuntimeError("the subclass's own scorer failed")


def test_score_asks_a_subclass_scorer_static_or_bound_with_weights_and_score_params():
    Y2 = np.stack([Y, 1 - Y], axis=1)  # two binary outputs: accuracy_score takes them, so the hook must be what answers
    clf = _MeanPerOutputAccuracy(scikeras_style_binary, loss="binary_crossentropy", epochs=1, verbose=0, random_state=0)
    clf.model = lambda meta, compile_kwargs: keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(2, activation="sigmoid")]
    )
    clf.fit(X, Y2)
    predicted = clf.predict(X)
    assert clf.score(X, Y2) == pytest.approx(np.mean(predicted == Y2))
    reg = _BoundScorer(scikeras_style_binary, loss="mse", epochs=1, verbose=0, random_state=0, score__offset=10.0).fit(
        X, Y.astype(float)
    )
    weights = np.ones(len(X))
    value = reg.score(X, Y.astype(float), sample_weight=weights)
    assert reg.seen[0] is weights and reg.seen[1] == 10.0
    assert value == pytest.approx(10.0 - np.mean(np.abs(Y - reg.predict(X))))


def test_the_default_scorers_are_accuracy_and_r2():
    from sklearn.metrics import accuracy_score, r2_score

    clf = KerasClassifier(scikeras_style_binary, epochs=1, verbose=0, random_state=0).fit(X, Y)
    assert clf.score(X, Y) == accuracy_score(Y, clf.predict(X))
    reg = KerasRegressor(scikeras_style_binary, loss="mse", epochs=1, verbose=0, random_state=0).fit(X, Y.astype(float))
    assert reg.score(X, Y.astype(float)) == r2_score(Y.astype(float), reg.predict(X))


@pytest.mark.fault(
    "a subclass scorer that raises", "its own error reaches the caller, not one from scikit-learn's metrics"
)
def test_a_scorer_that_raises_shows_its_own_error():
    clf = _BrokenScorer(scikeras_style_binary, epochs=1, verbose=0, random_state=0).fit(X, Y)
    with pytest.raises(RuntimeError, match="the subclass's own scorer failed"):
        clf.score(X, Y)


class _DeclaresARoutedParameter(KerasClassifier):
    """scikeras's MLPClassifier tutorial: a routed name in the signature that __init__ never assigns."""

    def __init__(self, hidden=8, optimizer="adam", optimizer__learning_rate=0.001, epochs=1, verbose=0, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.optimizer = optimizer
        self.epochs = epochs
        self.verbose = verbose

    def _keras_build_fn(self, compile_kwargs):
        model = keras.Sequential(
            [
                keras.Input((4,)),
                keras.layers.Dense(self.hidden, activation="relu"),
                keras.layers.Dense(1, activation="sigmoid"),
            ]
        )
        model.compile(optimizer=compile_kwargs["optimizer"], loss="binary_crossentropy")
        return model


def test_a_routed_parameter_declared_in_a_subclass_signature_is_a_parameter_routed_to_its_target():
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV

    clf = _DeclaresARoutedParameter()
    assert clf.get_params()["optimizer__learning_rate"] == 0.001
    clf.set_params(optimizer__learning_rate=0.05)
    copy = clone(clf)
    assert copy.get_params()["optimizer__learning_rate"] == 0.05
    copy.fit(X, Y)
    assert float(keras.ops.convert_to_numpy(copy.model_.optimizer.learning_rate)) == pytest.approx(0.05)
    search = GridSearchCV(
        _DeclaresARoutedParameter(random_state=0), {"optimizer__learning_rate": [0.01, 0.1]}, cv=2
    ).fit(X, Y)
    assert search.best_params_["optimizer__learning_rate"] in (0.01, 0.1)
    assert float(keras.ops.convert_to_numpy(search.best_estimator_.model_.optimizer.learning_rate)) == pytest.approx(
        search.best_params_["optimizer__learning_rate"]
    )
