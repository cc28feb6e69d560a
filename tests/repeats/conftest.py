"""Fixtures of the repeat tests: petitions registered through the services (so they reach the index as in
production), texts written for these tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import VALID_ID, at
from xinfang.cases.models import Case
from xinfang.cases.services import PetitionerInput, case_register, case_route
from xinfang.core.clock import clock_at

NOW = "2026-11-20 10:00"
ID_2 = "31011219850612102X"
ID_3 = "310112199001011233"
ELEVATOR = ("小区电梯反复故障物业拖延维修",
            "锦华苑12号楼电梯两个月来反复故障，多次困人，物业公司以维修资金尚未审批为由一直拖延。"
            "楼内有多位老人行动不便，出行十分困难。请求督促物业尽快修复。")
ELEVATOR_REWRITE = ("再次反映锦华苑电梯问题",
                    "楼內有多位老年人行動不便，出行非常困難。錦華苑１２號樓電梯兩個月來屢次故障，多次困人，"
                    "物業公司以維修資金尚未審批為由始終拖延。此事已經反映過多次。")
WAGES = ("公司拖欠工资数月未发",
         "本人在宏远物流有限公司从事快递分拣工作，公司自3月起拖欠工资共计1.2万元，多次讨要无果，老板避而不见。"
         "请求劳动监察部门帮助追讨。")
SMELL = ("工厂夜间排放刺鼻气味",
         "江川路附近一家橡胶制品厂经常在夜间排放刺鼻气味，春晖新村居民晚上不敢开窗，有老人孩子出现咳嗽症状。"
         "请求环保部门夜间执法检查。")
BUS = ("建议在莘建路增设公交站点", "莘建路沿线新建了多个住宅小区，入住居民已有二百多户，但附近没有公交站点。建议增设站点并优化发车间隔。")
ACCUSATION = ("检举区房管局工作人员收受好处",
              "区房管局某科长在锦华苑违法建筑拆除工作中只登记不拆除，据说收受了当事人的好处费。请求纪检监察机关调查处理。")


@dataclass
class Petitions:
    """Registers petitions as a registrar would (``case_register``), at ``NOW`` unless told."""

    personas: dict[str, Any]
    district: dict[str, Any]
    categories: dict[str, Any]

    def register(self, text: tuple[str, str], *, name: str = "张三", id_number: str = "", phone: str = "",
                 address: str = "", when: str = NOW, category: str | None = "housing", street: str | None = "street",
                 matter_type: str = Case.MatterType.CLAIM, accused_units: tuple[str, ...] = ()) -> Case:
        moment = at(when)
        with clock_at(moment):
            return case_register(
                actor=self.personas["registrar"], channel=Case.Channel.LETTER, received_at=moment,
                matter_type=matter_type, title=text[0], content=text[1],
                petitioners=[PetitionerInput(name=name, id_number=id_number, phone=phone, address=address)],
                category=self.categories[category] if category else None,
                street=self.district[street] if street else None,
                accused_units=[self.district[u] for u in accused_units], force_new=True).case

    def route(self, case: Case, unit: str) -> Case:
        with clock_at(at(NOW)):
            return case_route(case=case, unit=self.district[unit], mode=Case.RouteMode.TRANSFER,
                              actor=self.personas["officer"])


@pytest.fixture
def petitions(personas, district, categories) -> Petitions:
    return Petitions(personas=personas, district=district, categories=categories)


__all__ = ["ACCUSATION", "BUS", "ELEVATOR", "ELEVATOR_REWRITE", "ID_3", "NOW", "SMELL", "VALID_ID", "WAGES", "ID_2",
           "Petitions"]
