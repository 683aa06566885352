"""YouTube: watch, youtu.be, shorts, live and embed URLs; oEmbed for the title and channel,
the poster from i.ytimg.com, and after the click the player from youtube-nocookie.com."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qs

from .base import (
    Picture,
    Player,
    Preview,
    Provider,
    Ref,
    UpstreamRequest,
    UpstreamResponse,
    json_answer,
    oembed_video,
    player_query,
)

API_BASE = "https://www.youtube.com"
THUMBS = "https://i.ytimg.com"
PLAYER = "https://www.youtube-nocookie.com"
HOSTS = ("www.youtube.com", "i.ytimg.com")
WATCH_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"}
EMBED_HOSTS = {"youtube-nocookie.com", "www.youtube-nocookie.com"}
_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_START = re.compile(r"^(?:(\d{1,2})h)?(?:(\d{1,4})m)?(?:(\d{1,6})s?)?$")
MAX_START = 24 * 3600


def start_seconds(value: str) -> int:
    """``t=`` / ``start=`` as seconds: ``90``, ``90s``, ``1m30s``, ``1h2m3s``; 0 if unreadable."""
    found = _START.match(value.strip().lower()) if len(value) <= 20 else None
    if not found or not any(found.groups()):
        return 0
    h, m, s = (int(g) if g else 0 for g in found.groups())
    total = h * 3600 + m * 60 + s
    return total if 0 < total < MAX_START else 0


def match(parts: SplitResult) -> Ref | None:
    host = (parts.hostname or "").lower()
    path = parts.path
    query = parse_qs(parts.query)
    video = ""
    shorts = False
    if host in WATCH_HOSTS:
        if path in ("/watch", "/watch/"):
            video = (query.get("v") or [""])[0]
        else:
            for prefix in ("/shorts/", "/embed/", "/live/", "/v/"):
                if path.startswith(prefix):
                    video = path[len(prefix) :].split("/")[0]
                    shorts = prefix == "/shorts/"
                    break
    elif host == "youtu.be":
        video = path.strip("/").split("/")[0]
    elif host in EMBED_HOSTS and path.startswith("/embed/"):
        video = path[len("/embed/") :].split("/")[0]
    if not _ID.match(video):
        return None
    start = 0
    for name in ("t", "start"):
        if query.get(name):
            start = start_seconds(query[name][0])
            break
    if shorts:
        url = f"https://www.youtube.com/shorts/{video}"
    else:
        url = f"https://www.youtube.com/watch?v={video}" + (f"&t={start}s" if start else "")
    params: tuple[tuple[str, str], ...] = (("start", str(start)),) if start else ()
    if shorts:
        params += (("shorts", "1"),)
    return Ref("youtube", video, url, video, params=params)


def request(ref: Ref) -> UpstreamRequest:
    watch = f"https://www.youtube.com/watch?v={ref.id}"
    return UpstreamRequest(f"{API_BASE}/oembed", params={"url": watch, "format": "json"})


def read(ref: Ref, resp: UpstreamResponse) -> Preview:
    # 401: the owner does not allow embedding; 403/404: private, removed or unknown
    data = json_answer(resp)
    shorts = ref.param("shorts") == "1"
    aspect = 9 / 16 if shorts else 16 / 9
    base = f"{THUMBS}/vi/{ref.id}"
    poster = Picture(
        # maxresdefault exists for HD uploads only; hqdefault always, letterboxed in 4:3
        (f"{base}/maxresdefault.jpg", f"{base}/hqdefault.jpg"),
        "poster",
        crop=None if shorts else 16 / 9,
    )
    query = player_query(ref, {"autoplay": "1", "rel": "0"}, "start")
    player = Player(f"{PLAYER}/embed/{ref.id}?{query}", (PLAYER,), aspect=aspect)
    return oembed_video(ref, data, "YouTube", poster=poster, aspect=aspect, player=player)


PROVIDER = Provider(
    name="youtube", label="YouTube", kind="video", color="#cc0000",
    match=match, request=request, read=read, api_base=API_BASE, hosts=HOSTS,
    page_hosts=(*sorted(WATCH_HOSTS), "youtu.be", *sorted(EMBED_HOSTS)),
    # The player shows "Error 153" without a Referer (YouTube's terms require embedders to
    # identify themselves, since July 2025): it is told shareproxy's origin, not the page.
    player_referrer="strict-origin",
    note="oEmbed (no key) and i.ytimg.com thumbnails; player from youtube-nocookie.com",
)  # fmt: skip
