"""Redis store: shared by every instance. Counts live in one hash per URL."""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from typing import Any

import redis

from .base import Click, Entry, Forgotten, Put, Store, StoreError

log = logging.getLogger(__name__)

PREFIX = "shareproxy:"
SOCKET_TIMEOUT = 0.5  # seconds; a slow Redis must not hold a request past its deadline

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""

# KEYS: the dedup keys (ARGV[3] of them), the network's ranking, the totals, the shares per
# page, the pages, the limit counter, the first-shares counter.
# ARGV: dedup lifetime in ms, the URL, the number of dedup keys, the network, now (seconds),
# the limit's most and window in ms, the first shares' most and window in ms (each most ''
# when there is no such limit).
_CLICK = """
local n = tonumber(ARGV[3])
for i = 1, n do
  if redis.call('exists', KEYS[i]) == 1 then return 'repeat' end
end
local most = tonumber(ARGV[6])
if most and tonumber(redis.call('get', KEYS[n + 5]) or '0') >= most then return 'limited' end
local first = false
local first_most = tonumber(ARGV[8])
if first_most and tonumber(redis.call('zscore', KEYS[n + 3], ARGV[2]) or '0') == 0 then
  if tonumber(redis.call('get', KEYS[n + 6]) or '0') >= first_most then
    return 'new_pages_limited'
  end
  first = true
end
if most and redis.call('incr', KEYS[n + 5]) == 1 then
  redis.call('pexpire', KEYS[n + 5], ARGV[7])
end
if first and redis.call('incr', KEYS[n + 6]) == 1 then
  redis.call('pexpire', KEYS[n + 6], ARGV[9])
end
if n > 0 then redis.call('set', KEYS[1], '1', 'PX', ARGV[1]) end
redis.call('zincrby', KEYS[n + 1], 1, ARGV[2])
redis.call('hincrby', KEYS[n + 2], ARGV[4], 1)
local shares = tonumber(redis.call('zincrby', KEYS[n + 3], 1, ARGV[2]))
redis.call('zadd', KEYS[n + 4], shares + tonumber(ARGV[5]) / 1e10, ARGV[2])
return 'counted'
"""

# A page's leases with its entries: KEYS the leases, then the page's counts hash; ARGV the
# lease time in ms, a token per lease, then the networks. Returns 1 or 0 per lease (taken
# or not), then each network's packed entry (false where none).
_LEASES = """
local n = #KEYS - 1
local out = {}
for i = 1, n do
  out[i] = redis.call('set', KEYS[i], ARGV[i + 1], 'NX', 'PX', ARGV[1]) and 1 or 0
end
local values = redis.call('hmget', KEYS[n + 1], unpack(ARGV, n + 2, n + n + 1))
for i = 1, n do out[n + i] = values[i] end
return out
"""

# A page's click counts: KEYS[1] the shares per page, then each network's ranking; ARGV[1]
# the URL. A page without shares (most pages) costs one lookup; false where a network has none.
_CLICKS = """
local out = {}
if not redis.call('zscore', KEYS[1], ARGV[1]) then return out end
for i = 2, #KEYS do out[i - 1] = redis.call('zscore', KEYS[i], ARGV[1]) or false end
return out
"""

# A page's rank in KEYS[2] (the pages): its shares (KEYS[1]), then when it was last used,
# in one score: shares + seconds / 1e10 (sorted by shares first, then by age).
# KEYS: the shares per page, the pages, then for each entry its page's counts hash and the
# lease to release (any key when there is none).
# ARGV: now (seconds), then for each entry: network, packed entry, keep (seconds), URL,
# the lease's token ('' when there is none).
_PUT = """
local now = tonumber(ARGV[1])
for i = 0, (#KEYS - 2) / 2 - 1 do
  local k, a = 3 + 2 * i, 2 + 5 * i
  redis.call('hset', KEYS[k], ARGV[a], ARGV[a + 1])
  redis.call('expire', KEYS[k], ARGV[a + 2])
  local shares = tonumber(redis.call('zscore', KEYS[1], ARGV[a + 3]) or '0')
  redis.call('zadd', KEYS[2], shares + now / 1e10, ARGV[a + 3])
  if ARGV[a + 4] ~= '' and redis.call('get', KEYS[k + 1]) == ARGV[a + 4] then
    redis.call('del', KEYS[k + 1])
  end
end
return 0
"""

# Forget the ARGV[2] lowest-ranked pages: their counts, share counters and totals.
# KEYS: the pages, the shares per page, the totals. ARGV: the key prefix, how many.
_EVICT = """
local urls = redis.call('zrange', KEYS[1], 0, tonumber(ARGV[2]) - 1)
local networks = redis.call('hkeys', KEYS[3])
for _, url in ipairs(urls) do
  redis.call('del', ARGV[1] .. 'c:' .. url)
  for _, network in ipairs(networks) do
    local ranking = ARGV[1] .. 'k:' .. network
    local n = redis.call('zscore', ranking, url)
    if n then
      redis.call('zrem', ranking, url)
      redis.call('hincrby', KEYS[3], network, -tonumber(n))
    end
  end
  redis.call('zrem', KEYS[2], url)
  redis.call('zrem', KEYS[1], url)
end
return #urls
"""

_CLAIM = """
local v = redis.call('get', KEYS[1])
if v then return v end
if ARGV[2] == '' then redis.call('set', KEYS[1], ARGV[1])
else redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return ARGV[1]
"""

_HIT = """
local n = redis.call('incr', KEYS[1])
if n == 1 then redis.call('pexpire', KEYS[1], ARGV[1]) end
return n
"""

# Embed values: KEYS = the value's key, the expiry index (sorted set), the sizes (hash),
# the total (integer). ARGV = name, value, lifetime in ms, expiry time, limit in bytes,
# now, the prefix of value keys. Values past their expiry leave the index first, then
# those closest to expiry while the total is over the limit (never the one just put).
_PUT_BLOB = """
local size = string.len(ARGV[2])
local old = tonumber(redis.call('hget', KEYS[3], ARGV[1]) or '0')
redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('zadd', KEYS[2], ARGV[4], ARGV[1])
redis.call('hset', KEYS[3], ARGV[1], size)
local total = redis.call('incrby', KEYS[4], size - old)
local limit = tonumber(ARGV[5])
local now = tonumber(ARGV[6])
while true do
  local first = redis.call('zrange', KEYS[2], 0, 0, 'WITHSCORES')
  if #first == 0 then break end
  local name, expires = first[1], tonumber(first[2])
  if expires > now and total <= limit then break end
  if name == ARGV[1] then
    local second = redis.call('zrange', KEYS[2], 1, 1)
    if #second == 0 then break end
    name = second[1]
  end
  local s = tonumber(redis.call('hget', KEYS[3], name) or '0')
  redis.call('zrem', KEYS[2], name)
  redis.call('hdel', KEYS[3], name)
  redis.call('del', ARGV[7] .. name)
  total = redis.call('incrby', KEYS[4], -s)
end
return total
"""

# KEYS: the counter. ARGV: the limit, the window in ms. 1 when an attempt was taken.
_RESERVE = """
local n = tonumber(redis.call('get', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then return 0 end
n = redis.call('incr', KEYS[1])
if n == 1 then redis.call('pexpire', KEYS[1], ARGV[2]) end
return 1
"""

_UNRESERVE = """
local n = tonumber(redis.call('get', KEYS[1]) or '0')
if n > 0 then redis.call('decr', KEYS[1]) end
return 0
"""

STATS_STEP = {"m": 60, "h": 3600}


class RedisStore(Store):
    kind = "redis"

    def __init__(self, url: str, prefix: str = PREFIX, max_pages: int = 0):
        self.prefix = prefix
        self.max_pages = max_pages  # 0: unbounded
        self._forgotten = Forgotten(log)
        self._page_writes = 0
        self._client = redis.Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=SOCKET_TIMEOUT,
            health_check_interval=30,
            decode_responses=True,
        )
        # values of embeds are bytes: a second client that does not decode them
        self._bytes = redis.Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=SOCKET_TIMEOUT,
            health_check_interval=30,
        )
        self._put_blob = self._bytes.register_script(_PUT_BLOB)
        self._tokens: dict[str, str] = {}
        self._release = self._client.register_script(_RELEASE)
        self._click = self._client.register_script(_CLICK)
        self._clicks = self._client.register_script(_CLICKS)
        self._leases = self._client.register_script(_LEASES)
        self._put = self._client.register_script(_PUT)
        self._evict = self._client.register_script(_EVICT)
        self._claim = self._client.register_script(_CLAIM)
        self._hit = self._client.register_script(_HIT)
        self._reserve = self._client.register_script(_RESERVE)
        self._unreserve = self._client.register_script(_UNRESERVE)

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

    def put_entries(self, puts: list[Put]) -> None:
        if not puts:
            return
        now = time.time()
        keys = [f"{self.prefix}ku", f"{self.prefix}pages"]
        args: list[Any] = [f"{now:.3f}"]
        for url, network, entry, keep, lease in puts:
            token = None if lease is None else self._tokens.get(lease)
            keys += [self._key(url), f"{self.prefix}l:{lease}" if token else self._key(url)]
            args += [network, entry.pack(), max(1, int(keep)), url, token or ""]
        self._call(self._put, keys=keys, args=args)
        for put in puts:
            if put.lease is not None:
                self._tokens.pop(put.lease, None)
        for _ in puts:
            self._wrote_page(now)

    # --- the bound on stored pages

    def count_pages(self) -> int:
        return int(self._call(self._client.zcard, f"{self.prefix}pages"))

    def bound_pages(self, most: int, now: float) -> int:
        """Forget pages beyond the ``most`` that matter most: fewest counted shares first,
        then least recently used; their counts and share counters go with them."""
        excess = self.count_pages() - most
        if excess <= 0:
            return 0
        keys = [f"{self.prefix}pages", f"{self.prefix}ku", f"{self.prefix}kt"]
        removed = 0
        while excess > 0:
            step = min(excess, 500)
            removed += int(self._call(self._evict, keys=keys, args=[self.prefix, step]))
            excess -= step
        self._forgotten.add(removed, now)
        return removed

    def purge(self, url: str | None = None) -> int:
        pages = f"{self.prefix}pages"
        if url is not None:
            removed = int(self._call(self._client.delete, self._key(url)))
            if self._call(self._client.zscore, f"{self.prefix}ku", url) is None:
                self._call(self._client.zrem, pages, url)  # no share counter keeps it
            return removed
        removed = 0
        for key in self._scan(f"{self.prefix}c:*"):
            removed += int(self._call(self._client.delete, key))
        self._call(self._client.zremrangebyscore, pages, "-inf", "(1")  # pages without shares
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

    def lease_entries(
        self, url: str, leases: dict[str, str], seconds: float
    ) -> dict[str, tuple[bool, Entry | None]]:
        if not leases:
            return {}
        tokens = {network: uuid.uuid4().hex for network in leases}
        keys = [f"{self.prefix}l:{key}" for key in leases.values()] + [self._key(url)]
        args = [int(seconds * 1000), *tokens.values(), *leases]
        got = self._call(self._leases, keys=keys, args=args)
        taken, values = got[: len(leases)], got[len(leases) :]
        entries = Entry.unpack_all(zip(leases, values, strict=True))
        out: dict[str, tuple[bool, Entry | None]] = {}
        for (network, key), ok in zip(leases.items(), taken, strict=True):
            if ok:
                self._tokens[key] = tokens[network]
                out[network] = (True, entries.get(network))
            else:
                out[network] = (False, None)
        return out

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

    # --- first-party clicks (durability: see the README, Redis persistence)

    def add_click(self, click: Click) -> str:
        p = self.prefix
        keys = [f"{p}d:{k}" for k in click.dedup]
        keys += [f"{p}k:{click.network}", f"{p}kt", f"{p}ku", f"{p}pages"]
        args: list[Any] = [max(1, int(click.keep * 1000)), click.url, len(click.dedup)]
        args += [click.network, f"{click.now:.3f}"]
        for limit in (click.limit, click.first):
            if limit is None:
                keys.append(f"{p}h:-")  # not read
                args += ["", ""]
            else:
                key, most, window = limit
                keys.append(f"{p}h:{key}")
                args += [most, max(1, int(window * 1000))]
        return str(self._call(self._click, keys=keys, args=args))

    def get_clicks(self, url: str, networks: list[str]) -> dict[str, int]:
        keys = [f"{self.prefix}ku"] + [f"{self.prefix}k:{network}" for network in networks]
        scores = self._call(self._clicks, keys=keys, args=[url])
        return {n: int(float(s)) for n, s in zip(networks, scores, strict=False) if s is not None}

    def top_clicks(self, network: str, limit: int, offset: int = 0) -> list[tuple[str, int]]:
        rows = self._call(
            self._client.zrevrange,
            f"{self.prefix}k:{network}",
            offset,
            offset + limit - 1,
            withscores=True,
        )
        return [(str(url), int(score)) for url, score in rows]

    def _clicked_networks(self) -> list[str]:
        return sorted(self._call(self._client.hkeys, f"{self.prefix}kt"))

    def top_pages(self, limit: int, offset: int = 0) -> list[tuple[str, int, dict[str, int]]]:
        networks = self._clicked_networks()
        if not networks:
            return []
        # One transaction: the union of every network's ranking, read, then dropped.
        union = f"{self.prefix}ktop:{secrets.token_hex(8)}"
        pipe = self._client.pipeline(transaction=True)
        pipe.zunionstore(union, [f"{self.prefix}k:{n}" for n in networks])
        pipe.zrevrange(union, offset, offset + limit - 1, withscores=True)
        pipe.delete(union)
        rows = self._call(pipe.execute)[1]
        if not rows:
            return []
        pipe = self._client.pipeline(transaction=False)
        for url, _ in rows:
            for network in networks:
                pipe.zscore(f"{self.prefix}k:{network}", url)
        scores = iter(self._call(pipe.execute))
        out = []
        for url, total in rows:
            split = {n: int(s) for n in networks if (s := next(scores)) is not None and s > 0}
            ranked = dict(sorted(split.items(), key=lambda kv: (-kv[1], kv[0])))
            out.append((str(url), int(total), ranked))
        return out

    def count_clicked(self, network: str | None = None) -> int:
        if network is not None:
            return int(self._call(self._client.zcard, f"{self.prefix}k:{network}"))
        networks = self._clicked_networks()
        if not networks:
            return 0
        union = f"{self.prefix}ktop:{secrets.token_hex(8)}"
        pipe = self._client.pipeline(transaction=True)
        pipe.zunionstore(union, [f"{self.prefix}k:{n}" for n in networks])
        pipe.delete(union)
        return int(self._call(pipe.execute)[0])

    def click_networks(self) -> dict[str, int]:
        totals = self._call(self._client.hgetall, f"{self.prefix}kt")
        return {n: int(v) for n, v in sorted(totals.items()) if int(v) > 0}

    # --- small expiring values

    def claim(self, key: str, value: str, keep: float | None, now: float) -> str:
        ms = "" if keep is None else str(max(1, int(keep * 1000)))
        return str(self._call(self._claim, keys=[f"{self.prefix}v:{key}"], args=[value, ms]))

    def hit(self, key: str, window: float, now: float) -> int:
        ms = max(1, int(window * 1000))
        return int(self._call(self._hit, keys=[f"{self.prefix}h:{key}"], args=[ms]))

    def hits(self, key: str, now: float) -> int:
        value = self._call(self._client.get, f"{self.prefix}h:{key}")
        return int(value) if value else 0

    def reserve(self, key: str, limit: int, window: float, now: float) -> bool:
        ms = max(1, int(window * 1000))
        taken = self._call(self._reserve, keys=[f"{self.prefix}h:{key}"], args=[limit, ms])
        return bool(taken)

    def unreserve(self, key: str, now: float) -> None:
        self._call(self._unreserve, keys=[f"{self.prefix}h:{key}"])

    def value(self, key: str, now: float) -> str | None:
        found = self._call(self._client.get, f"{self.prefix}v:{key}")
        return None if found is None else str(found)

    def forget(self, key: str) -> None:
        self._call(self._client.delete, f"{self.prefix}h:{key}", f"{self.prefix}v:{key}")

    # --- the servers using this store

    def check_in(self, member: str, info: str, keep: float, now: float) -> None:
        ms = max(1, int(keep * 1000))
        self._call(self._client.set, f"{self.prefix}p:{member}", info, px=ms)

    def members(self, now: float) -> dict[str, str]:
        keys = sorted(self._scan(f"{self.prefix}p:*"))
        if not keys:
            return {}
        values = self._call(self._client.mget, keys)
        start = len(self.prefix) + 2
        return {k[start:]: v for k, v in zip(keys, values, strict=True) if v is not None}

    def sweep(self, now: float) -> None:
        """Nothing to do: every expiring key carries its own TTL in Redis."""

    # --- embed previews and pictures

    def get_blob(self, key: str, now: float) -> bytes | None:
        value = self._call(self._bytes.get, f"{self.prefix}b:{key}")
        return bytes(value) if value is not None else None

    def put_blob(self, key: str, value: bytes, keep: float, limit: int, now: float) -> None:
        p = self.prefix
        self._call(
            self._put_blob,
            keys=[f"{p}b:{key}", f"{p}bi", f"{p}bs", f"{p}bt"],
            args=[key, value, max(1, int(keep * 1000)), now + keep, limit, now, f"{p}b:"],
        )

    def blob_usage(self, now: float) -> tuple[int, int]:
        pipe = self._client.pipeline(transaction=False)
        pipe.zcount(f"{self.prefix}bi", f"({now}", "+inf")
        pipe.get(f"{self.prefix}bt")
        count, total = self._call(pipe.execute)
        return int(count), int(total or 0)

    def purge_blobs(self, prefix: str = "") -> int:
        names = [
            n for n in self._call(self._client.hkeys, f"{self.prefix}bs") if n.startswith(prefix)
        ]
        return self._drop_blobs(names)

    def delete_blobs(self, keys: list[str]) -> int:
        if not keys:
            return 0
        names = list(dict.fromkeys(keys))
        sizes = self._call(self._client.hmget, f"{self.prefix}bs", names)
        return self._drop_blobs([n for n, size in zip(names, sizes, strict=True) if size])

    def _drop_blobs(self, names: list[str]) -> int:
        p = self.prefix
        if not names:
            return 0
        sizes = self._call(self._client.hmget, f"{p}bs", names)
        pipe = self._client.pipeline()
        pipe.delete(*[f"{p}b:{n}" for n in names])
        pipe.zrem(f"{p}bi", *names)
        pipe.hdel(f"{p}bs", *names)
        pipe.decrby(f"{p}bt", sum(int(s or 0) for s in sizes))
        self._call(pipe.execute)
        return len(names)

    # --- statistics buckets: one hash per (resolution, bucket), fields "network|field"

    def add_stats(
        self, rows: list[tuple[str, int, str, str, float]], keep: dict[str, float]
    ) -> None:
        if not rows:
            return
        pipe = self._client.pipeline(transaction=False)
        seen: set[str] = set()
        for res, bucket, network, field, value in rows:
            key = f"{self.prefix}s:{res}:{bucket}"
            pipe.hincrbyfloat(key, f"{network}|{field}", value)
            if key not in seen:
                seen.add(key)
                pipe.expire(key, max(1, int(keep.get(res, 86400.0))))
        self._call(pipe.execute)

    def get_stats(
        self, resolution: str, since: int, until: int
    ) -> list[tuple[int, str, str, float]]:
        step = STATS_STEP.get(resolution, 60)
        first = since - since % step
        buckets = list(range(first if first >= since else first + step, until + 1, step))
        pipe = self._client.pipeline(transaction=False)
        for bucket in buckets:
            pipe.hgetall(f"{self.prefix}s:{resolution}:{bucket}")
        out: list[tuple[int, str, str, float]] = []
        for bucket, fields in zip(buckets, self._call(pipe.execute), strict=True):
            for name, value in fields.items():
                network, _, field = str(name).partition("|")
                out.append((bucket, network, field, float(value)))
        return out

    def close(self) -> None:
        self._client.close()
        self._bytes.close()

    def flush_prefix(self) -> None:
        """Remove every key of this store (tests use their own prefix or database)."""
        for key in self._scan(f"{self.prefix}*"):
            self._call(self._client.delete, key)
