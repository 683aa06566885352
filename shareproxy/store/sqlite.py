"""SQLite store: one file in WAL mode, shared by every worker process on a host."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .base import Click, Entry, Forgotten, Put, Store, StoreError

log = logging.getLogger(__name__)

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
CREATE TABLE IF NOT EXISTS clicks (
    network TEXT NOT NULL,
    url TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (network, url)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS clicks_rank ON clicks (network, n);
CREATE TABLE IF NOT EXISTS dedup (key TEXT PRIMARY KEY, expires REAL NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blobs (
    key TEXT NOT NULL UNIQUE,
    value BLOB NOT NULL,
    size INTEGER NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS blobs_expiry ON blobs (expires);
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY, shares INTEGER NOT NULL, used REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pages_rank ON pages (shares, used);
CREATE TABLE IF NOT EXISTS stats (
    res TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    network TEXT NOT NULL,
    field TEXT NOT NULL,
    value REAL NOT NULL,
    expires REAL NOT NULL,
    PRIMARY KEY (res, bucket, network, field)
) WITHOUT ROWID;
"""

CLEAN_EVERY = 600.0  # seconds between sweeps of expired dedup keys, values and stats

BUSY_TIMEOUT = 2.0  # seconds a statement waits for another writer
WAL_LIMIT = 4 * 1_048_576  # bytes the WAL file keeps after a checkpoint


def create_private(path: str) -> None:
    """Create the database file readable and writable by its owner only (0600), unless it
    exists. SQLite gives its -wal and -shm files the mode of the database file."""
    if path in ("", ":memory:") or path.startswith("file:"):
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = os.stat(path).st_mode
        if mode & 0o077:
            log.warning(
                "the store %s can be read by other users (mode %o): chmod 600 it",
                os.path.basename(path),
                mode & 0o777,
            )
        return
    except OSError:
        return  # sqlite3 says what is wrong when it opens the path
    os.close(fd)


class SQLiteStore(Store):
    kind = "sqlite"

    def __init__(self, path: str, max_pages: int = 0):
        self.path = path
        self.max_pages = max_pages  # 0: unbounded
        self._forgotten = Forgotten(log)
        self._page_writes = 0
        self._local = threading.local()
        self._pid = os.getpid()
        self._writing = threading.RLock()
        self._leases: dict[str, float] = {}  # the leases this process holds: key -> until
        self._purged_at = 0.0
        self._swept_at = 0.0
        create_private(path)
        with self._write() as db:
            db.executescript(SCHEMA)
            if db.execute("SELECT 1 FROM pages LIMIT 1").fetchone() is None:
                # a store made before pages were tracked: every page it holds, once
                db.execute(
                    "INSERT OR IGNORE INTO pages (url, shares, used) "
                    "SELECT url, sum(n), ? FROM clicks GROUP BY url",
                    (time.time(),),
                )
                db.execute(
                    "INSERT OR IGNORE INTO pages (url, shares, used) "
                    "SELECT DISTINCT url, 0, ? FROM counts",
                    (time.time(),),
                )
        self.sweep(time.time())

    def _conn(self) -> sqlite3.Connection:
        self._forked()
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            # deleted rows (expired salts and de-duplication keys) are overwritten, not left
            # in free pages of the file
            conn.execute("PRAGMA secure_delete=ON")
            # the WAL file shrinks back to this after each checkpoint instead of keeping the
            # size of the busiest moment (a flood of writes would leave it at tens of MB)
            conn.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
            self._local.conn = conn
        return conn

    def _forked(self) -> None:
        if self._pid != os.getpid():  # forked: connections and locks do not survive a fork
            self._local = threading.local()
            self._writing = threading.RLock()
            self._leases = {}
            self._pid = os.getpid()

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            yield self._conn()
        except sqlite3.Error as exc:
            raise StoreError(f"sqlite: {exc}") from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A connection for writing, one thread of the process at a time.

        SQLite lets one connection write at a time; a thread that finds the file locked
        sleeps in SQLite's busy handler (1, 2, 5, 10 ms and longer) even when the writer
        was another thread of this process and finished at once. Taking turns on a lock
        here wakes the next writer as soon as the last one is done, so only writers of
        other processes are waited for in SQLite. Bounded like SQLite's own wait.
        """
        self._forked()
        if not self._writing.acquire(timeout=BUSY_TIMEOUT):
            raise StoreError("sqlite: the writers of this process are stuck")
        try:
            with self._db() as db:
                yield db
        finally:
            self._writing.release()

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

    def _per_network(self, select: str, url: str, networks: list[str]) -> list[Any]:
        """The rows ``select`` (``SELECT … FROM …``) finds for ``url`` and ``networks``."""
        marks = ",".join("?" * len(networks))
        with self._db() as db:
            return db.execute(
                f"{select} WHERE url = ? AND network IN ({marks})", (url, *networks)
            ).fetchall()

    def get_entries(self, url: str, networks: list[str]) -> dict[str, Entry]:
        rows = self._per_network("SELECT network, entry FROM counts", url, networks)
        return Entry.unpack_all(rows)

    def put_entries(self, puts: list[Put]) -> None:
        if not puts:
            return
        now = time.time()
        held = [(p.lease, self._leases.get(p.lease)) for p in puts if p.lease is not None]
        with self._write() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany(
                    "INSERT OR REPLACE INTO counts (url, network, entry, expires) VALUES (?,?,?,?)",
                    [(p.url, p.network, p.entry.pack(), now + p.keep) for p in puts],
                )
                db.executemany(
                    "INSERT INTO pages (url, shares, used) VALUES (?, 0, ?) "
                    "ON CONFLICT(url) DO UPDATE SET used = excluded.used",
                    [(url, now) for url in dict.fromkeys(p.url for p in puts)],
                )
                mine = [(key, until) for key, until in held if until is not None]
                if mine:
                    db.executemany("DELETE FROM leases WHERE key = ? AND until = ?", mine)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            for key, _ in held:
                self._leases.pop(key, None)
            if now - self._purged_at > 600:  # forget entries past their useful life
                self._purged_at = now
                db.execute("DELETE FROM counts WHERE expires < ?", (now,))
                db.execute("DELETE FROM leases WHERE until < ?", (now,))
                self._forget_empty_pages(db)
        for _ in puts:
            self._wrote_page(now)

    # --- the bound on stored pages

    @staticmethod
    def _forget_empty_pages(db: sqlite3.Connection) -> None:
        db.execute(
            "DELETE FROM pages WHERE shares = 0 AND NOT EXISTS "
            "(SELECT 1 FROM counts WHERE counts.url = pages.url)"
        )

    def count_pages(self) -> int:
        with self._db() as db:
            return int(db.execute("SELECT count(*) FROM pages").fetchone()[0])

    def bound_pages(self, most: int, now: float) -> int:
        """Forget pages beyond the ``most`` that matter most: fewest counted shares first,
        then least recently used; their counts and share counters go with them."""
        with self._write() as db:
            total = int(db.execute("SELECT count(*) FROM pages").fetchone()[0])
            if total <= most:
                return 0
            db.execute("BEGIN IMMEDIATE")
            try:
                self._forget_empty_pages(db)
                total = int(db.execute("SELECT count(*) FROM pages").fetchone()[0])
                urls = [
                    row[0]
                    for row in db.execute(
                        "SELECT url FROM pages ORDER BY shares, used LIMIT ?",
                        (max(0, total - most),),
                    )
                ]
                for i in range(0, len(urls), 500):
                    chunk = urls[i : i + 500]
                    marks = ",".join("?" * len(chunk))
                    for table in ("counts", "clicks", "pages"):
                        db.execute(f"DELETE FROM {table} WHERE url IN ({marks})", chunk)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        self._forgotten.add(len(urls), now)
        return len(urls)

    def purge(self, url: str | None = None) -> int:
        with self._write() as db:
            if url is None:
                cur = db.execute("DELETE FROM counts")
            else:
                cur = db.execute("DELETE FROM counts WHERE url = ?", (url,))
            removed = cur.rowcount
            self._forget_empty_pages(db)
        return removed

    def count_entries(self) -> int:
        with self._db() as db:
            return int(db.execute("SELECT count(*) FROM counts").fetchone()[0])

    def acquire_lease(self, key: str, seconds: float) -> bool:
        return self._leases_with_entries(None, {"": key}, seconds)[""][0]

    def lease_entries(
        self, url: str, leases: dict[str, str], seconds: float
    ) -> dict[str, tuple[bool, Entry | None]]:
        return self._leases_with_entries(url, leases, seconds)

    def _leases_with_entries(
        self, url: str | None, leases: dict[str, str], seconds: float
    ) -> dict[str, tuple[bool, Entry | None]]:
        now = time.time()
        until = now + seconds
        got: list[str] = []
        rows: list[Any] = []
        with self._write() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                for network, key in leases.items():
                    db.execute("DELETE FROM leases WHERE key = ? AND until < ?", (key, now))
                    cur = db.execute(
                        "INSERT OR IGNORE INTO leases (key, until) VALUES (?, ?)", (key, until)
                    )
                    if cur.rowcount == 1:
                        got.append(network)
                if got and url is not None:
                    marks = ",".join("?" * len(got))
                    rows = db.execute(
                        f"SELECT network, entry FROM counts WHERE url = ? AND network IN ({marks})",
                        (url, *got),
                    ).fetchall()
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        for network in got:
            self._leases[leases[network]] = until
        entries = Entry.unpack_all(rows)
        return {
            network: (True, entries.get(network)) if network in got else (False, None)
            for network in leases
        }

    def release_lease(self, key: str) -> None:
        until = self._leases.get(key)
        if until is None:
            return
        with self._write() as db:
            # only the lease taken here: once it expired, another may hold the same key
            db.execute("DELETE FROM leases WHERE key = ? AND until = ?", (key, until))
        self._leases.pop(key, None)

    def get_meta(self) -> dict[str, str]:
        with self._db() as db:
            return dict(db.execute("SELECT key, value FROM meta").fetchall())

    def set_meta(self, key: str, value: str) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def delete_meta(self, key: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM meta WHERE key = ?", (key,))

    def incr_meta(self, key: str) -> int:
        with self._write() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, '1') "
                "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
                (key,),
            )
            return int(db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0])

    # --- first-party clicks

    def add_click(self, click: Click) -> str:
        with self._write() as db:
            # A click must survive a crash once the redirect is sent: this one write is
            # synced to disk before COMMIT returns, whatever the connection's default.
            db.execute("PRAGMA synchronous=FULL")
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    outcome = self._click(db, click)
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
            finally:
                db.execute("PRAGMA synchronous=NORMAL")
        self.sweep(click.now)
        return outcome

    @staticmethod
    def _room(db: sqlite3.Connection, limit: tuple[str, int, float], now: float) -> bool:
        """Is the counter of ``limit`` (key, most, window) below its most?"""
        key, most, _ = limit
        db.execute("DELETE FROM kv WHERE key = ? AND expires <= ?", (f"h:{key}", now))
        row = db.execute("SELECT value FROM kv WHERE key = ?", (f"h:{key}",)).fetchone()
        return row is None or int(row[0]) < most

    @staticmethod
    def _click(db: sqlite3.Connection, click: Click) -> str:
        url, network, dedup, keep, now, limit, first = click
        for key in dedup:
            row = db.execute(
                "SELECT 1 FROM dedup WHERE key = ? AND expires > ?", (key, now)
            ).fetchone()
            if row is not None:
                return "repeat"
        taking = []
        if limit is not None:
            if not SQLiteStore._room(db, limit, now):
                return "limited"
            taking.append(limit)
        if first is not None:
            row = db.execute("SELECT shares FROM pages WHERE url = ?", (url,)).fetchone()
            if row is None or not row[0]:  # the page's first counted share
                if not SQLiteStore._room(db, first, now):
                    return "new_pages_limited"
                taking.append(first)
        for key, _, window in taking:
            db.execute(
                "INSERT INTO kv (key, value, expires) VALUES (?, '1', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
                (f"h:{key}", now + window),
            )
        if dedup:
            db.execute(
                "INSERT OR REPLACE INTO dedup (key, expires) VALUES (?, ?)",
                (dedup[0], now + keep),
            )
        db.execute(
            "INSERT INTO clicks (network, url, n) VALUES (?, ?, 1) "
            "ON CONFLICT(network, url) DO UPDATE SET n = n + 1",
            (network, url),
        )
        db.execute(
            "INSERT INTO pages (url, shares, used) VALUES (?, 1, ?) "
            "ON CONFLICT(url) DO UPDATE SET shares = shares + 1, used = excluded.used",
            (url, now),
        )
        return "counted"

    def get_clicks(self, url: str, networks: list[str]) -> dict[str, int]:
        if not networks:
            return {}
        rows = self._per_network("SELECT network, n FROM clicks", url, networks)
        return {network: int(n) for network, n in rows}

    def top_clicks(self, network: str, limit: int, offset: int = 0) -> list[tuple[str, int]]:
        with self._db() as db:
            rows = db.execute(
                "SELECT url, n FROM clicks WHERE network = ? ORDER BY n DESC, url LIMIT ? OFFSET ?",
                (network, limit, offset),
            ).fetchall()
        return [(url, int(n)) for url, n in rows]

    def top_pages(self, limit: int, offset: int = 0) -> list[tuple[str, int, dict[str, int]]]:
        with self._db() as db:
            pages = db.execute(
                "SELECT url, sum(n) AS total FROM clicks GROUP BY url "
                "ORDER BY total DESC, url LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
            if not pages:
                return []
            marks = ",".join("?" * len(pages))
            rows = db.execute(
                f"SELECT url, network, n FROM clicks WHERE url IN ({marks}) AND n > 0",
                [url for url, _ in pages],
            ).fetchall()
        split: dict[str, dict[str, int]] = {url: {} for url, _ in pages}
        for url, network, n in rows:
            split[url][network] = int(n)
        return [
            (url, int(total), dict(sorted(split[url].items(), key=lambda kv: (-kv[1], kv[0]))))
            for url, total in pages
        ]

    def count_clicked(self, network: str | None = None) -> int:
        with self._db() as db:
            if network is None:
                row = db.execute("SELECT count(DISTINCT url) FROM clicks").fetchone()
            else:
                row = db.execute(
                    "SELECT count(*) FROM clicks WHERE network = ?", (network,)
                ).fetchone()
        return int(row[0])

    def click_networks(self) -> dict[str, int]:
        with self._db() as db:
            rows = db.execute(
                "SELECT network, sum(n) FROM clicks GROUP BY network ORDER BY network"
            ).fetchall()
        return {network: int(total) for network, total in rows}

    # --- small expiring values

    def claim(self, key: str, value: str, keep: float | None, now: float) -> str:
        expires = None if keep is None else now + keep
        with self._write() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute(
                    "SELECT value FROM kv WHERE key = ? AND (expires IS NULL OR expires > ?)",
                    (f"v:{key}", now),
                ).fetchone()
                if row is None:
                    db.execute(
                        "INSERT OR REPLACE INTO kv (key, value, expires) VALUES (?, ?, ?)",
                        (f"v:{key}", value, expires),
                    )
                    current = value
                else:
                    current = str(row[0])
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        self.sweep(now)
        return current

    def hit(self, key: str, window: float, now: float) -> int:
        with self._write() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM kv WHERE key = ? AND expires <= ?", (f"h:{key}", now))
                db.execute(
                    "INSERT INTO kv (key, value, expires) VALUES (?, '1', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
                    (f"h:{key}", now + window),
                )
                row = db.execute("SELECT value FROM kv WHERE key = ?", (f"h:{key}",)).fetchone()
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return int(row[0])

    def hits(self, key: str, now: float) -> int:
        with self._db() as db:
            row = db.execute(
                "SELECT value FROM kv WHERE key = ? AND expires > ?", (f"h:{key}", now)
            ).fetchone()
        return int(row[0]) if row else 0

    def reserve(self, key: str, limit: int, window: float, now: float) -> bool:
        with self._write() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM kv WHERE key = ? AND expires <= ?", (f"h:{key}", now))
                row = db.execute("SELECT value FROM kv WHERE key = ?", (f"h:{key}",)).fetchone()
                taken = int(row[0]) if row else 0
                if taken >= limit:
                    db.execute("COMMIT")
                    return False
                db.execute(
                    "INSERT INTO kv (key, value, expires) VALUES (?, '1', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
                    (f"h:{key}", now + window),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return True

    def unreserve(self, key: str, now: float) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE kv SET value = CAST(value AS INTEGER) - 1 "
                "WHERE key = ? AND expires > ? AND CAST(value AS INTEGER) > 0",
                (f"h:{key}", now),
            )

    def value(self, key: str, now: float) -> str | None:
        with self._db() as db:
            row = db.execute(
                "SELECT value FROM kv WHERE key = ? AND (expires IS NULL OR expires > ?)",
                (f"v:{key}", now),
            ).fetchone()
        return None if row is None else str(row[0])

    def forget(self, key: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM kv WHERE key IN (?, ?)", (f"h:{key}", f"v:{key}"))

    # --- embed previews and pictures

    def get_blob(self, key: str, now: float) -> bytes | None:
        with self._db() as db:
            row = db.execute(
                "SELECT value FROM blobs WHERE key = ? AND expires > ?", (key, now)
            ).fetchone()
        return bytes(row[0]) if row else None

    def put_blob(self, key: str, value: bytes, keep: float, limit: int, now: float) -> None:
        with self._write() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "INSERT INTO blobs (key, value, size, expires) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
                    "size = excluded.size, expires = excluded.expires",
                    (key, value, len(value), now + keep),
                )
                db.execute("DELETE FROM blobs WHERE expires <= ?", (now,))
                total = int(db.execute("SELECT total(size) FROM blobs").fetchone()[0])
                while total > limit:
                    rows = db.execute(
                        "SELECT rowid, size FROM blobs WHERE key != ? ORDER BY expires LIMIT 64",
                        (key,),
                    ).fetchall()
                    if not rows:
                        break
                    gone: list[int] = []
                    for rowid, size in rows:
                        if total <= limit:
                            break
                        gone.append(rowid)
                        total -= int(size)
                    db.executemany("DELETE FROM blobs WHERE rowid = ?", [(r,) for r in gone])
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def blob_usage(self, now: float) -> tuple[int, int]:
        with self._db() as db:
            count, size = db.execute(
                "SELECT count(*), total(size) FROM blobs WHERE expires > ?", (now,)
            ).fetchone()
        return int(count), int(size)

    def purge_blobs(self, prefix: str = "") -> int:
        with self._write() as db:
            if not prefix:
                return int(db.execute("DELETE FROM blobs").rowcount)
            # a range instead of LIKE: the prefix may hold % or _
            end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
            cur = db.execute("DELETE FROM blobs WHERE key >= ? AND key < ?", (prefix, end))
            return int(cur.rowcount)

    def delete_blobs(self, keys: list[str]) -> int:
        if not keys:
            return 0
        with self._write() as db:
            cur = db.executemany("DELETE FROM blobs WHERE key = ?", [(k,) for k in set(keys)])
            return int(cur.rowcount)

    # --- the servers using this store

    def check_in(self, member: str, info: str, keep: float, now: float) -> None:
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO kv (key, value, expires) VALUES (?, ?, ?)",
                (f"s:{member}", info, now + keep),
            )

    def members(self, now: float) -> dict[str, str]:
        with self._db() as db:
            rows = db.execute(
                "SELECT key, value FROM kv WHERE key >= 's:' AND key < 's;' AND expires > ?",
                (now,),
            ).fetchall()
        return {str(key)[2:]: str(value) for key, value in rows}

    # --- statistics buckets

    def add_stats(
        self, rows: list[tuple[str, int, str, str, float]], keep: dict[str, float]
    ) -> None:
        if not rows:
            return
        with self._write() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany(
                    "INSERT INTO stats (res, bucket, network, field, value, expires) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(res, bucket, network, field) "
                    "DO UPDATE SET value = value + excluded.value",
                    [(r, b, n, f, v, b + keep.get(r, 86400.0)) for r, b, n, f, v in rows],
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def get_stats(
        self, resolution: str, since: int, until: int
    ) -> list[tuple[int, str, str, float]]:
        with self._db() as db:
            rows = db.execute(
                "SELECT bucket, network, field, value FROM stats "
                "WHERE res = ? AND bucket >= ? AND bucket <= ?",
                (resolution, since, until),
            ).fetchall()
        return [(int(b), str(n), str(f), float(v)) for b, n, f, v in rows]

    def sweep(self, now: float) -> None:
        """Delete expired dedup keys, values (old salts) and statistics now and then.

        Runs at start-up, after writes, and from each worker's statistics thread; at most
        every CLEAN_EVERY seconds per process. The WAL is then checkpointed and truncated,
        so deleted rows do not linger in it either.
        """
        if now - self._swept_at < CLEAN_EVERY and now >= self._swept_at:
            return
        self._swept_at = now
        with self._write() as db:
            removed = db.execute("DELETE FROM dedup WHERE expires <= ?", (now,)).rowcount
            removed += db.execute(
                "DELETE FROM kv WHERE expires IS NOT NULL AND expires <= ?", (now,)
            ).rowcount
            removed += db.execute("DELETE FROM stats WHERE expires <= ?", (now,)).rowcount
            if removed:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
