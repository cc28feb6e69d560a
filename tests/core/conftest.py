"""Helpers for the core tests: switching the append-only guard, registering cases, clean field keys."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection

from tests.conftest import VALID_ID, at
from xinfang.cases.models import Case
from xinfang.cases.services import PetitionerInput, case_register
from xinfang.core.clock import clock_at
from xinfang.core.crypto import field_keys_reset


def guard_set(enabled: bool) -> None:
    """Switch the guard row, creating it when missing: a flush after a transactional test (browser tests,
    live_server) deletes it, and a missing row counts as "on", so a bare UPDATE would change nothing."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_appendonlyguard SET enabled = %s WHERE id = 1", [enabled])
        if cursor.rowcount == 0:
            cursor.execute("INSERT INTO core_appendonlyguard (id, enabled) VALUES (1, %s)", [enabled])


@contextmanager
def guard_off() -> Iterator[None]:
    """The append-only guard off for the block (as the retention purge and tests/conftest.py do)."""
    guard_set(False)
    try:
        yield
    finally:
        guard_set(True)


@pytest.fixture(autouse=True)
def _fresh_field_keys() -> Iterator[None]:
    """Keys are cached per process: forget them around every test so a ``settings`` override applies and
    does not leak into the next test."""
    field_keys_reset()
    yield
    field_keys_reset()


@pytest.fixture
def register(personas, district, categories):
    """``register(id_number=..., title=...)`` registers a letter petition as the registrar."""

    def make(*, id_number: str = VALID_ID, phone: str = "13812345678", title: str = "小区电梯长期故障",
             when: str = "2026-09-01 10:00", name: str = "张三", **extra: Any) -> Case:
        moment = at(when)
        with clock_at(moment):
            result = case_register(
                actor=personas["registrar"], channel=Case.Channel.LETTER, received_at=moment,
                matter_type=Case.MatterType.CLAIM, title=title,
                content=f"{title}：江川路某小区，物业一直不处理，请有关部门督促解决。",
                petitioners=[PetitionerInput(name=name, id_number=id_number, phone=phone, address="江川路1号")],
                category=categories["housing"], street=district["street"], force_new=True, **extra,
            )
        return result.case

    return make
