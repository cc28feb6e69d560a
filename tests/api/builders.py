"""Helpers shared by the API and portal tests: a frozen clock, a case driven to any status through the
services (fast set-up; the endpoints under test are called through the API), and database snapshots
that prove a refused request changed nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.conftest import VALID_ID, at
from xinfang.cases import services
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
from xinfang.cases.services.registration import query_code_format

# Every test runs with the clock at NOW (a Monday, a working day); received 3 days earlier.
NOW = at("2026-10-12 10:00")
RECEIVED = "2026-10-09T09:00:00+08:00"
PHONE = "13812345678"
# The statuses a case can be driven to, in workflow order.
PATH = ("registered", "routed", "accepted", "replied", "review_requested", "reviewed", "re_review_requested",
        "closed")


def registration_body(**overrides: Any) -> dict[str, Any]:
    """A valid POST /api/v1/cases/ body (a claim by one petitioner with a full ID number)."""
    body: dict[str, Any] = {
        "channel": "letter", "received_at": RECEIVED, "matter_type": "claim",
        "title": "小区电梯长期故障", "content": "我住在江川路某小区，电梯已经坏了三个月，物业一直不修。",
        "petitioners": [{"name": "张三", "id_number": VALID_ID, "phone": PHONE, "address": "江川路1号"}],
        "category": "ZFBZ", "street": "MH-JCL",
    }
    body.update(overrides)
    return body


def db_counts() -> dict[str, int]:
    """Row counts of everything a case request may write."""
    models = (Case, CaseEvent, CaseDeadline, CaseDocument, CasePetitioner, CaseAccused, CaseRating, Petitioner)
    return {m.__name__: m.objects.count() for m in models}


def scan_for_full_numbers(text: str, *numbers: str) -> list[str]:
    """The full ID numbers (or phones) among ``numbers`` that occur in ``text``."""
    return [n for n in numbers if n in text]


@dataclass
class Flow:
    """Drive cases with the services, as the right persona for each step."""

    personas: dict[str, Any]
    district: dict[str, Any]
    categories: dict[str, Any]

    def register(self, *, matter_type: str = Case.MatterType.CLAIM, title: str = "小区电梯长期故障",
                 id_number: str = VALID_ID, phone: str = PHONE, accused_units: tuple[str, ...] = (),
                 accused_persons: tuple[dict[str, Any], ...] = (), category: str = "housing",
                 name: str = "张三") -> tuple[Case, str]:
        """A new case and its query code, formatted as the API shows it (XXXX-XXXX-XXXX-XXXX)."""
        result = services.case_register(
            actor=self.personas["registrar"], channel=Case.Channel.LETTER, received_at=at("2026-10-09 09:00"),
            matter_type=matter_type, title=title,
            content=f"{title}：江川路某小区，物业一直不处理，请有关部门督促解决。",
            petitioners=[services.PetitionerInput(name=name, id_number=id_number, phone=phone, address="江川路1号")],
            category=self.categories[category], street=self.district["street"], force_new=True,
            accused_units=[self.district[u] for u in accused_units], accused_persons=list(accused_persons),
        )
        return result.case, query_code_format(result.query_code)

    def route(self, case: Case, unit: str = "housing", note: str = "") -> Case:
        return services.case_route(case=case, unit=self.district[unit], mode=Case.RouteMode.TRANSFER,
                                   actor=self.personas["officer"], note=note)

    def accept(self, case: Case) -> Case:
        return services.case_accept(case=case, actor=self.personas["handler"])

    def reply(self, case: Case) -> Case:
        return services.case_reply(case=case, actor=self.personas["handler"], outcome=Case.Outcome.SUPPORT,
                                   text="经核查，已督促物业于十日内修复电梯。")

    def review_request(self, case: Case) -> Case:
        return services.case_review_request(case=case, reason="电梯仍未修好")

    def review_decide(self, case: Case) -> Case:
        return services.case_review_decide(case=case, actor=self.personas["officer"],
                                           outcome=Case.ReviewOutcome.UPHOLD, text="维持原处理意见，督促落实。")

    def re_review_request(self, case: Case) -> Case:
        return services.case_re_review_request(case=case, reason="仍不满意原处理")

    def re_review_decide(self, case: Case) -> Case:
        return services.case_re_review_decide(case=case, actor=self.personas["officer"],
                                              outcome=Case.ReviewOutcome.UPHOLD, text="维持复查意见，本事项终结。")

    def case_at(self, status: str, **register: Any) -> tuple[Case, str]:
        """A case (claim unless told otherwise) driven along the main path to ``status``."""
        case, code = self.register(**register)
        steps = {"routed": self.route, "accepted": self.accept, "replied": self.reply,
                 "review_requested": self.review_request, "reviewed": self.review_decide,
                 "re_review_requested": self.re_review_request, "closed": self.re_review_decide}
        for name in PATH[1:PATH.index(status) + 1]:
            steps[name](case)
        assert case.status == status
        return case, code


def assert_error(response: Any, status: int, *fields: str) -> dict[str, Any]:
    """The API's one error shape: ``{"message": "...", "errors": {field: ["...", ...]}}`` as JSON, with
    ``status`` and (when named) each of ``fields`` carrying at least one message."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert isinstance(body, dict), body
    assert isinstance(body.get("message"), str) and body["message"].strip(), body
    assert isinstance(body.get("errors"), dict), body
    for name, messages in body["errors"].items():
        assert isinstance(name, str) and isinstance(messages, list) and messages, body
        assert all(isinstance(m, str) and m for m in messages), body
    for name in fields:
        assert name in body["errors"], (name, body)
    return body


def check_each(checks: dict[str, Any]) -> None:
    """Run every ``name -> callable`` check (they share one set-up, which keeps the suite fast) and fail
    once, naming each check that failed and why."""
    failures = []
    for name, check in checks.items():
        try:
            check()
        except AssertionError as exc:
            failures.append(f"{name}: {exc}")
    assert not failures, "\n".join(failures)
