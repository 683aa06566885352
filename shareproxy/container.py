"""The services of one process, made once by :func:`build` and handed to every face.

``create_app`` builds them and keeps them as ``app.extensions["shareproxy"]``; the Flask
views read them through :mod:`shareproxy.views.context`, the command line builds its own.
Nothing below the faces looks them up: each piece receives what it needs when it is made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import guard, metrics
from .badges import BadgeCache
from .cache import CountCache
from .circuit import Circuit
from .clicks import ClickCounter
from .counts import Counts
from .embeds.service import EmbedService
from .fetch import Fetcher, embed_sender
from .networks import COUNT_NETWORKS, NETWORKS
from .nodeinfo import Discovery
from .settings import ConfigError, Settings, counts_off
from .startup import store_problem
from .store import Store, StoreError, describe, open_store

if TYPE_CHECKING:
    from .fastpath import FastPath
    from .pagememo import PageMemo


@dataclass
class Services:
    """Everything a request may need, made once per process."""

    settings: Settings
    store: Store
    fetcher: Fetcher
    circuit: Circuit
    cache: CountCache
    clicks: ClickCounter
    counts: Counts
    badges: BadgeCache
    embeds: EmbedService
    stats: metrics.StatsBuffer
    fediverse: Discovery
    fastpath: FastPath | None = None  # set by create_app, which owns the WSGI pipeline
    pagememo: PageMemo | None = None  # the same
    off: dict[str, str] = field(default_factory=dict)  # network -> why its counts are off
    enabled: tuple[str, ...] = field(default=())

    def enabled_counts(self) -> list[str]:
        """Networks whose counts are on (count API known and credentials present)."""
        return list(self.enabled)

    @property
    def deadline(self) -> float:
        """SHAREPROXY_REQUEST_DEADLINE in seconds."""
        return float(self.settings.request_deadline)

    def close(self) -> None:
        self.cache.close()
        self.embeds.close()
        self.store.close()


def build(settings: Settings, instance_path: str) -> Services:
    """Open the store and make every service on it. ConfigError, in one line naming the
    file, for a SQLite store that cannot be written or opened."""
    problem = store_problem(settings)
    if problem:
        raise ConfigError(problem)
    try:
        store = open_store(settings.store, instance_path, int(settings.store_max_pages))
    except StoreError as exc:  # a damaged or locked SQLite file: say so in one line
        where = describe(settings.store, instance_path)
        raise ConfigError(f"SHAREPROXY_STORE: cannot open {where}: {exc}") from None
    fetcher = Fetcher(settings)

    def fetch(network: str, url: str) -> int:
        return fetcher.count(NETWORKS[network], url)

    circuit = Circuit(store)
    cache = CountCache(settings, store, fetch, circuit)
    clicks = ClickCounter(settings, store)
    # Embed previews: fixed provider hosts through the fetcher, any other host only
    # through the address guard; the counts' circuits apply.
    send = embed_sender(fetcher, guard.from_settings(settings, concurrency=8))
    embeds = EmbedService(settings, store, send, circuit, cache)
    # Fediverse sharing: which software a visitor's server runs, through the guard only.
    fediverse = Discovery(guard.from_settings(settings, concurrency=8), store)
    metrics.attach(store)  # admin overview figures, flushed to the store off the request path
    off = counts_off(settings)  # credentials are read once, at start-up
    enabled = tuple(name for name in COUNT_NETWORKS if name not in off)
    return Services(
        settings=settings,
        store=store,
        fetcher=fetcher,
        circuit=circuit,
        cache=cache,
        clicks=clicks,
        counts=Counts(settings, cache, clicks, enabled),
        badges=BadgeCache(),
        embeds=embeds,
        stats=metrics.STATS,
        fediverse=fediverse,
        off=off,
        enabled=enabled,
    )
