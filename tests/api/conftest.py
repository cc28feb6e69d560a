from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.api.builders import NOW, Flow
from xinfang.core.clock import clock_at


@pytest.fixture(autouse=True)
def _frozen_clock():
    """Every API test runs at NOW, so deadlines and "not in the future" checks are reproducible."""
    with clock_at(NOW):
        yield


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    """Attachments and imports a test uploads (the fuzzer too) go to the test's own directory, never var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture
def flow(personas, district, categories) -> Flow:
    return Flow(personas=personas, district=district, categories=categories)
