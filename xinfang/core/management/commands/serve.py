"""xinfang serve [--host 127.0.0.1] [--port 8000] [--no-worker] [--demo]: the web server and the
background worker in one command (`make demo`, `make serve`).

The Huey consumer runs as a child process (`xinfang run_huey`); Django's development server runs in the
foreground. When the server stops — Ctrl-C, SIGTERM, an error — the worker is stopped too.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

# `--demo` runs on plain HTTP on the local machine: no HTTPS redirect, no secure-only cookies (the
# settings are read from the environment when the process starts, hence the restart with these set).
DEMO_ENVIRONMENT = {"XINFANG_DEBUG": "1", "XINFANG_HTTPS": "0"}
WORKER_STOP_SECONDS = 15


def worker_command() -> list[str]:
    """The Huey consumer, through the same entry point as this process."""
    return [sys.executable, "-m", "xinfang.cli", "run_huey"]


def port_is_free(host: str, port: int) -> bool:
    """Whether the server will be able to listen there (checked before the worker starts: runserver ends
    the process with ``os._exit`` when it cannot bind, which would leave the worker running)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


class Command(BaseCommand):
    help = "Run the web server and the background worker (Huey) together; prints the demo logins."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="do not start the background worker")
        parser.add_argument("--demo", action="store_true",
                            help="local demo on plain HTTP: XINFANG_DEBUG=1 and XINFANG_HTTPS=0")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        if options["demo"] and any(os.environ.get(k) != v for k, v in DEMO_ENVIRONMENT.items()):
            self._restart_for_demo(host=host, port=port, no_worker=options["no_worker"])
            return
        self._print_intro(host=host, port=port)
        if not port_is_free(host, port):
            raise CommandError(_("无法监听 %(h)s:%(p)d：端口已被占用或地址不可用。") % {"h": host, "p": port})
        worker = None if options["no_worker"] else self._start_worker()
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        finally:
            signal.signal(signal.SIGTERM, previous)
            if worker is not None:
                self._stop_worker(worker)

    def _restart_for_demo(self, *, host: str, port: int, no_worker: bool) -> None:
        """Start again with the demo environment (settings are read when the process starts)."""
        argv = [sys.executable, "-m", "xinfang.cli", "serve", "--host", host, "--port", str(port), "--demo"]
        if no_worker:
            argv.append("--no-worker")
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, argv, {**os.environ, **DEMO_ENVIRONMENT})  # noqa: S606 - our own interpreter

    def _print_intro(self, *, host: str, port: int) -> None:
        from xinfang.demo.logins import demo_logins, demo_logins_lines, demo_password_unchanged

        logins = demo_logins()
        for line in demo_logins_lines(logins, password_known=bool(logins) and demo_password_unchanged()):
            self.stdout.write(line)
        base = f"http://{host}:{port}"
        self.stdout.write(_("接口：%(b)s/api/v1/（暂无网页界面）。令牌：xinfang token create officer，"
                            "请求头 Authorization: Token <令牌>。") % {"b": base})
        self.stdout.write(_("公开查询：%(b)s/api/v1/portal/track/<查询码>/") % {"b": base})

    def _start_worker(self) -> subprocess.Popen[bytes]:
        # Its own session: Ctrl-C reaches the server only, and the worker is stopped below, gracefully.
        worker = subprocess.Popen(worker_command(), start_new_session=True)  # noqa: S603 - our own interpreter
        self.stdout.write(_("后台任务进程已启动（pid %(p)d）。") % {"p": worker.pid})
        return worker

    def _stop_worker(self, worker: subprocess.Popen[bytes]) -> None:
        """SIGINT (Huey finishes the running tasks), then SIGTERM, then SIGKILL."""
        if worker.poll() is not None:
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            worker.send_signal(sig)
            try:
                worker.wait(timeout=WORKER_STOP_SECONDS)
                break
            except subprocess.TimeoutExpired:
                continue
        else:
            worker.kill()
            worker.wait()
        self.stdout.write(_("后台任务进程已停止。"))


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    # SIGTERM would end the process without running ``finally``: turn it into a normal exit.
    raise SystemExit(0)
