"""What an embed provider is, and what it makes of a content URL.

A provider module never sends a request, like a network module. It is a set of pure
functions: ``match`` recognises a content URL and names the item (:class:`Ref`),
``request`` builds the first upstream request for it, and ``read`` turns an answer into a
:class:`Preview`, or into a :class:`FollowUp` when one more request is needed (a fediverse
post's author, an API that did not know the post). ``shareproxy.fetch`` sends the requests
and ``shareproxy.embeds.service`` runs the steps, fetches the pictures and caches.

A preview carries no upstream markup: post text is sanitised to an allowlist
(``shareproxy.sanitize``), pictures are upstream addresses the server fetches, re-encodes
and serves itself (``shareproxy.images``), and the player is an address on the
provider's own origin, loaded only after the visitor's click.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import SplitResult, urlencode, urlsplit

from ..networks.base import (
    CountError,
    MalformedResponse,
    UpstreamFailure,
    UpstreamRequest,
    UpstreamResponse,
    expect_ok,
    need,
)

__all__ = [
    "FORMAT",
    "CountError",
    "FollowUp",
    "Gone",
    "Media",
    "MalformedResponse",
    "Picture",
    "Player",
    "Preview",
    "Provider",
    "Ref",
    "UpstreamFailure",
    "UpstreamRequest",
    "UpstreamResponse",
    "expect_ok",
    "https_url",
    "iso_time",
    "need",
    "short_text",
    "text_of",
]

FORMAT = 1  # version of the cached preview's JSON; another version is fetched again
MAX_TEXT = 5000  # characters of a post's text kept
MAX_TITLE = 300
MAX_MEDIA = 4


class Gone(CountError, kind="gone"):
    """The provider answered that the item does not exist, is private, or may not be
    embedded: there is nothing to preview, and asking again soon will not change that."""


# --- the item a content URL names


@dataclass(frozen=True)
class Ref:
    """One item of one provider, as named by a content URL.

    ``key`` identifies the item in the cache (provider-specific, without presentation
    details such as a start time); ``url`` is the canonical address of the item on the
    network (the link "open on …"); ``host`` is the instance for providers that live on
    many hosts (PeerTube, fediverse), else empty; ``params`` holds what the player needs
    besides the id (a start time, an unlisted video's hash).
    """

    provider: str
    key: str
    url: str
    id: str
    host: str = ""
    params: tuple[tuple[str, str], ...] = ()

    def param(self, name: str, default: str = "") -> str:
        for key, value in self.params:
            if key == name:
                return value
        return default


# --- what the placeholder shows


@dataclass(frozen=True)
class Picture:
    """An image the server fetches and re-encodes: upstream addresses tried in order
    (the first that answers with an image wins), its role (which decides its size), its
    text alternative, and once processed the digest it is served under."""

    sources: tuple[str, ...]
    role: str  # poster, avatar, media
    alt: str = ""
    crop: float | None = None  # width / height to cut to (a letterboxed thumbnail)
    digest: str = ""
    width: int = 0
    height: int = 0
    alpha: bool = False

    @property
    def ready(self) -> bool:
        return bool(self.digest)


@dataclass(frozen=True)
class Media:
    """One attachment of a post: its thumbnail, what kind it is and where it leads."""

    picture: Picture
    kind: str = "image"  # image, video, gifv, audio, link
    title: str = ""  # a link card's title
    url: str = ""  # a link card's target


@dataclass(frozen=True)
class Player:
    """The provider's own embed, loaded after the click: an iframe address and the
    origins the page's Content-Security-Policy must then allow as frame sources."""

    src: str
    origins: tuple[str, ...]
    aspect: float = 16 / 9  # width / height; 0 for a post that sizes itself
    height: int = 0  # initial height in CSS pixels of a post embed (it may resize itself)
    resize: str = ""  # the protocol the embed speaks to report its height: mastodon, bluesky


@dataclass(frozen=True)
class Preview:
    kind: str  # video or post
    link: str  # the item on the network
    site: str  # who serves it: "YouTube", or the instance host
    title: str = ""
    author: str = ""
    handle: str = ""
    author_url: str = ""
    published: str = ""  # ISO 8601 in UTC, or empty
    html: str = ""  # sanitised post body
    warning: str = ""  # a post's content warning (spoiler text)
    sensitive: bool = False
    poster: Picture | None = None
    avatar: Picture | None = None
    media: tuple[Media, ...] = ()
    aspect: float = 16 / 9
    duration: int | None = None  # seconds
    player: Player | None = None

    def pictures(self) -> list[Picture]:
        out = [p for p in (self.poster, self.avatar) if p is not None]
        return out + [m.picture for m in self.media]

    def with_pictures(self, done: Mapping[tuple[str, ...], Picture]) -> Preview:
        """This preview with each picture replaced by its processed version, if any
        (keyed by the picture's sources); pictures that failed are dropped."""

        def pick(p: Picture | None) -> Picture | None:
            return None if p is None else done.get(p.sources)

        media = tuple(
            replace(m, picture=got) for m in self.media if (got := done.get(m.picture.sources))
        )
        return replace(self, poster=pick(self.poster), avatar=pick(self.avatar), media=media)

    def complete(self) -> bool:
        """Every picture processed (none failed or is missing)."""
        return all(p.ready for p in self.pictures())

    # --- the cached form

    def to_json(self) -> str:
        return json.dumps({"v": FORMAT, **_plain(self)}, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> Preview:
        """Read a cached preview; ValueError for anything else (another format version,
        a damaged or hand-written entry)."""
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.pop("v", None) != FORMAT:
                raise ValueError("another format")
            data["poster"] = _picture(data.get("poster"))
            data["avatar"] = _picture(data.get("avatar"))
            data["media"] = tuple(
                Media(**{**m, "picture": _picture(m["picture"])}) for m in data.get("media", ())
            )
            if data.get("player") is not None:
                player = data["player"]
                data["player"] = Player(**{**player, "origins": tuple(player["origins"])})
            return cls(**data)
        except (TypeError, KeyError, AttributeError, RecursionError) as exc:
            raise ValueError(f"not a cached preview: {exc}") from None


def _plain(obj: Any) -> Any:
    if hasattr(obj, "__dataclass_fields__"):
        return {name: _plain(getattr(obj, name)) for name in obj.__dataclass_fields__}
    if isinstance(obj, tuple | list):
        return [_plain(x) for x in obj]
    return obj


def _picture(data: Any) -> Picture | None:
    if data is None:
        return None
    return Picture(**{**data, "sources": tuple(data["sources"])})


# --- a provider


@dataclass(frozen=True)
class FollowUp:
    """One more request before the preview is known. ``read`` reads its answer; when the
    request fails and ``fallback`` is set, that preview is used instead."""

    request: UpstreamRequest
    read: Callable[[Ref, UpstreamResponse], Preview | FollowUp]
    fallback: Preview | None = None


Read = Callable[[Ref, UpstreamResponse], "Preview | FollowUp"]


@dataclass(frozen=True)
class Provider:
    name: str  # youtube, vimeo, peertube, fediverse, bluesky
    label: str  # YouTube
    kind: str  # video or post
    match: Callable[[SplitResult], Ref | None]
    request: Callable[[Ref], UpstreamRequest]
    read: Read
    # Fixed providers: scheme://host[:port] of the default API endpoint; the setting
    # API_BASE_<NAME> replaces scheme, host and port of every request and picture, and
    # only ``hosts`` may be asked. None: the provider lives on any host (PeerTube, the
    # fediverse), reached only through the address guard.
    api_base: str | None
    hosts: tuple[str, ...] = ()
    page_hosts: tuple[str, ...] = ()  # hosts of its content URLs (no other provider's)
    ttl: int = 86400  # how long a preview is fresh by default
    ttl_floor: int = 3600
    color: str = "#444444"
    note: str = ""
    max_steps: int = 3  # requests per preview at most (the first plus follow-ups)
    # Referrer-Policy of the player's frame. By default the provider learns nothing of
    # where it is embedded; a provider whose player refuses to play without a Referer
    # gets "strict-origin": this server's scheme://host only, never the page's address.
    player_referrer: str = "no-referrer"

    @property
    def any_host(self) -> bool:
        return self.api_base is None

    def may_fetch(self, url: str) -> bool:
        """Whether the server may ask ``url`` for this provider (https; a fixed
        provider's own hosts only)."""
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            return False
        if parts.username is not None or parts.password is not None:
            return False
        return self.any_host or parts.hostname in self.hosts


# --- helpers for read functions

_SPACE = re.compile(r"\s+")


def oembed_video(ref: Ref, data: dict[str, Any], site: str, **rest: Any) -> Preview:
    """A video's preview from its oEmbed answer ``data``: title and author from there, the
    link from ``ref``; ``rest`` (poster, aspect, player, duration) as the provider reads it.
    An answer without a title is no public video."""
    if not text_of(data.get("title")):
        raise Gone("no title: not a public video")
    return Preview(
        kind="video",
        link=ref.url,
        site=site,
        title=text_of(data.get("title")),
        author=text_of(data.get("author_name")),
        author_url=https_url(data.get("author_url")),
        **rest,
    )


def text_of(value: Any, limit: int = MAX_TITLE) -> str:
    """A single-line plain text from a JSON value: strings only, control characters and
    runs of white space collapsed, cut to ``limit`` characters."""
    if not isinstance(value, str):
        return ""
    cleaned = "".join(" " if (ord(c) < 32 or 0x7F <= ord(c) < 0xA0) else c for c in value)
    return short_text(_SPACE.sub(" ", cleaned).strip(), limit)


def short_text(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "\u2026"


def https_url(value: Any) -> str:
    """``value`` if it is an absolute https URL of sane length without user info, else ""."""
    if not isinstance(value, str) or len(value) > 2048 or not value.startswith("https://"):
        return ""
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in value):
        return ""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises for a bad port
    except ValueError:
        return ""
    if not parts.hostname or parts.username is not None or "@" in parts.netloc:
        return ""
    return value


def iso_time(value: Any) -> str:
    """An ISO 8601 timestamp as UTC ``YYYY-MM-DDTHH:MM:SSZ``; "" when unreadable."""
    if not isinstance(value, str) or len(value) > 40:
        return ""
    text = value.strip().replace(" ", "T", 1)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if not 1990 <= when.year <= 2200:
        return ""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def aspect_of(width: Any, height: Any, default: float = 16 / 9) -> float:
    """Width over height from two JSON numbers, kept between 1:3 and 3:1."""
    try:
        w, h = float(width), float(height)
    except (TypeError, ValueError):
        return default
    if not (math.isfinite(w) and math.isfinite(h)) or w <= 0 or h <= 0:
        return default
    return round(min(max(w / h, 1 / 3), 3.0), 4)


def whole_seconds(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or not 0 < value < 10 * 24 * 3600:
        return None
    return int(value)


def json_object(resp: UpstreamResponse) -> dict[str, Any]:
    data = resp.json()
    if not isinstance(data, dict):
        raise MalformedResponse("answer is not a JSON object")
    return data


def player_query(ref: Ref, fixed: Mapping[str, str], *passed: str) -> str:
    """A player's query string: ``fixed``, then those of the ``passed`` parameters that
    ``ref`` carries (a start time, a private video's hash)."""
    query = dict(fixed)
    query.update((name, ref.param(name)) for name in passed if ref.param(name))
    return urlencode(query)


def json_answer(resp: UpstreamResponse, gone: tuple[int, ...] = (401, 403, 404)) -> dict[str, Any]:
    """The JSON object of a 2xx answer. A ``gone`` status means the item is private,
    removed or may not be embedded (:class:`Gone`); another non-2xx is an upstream failure."""
    if resp.status in gone:
        raise Gone(f"HTTP {resp.status}")
    expect_ok(resp)
    return json_object(resp)
