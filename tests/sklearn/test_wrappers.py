import pickle

import keras
import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.datasets import make_classification, make_regression
from sklearn.model_selection import GridSearchCV

from multikeras.sklearn import KerasClassifier, KerasRegressor

from .models import binary_sigmoid, keras_classifier, keras_regressor

X_CLF, Y_CLF = make_classification(n_samples=120, n_features=6, n_informative=4, n_classes=3, random_state=0)
X_REG, Y_REG = make_regression(n_samples=120, n_features=5, noise=0.1, random_state=0)
Y_REG = Y_REG / Y_REG.std()


classifier, regressor = keras_classifier, keras_regressor


def test_they_are_what_scikit_learn_thinks_they_are():
    assert is_classifier(classifier()) and is_regressor(regressor())


def test_predict_proba_on_one_row_is_2d():
    model = classifier().fit(X_CLF, Y_CLF)
    assert model.predict_proba(X_CLF[:1]).shape == (1, 3)
    np.testing.assert_allclose(model.predict_proba(X_CLF[:5]).sum(axis=1), 1.0, rtol=1e-5)


def test_string_labels_and_a_binary_sigmoid_model():
    labels = np.where(Y_CLF == 0, "cat", "dog")
    model = KerasClassifier(binary_sigmoid, epochs=2, verbose=0, random_state=0).fit(X_CLF, labels)
    assert model.predict_proba(X_CLF[:3]).shape == (3, 2)
    assert set(model.predict(X_CLF)) <= {"cat", "dog"} and model.classes_.tolist() == ["cat", "dog"]


def test_one_hot_loss_gets_one_hot_targets():
    model = classifier(loss="categorical_crossentropy").fit(X_CLF, Y_CLF)
    assert model.score(X_CLF, Y_CLF) > 0.3


def test_same_random_state_same_fit_with_shuffling():
    a = classifier(random_state=5, shuffle=True).fit(X_CLF, Y_CLF).predict_proba(X_CLF)
    b = classifier(random_state=5, shuffle=True).fit(X_CLF, Y_CLF).predict_proba(X_CLF)
    c = classifier(random_state=6, shuffle=True).fit(X_CLF, Y_CLF).predict_proba(X_CLF)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.fault("class_weight={0: 1.0} for 3 classes", "ValueError: class_weight has no weight for classes ...")
def test_class_weight_leaves_the_callers_sample_weight_alone():
    weights = np.ones(len(Y_CLF))
    classifier(class_weight="balanced").fit(X_CLF, Y_CLF, sample_weight=weights)
    assert np.all(weights == 1.0)
    with pytest.raises(ValueError, match="class_weight has no weight for classes"):
        classifier(class_weight={0: 1.0}).fit(X_CLF, Y_CLF)


def test_routed_optimizer_loss_and_model_parameters_reach_keras():
    model = regressor(
        optimizer="sgd", optimizer__learning_rate=0.005, loss="huber", loss__delta=0.5, model__hidden=7
    ).fit(X_REG, Y_REG)
    assert np.isclose(float(model.model_.optimizer.learning_rate), 0.005)
    assert model.model_.layers[0].units == 7
    huber = keras.ops.convert_to_numpy(model.model_.loss(np.zeros((1, 1)), np.ones((1, 1))))
    assert np.isclose(float(huber), 0.375)  # delta 0.5 on an error of 1: 0.5 * (1 - 0.25)


@pytest.mark.fault("model__hiden=3 for a build function taking hidden", "ValueError: Did you mean 'hidden'")
def test_misspelled_model_parameter_suggests_the_right_one():
    with pytest.raises(ValueError, match="Did you mean 'hidden'"):
        regressor(model__hiden=3).fit(X_REG, Y_REG)


@pytest.mark.fault("callbacks__0__patiense=2", "ValueError: Did you mean 'patience'")
def test_grid_search_tunes_a_callback_parameter():
    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=9)
    search = GridSearchCV(regressor(callbacks=[stopper]), {"callbacks__0__patience": [1, 2]}, cv=2).fit(X_REG, Y_REG)
    assert search.best_params_["callbacks__0__patience"] in (1, 2)
    configured = regressor(callbacks=[stopper], callbacks__0__patience=2)._callbacks("fit")[0]
    assert configured.patience == 2 and stopper.patience == 9  # the caller's callback is untouched
    with pytest.raises(ValueError, match="Did you mean 'patience'"):
        regressor(callbacks=[stopper], callbacks__0__patiense=2)._callbacks("fit")


def test_clone_keeps_routed_parameters_and_pickle_keeps_the_fit():
    model = regressor(model__hidden=5, fit__shuffle=False)
    assert clone(model).get_params()["model__hidden"] == 5
    model.fit(X_REG, Y_REG)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(restored.predict(X_REG), model.predict(X_REG), atol=1e-6)
    assert restored.history_["loss"] == model.history_["loss"]


def test_warm_start_and_partial_fit_keep_training_the_same_model():
    model = regressor(warm_start=True, epochs=2).fit(X_REG, Y_REG)
    first = model.model_
    model.fit(X_REG, Y_REG)  # the same model trains on; its history restarts, as in scikeras
    assert model.model_ is first and len(model.history_["loss"]) == 2 and model.current_epoch == 2
    model.partial_fit(X_REG, Y_REG)  # partial_fit counts on
    assert len(model.history_["loss"]) == 3 and model.current_epoch == 3


def test_multi_output_regression_keeps_2d_predictions():
    Y = np.column_stack([Y_REG, -Y_REG])
    model = regressor().fit(X_REG, Y)
    assert model.n_outputs_ == 2 and model.predict(X_REG[:4]).shape == (4, 2)
    assert regressor().fit(X_REG, Y_REG).predict(X_REG[:4]).shape == (4,)


def test_feature_groups_take_dataframe_column_names():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X_REG, columns=[f"f{i}" for i in range(5)])
    model = KerasRegressor(
        _two_inputs, feature_groups={"a": ["f0", "f1"], "b": ["f2", "f3", "f4"]}, epochs=1, verbose=0
    )
    model.fit(frame, Y_REG)
    assert model.predict(frame.iloc[:3]).shape == (3,)
    assert list(model.feature_names_in_) == list(frame.columns)


def _two_inputs(X):
    a = keras.Input((X["a"].shape[1],), name="a")
    b = keras.Input((X["b"].shape[1],), name="b")
    out = keras.layers.Dense(1)(keras.layers.Concatenate()([a, b]))
    return keras.Model({"a": a, "b": b}, out)


@pytest.mark.parametrize(
    ("groups", "pattern"),
    [
        pytest.param(
            {"a": ["f0"], "b": ["nope"]},
            r"feature_groups\['b'\] names column 'nope', which is not in",
            marks=pytest.mark.fault(
                "feature_groups naming a column 'nope' the DataFrame lacks",
                "ValueError: feature_groups['b'] names column 'nope', which is not in ...",
            ),
        ),
        pytest.param(
            {"a": [0], "b": [9]},
            r"feature_groups\['b'\] names column 9, but X has 5 columns",
            marks=pytest.mark.fault(
                "feature_groups naming column 9 of a 5-column X",
                "ValueError: feature_groups['b'] names column 9, but X has 5 columns",
            ),
        ),
    ],
)
def test_feature_groups_naming_missing_columns(groups, pattern):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X_REG, columns=[f"f{i}" for i in range(5)])
    with pytest.raises(ValueError, match=pattern):
        KerasRegressor(_two_inputs, feature_groups=groups, epochs=1, verbose=0).fit(frame, Y_REG)


@pytest.mark.parametrize(
    ("make", "X", "y", "pattern"),
    [
        pytest.param(
            regressor,
            np.where(np.eye(120, 5) == 1, np.nan, X_REG),
            Y_REG,
            "Input X contains NaN",
            marks=pytest.mark.fault("NaN in X given to fit", "ValueError: Input X contains NaN"),
        ),
        pytest.param(
            regressor,
            X_REG,
            np.full(120, np.inf),
            "Input y contains infinity",
            marks=pytest.mark.fault("inf in y given to fit", "ValueError: Input y contains infinity"),
        ),
        pytest.param(
            classifier,
            X_CLF,
            np.linspace(0, 1, 120),
            "Unknown label type: continuous",
            marks=pytest.mark.fault(
                "continuous targets given to KerasClassifier", "ValueError: Unknown label type: continuous"
            ),
        ),
        pytest.param(
            regressor,
            np.empty((0, 5)),
            np.empty(0),
            "0 sample",
            marks=pytest.mark.fault("fit on X and y with no rows", "ValueError mentioning 0 sample(s)"),
        ),
    ],
)
def test_bad_fit_input_is_a_clear_value_error(make, X, y, pattern):
    with pytest.raises(ValueError, match=pattern):
        make().fit(X, y)


@pytest.mark.fault(
    "predict with 4 features after fitting on 5",
    "ValueError: X has 4 features, but KerasRegressor is expecting 5 features",
)
def test_wrong_number_of_features_at_predict():
    model = regressor().fit(X_REG, Y_REG)
    with pytest.raises(ValueError, match="X has 4 features, but KerasRegressor is expecting 5 features"):
        model.predict(X_REG[:, :4])


@pytest.mark.fault("class_weight='balanced' on a KerasRegressor", "ValueError: class_weight applies to classifiers")
def test_regressor_rejects_class_weight_with_advice():
    with pytest.raises(ValueError, match="class_weight applies to classifiers"):
        regressor(class_weight="balanced").fit(X_REG, Y_REG)
