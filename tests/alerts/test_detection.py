"""The statistics of the rules (xinfang/alerts/detection.py): hand-computed values, planted rises that fire,
and quiet Poisson data in many cells that raises no alarm over several seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xinfang.alerts.detection import (
    CellCount,
    LoadCount,
    Thresholds,
    bh_adjust,
    load_findings,
    poisson_upper,
    rate_findings,
    rate_test,
    severity_of,
)
from xinfang.alerts.rules import ACCELERATION, DEADLINES, SPIKE, TIGHTENING, tightening_for


def test_rate_test_by_hand():
    # 3 in a 7-day window, none in 56 days before: p = (7/63)^3.
    expected, p = rate_test(recent=3, baseline=0, window_days=7, baseline_days=56)
    assert expected == 0
    assert p == pytest.approx((7 / 63) ** 3)
    # 1 recent, 1 baseline, equal windows: P(X >= 1 | n=2, 1/2) = 3/4.
    assert rate_test(recent=1, baseline=1, window_days=7, baseline_days=7)[1] == pytest.approx(0.75)
    assert rate_test(recent=0, baseline=9, window_days=7, baseline_days=56) == (pytest.approx(9 * 7 / 56), 1.0)
    with pytest.raises(ValueError):
        rate_test(recent=-1, baseline=0, window_days=7, baseline_days=56)


def test_poisson_upper_by_hand():
    # P(X >= 2 | mu = 1) = 1 - e^-1 (1 + 1).
    assert poisson_upper(observed=2, expected=1.0) == pytest.approx(1 - 2 * math.exp(-1))
    assert poisson_upper(observed=0, expected=3.0) == 1.0


def test_benjamini_hochberg_by_hand():
    # m = 4: 0.01*4/1 = 0.04, 0.02*4/2 = 0.04, 0.03*4/3 = 0.04, 0.5*4/4 = 0.5.
    assert bh_adjust([0.03, 0.5, 0.01, 0.02]) == pytest.approx([0.04, 0.5, 0.04, 0.04])
    assert bh_adjust([]) == []
    assert bh_adjust([0.9, 0.95]) == pytest.approx([0.95, 0.95])


def _quiet_cells(rng: np.random.Generator, *, cells: int, window: int, baseline: int) -> list[CellCount]:
    rates = rng.gamma(shape=2.0, scale=0.4, size=cells)  # events per day, from very quiet to ~3/day
    return [CellCount(key=i, recent=int(rng.poisson(r * window)), baseline=int(rng.poisson(r * baseline)))
            for i, r in enumerate(rates)]


@pytest.mark.parametrize("seed", range(8))
def test_quiet_poisson_data_raises_no_alarm(seed):
    """400 street × category cells with steady rates: no finding, for the normal and the tightest thresholds."""
    rng = np.random.default_rng(seed)
    cells = _quiet_cells(rng, cells=400, window=SPIKE.window_days, baseline=SPIKE.baseline_days)
    assert rate_findings(cells, window_days=SPIKE.window_days, baseline_days=SPIKE.baseline_days,
                         thresholds=SPIKE.thresholds) == []
    alpha_factor, count_factor = TIGHTENING[max(TIGHTENING)]
    tight = SPIKE.thresholds.tightened(alpha_factor=alpha_factor, count_factor=count_factor)
    assert rate_findings(cells, window_days=SPIKE.window_days, baseline_days=SPIKE.baseline_days,
                         thresholds=tight) == []


@pytest.mark.parametrize("seed", range(5))
def test_planted_spike_fires_among_quiet_cells(seed):
    rng = np.random.default_rng(100 + seed)
    cells = _quiet_cells(rng, cells=400, window=SPIKE.window_days, baseline=SPIKE.baseline_days)
    # A cell that averaged 1 a week (8 in 8 weeks) receives 10 this week.
    cells.append(CellCount(key="planted", recent=10, baseline=8))
    findings = rate_findings(cells, window_days=SPIKE.window_days, baseline_days=SPIKE.baseline_days,
                             thresholds=SPIKE.thresholds)
    assert [f.key for f in findings] == ["planted"]
    finding = findings[0]
    assert finding.observed == 10 and finding.expected == pytest.approx(1.0) and finding.ratio == pytest.approx(10)
    assert finding.adjusted_p <= SPIKE.thresholds.alpha and finding.tests >= 1


def test_minimum_count_and_ratio_hold_back_small_or_mild_rises():
    # 4 events in a new cell: significant alone, but below the minimum count of 5.
    assert rate_findings([CellCount("a", 4, 0)], window_days=7, baseline_days=56, thresholds=SPIKE.thresholds) == []
    # A busy cell up by 50%: 150 vs 100/week — significant, but below twice the normal.
    assert rate_findings([CellCount("b", 150, 800)], window_days=7, baseline_days=56,
                         thresholds=SPIKE.thresholds) == []
    assert [f.key for f in rate_findings([CellCount("c", 5, 0)], window_days=7, baseline_days=56,
                                         thresholds=SPIKE.thresholds)] == ["c"]


def test_tightening_lowers_the_bar():
    base = SPIKE.thresholds
    assert tightening_for(None) == (1.0, 1.0)
    tight = base.tightened(alpha_factor=5.0, count_factor=0.5)
    assert tight == Thresholds(alpha=0.05, min_count=3, min_ratio=2.0)
    assert base.tightened(alpha_factor=100, count_factor=0.01).min_count == 2
    assert base.tightened(alpha_factor=100, count_factor=0.01).alpha == 0.2
    # 3 events this week against 1 in 8 weeks: no alarm normally, an alarm during a critical period.
    cells = [CellCount("x", 3, 1)]
    assert rate_findings(cells, window_days=7, baseline_days=56, thresholds=base) == []
    assert [f.key for f in rate_findings(cells, window_days=7, baseline_days=56, thresholds=tight)] == ["x"]


def test_accelerating_petitioner():
    rule = ACCELERATION
    steady = CellCount("steady", 1, 3)  # one a month, as before
    faster = CellCount("faster", 6, 2)  # six this month against two in three months
    findings = rate_findings([steady, faster], window_days=rule.window_days, baseline_days=rule.baseline_days,
                             thresholds=rule.thresholds)
    assert [f.key for f in findings] == ["faster"]
    assert findings[0].expected == pytest.approx(2 * 30 / 90)


@pytest.mark.parametrize("seed", range(5))
def test_deadline_load_against_the_units_own_normal(seed):
    rng = np.random.default_rng(seed)
    loads = [LoadCount(key=i, now=int(rng.poisson(mu)), history=tuple(int(x) for x in rng.poisson(mu, 8)))
             for i, mu in enumerate(rng.uniform(0.5, 12, 60))]
    assert load_findings(loads, thresholds=DEADLINES.thresholds) == []
    loads.append(LoadCount(key="swamped", now=14, history=(3, 2, 4, 3, 2, 3, 4, 3)))
    # A large unit's usual load is not a risk: 25 against its normal of 24.
    loads.append(LoadCount(key="big", now=25, history=(24,) * 8))
    findings = load_findings(loads, thresholds=DEADLINES.thresholds)
    assert [f.key for f in findings] == ["swamped"]
    assert findings[0].expected == pytest.approx(3.0) and findings[0].details["history"] == [3, 2, 4, 3, 2, 3, 4, 3]


def test_severity():
    assert severity_of(p_value=0.005, ratio=2.1, sensitive=False) == "low"
    assert severity_of(p_value=0.0005, ratio=2.1, sensitive=False) == "medium"
    assert severity_of(p_value=0.005, ratio=6, sensitive=False) == "high"
    assert severity_of(p_value=0.005, ratio=2.1, sensitive=True) == "medium"
    assert severity_of(p_value=1e-9, ratio=9, sensitive=True) == "high"
