"""Helpers for the workflow tests: drive a case through the services at fixed moments, build a case in
any state the workflow can reach, and take a snapshot of everything a service may write.

The standard timeline (2026; the dates are chosen so that the due dates are known by hand):

- Mon 06-01 09:00 received and registered → ``route_by`` Tue 06-16 (15 days, Art. 22)
- Tue 06-02 10:00 routed to 区房管局 → ``accept_by`` Wed 06-17 (15 days), ``object_by`` Tue 06-09
  (5 working days, Art. 23)
- Wed 06-03 10:00 accepted → ``decide_by`` 60 days = Sun 08-02, rolled to Mon 08-03 (Art. 34)
- Wed 07-01 10:00 replied → ``review_request_by`` Fri 07-31 (Art. 35)
- Fri 07-10 10:00 review requested → ``review_decide_by`` Sun 08-09, rolled to Mon 08-10 (Art. 35)
- Mon 07-20 10:00 review decided → ``re_review_request_by`` Wed 08-19 (Art. 36)
- Sat 07-25 10:00 re-review requested → ``re_review_decide_by`` Mon 08-24 (Art. 36)
- Sat 08-01 10:00 re-review decided → closed for good (Art. 36 ¶3)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import VALID_ID, at
from xinfang.cases.models import (
    Case,
    CaseAccused,
    CaseDeadline,
    CaseDocument,
    CaseEvent,
    CasePetitioner,
    CaseRating,
    Petitioner,
)
from xinfang.cases.services import (
    PetitionerInput,
    case_accept,
    case_close_expired,
    case_extend,
    case_object,
    case_re_review_decide,
    case_re_review_request,
    case_refuse,
    case_register,
    case_reply,
    case_review_decide,
    case_review_request,
    case_route,
)
from xinfang.cases.services.registration import RegistrationResult
from xinfang.core.clock import clock_at
from xinfang.core.models import AuditEntry
from xinfang.notifications.models import Notification, OutboxMessage

PHONE = "13812345678"
# A second valid number, with the check character X (tests/conftest.py's VALID_ID_2 fails the check).
ID_X = "31011219850612102X"
TITLE = "小区电梯长期故障"
CONTENT = "江川路某小区3号楼电梯已经坏了三个月，物业一直不处理，请有关部门督促解决。"
REPLY_TEXT = "经核查，已督促物业于十日内修复电梯。"
REVIEW_TEXT = "维持原处理意见，督促物业落实。"
RE_REVIEW_TEXT = "维持复查意见，本事项终结。"

# The moments of the standard timeline (see the module docstring).
T_REGISTER = "2026-06-01 09:00"
T_ROUTE = "2026-06-02 10:00"
T_ACCEPT = "2026-06-03 10:00"
T_OBJECT = "2026-06-04 10:00"
T_EXTEND = "2026-06-20 10:00"
T_REPLY = "2026-07-01 10:00"
T_REVIEW_REQUEST = "2026-07-10 10:00"
T_REVIEW_DECIDE = "2026-07-20 10:00"
T_RE_REVIEW_REQUEST = "2026-07-25 10:00"
T_RE_REVIEW_DECIDE = "2026-08-01 10:00"
# After every step of every state below: when the tables try their actions.
T_LATER = "2026-08-05 10:00"


@dataclass
class Workflow:
    """``wf.route(case)`` etc.: each step runs through its service with the clock at its moment of the
    standard timeline (or ``when``), with the persona who does it in practice."""

    personas: dict[str, Any]
    district: dict[str, Any]
    categories: dict[str, Any]

    def register_result(self, when: str = T_REGISTER, *, matter_type: str = Case.MatterType.CLAIM,
                        title: str = TITLE, content: str = CONTENT, id_number: str = VALID_ID,
                        phone: str = PHONE, name: str = "张三", actor: str | None = "registrar",
                        force_new: bool = True, category: str | None = "housing", **kwargs: Any,
                        ) -> RegistrationResult:
        moment = at(when)
        kwargs.setdefault("channel", Case.Channel.LETTER)
        kwargs.setdefault("street", self.district["street"])
        with clock_at(moment):
            return case_register(
                actor=self.personas[actor] if actor else None, received_at=moment, matter_type=matter_type,
                title=title, content=content,
                petitioners=[PetitionerInput(name=name, id_number=id_number, phone=phone, address="江川路1号")],
                category=self.categories[category] if category else None, force_new=force_new, **kwargs,
            )

    def register(self, when: str = T_REGISTER, **kwargs: Any) -> Case:
        return self.register_result(when, **kwargs).case

    def route(self, case: Case, when: str = T_ROUTE, *, unit: str = "housing",
              mode: str = Case.RouteMode.TRANSFER, actor: str = "officer") -> Case:
        with clock_at(at(when)):
            return case_route(case=case, unit=self.district[unit], mode=mode, actor=self.personas[actor],
                              note="请依法办理")

    def accept(self, case: Case, when: str = T_ACCEPT, *, actor: str = "handler") -> Case:
        with clock_at(at(when)):
            return case_accept(case=case, actor=self.personas[actor])

    def refuse(self, case: Case, when: str = T_ACCEPT, *, actor: str = "handler",
               legal_channel: str = "litigation", reason: str = "该事项属于民事纠纷") -> Case:
        with clock_at(at(when)):
            return case_refuse(case=case, actor=self.personas[actor], reason=reason, legal_channel=legal_channel)

    def object(self, case: Case, when: str = T_OBJECT, *, actor: str = "handler") -> Case:
        with clock_at(at(when)):
            return case_object(case=case, actor=self.personas[actor], reason="该事项属于区人社局职责")

    def extend(self, case: Case, when: str = T_EXTEND, *, actor: str = "head", days: int = 30) -> Case:
        with clock_at(at(when)):
            return case_extend(case=case, actor=self.personas[actor], days=days, reason="需要现场勘查并委托检测")

    def reply(self, case: Case, when: str = T_REPLY, *, actor: str = "handler",
              outcome: str = Case.Outcome.SUPPORT) -> Case:
        with clock_at(at(when)):
            return case_reply(case=case, actor=self.personas[actor], outcome=outcome, text=REPLY_TEXT)

    def review_request(self, case: Case, when: str = T_REVIEW_REQUEST) -> Case:
        with clock_at(at(when)):
            return case_review_request(case=case, reason="电梯仍未修好，要求复查")

    def review_decide(self, case: Case, when: str = T_REVIEW_DECIDE, *, actor: str = "officer") -> Case:
        with clock_at(at(when)):
            return case_review_decide(case=case, actor=self.personas[actor], outcome=Case.ReviewOutcome.UPHOLD,
                                      text=REVIEW_TEXT)

    def re_review_request(self, case: Case, when: str = T_RE_REVIEW_REQUEST) -> Case:
        with clock_at(at(when)):
            return case_re_review_request(case=case, reason="仍不满意复查意见")

    def re_review_decide(self, case: Case, when: str = T_RE_REVIEW_DECIDE, *, actor: str = "officer") -> Case:
        with clock_at(at(when)):
            return case_re_review_decide(case=case, actor=self.personas[actor], outcome=Case.ReviewOutcome.UPHOLD,
                                         text=RE_REVIEW_TEXT)

    def build(self, state: str) -> Case:
        """A case in ``state`` (one of ``STATES``), reached through the services only."""
        if state == "linked":
            original = self.route(self.register())
            return self.register("2026-06-05 09:00", repeat_of=original, force_new=False)
        if state == "closed_final":
            original = self.build("closed_re_reviewed")
            return self.register("2026-08-03 09:00", repeat_of=original)
        if state == "closed_forwarded":
            return self.route(self.register(matter_type=Case.MatterType.INFORMATION))
        if state == "closed_replied":
            return self.reply(self.accept(self.route(self.register(matter_type=Case.MatterType.SUGGESTION))))
        if state == "closed_expired":
            case = self.build("replied")
            assert case_close_expired(today=at("2026-08-01 09:00").date()) == 1
            case.refresh_from_db()
            return case
        case = self.register()
        steps = {
            "registered": [],
            "routed": [self.route],
            "objected": [self.route, self.object],
            "accepted": [self.route, self.accept],
            "refused": [self.route, self.refuse],
            "replied": [self.route, self.accept, self.reply],
            "review_requested": [self.route, self.accept, self.reply, self.review_request],
            "reviewed": [self.route, self.accept, self.reply, self.review_request, self.review_decide],
            "re_review_requested": [self.route, self.accept, self.reply, self.review_request, self.review_decide,
                                    self.re_review_request],
            "closed_re_reviewed": [self.route, self.accept, self.reply, self.review_request, self.review_decide,
                                   self.re_review_request, self.re_review_decide],
        }[state]
        for step in steps:
            case = step(case)
        return case


# Every state the workflow can reach, with its status: each Case.Status at least once, and the ways
# a case can be closed.
STATES: dict[str, str] = {
    "registered": Case.Status.REGISTERED,
    "objected": Case.Status.OBJECTED,
    "routed": Case.Status.ROUTED,
    "accepted": Case.Status.ACCEPTED,
    "refused": Case.Status.REFUSED,
    "replied": Case.Status.REPLIED,
    "review_requested": Case.Status.REVIEW_REQUESTED,
    "reviewed": Case.Status.REVIEWED,
    "re_review_requested": Case.Status.RE_REVIEW_REQUESTED,
    "linked": Case.Status.LINKED,
    "closed_re_reviewed": Case.Status.CLOSED,
    "closed_final": Case.Status.CLOSED,
    "closed_forwarded": Case.Status.CLOSED,
    "closed_replied": Case.Status.CLOSED,
    "closed_expired": Case.Status.CLOSED,
}


@pytest.fixture
def wf(personas, district, categories) -> Workflow:
    return Workflow(personas=personas, district=district, categories=categories)


def case_snapshot(case: Case) -> dict[str, Any]:
    """Everything a workflow service may write about ``case``, to prove that a refusal wrote nothing."""
    return {
        "case": Case.objects.filter(pk=case.pk).values().get(),
        "events": list(CaseEvent.objects.filter(case=case).order_by("id").values()),
        "deadlines": list(CaseDeadline.objects.filter(case=case).order_by("kind").values()),
        "documents": list(CaseDocument.objects.filter(case=case).order_by("id").values("id", "kind")),
        "ratings": list(CaseRating.objects.filter(case=case).values("id", "stage", "rating")),
        "petitioners": list(CasePetitioner.objects.filter(case=case).values_list("petitioner_id", flat=True)),
        "accused": CaseAccused.objects.filter(case=case).count(),
        "all_cases": Case.objects.count(),
        "all_events": CaseEvent.objects.count(),
        "all_petitioners": Petitioner.objects.count(),
        "notifications": Notification.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def events_of(case: Case) -> list[tuple[str, str, str, str]]:
    """The case's log as (action, from_status, to_status, actor_name)."""
    return list(CaseEvent.objects.filter(case=case).order_by("id")
                .values_list("action", "from_status", "to_status", "actor_name"))


def last_event(case: Case) -> CaseEvent:
    return CaseEvent.objects.filter(case=case).order_by("-id").first()


def deadline(case: Case, kind: str) -> CaseDeadline:
    return CaseDeadline.objects.get(case=case, kind=kind)


def deadline_kinds(case: Case) -> set[str]:
    return set(CaseDeadline.objects.filter(case=case).values_list("kind", flat=True))
