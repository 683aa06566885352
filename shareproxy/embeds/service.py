"""Previews of embedded content: fetched once, cached, coalesced, served stale on error.

The one place that decides when a provider is asked. It runs on the count cache's
machinery, with the same guarantees:

- one upstream call per item however many visitors ask: :class:`shareproxy.cache.Refreshes`
  keeps one refresh in flight per item in a process, and a short lease in the store
  across processes and instances (whoever holds it asks the provider; the others wait for
  its answer in the store);
- stale-while-revalidate: an expired preview is shown at once while one refresh runs;
- stale-if-error: a failed refresh keeps the last good preview, and the failure itself is
  remembered for FAILURE_TTL (ten times that when the provider says the item is gone);
- the counts' circuits (:class:`shareproxy.circuit.Circuit`, shared by every worker
  through the store) decide whether a provider may be asked: one per provider
  (``embed:<provider>``), or per instance host for PeerTube and the fediverse
  (``embed:<provider>:<host>``); a 429 opens it for Retry-After, doubling on repeats;
- pictures are fetched, re-encoded (``shareproxy.images``) and kept in the store under
  their pixel hash; a picture already known by its source address is not fetched again
  while its preview lives.

Previews and pictures share the store's bounded space for embeds (EMBED_CACHE_BYTES):
the entries closest to expiry are evicted first. Each worker also keeps the previews it
served last in memory (a small LRU), so a popular placeholder costs no store read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Protocol
from urllib.parse import urlencode

from .. import images, metrics
from ..cache import Refreshes
from ..circuit import Circuit
from ..lru import SizedLRU
from ..networks.base import (
    CountError,
    MalformedResponse,
    RateLimited,
    UpstreamFailure,
    UpstreamRequest,
    UpstreamResponse,
)
from ..settings import Settings
from ..store import Store, StoreError
from .base import FollowUp, Gone, Picture, Preview, Provider, Ref

log = logging.getLogger(__name__)

GONE_FACTOR = 10  # an item that is gone is asked again after FAILURE_TTL × this
LOCAL_CARDS = 2000  # previews each worker keeps in memory...
# ...and at most these bytes of them: a preview weighs its text (a post's text and its
# links, in the width Python holds them) plus what its objects cost besides (~40 fields,
# rounded up), so long posts cannot multiply the memory the count of previews allows
LOCAL_BYTES = 16 * 1_048_576
CARD_OVERHEAD = 2048


class Shared(Protocol):
    """What the count cache shares with the embeds: the settings every worker reads from
    the store (circuits, the purge generation), and word when they changed."""

    def sync(self, now: float | None = None, force: bool = False) -> None: ...

    def on_change(self, listener: Callable[[str | None], None]) -> None: ...


class Send(Protocol):
    """Sends one request for a provider (``Fetcher.send`` for fixed hosts, the address
    guard for instance hosts); raises CountError subclasses for transport failures."""

    def __call__(
        self, provider: Provider, request: UpstreamRequest, max_bytes: int
    ) -> UpstreamResponse: ...


@dataclass(frozen=True)
class Card:
    """What is known of one item: the last good preview (None if there never was one),
    when it was fetched, when the provider was last asked, and the kind of the failure of
    that last attempt (None when it succeeded)."""

    preview: Preview | None
    fetched_at: float
    checked_at: float
    error: str | None = None

    def pack(self) -> bytes:
        return json.dumps(
            {
                "f": self.fetched_at,
                "c": self.checked_at,
                "e": self.error,
                "p": self.preview.to_json() if self.preview else None,
            },
            separators=(",", ":"),
        ).encode()

    @classmethod
    def unpack(cls, raw: bytes) -> Card:
        """ValueError for anything that is not a card of this version."""
        try:
            data = json.loads(raw)
            preview = Preview.from_json(data["p"]) if data["p"] is not None else None
            error = data["e"]
            if error is not None and not isinstance(error, str):
                raise ValueError("error is not text")
            return cls(preview, float(data["f"]), float(data["c"]), error)
        except (KeyError, TypeError, UnicodeDecodeError, RecursionError) as exc:
            raise ValueError(f"not a card: {exc}") from None


@dataclass(frozen=True)
class Shown:
    """What a placeholder shows: the preview (None: only a link), how long the answer may
    be cached, and whether a refresh was still running when the caller stopped waiting."""

    preview: Preview | None
    max_age: int
    pending: bool = False
    error: str | None = None


def picture_name(digest: str, ext: str) -> str:
    return f"{digest}.{ext}"


def _card_weight(key: tuple[str, str], card: Card) -> int:
    return sys.getsizeof(key[1]) + _strings(card.preview) + CARD_OVERHEAD


def _strings(value: object) -> int:
    """The bytes the strings of ``value`` take (a preview, its pictures and media)."""
    if isinstance(value, str):
        return sys.getsizeof(value)
    if isinstance(value, tuple | list):
        return sum(_strings(item) for item in value)
    if is_dataclass(value) and not isinstance(value, type):
        return sum(_strings(getattr(value, f.name)) for f in fields(value))
    return 0


class EmbedService:
    def __init__(
        self, settings: Settings, store: Store, send: Send, circuit: Circuit, shared: Shared
    ):
        """``circuit``: the counts' circuits; ``shared``: the count cache, whose reading of
        the store's shared settings brings every worker the circuits other workers opened
        and the purges they made."""
        self.settings = settings
        self.store = store
        self.send = send
        self.circuit = circuit
        self.shared = shared
        self.clock: Callable[[], float] = time.time
        self.limits = images.Limits()
        self.failure_ttl = float(settings.failure_ttl)
        self.stale_max = float(settings.cache_stale_max)
        self.cache_bytes = int(settings.embed_cache_bytes)
        self.image_bytes = int(settings.embed_image_max_bytes)
        self.meta_bytes = int(settings.upstream_max_bytes)
        self.lease_seconds = 4 * float(settings.upstream_timeout) + self.limits.timeout + 1.0
        self._local: SizedLRU[tuple[str, str], Card] = SizedLRU(
            LOCAL_CARDS, LOCAL_BYTES, _card_weight
        )
        self._lock = threading.Lock()
        self._refreshes: Refreshes[tuple[str, str], Card] = Refreshes(
            store,
            workers=max(2, min(8, int(settings.upstream_workers) // 2)),
            name="shareproxy-embed",
            lease_seconds=self.lease_seconds,
            patience=1.0,
            first_wait=0.02,
            longest_wait=0.2,
        )
        self._pictures = ThreadPoolExecutor(max_workers=4, thread_name_prefix="shareproxy-picture")
        shared.on_change(self._changed)

    # --- freshness

    def ttl(self, provider: Provider) -> int:
        return int(self.settings.embed_ttl(provider.name))

    def fresh_until(self, provider: Provider, card: Card) -> float:
        if card.error is None:
            return card.fetched_at + self.ttl(provider)
        factor = GONE_FACTOR if card.error == Gone.kind else 1
        return card.checked_at + self.failure_ttl * factor

    def servable(self, provider: Provider, card: Card, now: float) -> bool:
        if card.preview is None or card.error == Gone.kind:
            return False
        return now - card.fetched_at <= self.ttl(provider) + self.stale_max

    def keep_seconds(self, provider: Provider) -> float:
        return self.ttl(provider) + self.stale_max + self.failure_ttl * GONE_FACTOR

    # --- what a placeholder asks

    def show(self, provider: Provider, ref: Ref, timeout: float) -> Shown:
        """The preview of ``ref``, waiting at most ``timeout`` seconds for a provider."""
        now = self.clock()
        self.shared.sync(now)
        card = self._card(provider, ref)
        if card is not None and now < self.fresh_until(provider, card):
            metrics.cache_result(self.label(provider), "hit")
            return self._shown(provider, card, now)
        if card is not None and self.servable(provider, card, now):
            metrics.cache_result(self.label(provider), "stale")
            self.refresh(provider, ref)
            return Shown(card.preview, 0, error=card.error)
        metrics.cache_result(self.label(provider), "miss")
        future = self.refresh(provider, ref)
        wait_futures([future], timeout=timeout)
        if not future.done():
            return Shown(None, 0, pending=True)
        card = future.result()
        if card is None:
            return Shown(None, 0, error="error")
        return self._shown(provider, card, self.clock())

    def _shown(self, provider: Provider, card: Card, now: float) -> Shown:
        fresh = max(0, int(self.fresh_until(provider, card) - now))
        if card.preview is None or not self.servable(provider, card, now):
            return Shown(None, fresh, error=card.error)
        return Shown(card.preview, fresh, error=card.error)

    def label(self, provider: Provider) -> str:
        return f"embed:{provider.name}"

    def _card(self, provider: Provider, ref: Ref) -> Card | None:
        key = (provider.name, ref.key)
        with self._lock:
            card = self._local.get(key)
            if card is not None:
                self._local.touch(key)
        if card is not None and self.clock() < self.fresh_until(provider, card):
            return card
        shared = self._shared(provider, ref)
        if shared is not None:
            return self._remember(provider, ref, shared)
        return card

    def _shared(self, provider: Provider, ref: Ref) -> Card | None:
        try:
            raw = self.store.get_blob(self.card_key(provider, ref), self.clock())
        except StoreError:
            metrics.store_error("get")
            return None
        if raw is None:
            return None
        try:
            return Card.unpack(raw)
        except ValueError:
            return None  # another version's card, or damaged: fetched again

    def _remember(self, provider: Provider, ref: Ref, card: Card) -> Card:
        key = (provider.name, ref.key)
        with self._lock:
            mine = self._local.get(key)
            if mine is not None and mine.checked_at > card.checked_at:
                return mine
            self._local.put(key, card)  # the least recently used go first
        return card

    @staticmethod
    def card_key(provider: Provider, ref: Ref) -> str:
        return f"p:{provider.name}:{ref.key}"

    # --- refreshing

    def refresh(self, provider: Provider, ref: Ref) -> Future[Card | None]:
        """Start (or join) the one refresh of this item in this process."""
        return self._refreshes.start(
            (provider.name, ref.key), provider.name, lambda: self._refresh(provider, ref)
        )

    def _refresh(self, provider: Provider, ref: Ref) -> Card | None:
        return self._refreshes.under_lease(
            f"embed|{provider.name}|{ref.key}",
            shared=lambda: self._shared(provider, ref),
            local=lambda: self._peek(provider, ref),
            fresh=lambda card: self.clock() < self.fresh_until(provider, card),
            keep=lambda card: self._remember(provider, ref, card),
            fetch=lambda old, share: self._fetch(provider, ref, old, share=share),
        )

    def _peek(self, provider: Provider, ref: Ref) -> Card | None:
        with self._lock:
            return self._local.get((provider.name, ref.key))

    def circuit_name(self, provider: Provider, ref: Ref) -> str:
        """The circuit a request belongs to: the provider, or the instance host."""
        return f"embed:{provider.name}" + (f":{ref.host}" if ref.host else "")

    def _fetch(self, provider: Provider, ref: Ref, old: Card | None, *, share: bool) -> Card:
        now = self.clock()
        circuit = self.circuit_name(provider, ref)
        if not self.circuit.allows(circuit, now):
            metrics.cache_result(self.label(provider), "circuit_open")
            return old or Card(None, 0.0, now, RateLimited.kind)
        started = time.monotonic()
        error: str | None = None
        preview: Preview | None = None
        try:
            preview = self._preview(provider, ref)
            preview = self._with_pictures(provider, preview)
        except CountError as exc:
            error = exc.kind
            self.circuit.failed(circuit, exc, self.clock())
        metrics.upstream_call(self.label(provider), time.monotonic() - started, error)
        now = self.clock()
        if preview is not None:
            self.circuit.succeeded(circuit)
            card = Card(preview, now, now, None)
        else:
            log.info("%s preview failed: %s", provider.name, error)
            keep = old.preview if old is not None and error != Gone.kind else None
            card = Card(keep, old.fetched_at if old and keep else 0.0, now, error)
        card = self._remember(provider, ref, card)
        if share:
            try:
                self.store.put_blob(
                    self.card_key(provider, ref), card.pack(), self.keep_seconds(provider),
                    self.cache_bytes, now,
                )  # fmt: skip
            except StoreError:
                metrics.store_error("put")
        return card

    def _preview(self, provider: Provider, ref: Ref) -> Preview:
        """Run the provider's steps: the first request, then its follow-ups."""
        request = provider.request(ref)
        reader = provider.read
        fallback: Preview | None = None
        for _ in range(provider.max_steps):
            try:
                resp = self._send(provider, request, self.meta_bytes)
            except (UpstreamFailure, MalformedResponse):
                if fallback is not None:
                    return fallback
                raise
            step = reader(ref, resp)
            if isinstance(step, Preview):
                return step
            assert isinstance(step, FollowUp)
            request, reader, fallback = step.request, step.read, step.fallback
        if fallback is not None:
            return fallback
        raise MalformedResponse("too many steps")

    def _send(self, provider: Provider, request: UpstreamRequest, limit: int) -> UpstreamResponse:
        url = request.url + ("?" + urlencode(dict(request.params)) if request.params else "")
        if not provider.may_fetch(url):
            raise MalformedResponse("the answer points to a host this provider does not use")
        return self.send(provider, request, limit)

    # --- pictures

    def _with_pictures(self, provider: Provider, preview: Preview) -> Preview:
        """The preview with its pictures processed, fetched side by side."""
        wanted = list({p.sources: p for p in preview.pictures()}.values())
        results = list(self._pictures.map(lambda p: self._picture(provider, p), wanted))
        done = {p.sources: got for p, got in zip(wanted, results, strict=True) if got}
        return preview.with_pictures(done)

    def _memo_key(self, picture: Picture) -> str:
        what = json.dumps([picture.role, picture.crop, list(picture.sources)])
        return "s:" + hashlib.sha256(what.encode()).hexdigest()[:40]

    def _picture(self, provider: Provider, picture: Picture) -> Picture | None:
        """``picture`` processed and stored (its digest set), or None when no source gave
        an image we accept."""
        now = self.clock()
        memo = self._memo(picture, now)
        if memo is not None:
            return memo
        for source in picture.sources:
            if not provider.may_fetch(source):
                continue
            try:
                resp = self.send(
                    provider,
                    UpstreamRequest(source, headers={"Accept": "image/avif,image/webp,image/*"}),
                    self.image_bytes,
                )
            except RateLimited:
                raise
            except CountError:
                continue
            if resp.status != 200 or not resp.body:
                continue  # 404: YouTube's larger thumbnail exists for HD uploads only
            try:
                done = images.process(resp.body, picture.role, picture.crop, self.limits)
            except images.BadImage as exc:
                log.info("%s picture refused: %s", provider.name, exc)
                continue
            keep = self.keep_seconds(provider)
            try:
                for ext, data in done.encodings.items():
                    self.store.put_blob(
                        "i:" + picture_name(done.digest, ext), data, keep, self.cache_bytes, now
                    )
                info = {"d": done.digest, "w": done.width, "h": done.height, "a": done.alpha}
                self.store.put_blob(
                    self._memo_key(picture), json.dumps(info).encode(), keep, self.cache_bytes, now
                )
            except StoreError:
                metrics.store_error("put")
                return None
            return replace(
                picture, digest=done.digest, width=done.width, height=done.height,
                alpha=done.alpha,
            )  # fmt: skip
        return None

    def _memo(self, picture: Picture, now: float) -> Picture | None:
        try:
            raw = self.store.get_blob(self._memo_key(picture), now)
            if raw is None:
                return None
            info = json.loads(raw)
            digest = str(info["d"])
            fallback = "png" if info["a"] else "jpg"
            if self.store.get_blob("i:" + picture_name(digest, fallback), now) is None:
                return None  # evicted meanwhile: fetch again
            return replace(
                picture, digest=digest, width=int(info["w"]), height=int(info["h"]),
                alpha=bool(info["a"]),
            )  # fmt: skip
        except StoreError:
            metrics.store_error("get")
            return None
        except (ValueError, KeyError, TypeError):
            return None

    def image(self, name: str) -> bytes | None:
        """A stored picture by its file name (``<digest>.<ext>``)."""
        try:
            return self.store.get_blob("i:" + name, self.clock())
        except StoreError:
            metrics.store_error("get")
            return None

    def circuit_open_until(self, provider: Provider, ref: Ref) -> float:
        return self.circuit.open_until(self.circuit_name(provider, ref))

    # --- purges

    def purge(self, item: tuple[Provider, Ref] | None = None) -> int:
        """Forget one item's preview (``item``), or every preview and picture, in the store
        and in every worker: the next placeholder asks the provider again. An item's
        pictures stay (their address is a hash of their pixels), but not which picture
        its sources gave, so they are fetched again too. Returns how many values went."""
        if item is None:
            removed = self.store.purge_blobs()
        else:
            provider, ref = item
            card = self._shared(provider, ref) or self._peek(provider, ref)
            keys = [self.card_key(provider, ref)]
            if card is not None and card.preview is not None:
                keys += [self._memo_key(p) for p in card.preview.pictures()]
            removed = self.store.delete_blobs(keys)
        self._forget_local()
        # every worker forgets what it holds in memory when the generation moves
        self.store.incr_meta("generation")
        self.shared.sync(force=True)
        return removed

    def _changed(self, url: str | None) -> None:
        if url is None:  # a purge in some worker (counts or embeds), or a TTL change
            self._forget_local()

    def _forget_local(self) -> None:
        with self._lock:
            self._local.clear()

    def close(self) -> None:
        self._refreshes.close()
        self._pictures.shutdown(wait=False, cancel_futures=True)
