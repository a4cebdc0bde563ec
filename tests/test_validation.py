"""multikeras.fit checks its input: each bad case fails before training, naming the argument."""

import keras
import numpy as np
import pytest

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
        pytest.param(
            X[:, :3],
            LABELS,
            r"x has shape \(12, 3\) but the model's input expects \(n_samples, 4\)",
            marks=pytest.mark.fault(
                "x with 3 columns for a model expecting 4 features",
                "ValueError: x has shape (12, 3) but the model's input expects (n_samples, 4)",
            ),
        ),
        pytest.param(
            X[0],
            LABELS[:1],
            r"x has shape \(4,\)",
            marks=pytest.mark.fault(
                "one sample without its batch axis (x of shape (4,))", "ValueError naming x's shape (4,)"
            ),
        ),
        pytest.param(
            X[:0],
            LABELS[:0],
            "x is empty",
            marks=pytest.mark.fault("x and y with no samples", "ValueError: x is empty"),
        ),
        pytest.param(
            X,
            LABELS[:10],
            "same number of samples; got x: 12, y: 10",
            marks=pytest.mark.fault(
                "x with 12 samples and y with 10", "ValueError: same number of samples; got x: 12, y: 10"
            ),
        ),
        pytest.param(
            np.where(np.eye(12, 4) > 0, np.nan, X),
            LABELS,
            "x contains 4 NaN or inf value.*first in sample 0.*SimpleImputer",
            marks=pytest.mark.fault(
                "NaN in x", "ValueError counting the NaN or inf values, naming the first sample and SimpleImputer"
            ),
        ),
        pytest.param(
            X,
            np.where(LABELS == 2, 5, LABELS),
            "labels from 0 to 5 but the model has 3 output units",
            marks=pytest.mark.fault(
                "class labels up to 5 for a 3-unit softmax",
                "ValueError: labels from 0 to 5 but the model has 3 output units",
            ),
        ),
    ],
    ids=["columns", "one-sample-without-batch-axis", "empty", "lengths", "nan", "label-range"],
)
def test_bad_arrays_raise_value_error(x, y, message):
    with pytest.raises(ValueError, match=message):
        fit(classifier(), x, y)


@pytest.mark.fault("x of strings (dtype <U1)", "TypeError naming x's dtype and astype")
def test_text_features_raise_type_error():
    with pytest.raises(TypeError, match="x has dtype <U1.*astype"):
        fit(classifier(), np.full((12, 4), "a"), LABELS)


@pytest.mark.fault(
    "one-hot labels with sparse_categorical_crossentropy",
    "LabelFormatWarning: converted with argmax; training goes on (finite loss)",
)
def test_one_hot_labels_against_a_sparse_loss_are_converted():
    one_hot = np.eye(3, dtype="float32")[LABELS]
    with pytest.warns(LabelFormatWarning, match="one-hot .* converted with argmax"):
        history = fit(classifier(), X, one_hot)
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.fault(
    "integer labels with categorical_crossentropy (in validation_data too)",
    "LabelFormatWarning naming to_categorical; labels converted, training and validation go on",
)
def test_integer_labels_against_a_categorical_loss_are_converted():
    with pytest.warns(LabelFormatWarning, match="to_categorical"):
        history = fit(classifier("categorical_crossentropy"), X, LABELS, validation_data=(X, LABELS))
    assert set(history.history) == {"loss", "val_loss"}


@pytest.mark.fault(
    "soft targets of shape (12, 3) with a sparse loss",
    "ValueError: one integer class label per sample; pass shape (n_samples,)",
)
def test_soft_targets_against_a_sparse_loss_explain_the_format():
    with pytest.raises(ValueError, match=r"one integer class label per sample; pass shape \(n_samples,\)"):
        fit(classifier(keras.losses.SparseCategoricalCrossentropy()), X, np.full((12, 3), 1 / 3))


@pytest.mark.fault(
    "y with 3 columns for a model with 1 output unit",
    "ValueError: y has 3 columns but the output has 1, naming the silent broadcast",
)
def test_too_many_target_columns_would_broadcast_silently():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="y has 3 columns but the model's output has 1.*broadcast"):
        fit(model, X, np.zeros((12, 3)))


@pytest.mark.fault(
    "a dict input keyed 'wdie' instead of 'wide'",
    "ValueError naming the missing and unknown keys: did you mean 'wide'?",
)
@pytest.mark.fault(
    "one array for a model with inputs 'wide' and 'deep'", "ValueError naming both inputs: pass x as a dict"
)
@pytest.mark.fault(
    "x['deep'] with 2 columns for a 3-column input",
    "ValueError: x['deep'] has shape (12, 2) but input 'deep' expects ...",
)
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


@pytest.mark.fault("a NaN in validation_data's targets", "ValueError naming validation_data[1] and the NaN count")
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


@pytest.mark.fault(
    "x of shape (12, 4, 2) for a model expecting 4 features",
    "ValueError naming x's shape (12, 4, 2); (12, 4, 1) is accepted and trains",
)
def test_a_trailing_axis_of_one_is_accepted_as_keras_accepts_it():
    # Keras's functional models squeeze (n, 4, 1) to (n, 4) themselves; the check follows them
    history = fit(classifier(), X[:, :, None], LABELS)
    assert np.isfinite(history.history["loss"][0])
    with pytest.raises(ValueError, match=r"x has shape \(12, 4, 2\)"):
        fit(classifier(), np.repeat(X[:, :, None], 2, axis=2), LABELS)


@pytest.mark.fault(
    "fit with a Normalization layer never adapted and given no mean/variance",
    "NotAdaptedError naming the layer and the fixes, before any weight changes",
)
def test_an_unadapted_normalization_is_refused_before_training():
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Normalization(name="scale"), keras.layers.Dense(3, activation="softmax")]
    )
    model.compile("sgd", "sparse_categorical_crossentropy")
    kernel = model.layers[-1].get_weights()[0]
    with pytest.raises(
        NotAdaptedError, match=r"Layer 'scale' \(Normalization\) of model .* never adapted.*layer.adapt\(X_train\)"
    ):
        fit(model, X, LABELS)
    np.testing.assert_array_equal(model.layers[-1].get_weights()[0], kernel)  # refused before the first step
    model.get_layer("scale").adapt(X)
    fit(model, X, LABELS)  # adapted: trains


def test_normalization_with_given_statistics_needs_no_adapt():
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Normalization(mean=0.0, variance=1.0), keras.layers.Dense(1)]
    )
    model.compile("sgd", "mse")
    fit(model, X, X[:, 0])


@pytest.mark.fault(
    "float64 x with values beyond float32's range (1e39)",
    "ValueError naming x, the first sample and the range; scale them",
)
def test_float64_values_beyond_float32_are_refused():
    big = X.astype("float64")
    big[2, 1] = 1e39
    with pytest.raises(ValueError, match=r"x holds values beyond float32's range .* first in sample 2.*StandardScaler"):
        fit(classifier(), big, LABELS)
