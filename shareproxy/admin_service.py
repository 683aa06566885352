"""What an admin can do: change a network's TTL, purge counts or embed previews, read the
figures. The console (shareproxy/views/admin/), the JSON admin API and the ``shareproxy``
command (shareproxy/admin_cli.py) all go through :class:`AdminService`, so each rule is
written once: a TTL stays between its network's floor and the ceiling, a page URL is
normalised before its counts are purged, an embed's URL is resolved before its preview is.

No Flask here. Refusals of bad input raise :class:`TTLRefused`, ``urls.BadURL`` or
``embeds.NotEmbeddable`` with the reason in words; a store that does not answer raises
``StoreError``. Each face turns them into its own answer (a form error, a 400, an exit
status).
"""

from __future__ import annotations

from typing import Any

from . import console, human, metrics, presence
from .container import Services
from .embeds import NotEmbeddable, Provider, Ref, resolve
from .networks import COUNT_NETWORKS, NETWORKS
from .settings import TTL_CEILING, ttl_floor
from .startup import store_location
from .store import StoreError
from .urls import normalise

__all__ = ["AdminService", "NotEmbeddable", "TTLRefused", "check_ttl", "parse_ttl"]


# --- the TTL rule


class TTLRefused(ValueError):
    """A TTL an admin may not set. ``reason`` says why; ``floor`` and ``ceiling`` are the
    bounds of the network (0 when the value was no duration at all)."""

    def __init__(self, reason: str, floor: int = 0, ceiling: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.floor = floor
        self.ceiling = ceiling


def check_ttl(network: str, seconds: int) -> int:
    """``seconds`` when an admin may set it for ``network`` (a network with a count API),
    else TTLRefused: below the network's floor, which protects its rate limit, or above
    the ceiling."""
    floor, ceiling = ttl_floor(network), TTL_CEILING
    said = f"{human.duration(seconds)} ({seconds} s)"
    if seconds < floor:
        label = COUNT_NETWORKS[network].label
        raise TTLRefused(
            f"{said} is below the floor of {label}, {human.duration(floor)} ({floor} s), "
            "which protects its rate limit",
            floor,
            ceiling,
        )
    if seconds > ceiling:
        raise TTLRefused(
            f"{said} is above the ceiling, {human.duration(ceiling)} ({ceiling} s)",
            floor,
            ceiling,
        )
    return seconds


def parse_ttl(network: str, raw: object) -> int:
    """A TTL given as a whole number or as a duration text (1800, 30min, 2h, 1d), checked
    by :func:`check_ttl`; TTLRefused otherwise."""
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise TTLRefused("seconds must be a whole number")
    seconds = raw if isinstance(raw, int) else human.parse_duration(raw)
    if seconds is None:
        raise TTLRefused("give seconds, or a number with a unit: 1800, 30min, 2h, 1d")
    return check_ttl(network, seconds)


# --- the service


class AdminService:
    """The admin operations on the services of one process (``container.build``)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    # --- TTLs

    def ttl(self, network: str) -> dict[str, Any]:
        """The TTL in force for ``network`` and its floor (the JSON API's answer)."""
        cache = self.services.cache
        cache.sync()
        return {"network": network, "seconds": cache.ttl(network), "floor": ttl_floor(network)}

    def set_ttl(self, network: str, seconds: int | None) -> int:
        """Share a TTL override with every worker and instance, checked against the rule
        (None: back to the setting). Returns the TTL now in force here."""
        if seconds is not None:
            check_ttl(network, seconds)
        cache = self.services.cache
        cache.set_ttl(network, seconds)
        return cache.ttl(network)

    def ttl_rows(self, names: list[str] | None = None) -> list[dict[str, Any]]:
        """Every network's TTL and where it comes from, after reading the store's overrides."""
        self.services.cache.sync(force=True)
        return console.ttl_rows(self.services, names)

    # --- purges

    def page_url(self, raw: str) -> str:
        """A page URL as the counts are kept under it (BadURL when it is none)."""
        return normalise(raw, self.services.settings.tracking_params)

    def purge_counts(self, raw: str | None, everything: bool = False) -> tuple[int, str | None]:
        """Forget the cached counts of the page ``raw`` names, in the store and in every
        worker; of every page when ``raw`` is None or ``everything`` is set. A given URL is
        normalised (BadURL when it is no page URL) first, even when everything goes.
        Returns how many entries went and the normalised URL."""
        url = self.page_url(raw) if raw is not None else None
        removed = self.services.cache.purge(None if everything else url)
        return removed, url

    def purge_embeds(self, raw: str | None) -> tuple[int, tuple[Provider, Ref] | None]:
        """Forget the preview of the video or post ``raw`` names (NotEmbeddable when it
        names none), or every preview when ``raw`` is None."""
        item = resolve(raw.strip()) if raw is not None else None
        return self.services.embeds.purge(item), item

    @property
    def generation(self) -> str | None:
        """The purge generation the running servers report once they applied a purge."""
        return self.services.cache.generation

    # --- figures

    def lookup(self, url: str) -> list[dict[str, Any]]:
        """Every network's cached entry and shares counted here for a normalised page URL."""
        clicks = self.services.clicks.counts(url, list(NETWORKS))
        return console.lookup(self.services, clicks, url)

    def network_states(
        self, hour: dict[str, dict[str, Any]] | None = None, *, force: bool = False
    ) -> list[dict[str, Any]]:
        """Every network with a count API and its state in words (console.network_states);
        ``why`` repeats the state when it is not plainly on (kept for API clients)."""
        svc = self.services
        svc.cache.sync(force=force)
        rows = console.network_states(svc, hour or {})
        for row in rows:
            row["why"] = "" if row["level"] in ("ok", "idle") else row["state"]
        return rows

    def figures(self) -> tuple[dict[str, Any], dict[str, int]]:
        """The summed request figures (metrics.summary) and the shares per network;
        StoreError when the store does not answer."""
        store = self.services.store
        return metrics.summary(store), store.click_networks()

    def rankings(self, page: str | None, network: str, npage: str | None) -> dict[str, Any]:
        """The most shared pages (``page`` of them, from the query string), the shares per
        network, and the pages most shared on ``network`` (else the network shared most),
        ``npage`` of them; what the store cannot give is left empty, with ``error``."""
        store = self.services.store
        top: dict[str, Any] = {
            "error": None,
            "mode": self.services.settings.click_counts,
            "overall": [],
            "paging": console.paging(None, 0),
            "totals": {},
            "chosen": None,
            "ranked": [],
            "npaging": console.paging(None, 0),
        }
        try:
            totals = dict(sorted(store.click_networks().items(), key=lambda kv: (-kv[1], kv[0])))
            top["totals"] = totals
            paging = top["paging"] = console.paging(page, store.count_clicked())
            top["overall"] = store.top_pages(paging.size, paging.offset)
            chosen = top["chosen"] = network if network in totals else next(iter(totals), None)
            if chosen is not None:
                size = console.PAGE_SIZE // 2
                npaging = top["npaging"] = console.paging(npage, store.count_clicked(chosen), size)
                top["ranked"] = store.top_clicks(chosen, npaging.size, npaging.offset)
        except StoreError:
            top["error"] = "The store does not answer: no ranking to show."
        return top

    def servers(self) -> dict[str, Any]:
        """The store in full and the server processes using it."""
        svc = self.services
        try:
            found = presence.members(svc.store)
            servers: str = presence.describe(found)
            members = [
                {"host": m.host, "pid": m.pid, "version": m.version, "started": m.started}
                for m in found
            ]
        except StoreError:
            servers, members = "unknown: the store does not answer", []
        return {"store": store_location(svc.settings), "servers": servers, "members": members}

    def stats(self) -> dict[str, Any]:
        """Everything the console's overview and ``/admin/api/stats`` show; what the store
        cannot give is left empty."""
        svc = self.services
        metrics.flush()  # this worker's latest figures first
        try:
            summary, clicks = self.figures()
            entries: int | None = svc.store.count_entries()
        except StoreError:
            summary = {"hour": {}, "day": {}, "series": {"hour": {}, "day": {}}}
            clicks, entries = {}, None
        return {
            "networks": self.network_states(summary["hour"]),
            "hour": summary["hour"],
            "day": summary["day"],
            "series": summary["series"],
            "clicks": clicks,
            "cache_entries": entries,
            "click_counts": svc.settings.click_counts,
            **self.servers(),
        }
