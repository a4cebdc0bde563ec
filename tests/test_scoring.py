import numpy as np
import pytest

from multikeras import registry, scoring


def test_the_metrics_on_known_numbers():
    assert scoring.accuracy([0, 1, 1], np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])) == pytest.approx(2 / 3)
    assert scoring.rmse([0.0, 0.0], [3.0, 4.0]) == pytest.approx(np.sqrt(12.5))
    assert scoring.mae([[1.0], [2.0]], [1.5, 1.0]) == pytest.approx(0.75)


def test_every_recipes_metric_has_a_direction():
    # compare's book line reads "better" through it: a recipe with a metric unknown here would break it.
    directions = {
        registry.get(name).METRIC: scoring.higher_is_better(registry.get(name).METRIC) for name in registry.names()
    }
    assert directions == {"accuracy": True, "rmse": False, "mae": False}


@pytest.mark.fault("scoring.higher_is_better('f1')", "ValueError naming the metric, the known ones and where to add it")
def test_an_unknown_metric_names_the_known_ones():
    with pytest.raises(ValueError, match=r"'f1' has no known direction; use one of \['accuracy', 'mae', 'rmse'\]"):
        scoring.higher_is_better("f1")
