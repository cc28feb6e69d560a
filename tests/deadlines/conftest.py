"""Helpers for the deadline tests: drive a case through the workflow services at given moments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import VALID_ID, at
from xinfang.cases.models import Case
from xinfang.cases.services import (
    PetitionerInput,
    case_accept,
    case_register,
    case_reply,
    case_review_decide,
    case_review_request,
    case_route,
)
from xinfang.core.clock import clock_at


@dataclass
class Flow:
    """``flow.register("2026-09-01 10:00")`` etc.: each step runs with the clock at that moment."""

    personas: dict[str, Any]
    district: dict[str, Any]
    categories: dict[str, Any]

    def register(self, when: str, *, matter_type: str = Case.MatterType.CLAIM, title: str = "小区电梯长期故障",
                 id_number: str = VALID_ID) -> Case:
        moment = at(when)
        with clock_at(moment):
            result = case_register(
                actor=self.personas["registrar"], channel=Case.Channel.LETTER, received_at=moment,
                matter_type=matter_type, title=title,
                content=f"{title}：江川路某小区，物业一直不处理，请有关部门督促解决。",
                petitioners=[PetitionerInput(name="张三", id_number=id_number, phone="13812345678")],
                category=self.categories["housing"], street=self.district["street"], force_new=True,
            )
        return result.case

    def route(self, case: Case, when: str) -> Case:
        with clock_at(at(when)):
            return case_route(case=case, unit=self.district["housing"], mode=Case.RouteMode.TRANSFER,
                              actor=self.personas["officer"])

    def accept(self, case: Case, when: str) -> Case:
        with clock_at(at(when)):
            return case_accept(case=case, actor=self.personas["handler"])

    def reply(self, case: Case, when: str) -> Case:
        with clock_at(at(when)):
            return case_reply(case=case, actor=self.personas["handler"], outcome=Case.Outcome.SUPPORT,
                              text="经核查，已督促物业于十日内修复电梯。")

    def review_request(self, case: Case, when: str) -> Case:
        with clock_at(at(when)):
            return case_review_request(case=case, reason="电梯仍未修好")

    def review_decide(self, case: Case, when: str) -> Case:
        with clock_at(at(when)):
            return case_review_decide(case=case, actor=self.personas["officer"], outcome=Case.ReviewOutcome.UPHOLD,
                                      text="维持原处理意见，督促落实。")

    def replied(self, received: str, replied: str) -> Case:
        """A claim registered, routed and accepted on ``received``, answered on ``replied``."""
        case = self.register(received)
        self.route(case, received)
        self.accept(case, received)
        return self.reply(case, replied)


@pytest.fixture
def flow(personas, district, categories) -> Flow:
    return Flow(personas=personas, district=district, categories=categories)


def pytest_runtest_setup(item):  # noqa: ANN001 - pytest hook
    """Tests marked ``postgres_only`` need what SQLite's in-memory test database cannot give (one database
    seen by several connections at once). Skipped here, before any fixture is set up."""
    if item.get_closest_marker("postgres_only"):
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://…)")
