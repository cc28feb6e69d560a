"""Every metric against the hand-computed year of conftest.py: exact numerator, n and the cases behind it."""

from __future__ import annotations

from datetime import date

import pytest

from tests.assessment.conftest import EXPECTED, YEAR
from xinfang.assessment.metrics import CODES, METRICS
from xinfang.assessment.selectors import metric_items
from xinfang.governance.selectors import backlog_stock_flow

AS_OF = date(2026, 11, 20)


def _figures(items, district):
    keys = {unit.pk: key for key, unit in district.items()}
    result: dict[str, tuple[int, int]] = {}
    for item in items:
        key = keys[item.unit_id]
        hits, n = result.get(key, (0, 0))
        result[key] = (hits + int(item.hit), n + 1)
    return result


def test_every_metric_has_a_written_definition():
    assert set(EXPECTED) == set(CODES)
    for metric in METRICS:
        for text in (metric.name, metric.numerator, metric.denominator, metric.period, metric.unit, metric.article):
            assert str(text).strip()
        assert metric.better in ("higher", "lower")


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_metric_matches_the_hand_computed_figures(world, personas, district, code):
    items = metric_items(user=personas["officer"], year=YEAR, code=code, as_of=AS_OF)
    assert _figures(items, district) == EXPECTED[code]


def test_drill_down_cases_are_the_ones_counted(world, personas, district):
    c = world.cases
    def ids(code, hit=None, unit="housing"):
        items = metric_items(user=personas["officer"], year=YEAR, code=code, as_of=AS_OF)
        return {i.case_id for i in items if i.unit_id == district[unit].pk and (hit is None or i.hit == hit)}

    assert ids("route_on_time", hit=False, unit="bureau") == {c["B"].pk}
    assert ids("accept_on_time", hit=False) == {c["B"].pk, c["D"].pk}
    assert ids("decide_on_time", hit=False) == {c["C"].pk}
    assert ids("decide_on_time", hit=True) == {c["A"].pk, c["B"].pk}  # B on time thanks to its extension
    assert ids("decide_on_time", hit=False, unit="hr") == {c["E"].pk}
    assert ids("repeat_rate", hit=True) == {c["F"].pk}
    assert ids("repeat_rate", hit=True, unit="hr") == {c["G"].pk}
    assert ids("objection_overruled", hit=True) == {c["D"].pk}
    assert ids("objection_overruled", hit=False) == {c["E"].pk}
    assert ids("backlog_resolution", hit=True) == {c["C"].pk}
    assert ids("satisfaction", hit=False) == {c["B"].pk}
    # The order on the unit itself has no case; the one on A was answered on time.
    assert ids("supervision_on_time") == {c["A"].pk, None}
    assert ids("supervision_on_time", hit=True) == {c["A"].pk}


def test_a_deadline_not_yet_due_is_not_counted(world, personas, district):
    """A deadline neither met nor passed is not (yet) counted: judged as of 2026-03-12, D's acceptance
    deadline (due 03-25, never met) is left out; B's (met late) and A's and C's (met on time) count."""
    items = metric_items(user=personas["officer"], year=YEAR, code="accept_on_time", as_of=date(2026, 3, 12))
    assert _figures(items, district) == {"housing": (2, 3), "hr": (2, 2)}
    supervision = metric_items(user=personas["officer"], year=YEAR, code="supervision_on_time",
                               as_of=date(2027, 1, 5))
    assert _figures(supervision, district) == {"housing": (1, 2), "hr": (0, 1)}  # the hr order is now late


def test_another_year_counts_nothing_of_2026(world, personas, district):
    for code in CODES:
        items = metric_items(user=personas["officer"], year=2024, code=code, as_of=AS_OF)
        assert items == [], code
    # 2025: H's routing (on time) and acceptance deadline (it was never accepted: late).
    route = metric_items(user=personas["officer"], year=2025, code="route_on_time", as_of=AS_OF)
    assert _figures(route, district) == {"bureau": (1, 1)}
    accept = metric_items(user=personas["officer"], year=2025, code="accept_on_time", as_of=AS_OF)
    assert _figures(accept, district) == {"housing": (0, 1)}


def test_backlog_resolution_agrees_with_the_governance_stock_and_flow(world, personas, district):
    flow = backlog_stock_flow(user=personas["officer"], start=date(YEAR, 1, 1), end=date(YEAR, 12, 31))
    row = next(r for r in flow.rows if r.unit_id == district["housing"].pk)
    items = metric_items(user=personas["officer"], year=YEAR, code="backlog_resolution", as_of=AS_OF)
    assert _figures(items, district)["housing"] == (row.closed, row.at_start + row.added)
