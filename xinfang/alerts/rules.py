"""The early-warning rules as data: windows, baselines and thresholds (docs/alerts.md). The statistics are in
``xinfang.alerts.detection`` (pure), the database side in ``xinfang.alerts.scan``.

Changing a threshold here is a code change reviewed like any other; the values were chosen so that the quiet
simulations of tests/alerts/test_detection.py (Poisson counts in hundreds of cells, several seeds) raise no
alarm while a doubling of a busy cell or five petitions in a quiet one do.
"""

from __future__ import annotations

from dataclasses import dataclass

from xinfang.alerts.detection import Thresholds

# The group-matter threshold (集体访, 5 people or more: 信访工作条例 Art. 20) is not a tuning knob but the
# law's: it is ``xinfang.cases.models.GROUP_MIN_PEOPLE``, shared with registration, the filters and analytics.


@dataclass(frozen=True)
class SpikeRule:
    """One category in one street: the last ``window_days`` against the ``baseline_days`` before."""

    window_days: int = 7
    baseline_days: int = 56
    thresholds: Thresholds = Thresholds(alpha=0.01, min_count=5, min_ratio=2.0)


@dataclass(frozen=True)
class ClusterRule:
    """Similar petitions from different people within ``window_days`` (``xinfang.repeats.clusters``)."""

    window_days: int = 7
    similarity: float = 0.5
    min_cases: int = 5
    min_people: int = 5


@dataclass(frozen=True)
class AccelerationRule:
    """One petitioner's petitions: the last ``window_days`` against the ``baseline_days`` before."""

    window_days: int = 30
    baseline_days: int = 90
    thresholds: Thresholds = Thresholds(alpha=0.01, min_count=3, min_ratio=2.0)


@dataclass(frozen=True)
class DeadlineRule:
    """A unit's open duty deadlines due within ``horizon_workdays`` working days or overdue, against the
    same figure at the same moment of each of the previous ``history_weeks`` weeks."""

    horizon_workdays: int = 3
    history_weeks: int = 8
    thresholds: Thresholds = Thresholds(alpha=0.01, min_count=5, min_ratio=2.0)


SPIKE = SpikeRule()
CLUSTER = ClusterRule()
ACCELERATION = AccelerationRule()
DEADLINES = DeadlineRule()

# Tightening during a sensitive period, by its level: the significance level is multiplied by the first
# factor, the minimum counts (and the cluster's minimum cases and people) by the second, rounded up and
# never below 2. Level 1 (重要) and level 2 (特别重要, e.g. 两会).
TIGHTENING: dict[int, tuple[float, float]] = {1: (2.0, 0.75), 2: (5.0, 0.5)}


def tightening_for(level: int | None) -> tuple[float, float]:
    """The (alpha factor, count factor) of a sensitive period's level; (1, 1) outside one."""
    if not level:
        return 1.0, 1.0
    return TIGHTENING.get(level, TIGHTENING[max(TIGHTENING)])
