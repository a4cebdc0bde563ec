"""scikit-learn's own estimator checks, on whichever backend this process runs."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from multikeras.sklearn import KerasClassifier, KerasRegressor

from .models import mlp

# Each expected failure is forced by what stochastic mini-batch training is, not by the wrapper.
EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": (
        "weight 0 vs. dropping the row changes the mini-batches, so SGD takes different steps; "
        "exact equivalence is impossible for stochastic training"
    ),
    "check_sample_weight_equivalence_on_sparse_data": "as above, on sparse X",
}

CHECKED = [
    KerasClassifier(
        mlp,
        model__hidden=32,
        optimizer="adam",
        optimizer__learning_rate=0.02,
        epochs=30,
        batch_size=32,
        verbose=0,
        random_state=0,
    ),
    KerasRegressor(
        mlp,
        model__hidden=32,
        optimizer="adam",
        optimizer__learning_rate=0.02,
        epochs=30,
        batch_size=32,
        verbose=0,
        random_state=0,
    ),
]


@parametrize_with_checks(CHECKED, expected_failed_checks=lambda estimator: EXPECTED_FAILURES)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
