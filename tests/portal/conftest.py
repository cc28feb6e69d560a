"""The portal API tests share the API tests' frozen clock, clean cache and ``flow`` helper."""

from tests.api.conftest import _clear_cache, _frozen_clock, flow  # noqa: F401 - fixtures, registered by import
