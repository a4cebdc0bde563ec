"""The torch engine gives Keras's results: History and predictions equal to Keras's own loop.

Each test trains twice from the same seed, once through the engine (plain ``model.fit``) and
once with the engine off (Keras's torch trainer), and compares (:mod:`.twice`).
"""

import pytest

import multikeras

if multikeras.active_backend() != "torch":
    pytest.skip("the torch engine runs on the torch backend only; this env runs another", allow_module_level=True)

import keras
import numpy as np

import multikeras.callbacks
from multikeras import registry
from multikeras.backends.torch_engine import disabled

from .twice import ATOL, RTOL, assert_same_history, assert_trains_as_keras, flat, twice


@pytest.mark.parametrize("name", registry.names())
def test_plain_fit_evaluate_predict_match_keras_for_every_recipe(name):
    recipe = registry.get(name)
    (X, y), valid, (X_test, y_test) = recipe.load_data("embedded")

    def train():
        model = recipe.build_model(**recipe.data_hparams(X))
        history = model.fit(X, y, validation_data=valid, epochs=2, batch_size=32, verbose=0)
        return (
            history.history,
            model.evaluate(X_test, y_test, verbose=0, return_dict=True),
            flat(model.predict(X_test, verbose=0)),
        )

    (history, scores, predictions), (own_history, own_scores, own_predictions) = twice(train)
    assert_same_history(history, own_history)
    assert_same_history({k: [v] for k, v in scores.items()}, {k: [v] for k, v in own_scores.items()})
    np.testing.assert_allclose(predictions, own_predictions, rtol=RTOL, atol=ATOL)


def _mlp(dropout=0.0, n_classes=3):
    layers = [keras.Input((4,)), keras.layers.Dense(16, activation="relu")]
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    model = keras.Sequential([*layers, keras.layers.Dense(n_classes, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _data(n=150):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 4)).astype("float32")
    return X, (X[:, 0] > 0).astype("int64") + (X[:, 1] > 1).astype("int64")


@pytest.mark.parametrize(
    "fit_kwargs",
    [
        {"sample_weight": np.linspace(0.1, 2.0, 150).astype("float32")},
        {"class_weight": {0: 1.0, 1: 2.0, 2: 0.5}},
        {"validation_split": 0.2, "shuffle": False},
        {"batch_size": 7, "epochs": 3},
    ],
    ids=["sample_weight", "class_weight", "validation_split", "odd_batches"],
)
def test_weights_splits_and_batches_match_keras(fit_kwargs):
    X, y = _data()

    def train():
        model = _mlp()
        return model.fit(X, y, **{"epochs": 2, "verbose": 0, **fit_kwargs}).history

    assert_same_history(*twice(train))


@pytest.mark.parametrize(
    ("loss", "activation", "metrics"),
    [
        ("categorical_crossentropy", "softmax", ["accuracy"]),
        (keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1), None, ["categorical_accuracy"]),
        ("binary_crossentropy", "sigmoid", ["binary_accuracy"]),
        ("huber", None, ["mae"]),
        ("log_cosh", None, ["mse"]),
    ],
    ids=["categorical", "categorical_logits_smoothed", "binary", "huber", "log_cosh"],
)
def test_the_standard_losses_train_as_keras_does(loss, activation, metrics):
    X, labels = _data()
    y = np.eye(3, dtype="float32")[labels]  # one-hot for the categorical losses, three targets for the others
    if activation == "sigmoid":
        y = (X[:, :3] > 0).astype("float32")

    def build():
        model = keras.Sequential(
            [keras.Input((4,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3, activation=activation)]
        )
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss, metrics=metrics)
        return model

    assert_trains_as_keras(build, X, y, sample_weight=np.linspace(0.5, 1.5, len(X)))


def test_activation_layers_train_as_keras_does():
    """Activation layers lower to torch's builtins (relu, sigmoid, tanh), which have no signature."""
    X, y = _data()

    def build():
        inputs = keras.Input((4,))
        hidden = keras.layers.Activation("tanh")(keras.layers.Dense(16)(inputs))
        hidden = keras.layers.Activation("relu")(keras.layers.Dense(8)(hidden))
        outputs = keras.layers.Activation("softmax")(keras.layers.Dense(3)(hidden))
        model = keras.Model(inputs, outputs)
        model.compile(
            optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
        )
        return model

    assert_trains_as_keras(build, X, y)


def test_dropout_draws_as_keras_does_and_repeats_under_a_seed():
    X, y = _data()

    def train():
        model = _mlp(dropout=0.5)
        return model.fit(X, y, epochs=2, verbose=0).history

    engine, own = twice(train)
    assert_same_history(engine, own)
    keras.utils.set_random_seed(0)
    assert_same_history(engine, train())


def test_batch_callbacks_see_the_same_logs_and_early_stopping_stops_alike():
    X, y = _data()

    class Batches(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.losses = []

        def on_train_batch_end(self, batch, logs=None):
            self.losses.append(float(logs["loss"]))

    def train():
        batches = Batches()
        stop = keras.callbacks.EarlyStopping(monitor="loss", min_delta=10.0, patience=0)
        history = _mlp().fit(X, y, epochs=5, verbose=0, callbacks=[batches, stop])
        return history.epoch, batches.losses

    (epochs, losses), (own_epochs, own_losses) = twice(train)
    assert epochs == own_epochs == [0, 1]
    np.testing.assert_allclose(losses, own_losses, rtol=RTOL, atol=ATOL)


@pytest.mark.fault(
    "a BackupAndRestore fit interrupted (KeyboardInterrupt) after epoch 2 on the torch engine, rerun",
    "resumes at epoch 3; the History of an uninterrupted fit in Keras's loop",
)
def test_a_resumed_backup_trains_on_to_the_same_model(tmp_path):
    X, y = _data()

    class Crash(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    def fit(model, backup, extra=()):
        multikeras.set_seed(3)
        return multikeras.fit(
            model, X, y, epochs=4, verbose=0, callbacks=[multikeras.callbacks.BackupAndRestore(backup), *extra]
        )

    keras.utils.set_random_seed(0)
    model = _mlp()
    with pytest.raises(KeyboardInterrupt):
        fit(model, tmp_path / "backup", [Crash()])
    keras.utils.set_random_seed(0)
    resumed = fit(_mlp(), tmp_path / "backup")
    keras.utils.set_random_seed(0)
    with disabled():
        uninterrupted = fit(_mlp(), tmp_path / "keras")
    assert resumed.epoch == [2, 3]
    for key in uninterrupted.history:
        np.testing.assert_allclose(
            resumed.history[key], uninterrupted.history[key][2:], rtol=RTOL, atol=ATOL, err_msg=key
        )


def test_the_wrappers_train_and_predict_as_keras_does():
    from multikeras.sklearn import recipe_estimator

    (X, y), _, (X_test, _) = registry.get("classifier_mlp").load_data("embedded")
    X, X_test = X.reshape(len(X), -1), X_test.reshape(len(X_test), -1)

    def train():
        estimator = recipe_estimator("classifier_mlp", epochs=2, random_state=0, validation_split=0.1).fit(X, y)
        return estimator.history_, estimator.predict_proba(X_test)

    (history, proba), (own_history, own_proba) = twice(train)
    assert_same_history(dict(history), dict(own_history))
    np.testing.assert_allclose(proba, own_proba, rtol=RTOL, atol=ATOL)


def test_layers_and_options_the_engine_leaves_to_keras_still_match():
    """Lowered BatchNormalization and seeded Dropout; a kernel regularizer sends the loss to
    Keras's compute_loss; AUC updates as Keras updates it; RMSprop runs Keras's update step."""
    X, y = _data()
    y = (y > 0).astype("float32")

    def build():
        model = keras.Sequential(
            [
                keras.Input((4,)),
                keras.layers.Dense(8, activation="relu", kernel_regularizer=keras.regularizers.L2(1e-3)),
                keras.layers.BatchNormalization(),
                keras.layers.Dropout(0.3, seed=7),
                keras.layers.Dense(1, activation="sigmoid"),
            ]
        )
        model.compile(
            optimizer=keras.optimizers.RMSprop(0.01),
            loss="binary_crossentropy",
            metrics=[keras.metrics.AUC(name="auc"), "accuracy"],
        )
        return model

    assert_trains_as_keras(build, X, y, validation_split=0.2)


class _Subclassed(keras.Model):
    """Inner layers called without ``training``: Keras hands them the outer call's, when ``call`` takes it."""

    def __init__(self, takes_training):
        super().__init__()
        self.takes_training = takes_training
        self.hidden = keras.layers.Dense(16, activation="relu", activity_regularizer=keras.regularizers.L2(1e-3))
        self.norm = keras.layers.BatchNormalization()
        self.drop = keras.layers.Dropout(0.3, seed=1)
        self.out = keras.layers.Dense(3, activation="softmax")

    def call(self, x, training=None):
        return self.out(self.drop(self.norm(self.hidden(x))))


class _NoTrainingArgument(_Subclassed):
    def call(self, x):
        return self.out(self.drop(self.norm(self.hidden(x))))


@pytest.mark.parametrize(
    "cls", [_Subclassed, _NoTrainingArgument], ids=["call_takes_training", "call_without_training"]
)
def test_a_subclassed_model_hands_training_to_its_layers_as_keras_does(cls):
    X, y = _data()

    def train():
        model = cls(True)
        model.compile(
            optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
        )
        history = model.fit(X, y, epochs=2, batch_size=16, verbose=0, validation_split=0.2)
        return history.history, flat(model.predict(X, verbose=0)), [v.numpy() for v in model.non_trainable_weights]

    (history, predictions, state), (own_history, own_predictions, own_state) = twice(train)
    assert_same_history(history, own_history)
    np.testing.assert_allclose(predictions, own_predictions, rtol=RTOL, atol=ATOL)
    for got, expected in zip(state, own_state):  # BatchNormalization's moving statistics
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


class _Masked(keras.Model):
    """Masking before Dropout and BatchNormalization: their lowerings step aside for a masked input."""

    def __init__(self):
        super().__init__()
        self.masking = keras.layers.Masking(0.0)
        self.norm = keras.layers.BatchNormalization()
        self.drop = keras.layers.Dropout(0.3, seed=2)
        self.pool = keras.layers.GlobalAveragePooling1D()
        self.out = keras.layers.Dense(1)

    def call(self, x, training=None):
        return self.out(self.pool(self.drop(self.norm(self.masking(x)))))


def test_a_masked_input_goes_through_keras_own_calls():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 5, 3)).astype("float32")
    X[::2, 3:] = 0.0  # padded steps
    y = X.sum(axis=(1, 2))

    def build():
        model = _Masked()
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
        return model

    assert_trains_as_keras(build, X, y)


def test_a_dropout_rate_changed_between_fits_is_used():
    X, y = _data()

    def train():
        model = _mlp(dropout=0.5)
        model.fit(X, y, epochs=1, verbose=0)
        model.layers[1].rate = 0.1
        return model.fit(X, y, epochs=1, verbose=0).history

    assert_same_history(*twice(train))


def test_an_unbuilt_subclassed_recipe_builds_without_warnings():
    import warnings

    recipe = registry.get("wide_deep_subclassed")
    (X, y), _, _ = recipe.load_data("embedded")
    model = recipe.build_model(**recipe.data_hparams(X))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y, epochs=1, verbose=0)
        model.fit(X, y, epochs=1, verbose=0)  # built: its layers now run lowered inside its call
    assert not [w for w in caught if "unbuilt state" in str(w.message)]
