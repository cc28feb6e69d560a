"""Shared by the analytics tests: ``wf`` drives cases through the lifecycle services (tests/cases/conftest.py)
— always forward in time, as the clock runs in production: the roll-up reads ``Case.updated_at``."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.cases.conftest import Workflow


@pytest.fixture
def wf(personas, district, categories) -> Workflow:
    return Workflow(personas=personas, district=district, categories=categories)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()
