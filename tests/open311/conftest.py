from __future__ import annotations

import pytest
from django.test import Client

from tests.api.conftest import _clear_cache, _frozen_clock, flow  # noqa: F401 - fixtures, registered by import
from tests.open311.client import Open311Client
from xinfang.api.clients import api_client_create


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
