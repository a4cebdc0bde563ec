import math

import pytest

from multikeras.app import seed_stats
from multikeras.app.seed_stats import ReferenceCheck, Summary, Verdict, pairwise, summarize, verdict, welch_p_value

T_975_DF2 = 4.302652729749462  # Student's t, 97.5th percentile, 2 degrees of freedom (tables: 4.303)


def test_summary_is_mean_sample_sd_and_students_t_interval():
    summary = summarize([1, 2, 3])
    assert (summary.n, summary.mean, summary.sd) == (3, 2.0, 1.0)
    half = T_975_DF2 / math.sqrt(3)  # 2.4841
    assert summary.low == pytest.approx(2 - half) and summary.high == pytest.approx(2 + half)
    assert summary.to_json() == {
        "per_seed": [1.0, 2.0, 3.0],
        "n": 3,
        "mean": 2.0,
        "sd": 1.0,
        "interval": [summary.low, summary.high],
        "confidence": 0.95,
    }


def test_a_wider_confidence_gives_a_wider_interval_and_one_value_gives_none():
    narrow, wide = summarize([0.5, 0.7, 0.6, 0.8]), summarize([0.5, 0.7, 0.6, 0.8], confidence=0.99)
    assert wide.low < narrow.low < narrow.mean < narrow.high < wide.high
    assert summarize([0.5]) == Summary((0.5,), 0.5, None, None, None)


@pytest.mark.fault(
    "seed_stats.summarize of no values, or a confidence of 95 instead of 0.95",
    "ValueError naming the argument and what it needs",
)
def test_summarize_refuses_no_values_and_a_confidence_outside_0_to_1():
    with pytest.raises(ValueError, match="values is empty"):
        summarize([])
    with pytest.raises(ValueError, match=r"confidence must lie between 0 and 1 \(0.95 for a 95 % interval\), got 95"):
        summarize([1, 2], confidence=95)


def test_welch_p_value_on_known_numbers():
    a, b = [1, 2, 3], [4, 5, 6.5]
    # By hand: means 2 and 31/6, variances 1 and 19/12, so t = -19/6 / sqrt(1/3 + 19/36) = -3.4125
    # and the Welch-Satterthwaite df = (31/36)^2 / ((1/3)^2/2 + (19/36)^2/2) = 3.806.
    t, df = -19 / 6 / math.sqrt(1 / 3 + 19 / 36), (31 / 36) ** 2 / ((1 / 3) ** 2 / 2 + (19 / 36) ** 2 / 2)
    assert (t, df) == (pytest.approx(-3.4125007), pytest.approx(3.8059406))
    assert welch_p_value(a, b) == pytest.approx(0.0291453, rel=1e-5)
    assert welch_p_value(b, a) == welch_p_value(a, b)
    assert welch_p_value([0.5, 0.51, 0.49], [0.5, 0.49, 0.51]) == pytest.approx(1.0)


def test_welch_p_value_edge_cases():
    assert welch_p_value([1.0], [1.0, 2.0]) is None  # one value has no spread to test against
    assert welch_p_value([0.3, 0.3], [0.3, 0.3]) == 1.0  # no noise and no gap
    assert welch_p_value([0.3, 0.3], [0.4, 0.4]) == 0.0  # no noise, so the gap is real


def test_a_verdict_says_differ_below_alpha_and_names_the_lower_backend():
    found = verdict("rmse", "torch", [1, 2, 3], "jax", [4, 5, 6.5])
    assert found.differ and found.text == "differ" and found.lower == "torch"
    assert found.to_json() == {
        "quantity": "rmse",
        "backends": ["torch", "jax"],
        "means": [2.0, 31 / 6],
        "p_value": found.p_value,
        "alpha": 0.05,
        "verdict": "differ",
    }
    strict = verdict("rmse", "torch", [1, 2, 3], "jax", [4, 5, 6.5], alpha=0.01)
    assert strict.differ is False and strict.text == "within seed noise"
    assert Verdict("rmse", "a", "b", 1.0, 2.0, None).text == seed_stats.TOO_FEW


@pytest.mark.fault(
    "seed_stats.verdict with a backend that has no values", "ValueError naming the backend and what it needs"
)
def test_a_verdict_needs_values_on_both_sides():
    with pytest.raises(ValueError, match="rmse: jax has no values"):
        verdict("rmse", "torch", [1, 2], "jax", [])


def test_pairwise_compares_every_pair_in_order():
    found = pairwise("fit_seconds", {"torch": [1, 1.1], "jax": [2, 2.1], "tensorflow": [1, 1.2]})
    assert [(v.a, v.b) for v in found] == [("torch", "jax"), ("torch", "tensorflow"), ("jax", "tensorflow")]
    assert [v.quantity for v in found] == ["fit_seconds"] * 3
    assert pairwise("rmse", {"torch": [1, 2]}) == []


def test_a_reference_is_reproduced_inside_the_interval_or_by_a_better_mean():
    five = summarize([0.8765, 0.8794, 0.8850, 0.8839, 0.8812])  # mean 0.8812, interval [0.8769, 0.8855]
    short = ReferenceCheck("torch", 0.8864, five, higher_is_better=True)
    assert (short.better, short.inside, short.reproduces) == (False, False, False)
    assert short.text == "torch falls short (mean 0.8812, interval [0.8769, 0.8855])"
    inside = ReferenceCheck("torch", 0.8830, five, higher_is_better=True)
    assert (inside.better, inside.inside, inside.reproduces) == (False, True, True)
    assert inside.text == "torch reproduces it (inside the interval [0.8769, 0.8855])"
    # An error metric improves downward: a mean below the reference is better even outside the interval.
    lower = ReferenceCheck("jax", 0.8864, five, higher_is_better=False)
    assert (lower.better, lower.inside, lower.reproduces) == (True, False, True)
    assert lower.text.startswith("jax reproduces it (mean 0.8812 is better")
    one = ReferenceCheck("jax", 0.5, summarize([0.6]), higher_is_better=False)
    assert one.inside is None and not one.reproduces and one.text == "jax falls short (mean 0.6000)"
    assert short.to_json() == {
        "backend": "torch",
        "reference": 0.8864,
        "mean": pytest.approx(0.8812),
        "interval": [pytest.approx(0.8769, abs=1e-4), pytest.approx(0.8855, abs=1e-4)],
        "better": False,
        "inside": False,
        "reproduces": False,
    }
