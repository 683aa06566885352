"""Redis store: shared by every instance. Counts live in one hash per URL."""

from __future__ import annotations

import uuid
from typing import Any

import redis

from .base import Entry, StoreError

PREFIX = "shareproxy:"
SOCKET_TIMEOUT = 0.5  # seconds; a slow Redis must not hold a request past its deadline

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisStore:
    kind = "redis"

    def __init__(self, url: str, prefix: str = PREFIX):
        self.prefix = prefix
        self._client = redis.Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=SOCKET_TIMEOUT,
            health_check_interval=30,
            decode_responses=True,
        )
        self._tokens: dict[str, str] = {}
        self._release = self._client.register_script(_RELEASE)

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except redis.RedisError as exc:
            raise StoreError(f"redis: {exc}") from exc

    def _scan(self, match: str) -> list[str]:
        # scan_iter is a generator: errors come while iterating, not when it is called
        try:
            return list(self._client.scan_iter(match=match, count=500))
        except redis.RedisError as exc:
            raise StoreError(f"redis: {exc}") from exc

    def _key(self, url: str) -> str:
        return f"{self.prefix}c:{url}"

    def ping(self) -> bool:
        try:
            return bool(self._client.ping())
        except redis.RedisError:
            return False

    def get_entries(self, url: str, networks: list[str]) -> dict[str, Entry]:
        values = self._call(self._client.hmget, self._key(url), networks)
        return Entry.unpack_all(zip(networks, values, strict=True))

    def put_entry(self, url: str, network: str, entry: Entry, keep: float) -> None:
        key = self._key(url)
        pipe = self._client.pipeline()
        pipe.hset(key, network, entry.pack())
        pipe.expire(key, max(1, int(keep)))
        self._call(pipe.execute)

    def purge(self, url: str | None = None) -> int:
        if url is not None:
            return int(self._call(self._client.delete, self._key(url)))
        removed = 0
        for key in self._scan(f"{self.prefix}c:*"):
            removed += int(self._call(self._client.delete, key))
        return removed

    def count_entries(self) -> int:
        total = 0
        for key in self._scan(f"{self.prefix}c:*"):
            total += int(self._call(self._client.hlen, key))
        return total

    def acquire_lease(self, key: str, seconds: float) -> bool:
        token = uuid.uuid4().hex
        ok = self._call(
            self._client.set, f"{self.prefix}l:{key}", token, nx=True, px=int(seconds * 1000)
        )
        if ok:
            self._tokens[key] = token
        return bool(ok)

    def release_lease(self, key: str) -> None:
        token = self._tokens.pop(key, None)
        if token is not None:
            self._call(self._release, keys=[f"{self.prefix}l:{key}"], args=[token])

    def get_meta(self) -> dict[str, str]:
        return dict(self._call(self._client.hgetall, f"{self.prefix}meta"))

    def set_meta(self, key: str, value: str) -> None:
        self._call(self._client.hset, f"{self.prefix}meta", key, value)

    def delete_meta(self, key: str) -> None:
        self._call(self._client.hdel, f"{self.prefix}meta", key)

    def incr_meta(self, key: str) -> int:
        return int(self._call(self._client.hincrby, f"{self.prefix}meta", key, 1))

    def close(self) -> None:
        self._client.close()

    def flush_prefix(self) -> None:
        """Remove every key of this store (tests use their own prefix or database)."""
        for key in self._scan(f"{self.prefix}*"):
            self._call(self._client.delete, key)


