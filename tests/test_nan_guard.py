import warnings

import keras
import numpy as np
import pytest
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import GridSearchCV

import multikeras
from multikeras.nan_guard import NaNGuard, NonFiniteLossError
from multikeras.sklearn import KerasRegressor

RNG = np.random.default_rng(0)
X = (RNG.random((256, 4)) * 100).astype("float32")  # unscaled on purpose
Y = X.sum(axis=1)


def diverging(learning_rate=1e6):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(learning_rate), "mse")
    return model


@pytest.mark.fault(
    "a fit whose loss becomes NaN or inf (learning rate 1e6 on unscaled data)",
    "NonFiniteLossError naming the epoch, the likely causes and the switch to turn it off",
)
def test_a_diverging_fit_raises_naming_the_epoch_and_the_causes():
    multikeras.set_seed(0)
    with pytest.raises(NonFiniteLossError, match=r"was (nan|inf) when read at epoch 1.*learning rate.*nan_guard=False"):
        multikeras.fit(diverging(), X, Y, epochs=3, batch_size=32, verbose=0)


@pytest.mark.fault(
    "a loss turning non-finite after a finite epoch (learning rate raised to 1e6)",
    "NonFiniteLossError naming epoch and batch, and the last finite loss with its epoch and batch",
)
def test_the_guard_names_the_batch_and_the_last_finite_loss():
    multikeras.set_seed(0)
    model = diverging(learning_rate=1e-5)
    model.fit(X, Y, epochs=1, batch_size=32, verbose=0)  # a finite epoch first
    model.optimizer.learning_rate.assign(1e6)
    with pytest.raises(
        NonFiniteLossError,
        match=r"read at epoch 1, batch \d+; the last finite loss read was [0-9.e+]+ \(epoch 1, batch \d+\)",
    ):
        model.fit(X, Y, epochs=2, batch_size=8, verbose=0, callbacks=[NaNGuard(check_seconds=0)])


@pytest.mark.fault(
    "a diverging fit with nan_guard=False or MULTIKERAS_NAN_GUARD=0",
    "Keras's behaviour: training goes on, History holds NaN",
)
def test_nan_guard_false_keeps_keras_behaviour(monkeypatch):
    multikeras.set_seed(0)
    history = multikeras.fit(diverging(), X, Y, epochs=2, batch_size=32, verbose=0, nan_guard=False)
    assert len(history.history["loss"]) == 2 and not np.isfinite(history.history["loss"][-1])
    monkeypatch.setenv("MULTIKERAS_NAN_GUARD", "0")
    history = multikeras.fit(diverging(), X, Y, epochs=2, batch_size=32, verbose=0)
    assert not np.isfinite(history.history["loss"][-1])


def test_a_finite_fit_is_unchanged_by_the_guard():
    def trained(nan_guard):
        multikeras.set_seed(3)
        model = diverging(learning_rate=1e-6)
        history = multikeras.fit(model, X, Y, epochs=2, batch_size=32, verbose=0, nan_guard=nan_guard)
        return history.history["loss"], model.predict(X[:16], verbose=0)

    (loss_on, pred_on), (loss_off, pred_off) = trained(True), trained(False)
    assert loss_on == loss_off  # the guard only reads logs: bit-identical training
    np.testing.assert_array_equal(pred_on, pred_off)


def _regressor(learning_rate):
    return KerasRegressor(
        diverging, model__learning_rate=learning_rate, epochs=2, batch_size=32, verbose=0, random_state=0
    )


@pytest.mark.fault(
    "a diverging candidate inside GridSearchCV",
    "the wrapper raises NonFiniteLossError; error_score scores that candidate, the others rank as usual",
)
def test_a_wrapper_raises_it_so_a_search_scores_the_candidate_as_failed():
    with pytest.raises(NonFiniteLossError):
        _regressor(1e6).fit(X, Y)
    search = GridSearchCV(_regressor(1e-6), {"model__learning_rate": [1e-6, 1e6]}, cv=2, error_score=np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitFailedWarning)
        warnings.filterwarnings("ignore", message=".*non-finite.*")
        search.fit(X, Y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores[0]) and np.isnan(scores[1])
    assert search.best_params_ == {"model__learning_rate": 1e-6}


def test_a_fit_another_callback_stopped_on_divergence_ends_as_it_chose():
    from multikeras.callbacks import LRFinder

    multikeras.set_seed(0)
    finder = LRFinder(min_lr=1e-3, max_lr=1e6, steps=32)  # stops itself when the loss explodes
    multikeras.fit(diverging(learning_rate=1e-3), X, Y, epochs=4, batch_size=32, verbose=0, callbacks=[finder])
    assert 0 < len(finder.rates) < 4 * 8


def test_a_callback_list_is_taken_as_given():
    multikeras.set_seed(0)
    model = diverging()
    callbacks = keras.callbacks.CallbackList([], add_history=True, model=model)
    multikeras.fit(model, X, Y, epochs=1, batch_size=32, verbose=0, callbacks=callbacks)  # Keras's own behaviour
