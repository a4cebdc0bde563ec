"""multikeras.fit checks its input: each bad case fails before training, naming the argument."""

import numpy as np
import pytest

import keras
import multikeras
from multikeras.validation import LabelFormatWarning, NotAdaptedError


def classifier(loss="sparse_categorical_crossentropy"):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("sgd", loss)
    return model


def two_inputs():
    wide, deep = keras.Input((2,), name="wide"), keras.Input((3,), name="deep")
    model = keras.Model({"wide": wide, "deep": deep}, keras.layers.Dense(1)(keras.layers.Concatenate()([wide, deep])))
    model.compile("sgd", "mse")
    return model


X = np.random.default_rng(0).normal(size=(12, 4)).astype("float32")
LABELS = np.arange(12) % 3


def fit(model, x, y, **kwargs):
    return multikeras.fit(model, x, y, epochs=1, batch_size=4, verbose=0, **kwargs)


@pytest.mark.parametrize(
    "x, y, message",
    [
        (X[:, :3], LABELS, r"x has shape \(12, 3\) but the model's input expects \(n_samples, 4\)"),
        (X[0], LABELS[:1], r"x has shape \(4,\)"),
        (X[:0], LABELS[:0], "x is empty"),
        (X, LABELS[:10], "same number of samples; got x: 12, y: 10"),
        (np.where(np.eye(12, 4) > 0, np.nan, X), LABELS, "x contains 4 NaN or inf value.*first in sample 0.*SimpleImputer"),
        (X, np.where(LABELS == 2, 5, LABELS), "labels from 0 to 5 but the model has 3 output units"),
    ],
    ids=["columns", "one-sample-without-batch-axis", "empty", "lengths", "nan", "label-range"],
)
def test_bad_arrays_raise_value_error(x, y, message):
    with pytest.raises(ValueError, match=message):
        fit(classifier(), x, y)


def test_text_features_raise_type_error():
    with pytest.raises(TypeError, match="x has dtype <U1.*astype"):
        fit(classifier(), np.full((12, 4), "a"), LABELS)


def test_one_hot_labels_against_a_sparse_loss_are_converted():
    one_hot = np.eye(3, dtype="float32")[LABELS]
    with pytest.warns(LabelFormatWarning, match="one-hot .* converted with argmax"):
        history = fit(classifier(), X, one_hot)
    assert np.isfinite(history.history["loss"][0])


def test_integer_labels_against_a_categorical_loss_are_converted():
    with pytest.warns(LabelFormatWarning, match="to_categorical"):
        history = fit(classifier("categorical_crossentropy"), X, LABELS, validation_data=(X, LABELS))
    assert set(history.history) == {"loss", "val_loss"}


def test_soft_targets_against_a_sparse_loss_explain_the_format():
    with pytest.raises(ValueError, match=r"one integer class label per sample; pass shape \(n_samples,\)"):
        fit(classifier(keras.losses.SparseCategoricalCrossentropy()), X, np.full((12, 3), 1 / 3))


def test_too_many_target_columns_would_broadcast_silently():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="y has 3 columns but the model's output has 1.*broadcast"):
        fit(model, X, np.zeros((12, 3)))


def test_input_names_are_checked_with_a_suggestion():
    model = two_inputs()
    good = {"wide": X[:, :2], "deep": X[:, 1:]}
    fit(model, good, np.zeros(12))
    with pytest.raises(ValueError, match=r"missing \['wide'\]; unknown key\(s\) 'wdie' \(did you mean 'wide'\?\)"):
        fit(model, {"wdie": X[:, :2], "deep": X[:, 1:]}, np.zeros(12))
    with pytest.raises(ValueError, match=r"2 inputs \['deep', 'wide'\]; pass x as a dict"):
        fit(model, X, np.zeros(12))
    with pytest.raises(ValueError, match=r"x\['deep'\] has shape \(12, 2\) but input 'deep' expects"):
        fit(model, {"wide": X[:, :2], "deep": X[:, :2]}, np.zeros(12))


def test_a_list_of_inputs_is_left_to_keras():
    wide, deep = keras.Input((2,)), keras.Input((3,))
    model = keras.Model([wide, deep], keras.layers.Dense(1)(keras.layers.Concatenate()([wide, deep])))
    model.compile("sgd", "mse")
    history = fit(model, [X[:, :2], X[:, 1:]], np.zeros(12))
    assert np.isfinite(history.history["loss"][0])


def test_validation_data_is_checked_under_its_own_name():
    with pytest.raises(ValueError, match=r"validation_data\[1\] contains 1 NaN"):
        fit(_regressor(), X, np.zeros(12), validation_data=(X, np.r_[np.nan, np.zeros(11)]))


def _regressor():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


def test_datasets_pass_through_unchecked():
    """Generators and tf.data/torch loaders are the user's own pipeline; Keras sees them as given."""

    def batches():
        while True:
            yield X[:4], np.zeros(4, "float32")

    history = multikeras.fit(_regressor(), batches(), steps_per_epoch=2, epochs=1, shuffle=False, verbose=0)
    assert len(history.history["loss"]) == 1


def test_a_trailing_axis_of_one_is_accepted_as_keras_accepts_it():
    # Keras's functional models squeeze (n, 4, 1) to (n, 4) themselves; the check follows them
    history = fit(classifier(), X[:, :, None], LABELS)
    assert np.isfinite(history.history["loss"][0])
    with pytest.raises(ValueError, match=r"x has shape \(12, 4, 2\)"):
        fit(classifier(), np.repeat(X[:, :, None], 2, axis=2), LABELS)


def test_an_unadapted_normalization_is_refused_before_training():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Normalization(name="scale"), keras.layers.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(NotAdaptedError, match=r"Layer 'scale' \(Normalization\) of model .* never adapted.*layer.adapt\(X_train\)"):
        fit(model, X, LABELS)
    model.get_layer("scale").adapt(X)
    fit(model, X, LABELS)  # adapted: trains


def test_normalization_with_given_statistics_needs_no_adapt():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Normalization(mean=0.0, variance=1.0), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    fit(model, X, X[:, 0])
