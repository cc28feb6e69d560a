"""Test settings: the base settings with fixed keys, fast hashing and jobs run inline.

The database comes from DATABASE_URL like in production; `make test` runs the suite once on SQLite and
once on PostgreSQL.
"""

import os

os.environ.setdefault("XINFANG_SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
# 32 zero-based bytes, base64: a fixed key so fixtures are reproducible.
os.environ.setdefault("XINFANG_FIELD_KEY", "dGVzdC1maWVsZC1rZXktMzItYnl0ZXMtbG9uZy0xMjM=")
os.environ.setdefault("XINFANG_HTTPS", "0")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")

from config.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HUEY = {"huey_class": "huey.MemoryHuey", "name": "xinfang-test", "immediate": True}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The product default: Chinese first (tests that check the English switch ask for it).
LANGUAGE_CODE = "zh-hans"

# An in-memory SQLite database stays in memory under pytest-xdist: pytest-django names a worker's test
# database test_<NAME>_gw<N>, which for our own SQLite backend (not Django's, so its ":memory:" check
# misses it) was a file "test_:memory:_gw0" in the working directory.
if DATABASES["default"]["NAME"] == ":memory:":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}  # noqa: F405

# Several test runs against one PostgreSQL server at once (developers, CI) need their own database.
if os.environ.get("XINFANG_TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["XINFANG_TEST_DB_NAME"]}  # noqa: F405
