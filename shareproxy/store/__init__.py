"""The one place that stores shared state: pick SQLite or Redis from the STORE setting."""

from __future__ import annotations

import os

from .base import Entry, Store, StoreError


def open_store(url: str, instance_path: str) -> Store:
    """Open the store named by ``url``; an empty url means SQLite in the instance folder."""
    if url.startswith("redis://"):
        from .redis import RedisStore

        return RedisStore(url)
    from .sqlite import SQLiteStore

    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
    else:
        os.makedirs(instance_path, exist_ok=True)
        path = os.path.join(instance_path, "shareproxy.db")
    return SQLiteStore(path)


__all__ = ["Entry", "Store", "StoreError", "open_store"]
