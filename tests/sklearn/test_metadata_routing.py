"""scikit-learn's metadata routing: sample weights requested by the wrapper reach its fit and
score through a Pipeline inside GridSearchCV with GroupKFold, on every backend."""

import numpy as np
import pytest
import sklearn
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from multikeras.sklearn import KerasClassifier
from tests.sklearn.models import mlp

RNG = np.random.default_rng(0)
X = RNG.normal(size=(48, 3)).astype(np.float32)
Y = (X[:, 0] > 0).astype(int)
GROUPS = np.repeat(np.arange(4), 12)


class _Recording(KerasClassifier):
    """Notes the weights its fit and score were given (in this process: n_jobs=1)."""

    seen = []

    def fit(self, X, y, sample_weight=None, **kwargs):
        _Recording.seen.append(("fit", None if sample_weight is None else len(sample_weight)))
        return super().fit(X, y, sample_weight=sample_weight, **kwargs)

    def score(self, X, y, sample_weight=None):
        _Recording.seen.append(("score", None if sample_weight is None else len(sample_weight)))
        return super().score(X, y, sample_weight=sample_weight)


@pytest.fixture
def routing_on():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


def test_requested_weights_reach_fit_and_score_through_a_pipeline_in_a_grouped_search(routing_on):
    _Recording.seen = []
    model = (
        _Recording(mlp, epochs=1, verbose=0, random_state=0)
        .set_fit_request(sample_weight=True)
        .set_score_request(sample_weight=True)
    )
    pipeline = Pipeline([("scale", StandardScaler().set_fit_request(sample_weight=False)), ("model", model)])
    search = GridSearchCV(pipeline, {"model__epochs": [1, 2]}, cv=GroupKFold(n_splits=2), refit=False)
    weights = np.linspace(0.5, 1.5, len(X))
    search.fit(X, Y, groups=GROUPS, sample_weight=weights)
    # 2 candidates x 2 folds: each fit on one half's 24 weights, each score on the other half's
    assert _Recording.seen == [("fit", 24), ("score", 24)] * 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


@pytest.mark.fault(
    "sample_weight passed to a routed search the wrapper never requested",
    "scikit-learn's own routing error naming set_fit_request",
)
def test_unrequested_weights_are_refused_by_scikit_learn(routing_on):
    pipeline = Pipeline([("scale", StandardScaler()), ("model", KerasClassifier(mlp, epochs=1, verbose=0))])
    with pytest.raises(ValueError, match="set_fit_request"):
        GridSearchCV(pipeline, {"model__epochs": [1]}, cv=GroupKFold(n_splits=2)).fit(
            X, Y, groups=GROUPS, sample_weight=np.ones(len(X))
        )
