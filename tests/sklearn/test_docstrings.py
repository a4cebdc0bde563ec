import inspect

import pytest

from multikeras.sklearn import KerasClassifier, KerasRegressor


@pytest.mark.parametrize("wrapper", [KerasClassifier, KerasRegressor])
def test_every_constructor_parameter_is_documented_on_the_class(wrapper):
    documented = {
        line.split(" : ")[0] for line in wrapper.__doc__.splitlines() if " : " in line and not line.startswith(" ")
    }
    parameters = set(inspect.signature(wrapper.__init__).parameters) - {"self", "kwargs"}
    assert parameters <= documented, f"undocumented: {sorted(parameters - documented)}"
    assert "{" not in wrapper.__doc__  # every template filled
