"""Vimeo: video pages (public and unlisted), channel, group, showcase and player URLs;
oEmbed for title, author, duration and thumbnail; after the click the player with
``dnt=1`` (Vimeo then sets no tracking cookies and records no session data)."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qs, urlsplit, urlunsplit

from .base import (
    Picture,
    Player,
    Preview,
    Provider,
    Ref,
    UpstreamRequest,
    UpstreamResponse,
    aspect_of,
    https_url,
    json_answer,
    oembed_video,
    player_query,
    whole_seconds,
)

API_BASE = "https://vimeo.com"
PLAYER = "https://player.vimeo.com"
HOSTS = ("vimeo.com", "i.vimeocdn.com")
PAGE_HOSTS = {"vimeo.com", "www.vimeo.com"}
_ID = r"(\d{1,12})"
_HASH = re.compile(r"^[0-9a-f]{6,20}$")
PATTERNS = [
    re.compile(rf"^/{_ID}(?:/([0-9a-f]{{6,20}}))?/?$"),
    re.compile(rf"^/channels/[\w-]{{1,100}}/{_ID}/?$"),
    re.compile(rf"^/groups/[\w-]{{1,100}}/videos/{_ID}/?$"),
    re.compile(rf"^/(?:album|showcase)/\d{{1,12}}/video/{_ID}/?$"),
]
# i.vimeocdn.com/video/<image>-d_640x360: the size is part of the name
_THUMB_SIZE = re.compile(r"(?<=_)\d{2,4}(?:x\d{2,4})?(?=(?:\.\w+)?$)")


def match(parts: SplitResult) -> Ref | None:
    host = (parts.hostname or "").lower()
    video, secret = "", ""
    if host in PAGE_HOSTS:
        for pattern in PATTERNS:
            found = pattern.match(parts.path)
            if found:
                video = found.group(1)
                secret = found.group(2) if found.lastindex and found.lastindex > 1 else ""
                break
    elif host == "player.vimeo.com":
        found = re.match(rf"^/video/{_ID}/?$", parts.path)
        if found:
            video = found.group(1)
            secret = (parse_qs(parts.query).get("h") or [""])[0]
    if not video:
        return None
    secret = secret if _HASH.match(secret or "") else ""
    url = f"https://vimeo.com/{video}" + (f"/{secret}" if secret else "")
    key = video + (f"/{secret}" if secret else "")
    return Ref("vimeo", key, url, video, params=(("h", secret),) if secret else ())


def request(ref: Ref) -> UpstreamRequest:
    return UpstreamRequest(f"{API_BASE}/api/oembed.json", params={"url": ref.url})


def bigger_thumbnail(url: str) -> str:
    """The same Vimeo thumbnail at 1280 pixels wide (the size is part of its name)."""
    parts = urlsplit(url)
    if not _THUMB_SIZE.search(parts.path):
        return ""
    return urlunsplit(parts._replace(path=_THUMB_SIZE.sub("1280x720", parts.path, count=1)))


def read(ref: Ref, resp: UpstreamResponse) -> Preview:
    data = json_answer(resp)  # 403: embedding restricted to other sites; 404: private or removed
    aspect = aspect_of(data.get("width"), data.get("height"))
    thumb = https_url(data.get("thumbnail_url"))
    poster = None
    if thumb:
        sources = tuple(dict.fromkeys(s for s in (bigger_thumbnail(thumb), thumb) if s))
        poster = Picture(sources, "poster", crop=aspect)
    query = player_query(ref, {"dnt": "1", "autoplay": "1"}, "h")
    player = Player(f"{PLAYER}/video/{ref.id}?{query}", (PLAYER,), aspect=aspect)
    duration = whole_seconds(data.get("duration"))
    return oembed_video(
        ref, data, "Vimeo", poster=poster, aspect=aspect, duration=duration, player=player
    )


PROVIDER = Provider(
    name="vimeo", label="Vimeo", kind="video", color="#1a7bb9",
    match=match, request=request, read=read, api_base=API_BASE, hosts=HOSTS,
    page_hosts=(*sorted(PAGE_HOSTS), "player.vimeo.com"),
    note="oEmbed (no key) and i.vimeocdn.com thumbnails; player with dnt=1",
)  # fmt: skip
