"""The statistics of the early-warning rules: pure functions of counts (no database, no clock), tested with
planted and quiet data in tests/alerts/test_detection.py.

Two tests serve every rule that compares a recent count with a baseline:

- ``rate_test``: the exact conditional test of two Poisson rates. Under "the rate did not change", the
  ``x`` events of the recent window out of the ``x + b`` events of window and baseline together follow
  Binomial(x + b, w / (w + B)), where w and B are the lengths of the window and the baseline. The p-value
  is the binomial upper tail P(X >= x). It needs no guess of the baseline rate, so a cell with a short or
  empty history is not over-alarmed the way a plug-in Poisson test would be.
- ``poisson_upper``: P(X >= x) for X ~ Poisson(mu), where the expectation is a mean of several past
  snapshots (the deadline rule).

Many cells are tested at once (every category in every street), so the p-values are corrected with
Benjamini–Hochberg (``bh_reject``); under the global null ("nothing happened anywhere") it bounds the
chance of any false alarm by the level, which is what "quiet data raises no alarm" needs.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from scipy.stats import binom, poisson


@dataclass(frozen=True)
class Thresholds:
    """A rule's significance level, minimum recent count and minimum ratio observed / expected."""

    alpha: float
    min_count: int
    min_ratio: float

    def tightened(self, *, alpha_factor: float, count_factor: float) -> Thresholds:
        """During a sensitive period: a larger significance level (capped at 0.2) and smaller minimum
        counts (never below 2), so smaller rises alarm (docs/alerts.md, "Tightening")."""
        return Thresholds(alpha=min(self.alpha * alpha_factor, 0.2),
                          min_count=max(2, math.ceil(self.min_count * count_factor)),
                          min_ratio=self.min_ratio)


@dataclass(frozen=True)
class CellCount:
    """The count of one cell (a category in a street, a petitioner, a unit) in the recent window and in
    the baseline before it."""

    key: Hashable
    recent: int
    baseline: int


@dataclass(frozen=True)
class Finding:
    """A cell whose recent count is significantly above its own normal."""

    key: Hashable
    observed: int
    expected: float
    p_value: float
    adjusted_p: float
    ratio: float
    tests: int
    details: dict = field(default_factory=dict)


def rate_test(*, recent: int, baseline: int, window_days: float, baseline_days: float) -> tuple[float, float]:
    """The expected recent count (the baseline's rate over the window) and the one-sided p-value of the
    conditional binomial test of equal rates."""
    if recent < 0 or baseline < 0 or window_days <= 0 or baseline_days <= 0:
        raise ValueError("counts must be >= 0 and windows > 0")
    expected = baseline * window_days / baseline_days
    total = recent + baseline
    if recent == 0:
        return expected, 1.0
    share = window_days / (window_days + baseline_days)
    return expected, float(binom.sf(recent - 1, total, share))


def poisson_upper(*, observed: int, expected: float) -> float:
    """P(X >= observed) for X ~ Poisson(expected)."""
    if observed <= 0:
        return 1.0
    return float(poisson.sf(observed - 1, max(expected, 1e-9)))


def bh_adjust(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (monotone, capped at 1), in the input order."""
    m = len(p_values)
    if m == 0:
        return []
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        index = order[rank - 1]
        running = min(running, p_values[index] * m / rank)
        adjusted[index] = min(running, 1.0)
    return adjusted


def rate_findings(cells: Sequence[CellCount], *, window_days: float, baseline_days: float,
                  thresholds: Thresholds) -> list[Finding]:
    """The cells whose recent count is at least ``min_count``, at least ``min_ratio`` times the expected
    count, and significant at ``alpha`` after the Benjamini–Hochberg correction. Largest surprise first.

    Only cells with at least ``min_count`` events in window and baseline together are tested (and counted
    in the correction): the others can never alarm. The filter looks only at the total, which under "no
    change" says nothing about how the events split between window and baseline, so it keeps the test
    exact while not diluting the correction with thousands of quiet cells."""
    tested = [c for c in cells if c.recent + c.baseline >= max(thresholds.min_count, 1)]
    figures = [rate_test(recent=c.recent, baseline=c.baseline, window_days=window_days, baseline_days=baseline_days)
               for c in tested]
    adjusted = bh_adjust([p for _, p in figures])
    findings = []
    for cell, (expected, p), q in zip(tested, figures, adjusted, strict=True):
        ratio = cell.recent / expected if expected > 0 else math.inf
        if cell.recent >= thresholds.min_count and ratio >= thresholds.min_ratio and q <= thresholds.alpha:
            findings.append(Finding(key=cell.key, observed=cell.recent, expected=expected, p_value=p, adjusted_p=q,
                                    ratio=ratio, tests=len(tested)))
    findings.sort(key=lambda f: (f.p_value, -f.observed))
    return findings


@dataclass(frozen=True)
class LoadCount:
    """A unit's deadlines at risk now and the same figure at earlier snapshots (its own normal)."""

    key: Hashable
    now: int
    history: tuple[int, ...]


def load_findings(loads: Sequence[LoadCount], *, thresholds: Thresholds) -> list[Finding]:
    """Units whose deadlines at risk now are many more than their own normal: the mean of the earlier
    snapshots (at least 1, so a unit with an empty history needs ``min_count`` and a real excess), tested as
    Poisson, Benjamini–Hochberg over the units with anything at risk."""
    tested = [x for x in loads if x.now > 0]
    expectations = [max(sum(x.history) / len(x.history), 1.0) if x.history else 1.0 for x in tested]
    p_values = [poisson_upper(observed=x.now, expected=e) for x, e in zip(tested, expectations, strict=True)]
    adjusted = bh_adjust(p_values)
    findings = []
    for load, expected, p, q in zip(tested, expectations, p_values, adjusted, strict=True):
        ratio = load.now / expected
        if load.now >= thresholds.min_count and ratio >= thresholds.min_ratio and q <= thresholds.alpha:
            findings.append(Finding(key=load.key, observed=load.now, expected=expected, p_value=p, adjusted_p=q,
                                    ratio=ratio, tests=len(tested), details={"history": list(load.history)}))
    findings.sort(key=lambda f: (f.p_value, -f.observed))
    return findings


def severity_of(*, p_value: float, ratio: float, sensitive: bool) -> str:
    """``high`` for an overwhelming rise (p < 1e-6 or five times the normal), ``medium`` for p < 1e-3 or
    three times, else ``low``; one step up during a sensitive period."""
    levels = ["low", "medium", "high"]
    level = 2 if (p_value < 1e-6 or ratio >= 5) else 1 if (p_value < 1e-3 or ratio >= 3) else 0
    if sensitive:
        level = min(level + 1, 2)
    return levels[level]


def format_p(p: float) -> str:
    """A p-value for an explanation: two significant digits, scientific below 0.001."""
    if p < 0.001:
        return f"{p:.1e}"
    return f"{p:.3f}"
