"""The one place that stores shared state: pick SQLite or Redis from the STORE setting."""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .base import Entry, Store, StoreError

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


def open_store(url: str, instance_path: str, max_pages: int = 0) -> Store:
    """Open the store named by ``url``; an empty url means SQLite in the instance folder.

    ``max_pages`` bounds the pages it keeps (0: no bound), see ``Store.bound_pages``.
    """
    if url.startswith("redis://"):
        from .redis import PREFIX, RedisStore

        plain, prefix = split_redis_url(url)
        return RedisStore(plain, prefix=prefix or PREFIX, max_pages=max_pages)
    from .sqlite import SQLiteStore

    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
    else:
        os.makedirs(instance_path, mode=0o700, exist_ok=True)
        path = os.path.join(instance_path, "shareproxy.db")
    return SQLiteStore(path, max_pages=max_pages)


__all__ = ["Entry", "Store", "StoreError", "open_store", "split_redis_url"]
