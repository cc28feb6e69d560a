"""Shared by the petitioners tests: the clock at NOW and ``world`` — a small district's cases registered
through the services, with the handling unit, category, street and ``repeat_of`` each case needs for the
hand-computed figures (docs/petitioners.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import translation

from tests.conftest import VALID_ID, at
from xinfang.cases import services as case_services
from xinfang.cases.models import Case
from xinfang.core.clock import clock_at

NOW = at("2026-11-02 10:00")
ID_2 = "310112198506120027"
ID_3 = "310112198506120019"
PHONE_1 = "13812345678"


@pytest.fixture(autouse=True)
def _frozen_clock():
    with clock_at(NOW), translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@dataclass
class World:
    personas: dict[str, Any]
    district: dict[str, Any]
    categories: dict[str, Any]
    cases: dict[str, Case]
    petitioner_ids: dict[str, int]


def _register(personas: dict[str, Any], *, received: str, title: str, id_number: str, name: str,
              phone: str = "", matter_type: str = Case.MatterType.CLAIM, accused: tuple[Any, ...] = (),
              channel: str = Case.Channel.LETTER) -> Case:
    when = at(received)
    with clock_at(when):
        result = case_services.case_register(
            actor=personas["registrar"], channel=channel, received_at=when, matter_type=matter_type,
            title=title, content=f"{title}：江川路某小区，物业一直不处理，请有关部门督促解决。",
            petitioners=[case_services.PetitionerInput(name=name, id_number=id_number, phone=phone,
                                                       address="江川路1号")],
            force_new=True, accused_units=list(accused))
    return result.case


@pytest.fixture
def world(personas, district, categories) -> World:
    """Seven cases (the table of docs/petitioners.md):

    ====  ==========  ==========  ========  =======  ==========  ======
    case  received    unit        category  street   repeat of   person
    ====  ==========  ==========  ========  =======  ==========  ======
    c0    2026-09-20  housing     housing   street   c1          张三
    c1    2026-10-02  housing     housing   street   —           张三
    c2    2026-10-05  housing     housing   street   c1          张三 (a visit)
    c3    2026-10-08  housing     property  street2  c1          张三
    c4    2026-10-09  hr          labour    street   —           李四
    c5    2026-10-10  hr          labour    street2  c4          李四
    c6    2026-10-11  discipline  housing   street   —           张三 (accusation against 区房管局)
    ====  ==========  ==========  ========  =======  ==========  ======
    """
    d, cat = district, categories
    spec = [
        ("c0", "2026-09-20 09:00", "housing", "housing", "street", "c1", VALID_ID, "张三", Case.Channel.LETTER),
        ("c1", "2026-10-02 09:00", "housing", "housing", "street", None, VALID_ID, "张三", Case.Channel.LETTER),
        ("c2", "2026-10-05 09:00", "housing", "housing", "street", "c1", VALID_ID, "张三", Case.Channel.VISIT),
        ("c3", "2026-10-08 09:00", "housing", "property", "street2", "c1", VALID_ID, "张三", Case.Channel.LETTER),
        ("c4", "2026-10-09 09:00", "hr", "labour", "street", None, ID_2, "李四", Case.Channel.LETTER),
        ("c5", "2026-10-10 09:00", "hr", "labour", "street2", "c4", ID_2, "李四", Case.Channel.LETTER),
        ("c6", "2026-10-11 09:00", "discipline", "housing", "street", None, VALID_ID, "张三", Case.Channel.LETTER),
    ]
    cases: dict[str, Case] = {}
    for key, received, unit, category, street, _original, id_number, name, channel in spec:
        accusation = key == "c6"
        cases[key] = _register(
            personas, received=received, title=f"小区电梯长期故障{key}", id_number=id_number, name=name,
            phone=PHONE_1 if name == "张三" else "", channel=channel,
            matter_type=Case.MatterType.ACCUSATION if accusation else Case.MatterType.CLAIM,
            accused=(d["housing"],) if accusation else ())
        # The attributes the figures are computed over, set directly so that the table above is exact.
        Case.objects.filter(pk=cases[key].pk).update(handling_unit=d[unit], category=cat[category],
                                                    street=d[street], status=Case.Status.ACCEPTED)
    for key, *_rest in spec:
        original = _rest[4]
        if original:
            Case.objects.filter(pk=cases[key].pk).update(repeat_of=cases[original], status=Case.Status.LINKED)
    for key in cases:
        cases[key].refresh_from_db()
    people = {"张三": cases["c1"].case_petitioners.get().petitioner_id,
              "李四": cases["c4"].case_petitioners.get().petitioner_id}
    assert cases["c0"].case_petitioners.get().petitioner_id == people["张三"]
    return World(personas=personas, district=district, categories=categories, cases=cases, petitioner_ids=people)
