"""xinfang/core/sqlite: the cross-process queue of SQLite write transactions (a flock next to the file)."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

import pytest
from django.db import connections, transaction
from django.db.utils import ConnectionHandler


def _handler(path: Path, *, timeout: float = 5) -> ConnectionHandler:
    return ConnectionHandler({"default": {
        "ENGINE": "xinfang.core.sqlite", "NAME": str(path),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": timeout,
                    "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;"},
    }})


@pytest.fixture(autouse=True)
def _own_databases(django_db_blocker):
    """These tests open their own SQLite files, not the test database: pytest-django's guard is lifted."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def file_db(tmp_path: Path):
    """A SQLite file database registered as ``locktest`` for this thread (transaction.atomic finds it)."""
    handler = _handler(tmp_path / "db.sqlite3")
    conn = handler["default"]
    conn.alias = "locktest"
    connections["locktest"] = conn
    with conn.cursor() as cursor:
        cursor.execute("CREATE TABLE counter (n INTEGER)")
        cursor.execute("INSERT INTO counter VALUES (0)")
    yield conn
    conn.close()
    del connections["locktest"]


def _held_elsewhere(path: str) -> bool:
    """Whether another open file description holds the lock (what another process would see)."""
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_a_write_transaction_holds_the_lock_until_commit(file_db) -> None:
    path = file_db.write_lock_path()
    with transaction.atomic(using="locktest"):
        with file_db.cursor() as cursor:
            cursor.execute("UPDATE counter SET n = n + 1")
        assert _held_elsewhere(path)
    assert not _held_elsewhere(path)
    with file_db.cursor() as cursor:
        cursor.execute("SELECT n FROM counter")
        assert cursor.fetchone()[0] == 1


def test_a_rolled_back_transaction_releases_the_lock_and_writes_nothing(file_db) -> None:
    with pytest.raises(RuntimeError), transaction.atomic(using="locktest"):
        with file_db.cursor() as cursor:
            cursor.execute("UPDATE counter SET n = n + 1")
        raise RuntimeError("boom")
    assert not _held_elsewhere(file_db.write_lock_path())
    with file_db.cursor() as cursor:
        cursor.execute("SELECT n FROM counter")
        assert cursor.fetchone()[0] == 0


def test_a_writer_that_cannot_get_the_lock_goes_on_after_the_timeout(tmp_path: Path) -> None:
    """The lock only orders writers: a stuck holder of the file lock alone (not of SQLite's) blocks nobody
    for longer than the database timeout."""
    handler = _handler(tmp_path / "db.sqlite3", timeout=0.2)
    conn = handler["default"]
    conn.alias = "locktest"
    connections["locktest"] = conn
    try:
        with conn.cursor() as cursor:
            cursor.execute("CREATE TABLE t (n INTEGER)")
        fd = os.open(conn.write_lock_path(), os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            with transaction.atomic(using="locktest"), conn.cursor() as cursor:
                cursor.execute("INSERT INTO t VALUES (1)")
        finally:
            os.close(fd)
        with conn.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM t")
            assert cursor.fetchone()[0] == 1
    finally:
        conn.close()
        del connections["locktest"]


def test_concurrent_writers_each_get_their_turn(tmp_path: Path) -> None:
    """Two threads, each with its own connection (and its own lock file descriptor), increment one row 50
    times each inside transactions: no update is lost and nobody fails with "database is locked"."""
    path = tmp_path / "db.sqlite3"
    setup = _handler(path)["default"]
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE counter (n INTEGER)")
        cursor.execute("INSERT INTO counter VALUES (0)")
    setup.close()
    errors: list[BaseException] = []

    def work() -> None:
        conn = _handler(path)["default"]
        conn.alias = "locktest"
        connections["locktest"] = conn  # thread-local: each thread registers its own
        try:
            for _ in range(50):
                with transaction.atomic(using="locktest"), conn.cursor() as cursor:
                    cursor.execute("SELECT n FROM counter")
                    n = cursor.fetchone()[0]
                    cursor.execute("UPDATE counter SET n = %s", [n + 1])
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    check = _handler(path)["default"]
    with check.cursor() as cursor:
        cursor.execute("SELECT n FROM counter")
        assert cursor.fetchone()[0] == 100
    check.close()


def test_in_memory_databases_take_no_lock() -> None:
    conn = ConnectionHandler({"default": {"ENGINE": "xinfang.core.sqlite", "NAME": ":memory:"}})["default"]
    assert conn.write_lock_path() is None
