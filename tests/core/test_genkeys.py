"""`xinfang genkeys` (xinfang/cli.py): creates the two keys once, private, and never replaces them."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from xinfang.cli import genkeys
from xinfang.core.crypto import _parse_key

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_creates_both_keys_private(tmp_path, capsys):
    data = tmp_path / "nested" / "var"  # created when missing
    genkeys(data)
    secret, field = data / "secret.key", data / "field.key"
    assert mode(secret) == 0o600
    assert mode(field) == 0o600
    secret_text = secret.read_text(encoding="ascii").strip()
    assert len(secret_text) >= 50
    assert len(base64.b64decode(field.read_text(encoding="ascii").strip(), validate=True)) == 32
    _parse_key(field.read_text(encoding="ascii").strip())  # the crypto module accepts it
    out = capsys.readouterr().out
    assert out.count("created") == 2


def test_private_even_with_a_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        genkeys(tmp_path)
    finally:
        os.umask(old)
    assert mode(tmp_path / "secret.key") == 0o600
    assert mode(tmp_path / "field.key") == 0o600


def test_each_run_makes_new_random_keys(tmp_path):
    genkeys(tmp_path / "a")
    genkeys(tmp_path / "b")
    for name in ("secret.key", "field.key"):
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "b" / name).read_bytes()


def test_never_overwrites(tmp_path, capsys):
    genkeys(tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in ("secret.key", "field.key")}
    capsys.readouterr()
    genkeys(tmp_path)
    assert {name: (tmp_path / name).read_bytes() for name in before} == before
    assert capsys.readouterr().out.count("kept") == 2


def test_keeps_an_existing_key_and_creates_only_the_missing_one(tmp_path):
    field = tmp_path / "field.key"
    field.write_text("my-own-key\n", encoding="ascii")
    genkeys(tmp_path)
    assert field.read_text(encoding="ascii") == "my-own-key\n"
    assert (tmp_path / "secret.key").exists()


def run(command: list[str], **extra_env: str) -> subprocess.CompletedProcess[str]:
    """``command`` in a fresh process without the test run's keys and settings in its environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XINFANG_", "DJANGO_", "DATABASE_URL"))}
    env.update(extra_env)
    return subprocess.run(command, cwd=ROOT, env=env,  # noqa: S603 - fixed arguments
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("how", ["module", "console script"])
def test_the_command_runs_before_django_has_keys(tmp_path, how):
    """`xinfang genkeys` must work on a fresh machine: no secret key yet, so Django cannot start."""
    data = tmp_path / "data"
    command = ([sys.executable, "-m", "xinfang.cli", "genkeys"] if how == "module"
               else [str(Path(sys.executable).parent / "xinfang"), "genkeys"])
    done = run(command, XINFANG_DATA_DIR=str(data))
    assert done.returncode == 0, done.stderr
    assert (data / "secret.key").exists() and (data / "field.key").exists()
    field = (data / "field.key").read_text(encoding="ascii")

    # The settings then start with these keys.
    code = "import config.settings as s; print(s.FIELD_KEY); print(len(s.SECRET_KEY))"
    started = run([sys.executable, "-c", code], XINFANG_DATA_DIR=str(data), DATABASE_URL="sqlite:///:memory:")
    assert started.returncode == 0, started.stderr
    assert started.stdout.splitlines()[0] == field.strip()

    again = run(command, XINFANG_DATA_DIR=str(data))
    assert again.returncode == 0
    assert "kept" in again.stdout
    assert (data / "field.key").read_text(encoding="ascii") == field


def test_a_missing_key_is_one_clear_sentence_not_a_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("XINFANG_SECRET_KEY", "XINFANG_FIELD_KEY", "DJANGO_SETTINGS_MODULE")}
    env["XINFANG_DATA_DIR"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-m", "xinfang.cli", "check"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert "xinfang genkeys" in done.stderr
    assert "Traceback" not in done.stderr
