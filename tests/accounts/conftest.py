"""Helpers for the gateway tests: cases made straight in the database (the gateway reads only the
handling unit and the accused rows, so the workflow is not needed to set them up) and one made through
the registration service (for routing)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import VALID_ID, at
from xinfang.accounts.models import Unit, User
from xinfang.cases.models import Case, CaseAccused
from xinfang.cases.services import PetitionerInput, case_register
from xinfang.core.clock import clock_at

_numbers = itertools.count(1)


def case_make(*, handling_unit: Unit | None = None, accused_units: Sequence[Unit] = (),
              accused_users: Sequence[User] = (), status: str = Case.Status.ROUTED,
              matter_type: str = Case.MatterType.ACCUSATION) -> Case:
    """A case handled by ``handling_unit`` naming the given units and users as accused."""
    n = next(_numbers)
    case = Case.objects.create(
        number=f"T-{n:06d}", query_code_hash=f"test-{n}", channel=Case.Channel.LETTER,
        received_at=timezone.now(), matter_type=matter_type, title=f"检举控告 {n}", content="反映某单位工作人员违规。",
        status=status, handling_unit=handling_unit,
    )
    for unit in accused_units:
        CaseAccused.objects.create(case=case, unit=unit)
    for user in accused_users:
        CaseAccused.objects.create(case=case, user=user, name=user.full_name or user.username)
    return case


@pytest.fixture
def register(personas, categories, district):
    """``register(accused_units=[...], accused_persons=[...])``: an accusation registered by the registrar
    through ``case_register``, as the bureau receives it."""

    def make(**kwargs: Any) -> Case:
        moment = at("2026-09-01 10:00")
        kwargs.setdefault("matter_type", Case.MatterType.ACCUSATION)
        with clock_at(moment):
            return case_register(
                actor=personas["registrar"], channel=Case.Channel.LETTER, received_at=moment,
                title="反映房管局工作人员违规收费", content="区房管局物业科工作人员在办理业务时违规收取费用。",
                petitioners=[PetitionerInput(name="张三", id_number=VALID_ID, phone="13812345678")],
                category=categories["housing"], street=district["street"], force_new=True, **kwargs,
            ).case

    return make
