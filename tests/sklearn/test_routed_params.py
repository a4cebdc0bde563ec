import pytest

from multikeras.sklearn import routed_params


def test_is_routed_needs_a_known_prefix_and_a_name():
    assert routed_params.is_routed("model__units")
    assert routed_params.is_routed("callbacks__0__patience")
    assert (
        not routed_params.is_routed("units")
        and not routed_params.is_routed("model__")
        and not routed_params.is_routed("foo__bar")
    )


def test_routed_strips_one_level():
    params = {"callbacks__0__patience": 3, "callbacks__es__verbose": 1, "model__units": 4}
    assert routed_params.routed(params, "callbacks") == {"0__patience": 3, "es__verbose": 1}
    assert routed_params.routed(routed_params.routed(params, "callbacks"), "0") == {"patience": 3}


@pytest.mark.fault(
    "an unknown routed name 'hiden' where 'hidden' is accepted",
    "an error both TypeError and ValueError: unexpected keyword argument 'hiden'. Did you mean 'hidden'?",
)
def test_unknown_names_get_a_suggestion():
    # TypeError as Python raises for a bad keyword, ValueError as scikit-learn raises for a bad parameter
    for error in (TypeError, ValueError):
        with pytest.raises(error, match=r"unexpected keyword argument 'hiden'\. Did you mean 'hidden'\?"):
            routed_params.reject_unknown(["hiden"], {"hidden", "lr"}, "The build function 'mlp'")


def test_accepted_names_is_none_for_var_keyword():
    assert routed_params.accepted_names(lambda meta, **kw: None) is None
    assert routed_params.accepted_names(lambda meta, hidden=1, *, lr=2: None) == {"meta", "hidden", "lr"}
