"""The district of tests/conftest.py with two service points (家门口服务点), the units of a 三所联动
mediation, and the grassroots personas:

- ``point_registrar``: registrar at 东风居委家门口服务站 (江川路街道) — sees only that point's records;
- ``street_handler`` (from tests/conftest.py): handler of 江川路街道 — sees the street and its points;
- ``street2_handler``: handler of 莘庄镇 — another street: 404 on 江川路's records;
- ``point2_registrar``: registrar at 西湖居委家门口服务站 (莘庄镇);
- ``officer`` / ``registrar`` of the bureau, ``leader``: the whole district; the admins: nothing.

Every test runs at NOW with the page language Chinese.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import VALID_ID, at
from xinfang.accounts.models import Unit, User
from xinfang.accounts.services import unit_create, user_create
from xinfang.core.clock import clock_at
from xinfang.grassroots import services
from xinfang.grassroots.models import (
    Dispute,
    Mediation,
    MediationFollowUp,
    MediationParticipant,
    MediationSession,
    Party,
    Reception,
    ReceptionDay,
    Visit,
    VisitFinding,
)

NOW = at("2026-11-20 10:00")
TODAY = date(2026, 11, 20)
PHONE = "13812345678"
PHONE_2 = "13998765432"
VALID_ID_2 = "310112198506120027"


@pytest.fixture(autouse=True)
def _frozen_clock(settings: Any) -> Iterator[None]:
    settings.LANGUAGE_CODE = "zh-hans"
    with clock_at(NOW), translation.override("zh-hans"):
        yield


@pytest.fixture
def units(district: dict[str, Unit]) -> dict[str, Unit]:
    out = dict(district)
    out["neighbourhood"] = unit_create(code="MH-JCL-01", name="东风居委", kind=Unit.Kind.NEIGHBOURHOOD,
                                       parent=district["street"])
    out["point"] = unit_create(code="MH-JCL-01-FW", name="东风居委家门口服务站", kind=Unit.Kind.SERVICE_POINT,
                               parent=out["neighbourhood"])
    out["neighbourhood2"] = unit_create(code="MH-XZ-01", name="西湖居委", kind=Unit.Kind.NEIGHBOURHOOD,
                                        parent=district["street2"])
    out["point2"] = unit_create(code="MH-XZ-01-FW", name="西湖居委家门口服务站", kind=Unit.Kind.SERVICE_POINT,
                                parent=out["neighbourhood2"])
    out["police"] = unit_create(code="MH-GA-JCL", name="江川路派出所", kind=Unit.Kind.POLITICS_LAW,
                                parent=district["gov"])
    out["judicial"] = unit_create(code="MH-SFJ-JCL", name="江川路司法所", kind=Unit.Kind.POLITICS_LAW,
                                  parent=district["gov"])
    return out


@pytest.fixture
def people(personas: dict[str, User], units: dict[str, Unit]) -> dict[str, User]:
    def make(username: str, role: str, unit: Unit) -> User:
        return user_create(username=username, role=role, unit=unit, password="correct-horse-battery")

    return {
        **personas,
        "point_registrar": make("point", User.Role.REGISTRAR, units["point"]),
        "point2_registrar": make("point2", User.Role.REGISTRAR, units["point2"]),
        "street2_handler": make("street2", User.Role.HANDLER, units["street2"]),
        "street_head": make("streethead", User.Role.UNIT_HEAD, units["street"]),
        "police_handler": make("police", User.Role.HANDLER, units["police"]),
    }


@pytest.fixture
def login(people: dict[str, User]) -> Any:
    def make(name: str) -> Client:
        client = Client()
        client.force_login(people[name])
        return client

    return make


@pytest.fixture
def api_as(people: dict[str, User]) -> Any:
    """``api_as("officer")``: an API client with that person's token."""

    def make(name: str) -> APIClient:
        client = APIClient()
        token, _created = Token.objects.get_or_create(user=people[name])
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


def party(name: str = "王五", *, id_number: str = VALID_ID, phone: str = PHONE,
          role: str = Party.Role.APPLICANT) -> services.PartyInput:
    return services.PartyInput(name=name, role=role, id_number=id_number, phone=phone, address="江川路东风新村3号")


def two_parties() -> list[services.PartyInput]:
    return [party("王五"), party("赵六", id_number=VALID_ID_2, phone=PHONE_2, role=Party.Role.RESPONDENT)]


def joint_participants(units: dict[str, Unit]) -> list[services.ParticipantInput]:
    kinds = MediationParticipant.Kind
    return [services.ParticipantInput(kind=kinds.POLICE_STATION, organisation="", mediator="李警官", unit=units["police"]),
            services.ParticipantInput(kind=kinds.JUDICIAL_OFFICE, organisation="", mediator="陈所长",
                                      unit=units["judicial"]),
            services.ParticipantInput(kind=kinds.LAW_FIRM, organisation="上海明理律师事务所", mediator="周律师")]


class Build:
    """Grassroots records made through the services, as the staff would."""

    def __init__(self, people: dict[str, User], units: dict[str, Unit]):
        self.people = people
        self.units = units

    def dispute(self, *, actor: str = "point_registrar", title: str = "楼上漏水纠纷", **kwargs: Any) -> Dispute:
        values: dict[str, Any] = {"description": "楼上住户卫生间漏水，楼下住户天花板发霉，双方多次争吵。",
                                  "risk_level": Dispute.Risk.MEDIUM, "source": Dispute.Source.SCREENING,
                                  "found_on": TODAY, "parties": two_parties()}
        values.update(kwargs)
        return services.dispute_record(actor=self.people[actor], title=title, **values)

    def mediation(self, *, actor: str = "point_registrar", dispute: Dispute | None = None,
                  kind: str = Mediation.Kind.JOINT, **kwargs: Any) -> Mediation:
        values: dict[str, Any] = {"title": "" if dispute else "邻里漏水纠纷调解",
                                  "matter": "" if dispute else "楼上漏水致楼下受损，双方就维修和赔偿发生争议。",
                                  "started_on": TODAY, "parties": [] if dispute else two_parties(),
                                  "participants": joint_participants(self.units)}
        values.update(kwargs)
        return services.mediation_open(actor=self.people[actor], kind=kind, dispute=dispute, **values)

    def session(self, mediation: Mediation, *, actor: str = "point_registrar") -> MediationSession:
        return services.mediation_session_add(actor=self.people[actor], mediation=mediation,
                                              held_at=at("2026-11-20 09:00"), place="东风居委调解室",
                                              notes="双方陈述事实，律师释法，派出所民警维持秩序。")

    def agreed(self, *, actor: str = "point_registrar", **kwargs: Any) -> Mediation:
        mediation = self.mediation(actor=actor, **kwargs)
        self.session(mediation, actor=actor)
        return services.mediation_conclude(
            actor=self.people[actor], mediation=mediation, outcome=Mediation.Outcome.AGREEMENT,
            agreement_terms="一、楼上住户于十日内修复卫生间防水。\n二、楼上住户赔偿楼下住户粉刷费用人民币二千元。",
            performance="一次性现金支付", performance_due=date(2026, 12, 1))

    def visit(self, *, actor: str = "street_handler", kind: str = Visit.Kind.WALK, with_finding: bool = True,
              **kwargs: Any) -> Visit:
        findings = [services.FindingInput(title="小区路灯损坏", description="东风新村5号楼前路灯损坏两个月，夜间出行不便。",
                                          parties=[party("孙七")])] if with_finding else []
        values: dict[str, Any] = {"visited_at": at("2026-11-19 15:00"), "place": "东风新村",
                                  "visitors": "街道信访办 李明", "summary": "走访东风新村居民，了解小区环境问题。",
                                  "findings": findings}
        values.update(kwargs)
        return services.visit_record(actor=self.people[actor], kind=kind, **values)

    def finding(self, visit: Visit) -> VisitFinding:
        return visit.findings.get()

    def reception_day(self, *, day: date = TODAY, leader: str = "leader", **kwargs: Any) -> ReceptionDay:
        values: dict[str, Any] = {"starts_at": datetime(2026, 1, 1, 9).time(), "ends_at": datetime(2026, 1, 1, 11).time(),
                                  "place": "区信访接待大厅", "unit": self.units["bureau"], "topic": "住房保障",
                                  "joint_units": [self.units["housing"]]}
        values.update(kwargs)
        return services.reception_day_schedule(actor=self.people["officer"], leader=self.people[leader], day=day,
                                               **values)

    def reception(self, day: ReceptionDay, *, actor: str = "officer") -> Reception:
        return services.reception_record(actor=self.people[actor], day=day, matter="反映小区加装电梯资金分摊问题。",
                                         response="请区房管局牵头协调，两周内答复。", persons=[party("钱八")])


@pytest.fixture
def build(people: dict[str, User], units: dict[str, Unit], categories: Any) -> Build:
    return Build(people, units)


def counts() -> dict[str, int]:
    """Row counts of every grassroots table (and cases): a refused request must leave them as they were."""
    from xinfang.cases.models import Case, CaseEvent, Petitioner
    from xinfang.core.models import AuditEntry

    models = (Dispute, Mediation, MediationParticipant, MediationSession, MediationFollowUp, Visit, VisitFinding,
              ReceptionDay, Reception, Party, Case, CaseEvent, Petitioner, AuditEntry)
    return {m.__name__: m.objects.count() for m in models}
