"""Shared by the page tests: ``login("officer")`` is a client signed in as that persona, and ``cases``
drives cases through the lifecycle services as the staff would (the case page and document tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import VALID_ID, at
from xinfang.cases import services
from xinfang.cases.models import Case

# The case page and document tests run at this moment, so deadlines and days left are fixed.
NOW = "2026-11-20 10:00"
PHONE = "13812345678"


@dataclass
class Cases:
    """Drives cases through the lifecycle services, as the staff would."""

    personas: dict[str, Any]
    district: dict[str, Any]
    categories: dict[str, Any]

    def register(self, *, matter_type: str = Case.MatterType.CLAIM, title: str = "小区电梯长期故障",
                 id_number: str = VALID_ID, **kwargs: Any) -> Case:
        kwargs.setdefault("force_new", True)
        return services.case_register(
            actor=self.personas["registrar"], channel=Case.Channel.LETTER, received_at=at(NOW),
            matter_type=matter_type, title=title, content=f"{title}：江川路某小区，物业一直不处理，请督促解决。",
            petitioners=[services.PetitionerInput(name="张三", id_number=id_number, phone=PHONE)],
            category=self.categories["housing"], street=self.district["street"], **kwargs,
        ).case

    def routed(self, unit: str = "housing", **kwargs: Any) -> Case:
        case = self.register(**kwargs)
        return services.case_route(case=case, unit=self.district[unit], mode=Case.RouteMode.TRANSFER,
                                   actor=self.personas["officer"])

    def accepted(self, **kwargs: Any) -> Case:
        return services.case_accept(case=self.routed(**kwargs), actor=self.personas["handler"])

    def replied(self, **kwargs: Any) -> Case:
        return services.case_reply(case=self.accepted(**kwargs), actor=self.personas["handler"],
                                   outcome=Case.Outcome.SUPPORT, text="经核查，已督促物业于十日内修复电梯。")

    def review_requested(self) -> Case:
        return services.case_review_request(case=self.replied(), reason="电梯仍未修好，请求复查")


@pytest.fixture
def cases(personas, district, categories) -> Cases:
    return Cases(personas=personas, district=district, categories=categories)


