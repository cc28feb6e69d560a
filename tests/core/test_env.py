"""Strict environment readers (config/env.py): good values parse, bad ones stop the start-up loudly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_path, env_str, read_secret

VAR = "XINFANG_TEST_ONLY_VARIABLE"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(monkeypatch):
    """``env("value")`` sets the test variable; ``env(None)`` removes it."""
    monkeypatch.delenv(VAR, raising=False)

    def set_(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv(VAR, raising=False)
        else:
            monkeypatch.setenv(VAR, value)

    return set_


def test_env_str(env):
    assert env_str(VAR) is None
    assert env_str(VAR, "fallback") == "fallback"
    env("")
    assert env_str(VAR, "fallback") == ""  # set but empty is a value
    env("Asia/Shanghai")
    assert env_str(VAR, required=True) == "Asia/Shanghai"


def test_env_str_required_and_missing_fails_naming_the_variable(env):
    with pytest.raises(ImproperlyConfigured, match=VAR):
        env_str(VAR, required=True)


@pytest.mark.parametrize("value", ["1", "true", "TRUE", " yes ", "On"])
def test_env_bool_true(env, value):
    env(value)
    assert env_bool(VAR, False) is True


@pytest.mark.parametrize("value", ["0", "false", "False", "no", "OFF", ""])
def test_env_bool_false(env, value):
    env(value)
    assert env_bool(VAR, True) is False


def test_env_bool_default(env):
    assert env_bool(VAR) is False
    assert env_bool(VAR, True) is True


@pytest.mark.parametrize("value", ["maybe", "2", "-1", "y", "enabled", "tru"])
def test_env_bool_refuses_anything_else(env, value):
    env(value)
    with pytest.raises(ImproperlyConfigured, match=VAR):
        env_bool(VAR, True)


@pytest.mark.parametrize(("value", "expected"), [("42", 42), (" 7 ", 7), ("-3", -3), ("0", 0), ("", 5)])
def test_env_int(env, value, expected):
    env(value)
    assert env_int(VAR, 5) == expected


def test_env_int_default_when_unset(env):
    assert env_int(VAR, 60, minimum=0) == 60


@pytest.mark.parametrize("value", ["abc", "4.5", "1e3", "12abc", "0x10", "五"])
def test_env_int_refuses_non_integers(env, value):
    env(value)
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int(VAR, 5)


def test_env_int_bounds(env):
    env("12")
    assert env_int(VAR, 1, minimum=12, maximum=12) == 12
    env("11")
    with pytest.raises(ImproperlyConfigured, match="below the minimum 12"):
        env_int(VAR, 15, minimum=12)
    env("1801")
    with pytest.raises(ImproperlyConfigured, match="above the maximum 1800"):
        env_int(VAR, 60, maximum=1800)


def test_env_list(env):
    assert env_list(VAR) == []
    default = ["127.0.0.1", "localhost"]
    got = env_list(VAR, default)
    assert got == default
    got.append("changed")
    assert default == ["127.0.0.1", "localhost"]  # a copy, not the default itself
    env(" a.example , b.example,, ,c.example ")
    assert env_list(VAR, default) == ["a.example", "b.example", "c.example"]
    env("")
    assert env_list(VAR, default) == []  # set but empty: no items


def test_env_path(env, tmp_path, monkeypatch):
    default = tmp_path / "var"
    assert env_path(VAR, default) == default.resolve()
    env(str(tmp_path / "data" / ".." / "other"))
    assert env_path(VAR, default) == (tmp_path / "other").resolve()
    monkeypatch.setenv("HOME", str(tmp_path))
    env("~/xinfang")
    assert env_path(VAR, default) == (tmp_path / "xinfang").resolve()
    env("relative/dir")
    assert env_path(VAR, default).is_absolute()
    env("")
    assert env_path(VAR, default) == default.resolve()


def test_read_secret_prefers_the_environment(env, tmp_path):
    key_file = tmp_path / "secret.key"
    key_file.write_text("from-the-file\n", encoding="ascii")
    env("  from-the-env  ")
    assert read_secret(env_name=VAR, file=key_file) == "from-the-env"


def test_read_secret_falls_back_to_the_file(env, tmp_path):
    key_file = tmp_path / "secret.key"
    key_file.write_text("from-the-file\n", encoding="ascii")
    assert read_secret(env_name=VAR, file=key_file) == "from-the-file"
    env("")  # an empty variable counts as unset
    assert read_secret(env_name=VAR, file=key_file) == "from-the-file"
    env("  \t")  # and so does a blank one
    assert read_secret(env_name=VAR, file=key_file) == "from-the-file"


def test_read_secret_without_env_or_file_is_none(env, tmp_path):
    assert read_secret(env_name=VAR, file=tmp_path / "missing.key") is None


# -- the settings module fails loudly at start-up ------------------------------------------------------------

def _import_settings(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XINFANG_", "DJANGO_"))}
    env.update({"XINFANG_DATA_DIR": str(tmp_path), "DATABASE_URL": "sqlite:///:memory:", **extra})
    code = "import config.settings as s; print('FIELD_KEY', s.FIELD_KEY); print('DEBUG', s.DEBUG)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,  # noqa: S603 - fixed arguments
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({}, "XINFANG_SECRET_KEY is not set and no secret.key exists"),
        ({"XINFANG_SECRET_KEY": "k" * 50, "XINFANG_DEBUG": "maybe"},
         "XINFANG_DEBUG='maybe' is not a boolean"),
        ({"XINFANG_SECRET_KEY": "k" * 50, "XINFANG_SESSION_IDLE_SECONDS": "3600"},
         "XINFANG_SESSION_IDLE_SECONDS=3600 is above the maximum 1800"),
        ({"XINFANG_SECRET_KEY": "k" * 50, "XINFANG_PASSWORD_MIN_LENGTH": "8"},
         "XINFANG_PASSWORD_MIN_LENGTH=8 is below the minimum 12"),
        ({"XINFANG_SECRET_KEY": "k" * 50, "XINFANG_WORKERS": "two"},
         "XINFANG_WORKERS='two' is not an integer"),
        ({"XINFANG_SECRET_KEY": "k" * 50, "DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL must be"),
    ],
)
def test_settings_refuse_to_start_on_bad_configuration(tmp_path, extra, message):
    done = _import_settings(tmp_path, **extra)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert message in done.stderr


def test_settings_read_keys_from_the_data_directory(tmp_path):
    (tmp_path / "secret.key").write_text("s" * 50 + "\n", encoding="ascii")
    (tmp_path / "field.key").write_text("ZmllbGQta2V5\n", encoding="ascii")
    done = _import_settings(tmp_path, XINFANG_DEBUG="1")
    assert done.returncode == 0, done.stderr
    assert "FIELD_KEY ZmllbGQta2V5\n" in done.stdout
    assert "DEBUG True" in done.stdout
