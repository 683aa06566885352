"""The one place that stores shared state: pick SQLite or Redis from the STORE setting."""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .base import Entry, Put, Store, StoreError

_PREFIX = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


def split_redis_url(url: str) -> tuple[str, str | None]:
    """``redis://host:port/db?prefix=name:`` -> (URL for redis-py, key prefix or None).

    The ``prefix`` parameter lets several deployments (or test runs) share one database.
    Raises ValueError for a prefix with characters other than letters, digits and ``_.:-``.
    """
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    prefixes = [v for k, v in pairs if k == "prefix"]
    if not prefixes:
        return url, None
    if len(prefixes) > 1 or not _PREFIX.match(prefixes[0]):
        raise ValueError("prefix= must be 1-100 letters, digits or _.:- (given once)")
    rest = urlencode([(k, v) for k, v in pairs if k != "prefix"])
    return urlunsplit(parts._replace(query=rest)), prefixes[0]


DEFAULT_FILE = "shareproxy.db"  # in the instance folder (shareproxy/paths.py) by default


def sqlite_path(url: str, instance_path: str) -> str:
    """The SQLite file of ``url`` (``sqlite:////abs/path.db``), or the default one."""
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///") :]
    return os.path.join(instance_path, DEFAULT_FILE)


def public_url(url: str) -> str:
    """A Redis URL without its password (in the user part or a ``password=`` parameter)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    netloc = f"{user}@{host}" if user else host
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "password"]
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(pairs, safe=":")))


def describe(url: str, instance_path: str) -> str:
    """The store in full, for people: the SQLite file, or the Redis URL without password."""
    if url.startswith("redis://"):
        return f"Redis {public_url(url)}"
    return f"SQLite {os.path.abspath(sqlite_path(url, instance_path))}"


def sqlite_problem(url: str, instance_path: str) -> str | None:
    """Why the SQLite store of ``url`` cannot be written, or None (Redis: None).

    Creates nothing: for a file that does not exist yet, the nearest existing folder on its
    path must be writable. SQLite keeps its -wal and -shm files beside the database, so the
    folder must be writable too.
    """
    if url.startswith("redis://"):
        return None
    path = os.path.abspath(sqlite_path(url, instance_path))
    folder = os.path.dirname(path)
    if os.path.exists(path):
        if not os.access(path, os.R_OK | os.W_OK):
            return f"cannot write the SQLite file {path}"
        if not os.access(folder, os.W_OK | os.X_OK):
            return f"cannot write in {folder} (SQLite keeps its -wal and -shm files there)"
        return None
    existing = folder
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing) or not os.access(existing, os.W_OK | os.X_OK):
        return f"cannot create {path}: {existing} is not a writable folder"
    return None


def open_store(url: str, instance_path: str, max_pages: int = 0) -> Store:
    """Open the store named by ``url``; an empty url means SQLite in the instance folder.

    ``max_pages`` bounds the pages it keeps (0: no bound), see ``Store.bound_pages``.
    """
    if url.startswith("redis://"):
        from .redis import PREFIX, RedisStore

        plain, prefix = split_redis_url(url)
        return RedisStore(plain, prefix=prefix or PREFIX, max_pages=max_pages)
    from .sqlite import SQLiteStore

    if not url.startswith("sqlite:///"):
        os.makedirs(instance_path, mode=0o700, exist_ok=True)
    return SQLiteStore(sqlite_path(url, instance_path), max_pages=max_pages)


__all__ = [
    "Entry", "Put", "Store", "StoreError", "describe", "open_store", "public_url", "sqlite_path",
    "sqlite_problem",
    "split_redis_url",
]  # fmt: skip
