"""Seed statistics: is a difference between backends more than the seeds' own noise?

A recipe trained under N seeds gives N values per backend. `summarize` turns them into a
mean, the sample standard deviation and Student's t interval for the mean. `welch_p_value`
compares two backends' values with Welch's t-test, which does not assume equal variances
(one backend may be noisier than another), and a `Verdict` reads "differ" at p < `ALPHA`,
else "within seed noise". A `ReferenceCheck` holds one backend's seeds against a published
single-run figure (the book's). Pure numbers in, typed records out: the report decides what
the values are.
"""

from __future__ import annotations

import itertools
import math
import statistics
import warnings
from dataclasses import dataclass

__all__ = [
    "ALPHA",
    "CONFIDENCE",
    "Summary",
    "Verdict",
    "ReferenceCheck",
    "summarize",
    "welch_p_value",
    "verdict",
    "pairwise",
]

ALPHA = 0.05  # p below this: the backends differ beyond seed noise
CONFIDENCE = 0.95  # the interval's coverage

DIFFER = "differ"
WITHIN_NOISE = "within seed noise"
TOO_FEW = "too few seeds (2 per backend needed)"


@dataclass(frozen=True)
class Summary:
    """The values of one quantity over the seeds, and what they say about its mean."""

    values: tuple  # one per seed, in seed order
    mean: float
    sd: float | None  # sample standard deviation (n - 1 in the denominator); None from one value
    low: float | None  # Student's t interval for the mean; None from one value
    high: float | None
    confidence: float = CONFIDENCE

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def interval(self) -> tuple | None:
        """(low, high); None from one value."""
        return None if self.low is None else (self.low, self.high)

    def interval_text(self, digits: int) -> str:
        """ "[low, high]" to ``digits`` decimals, "–" from one value."""
        return "–" if self.low is None else f"[{self.low:.{digits}f}, {self.high:.{digits}f}]"

    def to_json(self) -> dict:
        return {
            "per_seed": list(self.values),
            "n": self.n,
            "mean": self.mean,
            "sd": self.sd,
            "interval": None if self.interval is None else list(self.interval),
            "confidence": self.confidence,
        }


def summarize(values, confidence: float = CONFIDENCE) -> Summary:
    """Mean, sample sd and the interval mean ± t(1/2 + c/2, n - 1) · sd / √n of ``values``."""
    from scipy import stats

    values = tuple(float(v) for v in values)
    if not values:
        raise ValueError("values is empty; summarize needs at least one seed's value.")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie between 0 and 1 (0.95 for a 95 % interval), got {confidence!r}.")
    mean = statistics.fmean(values)
    if len(values) < 2:
        return Summary(values, mean, None, None, None, confidence)
    sd = statistics.stdev(values)
    half = float(stats.t.ppf(0.5 + confidence / 2, len(values) - 1)) * sd / math.sqrt(len(values))
    return Summary(values, mean, sd, mean - half, mean + half, confidence)


def welch_p_value(a, b) -> float | None:
    """Welch's two-sided p-value for equal means; None with fewer than two values on a side.

    Two constant samples have no noise at all, so any gap between them is real: p is 1 when
    they are equal and 0 when not (the t statistic is 0/0 or ±∞ there).
    """
    from scipy import stats

    a, b = [float(v) for v in a], [float(v) for v in b]
    if min(len(a), len(b)) < 2:
        return None
    if len(set(a)) == 1 and len(set(b)) == 1:
        return 1.0 if a[0] == b[0] else 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # scipy's precision note for nearly equal values
        return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


@dataclass(frozen=True)
class Verdict:
    """Whether two backends' values of one quantity differ beyond seed noise."""

    quantity: str  # what was compared: the metric's name, or "fit_seconds"
    a: str  # the two backends, in the order given
    b: str
    a_mean: float
    b_mean: float
    p_value: float | None  # Welch's two-sided p; None when a side has fewer than two values
    alpha: float = ALPHA

    @property
    def differ(self) -> bool | None:
        return None if self.p_value is None else self.p_value < self.alpha

    @property
    def text(self) -> str:
        return TOO_FEW if self.differ is None else (DIFFER if self.differ else WITHIN_NOISE)

    @property
    def lower(self) -> str:
        """The backend with the lower mean (faster, for fit time)."""
        return self.a if self.a_mean <= self.b_mean else self.b

    def to_json(self) -> dict:
        return {
            "quantity": self.quantity,
            "backends": [self.a, self.b],
            "means": [self.a_mean, self.b_mean],
            "p_value": self.p_value,
            "alpha": self.alpha,
            "verdict": self.text,
        }


def verdict(quantity: str, a: str, a_values, b: str, b_values, alpha: float = ALPHA) -> Verdict:
    """Welch's test of ``a_values`` against ``b_values``, as a `Verdict`."""
    if not a_values or not b_values:
        raise ValueError(
            f"{quantity}: {a if not a_values else b} has no values; compare backends that have at least one."
        )
    p = welch_p_value(a_values, b_values)
    return Verdict(quantity, a, b, statistics.fmean(a_values), statistics.fmean(b_values), p, alpha)


def pairwise(quantity: str, samples: dict, alpha: float = ALPHA) -> list[Verdict]:
    """A `Verdict` for every pair of ``samples`` ({backend: values}), in the order given."""
    return [verdict(quantity, a, samples[a], b, samples[b], alpha) for a, b in itertools.combinations(samples, 2)]


@dataclass(frozen=True)
class ReferenceCheck:
    """Whether one backend's seeds reproduce a figure published from one run.

    A single run is itself one draw from a seed distribution, so it is reproduced when it lies
    inside the seeds' interval for the mean, or when the seeds' mean is better than it.
    """

    backend: str
    reference: float
    summary: Summary
    higher_is_better: bool

    @property
    def better(self) -> bool:
        gap = self.summary.mean - self.reference
        return gap > 0 if self.higher_is_better else gap < 0

    @property
    def inside(self) -> bool | None:
        """None from one seed, which has no interval."""
        return None if self.summary.low is None else self.summary.low <= self.reference <= self.summary.high

    @property
    def reproduces(self) -> bool:
        return self.better or bool(self.inside)

    @property
    def text(self) -> str:
        s = self.summary
        interval = "" if s.interval is None else f", interval {s.interval_text(4)}"
        if self.better:
            return f"{self.backend} reproduces it (mean {s.mean:.4f} is better{interval})"
        if self.inside:
            return f"{self.backend} reproduces it (inside the interval {s.interval_text(4)})"
        return f"{self.backend} falls short (mean {s.mean:.4f}{interval})"

    def to_json(self) -> dict:
        return {
            "backend": self.backend,
            "reference": self.reference,
            "mean": self.summary.mean,
            "interval": None if self.summary.interval is None else list(self.summary.interval),
            "better": self.better,
            "inside": self.inside,
            "reproduces": self.reproduces,
        }
