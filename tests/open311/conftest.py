from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from tests.api.builders import NOW, Flow
from tests.open311.client import Open311Client
from xinfang.api.clients import api_client_create
from xinfang.core.clock import clock_at


@pytest.fixture(autouse=True)
def _frozen_clock():
    with clock_at(NOW):
        yield


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def flow(personas, district, categories) -> Flow:
    return Flow(personas=personas, district=district, categories=categories)


@pytest.fixture
def hotline_key(district) -> str:
    """The 12345 hotline centre's key (acts for the bureau; submits as 12345热线转办)."""
    _client, key = api_client_create(name="hotline-12345", unit_code="MH-XFB", actions=["open311.submit"],
                                     channel="hotline")
    return key


@pytest.fixture
def open311():
    """``open311("xml", key)``: a spec client in that format, with that key (None: the public)."""

    def make(fmt: str = "json", key: str | None = None) -> Open311Client:
        return Open311Client(http=Client(), fmt=fmt, api_key=key)

    return make
