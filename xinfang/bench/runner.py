"""Runs a benchmark in a throw-away database so the operator's data is never touched.

The command re-executes itself with ``DATABASE_URL`` pointing at a new SQLite file in a temporary
directory (or at a given PostgreSQL URL, whose database is created and dropped), migrates it, runs the
benchmark and writes the JSON report.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path


def run_isolated(argv: list[str], *, database_url: str | None) -> int:
    env = dict(os.environ)
    env["XINFANG_BENCH_CHILD"] = "1"
    env.setdefault("XINFANG_DEBUG", "0")
    env.setdefault("XINFANG_HTTPS", "0")
    with tempfile.TemporaryDirectory(prefix="xinfang-bench-") as tmp:
        dropper: Callable[[], None] | None = None
        if database_url and database_url.startswith("postgres"):
            import psycopg

            name = f"xinfang_bench_{uuid.uuid4().hex[:8]}"
            admin_url = database_url.replace("postgres://", "postgresql://", 1)
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            base = database_url.rsplit("/", 1)[0]
            env["DATABASE_URL"] = f"{base}/{name}"

            def drop() -> None:
                with psycopg.connect(admin_url, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

            dropper = drop
        else:
            env["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        env.setdefault("XINFANG_DATA_DIR", tmp)
        if not env.get("XINFANG_SECRET_KEY"):
            env["XINFANG_SECRET_KEY"] = uuid.uuid4().hex * 2
        if not env.get("XINFANG_FIELD_KEY"):
            import base64
            import secrets

            env["XINFANG_FIELD_KEY"] = base64.b64encode(secrets.token_bytes(32)).decode()
        try:
            migrate = subprocess.run([sys.executable, "-m", "xinfang.cli", "migrate", "-v0"], env=env, check=False)  # noqa: S603
            if migrate.returncode:
                return migrate.returncode
            # Our own interpreter and entry point with our own arguments: nothing untrusted reaches the call.
            return subprocess.run([sys.executable, "-m", "xinfang.cli", *argv], env=env, check=False).returncode  # noqa: S603
        finally:
            if dropper is not None:
                dropper()
