"""SQLite store: one file in WAL mode, shared by every worker process on a host."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .base import Entry, StoreError

SCHEMA = """
CREATE TABLE IF NOT EXISTS counts (
    url TEXT NOT NULL,
    network TEXT NOT NULL,
    entry TEXT NOT NULL,
    expires REAL NOT NULL,
    PRIMARY KEY (url, network)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS leases (key TEXT PRIMARY KEY, until REAL NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""

BUSY_TIMEOUT = 2.0  # seconds a statement waits for another writer


class SQLiteStore:
    kind = "sqlite"

    def __init__(self, path: str):
        self.path = path
        self._local = threading.local()
        self._pid = os.getpid()
        self._purged_at = 0.0
        with self._db() as db:
            db.executescript(SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        if self._pid != os.getpid():  # forked: connections do not survive a fork
            self._local = threading.local()
            self._pid = os.getpid()
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            yield self._conn()
        except sqlite3.Error as exc:
            raise StoreError(f"sqlite: {exc}") from exc

    def ping(self) -> bool:
        # A fresh connection that reads a table: an open connection answers "SELECT 1"
        # (and even reads, from its page cache) after the file was deleted or damaged.
        try:
            conn = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, timeout=BUSY_TIMEOUT)
        except sqlite3.Error:
            return False
        try:
            conn.execute("SELECT count(*) FROM leases").fetchone()
            return True
        except sqlite3.Error:
            return False
        finally:
            conn.close()

    def get_entries(self, url: str, networks: list[str]) -> dict[str, Entry]:
        marks = ",".join("?" * len(networks))
        with self._db() as db:
            rows = db.execute(
                f"SELECT network, entry FROM counts WHERE url = ? AND network IN ({marks})",
                (url, *networks),
            ).fetchall()
        return Entry.unpack_all(rows)

    def put_entry(self, url: str, network: str, entry: Entry, keep: float) -> None:
        now = time.time()
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO counts (url, network, entry, expires) VALUES (?,?,?,?)",
                (url, network, entry.pack(), now + keep),
            )
            if now - self._purged_at > 600:  # forget entries past their useful life
                self._purged_at = now
                db.execute("DELETE FROM counts WHERE expires < ?", (now,))
                db.execute("DELETE FROM leases WHERE until < ?", (now,))

    def purge(self, url: str | None = None) -> int:
        with self._db() as db:
            if url is None:
                cur = db.execute("DELETE FROM counts")
            else:
                cur = db.execute("DELETE FROM counts WHERE url = ?", (url,))
        return cur.rowcount

    def count_entries(self) -> int:
        with self._db() as db:
            return int(db.execute("SELECT count(*) FROM counts").fetchone()[0])

    def acquire_lease(self, key: str, seconds: float) -> bool:
        now = time.time()
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM leases WHERE key = ? AND until < ?", (key, now))
                cur = db.execute(
                    "INSERT OR IGNORE INTO leases (key, until) VALUES (?, ?)", (key, now + seconds)
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return cur.rowcount == 1

    def release_lease(self, key: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM leases WHERE key = ?", (key,))

    def get_meta(self) -> dict[str, str]:
        with self._db() as db:
            return dict(db.execute("SELECT key, value FROM meta").fetchall())

    def set_meta(self, key: str, value: str) -> None:
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def delete_meta(self, key: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM meta WHERE key = ?", (key,))

    def incr_meta(self, key: str) -> int:
        with self._db() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, '1') "
                "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
                (key,),
            )
            return int(db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0])

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
