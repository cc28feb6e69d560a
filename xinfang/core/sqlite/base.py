"""Django's SQLite backend with a cross-process queue for write transactions.

SQLite lets one writer in at a time. A transaction here starts with ``BEGIN IMMEDIATE`` (settings.py), and
a second writer that finds the database locked is put to sleep by SQLite's busy handler for 1, 2, 5, 10,
15, 20, 25 … ms before it tries again: with registrations that hold the lock for about a millisecond, the
waiting writers of several server and worker processes spent most of their time asleep while the
database was free (docs/benchmarks.md, "Several writers on SQLite").

So before ``BEGIN IMMEDIATE`` a connection takes an exclusive ``flock`` on a file next to the database
(``<database>-writelock``) and releases it at COMMIT or ROLLBACK: the kernel hands the lock to the next
waiter as soon as it is free. The lock is advisory and only an optimisation of who goes next: writes
outside a transaction (autocommit) and other programs do not take it and still queue on SQLite's own lock,
which alone decides correctness. A process that dies releases its lock with its file descriptors. A
writer that cannot get the lock within the database timeout (``OPTIONS["timeout"]``) goes on without it
and meets SQLite's own lock and error ("database is locked"), exactly as without this backend.
In-memory databases (the test suite's) have one connection and take no lock.
"""

from __future__ import annotations

import fcntl
import os
import time
from typing import Any

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    # The polling steps while another process holds the lock: short, because transactions are short.
    _POLL_FIRST = 0.00005
    _POLL_MAX = 0.001

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._write_lock_fd: int | None = None
        self._write_lock_held = False

    def write_lock_path(self) -> str | None:
        """The lock file of this database, or None for an in-memory database."""
        if self.is_in_memory_db():
            return None
        return f"{self.settings_dict['NAME']}-writelock"

    def _write_lock_acquire(self) -> None:
        path = self.write_lock_path()
        if path is None or self._write_lock_held:
            return
        if self._write_lock_fd is None:
            self._write_lock_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        deadline = time.monotonic() + timeout
        pause = self._POLL_FIRST
        while True:
            try:
                fcntl.flock(self._write_lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return  # SQLite's own lock and busy timeout decide from here
                time.sleep(pause)
                pause = min(pause * 2, self._POLL_MAX)
                continue
            self._write_lock_held = True
            return

    def _write_lock_release(self) -> None:
        if self._write_lock_held and self._write_lock_fd is not None:
            fcntl.flock(self._write_lock_fd, fcntl.LOCK_UN)
        self._write_lock_held = False

    def _start_transaction_under_autocommit(self) -> None:
        self._write_lock_acquire()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # private hooks the stubs omit
        except BaseException:
            self._write_lock_release()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # private hooks the stubs omit
        finally:
            self._write_lock_release()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # private hooks the stubs omit
        finally:
            self._write_lock_release()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]  # private hooks the stubs omit
        finally:
            self._write_lock_release()
            if self._write_lock_fd is not None:
                os.close(self._write_lock_fd)
                self._write_lock_fd = None
