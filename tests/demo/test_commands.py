"""`xinfang seed-demo` and `xinfang serve`."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from xinfang.accounts.models import Unit, User
from xinfang.accounts.services import unit_create
from xinfang.cases.models import Case, CaseEvent, Petitioner
from xinfang.core.management.commands import serve
from xinfang.demo.seed import DEMO_PASSWORD


def _counts() -> tuple[int, ...]:
    return (Unit.objects.count(), User.objects.count(), Case.objects.count(), Petitioner.objects.count(),
            CaseEvent.objects.count())


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_if_empty_loads_once(db):
    first = _seed("--if-empty", "--cases", "30", "--seed", "3")
    assert Case.objects.count() == 30
    assert DEMO_PASSWORD in first and "handler-mh-fgj" in first and "officer" in first
    assert "/api/v1/portal/track/" in first
    before = _counts()
    second = _seed("--if-empty", "--cases", "30", "--seed", "3")
    assert _counts() == before
    assert DEMO_PASSWORD not in second


def test_seed_demo_refuses_a_database_with_units(db):
    unit_create(code="X", name="某单位", kind=Unit.Kind.GOVERNMENT)
    with pytest.raises(CommandError):
        _seed("--cases", "10")
    assert Case.objects.count() == 0 and User.objects.count() == 0


def test_seed_demo_is_all_or_nothing(db):
    with mock.patch("xinfang.demo.seed.deadlines_mark_overdue", side_effect=RuntimeError("boom")), \
            pytest.raises(RuntimeError):
        _seed("--cases", "25")
    assert _counts() == (0, 0, 0, 0, 0)


class _Worker:
    """Stands in for the Huey consumer process."""

    pid = 4242

    def __init__(self) -> None:
        self.signals: list[int] = []

    def poll(self) -> int | None:
        return 0 if self.signals else None

    def send_signal(self, sig: int) -> None:
        self.signals.append(sig)

    def wait(self, timeout: float | None = None) -> int:
        return 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_prints_logins_runs_server_and_stops_worker(db):
    _seed("--cases", "25")
    worker = _Worker()
    port = _free_port()
    out = io.StringIO()
    with mock.patch.object(serve.subprocess, "Popen", return_value=worker) as popen, \
            mock.patch.object(serve, "call_command", side_effect=KeyboardInterrupt) as runserver, \
            pytest.raises(KeyboardInterrupt):
        call_command("serve", "--port", str(port), stdout=out)
    assert popen.call_args.args[0] == [sys.executable, "-m", "xinfang.cli", "run_huey"]
    runserver.assert_called_once_with("runserver", f"127.0.0.1:{port}", use_reloader=False)
    assert worker.signals == [serve.signal.SIGINT]  # stopped on Ctrl-C too
    text = out.getvalue()
    assert DEMO_PASSWORD in text and "registrar" in text and "/api/v1/" in text


def test_serve_without_worker_and_without_demo_users(db):
    out = io.StringIO()
    with mock.patch.object(serve.subprocess, "Popen") as popen, mock.patch.object(serve, "call_command"):
        call_command("serve", "--no-worker", "--port", str(_free_port()), stdout=out)
    popen.assert_not_called()
    assert DEMO_PASSWORD not in out.getvalue()


def test_serve_refuses_a_busy_port_before_starting_the_worker(db):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with mock.patch.object(serve.subprocess, "Popen") as popen, pytest.raises(CommandError):
            call_command("serve", "--port", str(port), stdout=io.StringIO())
    popen.assert_not_called()


def test_serve_demo_restarts_with_the_demo_environment(db, monkeypatch):
    monkeypatch.delenv("XINFANG_DEBUG", raising=False)
    with mock.patch.object(serve.os, "execve") as execve:
        call_command("serve", "--demo", "--port", "8123", "--no-worker", stdout=io.StringIO())
    program, argv, env = execve.call_args.args
    assert program == sys.executable
    assert argv[1:] == ["-m", "xinfang.cli", "serve", "--host", "127.0.0.1", "--port", "8123", "--demo",
                        "--no-worker"]
    assert env["XINFANG_DEBUG"] == "1" and env["XINFANG_HTTPS"] == "0"


def test_worker_command_runs_huey_through_the_cli():
    result = subprocess.run([*serve.worker_command()[:3], "help", "run_huey"], capture_output=True, text=True,  # noqa: S603
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "huey" in result.stdout.lower()
