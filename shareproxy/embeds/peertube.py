"""PeerTube, on any instance: ``/w/<id>``, ``/videos/watch/<id>`` and ``/videos/embed/<id>``
URLs, confirmed and described by the instance's own oEmbed endpoint. The instance is a
host the page names, so every request goes through the address guard. After the click the
instance's player, with peer-to-peer streaming off: over WebRTC other viewers would learn
the visitor's address."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import SplitResult, parse_qs, urlsplit

from .base import (
    MalformedResponse,
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
    text_of,
    whole_seconds,
)
from .youtube import start_seconds

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_SHORT = r"[1-9A-HJ-NP-Za-km-z]{16,26}"  # base58 short UUID
_ID = rf"(?:{_UUID}|{_SHORT})"
PATH = re.compile(rf"^/(?:w|videos/watch|videos/embed)/({_ID})/?$")
_HOST = re.compile(
    r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$"
)


def instance_host(parts: SplitResult) -> str:
    """The host of a URL on a public instance: a DNS name on the default https port."""
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme != "https" or port not in (None, 443) or not _HOST.match(host):
        return ""
    if parts.username is not None or parts.password is not None:
        return ""
    return host


def match(parts: SplitResult) -> Ref | None:
    found = PATH.match(parts.path)
    host = instance_host(parts) if found else ""
    if not found or not host:
        return None
    video = found.group(1)
    query = parse_qs(parts.query)
    start = start_seconds((query.get("start") or query.get("t") or [""])[0])
    url = f"https://{host}/w/{video}"
    return Ref(
        "peertube", f"{host}/{video}", url, video, host, (("start", str(start)),) if start else ()
    )


def request(ref: Ref) -> UpstreamRequest:
    return UpstreamRequest(
        f"https://{ref.host}/services/oembed", params={"url": ref.url, "format": "json"}
    )


class _IframeSrc(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.src = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "iframe" and not self.src:
            self.src = dict(attrs).get("src") or ""


def embed_path(ref: Ref, html: object) -> str:
    """The player's path on the instance: from the oEmbed markup's iframe when it points
    at this instance's ``/videos/embed/``, else built from the URL's id."""
    if isinstance(html, str) and len(html) < 10_000:
        parser = _IframeSrc()
        parser.feed(html)
        src = urlsplit(https_url(parser.src))
        found = re.match(rf"^/videos/embed/({_ID})$", src.path)
        if src.hostname == ref.host and found:
            return f"/videos/embed/{found.group(1)}"
    return f"/videos/embed/{ref.id}"


def read(ref: Ref, resp: UpstreamResponse) -> Preview:
    data = json_answer(resp)
    if data.get("type") != "video":
        raise MalformedResponse("oEmbed answer is not a video")
    title = text_of(data.get("title"))
    if not title:
        raise MalformedResponse("oEmbed answer has no title")
    aspect = aspect_of(data.get("width"), data.get("height"))
    thumb = https_url(data.get("thumbnail_url"))
    query = player_query(ref, {"autoplay": "1", "p2p": "0"}, "start")
    origin = f"https://{ref.host}"
    src = f"{origin}{embed_path(ref, data.get('html'))}?{query}"
    return oembed_video(
        ref,
        data,
        ref.host,
        poster=Picture((thumb,), "poster", crop=aspect) if thumb else None,
        aspect=aspect,
        duration=whole_seconds(data.get("duration")),
        player=Player(src, (origin,), aspect=aspect),
    )


PROVIDER = Provider(
    name="peertube", label="PeerTube", kind="video", color="#c05a00",
    match=match, request=request, read=read, api_base=None,
    note="any instance, through its /services/oembed; player with p2p=0",
)  # fmt: skip
