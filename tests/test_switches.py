"""Every MULTIKERAS_* off-switch reads "off" the same way."""

import pytest

from multikeras.backends import jax_cache as compile_cache
from multikeras.switches import is_off


@pytest.mark.parametrize("value", ["0", "false", "No", " off "])
def test_these_spellings_switch_a_feature_off(value):
    assert is_off(value)
    assert compile_cache.configure({"MULTIKERAS_JAX_CACHE": value}) is None


@pytest.mark.parametrize("value", [None, "", "1", "yes", "on"])
def test_unset_or_anything_else_leaves_it_on(value):
    assert not is_off(value)
