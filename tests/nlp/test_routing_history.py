"""The routing history read for the suggested unit (xinfang/nlp/selectors.py ``routing_history``): confirmed
routings and objections (退回) per unit, in one statement (the case page's query count is pinned)."""

from __future__ import annotations

from tests.conftest import at
from tests.nlp.test_classify_pages import register
from xinfang.cases import services as case_services
from xinfang.cases.models import Case
from xinfang.cases.services.events import case_event_append
from xinfang.core.clock import clock_at
from xinfang.nlp.routing import RoutingHistory
from xinfang.nlp.selectors import routing_history


def _routed(personas, categories, district, *, unit: str, title: str, street: str = "street") -> Case:
    case = register(personas, categories, district, title=title, content=f"{title}，物业一直不处理", street=street)
    return case_services.case_route(case=case, unit=district[unit], mode=Case.RouteMode.TRANSFER,
                                    actor=personas["officer"])


def test_routing_history_counts_confirmed_routings_and_objections_per_unit(personas, categories, district,
                                                                           django_assert_num_queries):
    property_, street = categories["property"], district["street"]
    with django_assert_num_queries(1):
        assert routing_history(category=property_, street=street) == RoutingHistory()
    with clock_at(at("2026-11-20 12:00")):
        for n in range(2):
            case_services.case_accept(case=_routed(personas, categories, district, unit="street", title=f"堆物{n}"),
                                      actor=personas["street_handler"])
        case_services.case_accept(case=_routed(personas, categories, district, unit="housing", title="电梯"),
                                  actor=personas["handler"])
        # Objected twice by the housing bureau (routed again after the first), then accepted by the street.
        moved = _routed(personas, categories, district, unit="housing", title="绿化")
        moved = case_services.case_object(case=moved, actor=personas["handler"], reason="不属于本单位职权范围")
        moved = case_services.case_route(case=moved, unit=district["housing"], mode=Case.RouteMode.TRANSFER,
                                         actor=personas["officer"])
        moved = case_services.case_object(case=moved, actor=personas["handler"], reason="仍不属于本单位职权范围")
        case_services.case_route(case=moved, unit=street, mode=Case.RouteMode.TRANSFER, actor=personas["officer"])
        # Routed but not accepted yet: no confirmed routing. Another street: not counted here.
        _routed(personas, categories, district, unit="street", title="噪音")
        case_services.case_accept(case=_routed(personas, categories, district, unit="housing", title="别处",
                                               street="street2"), actor=personas["handler"])
        case_services.case_object(case=_routed(personas, categories, district, unit="housing", title="别处二",
                                               street="street2"), actor=personas["handler"], reason="不属于本单位")
        # An objection without a unit (the data of older or system events) counts against none.
        for data in ({"unit": None}, {}, {"unit": "NO-SUCH-UNIT"}):
            case_event_append(case=moved, actor=None, action="objected", data=data)
    with django_assert_num_queries(2):  # the counts, then the objecting units' codes
        history = routing_history(category=property_, street=street)
    assert history == RoutingHistory(accepted={street.pk: 2, district["housing"].pk: 1},
                                     objected={district["housing"].pk: 2})
    assert routing_history(category=categories["labour"], street=street) == RoutingHistory()
