"""Shared by the export tests: the clock at NOW, export files in a temporary data directory, a district with
cases in several units (and an accusation against the housing bureau), and a way to run the queued jobs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from tests.api.builders import NOW, Flow
from xinfang.cases.models import Case
from xinfang.core.clock import clock_at

PHONE_2 = "13900001111"
VALID_ID_2 = "310112198506120027"  # a valid GB 11643 number (tests/core/test_pii_scan.py)


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    """The clock at NOW, and Chinese active: a job is written in the language active when it was asked
    for, and a test client's request before this test may have left another one active."""
    with clock_at(NOW), translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def export_folder(settings: Any, tmp_path: Path) -> Path:
    """Export files go to a temporary data directory, never to var/."""
    settings.DATA_DIR = tmp_path
    cache.clear()
    return tmp_path / "exports"


@pytest.fixture
def flow(personas: Any, district: Any, categories: Any) -> Flow:
    return Flow(personas=personas, district=district, categories=categories)


@pytest.fixture
def desk(flow: Flow) -> dict[str, Case]:
    """Cases of the bureau (registered), of the housing bureau (routed there), of the human-resources
    bureau, and an accusation against the housing bureau handled by the discipline body."""
    made: dict[str, Case] = {}
    made["registered"], _ = flow.register(title="电梯故障")
    made["housing"], _ = flow.case_at("routed", title="物业不作为")
    made["housing_2"], _ = flow.case_at("accepted", title="违章搭建", name="李四", id_number=VALID_ID_2,
                                        phone=PHONE_2)
    made["hr"], _ = flow.register(title="拖欠工资", category="labour", name="王五", id_number="", phone="13900002222")
    flow.route(made["hr"], unit="hr")
    made["accusation"], _ = flow.register(title="房管局干部违规", matter_type=Case.MatterType.ACCUSATION,
                                          accused_units=("housing",), name="赵六", id_number="",
                                          phone="13900003333")
    flow.route(made["accusation"], unit="discipline")
    for case in made.values():
        case.refresh_from_db()
    return made


@pytest.fixture
def web(personas: Any) -> Callable[[str], Client]:
    """``web("officer")``: a test client signed in as that persona, asking for Chinese."""

    def login(name: str) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(personas[name])
        return client

    return login


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """``with run_jobs(): …`` runs the jobs queued inside the block when it ends (Huey is immediate in the
    tests, and the enqueue waits for the commit the test transaction never makes)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
