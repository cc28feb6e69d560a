"""Runs a benchmark in a throw-away database so the operator's data is never touched.

The command re-executes itself with ``DATABASE_URL`` pointing at a new SQLite file in a temporary
directory (or at a given PostgreSQL URL, whose database is created and dropped), migrates it, runs the
benchmark and writes the JSON report.

``keep_db`` (``xinfang bench pages --keep-db FILE``) names a SQLite file that is kept between runs instead:
created and seeded on the first run, migrated and reused afterwards (only the missing background cases
are added), so iterating on a query does not pay for seeding 100,000 cases each time. The field key the
rows were encrypted and hashed with is kept next to it (``FILE.field-key``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path


def _kept_field_key(db_path: Path) -> str:
    """The field key of a kept benchmark database: made on first use, read back afterwards."""
    import base64
    import secrets

    key_path = db_path.with_name(db_path.name + ".field-key")
    if not key_path.exists():
        key_path.write_text(base64.b64encode(secrets.token_bytes(32)).decode() + "\n", encoding="ascii")
        key_path.chmod(0o600)
    return key_path.read_text(encoding="ascii").strip()


def run_isolated(argv: list[str], *, database_url: str | None, keep_db: str | None = None) -> int:
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
        elif keep_db:
            db_path = Path(keep_db).expanduser().resolve()
            db_path.parent.mkdir(parents=True, exist_ok=True)
            env["DATABASE_URL"] = f"sqlite:///{db_path}"
            if not env.get("XINFANG_FIELD_KEY"):
                env["XINFANG_FIELD_KEY"] = _kept_field_key(db_path)
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
