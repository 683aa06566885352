"""What embed providers answer, in their own shapes, for the tests.

The functions below build the answers (oEmbed documents, a Mastodon status, ActivityPub
objects, a Bluesky thread, pictures with metadata); :class:`FakeProviders` serves them
from a real local HTTP server that plays every provider at once, as ``fakes.py`` does for
the networks' count APIs. Paths of the providers do not collide, and instance providers
(PeerTube, fediverse servers) are told apart by the Host header the server receives.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local_server import LocalServer
from PIL import Image, ImageDraw

YOUTUBE_ID = "dQw4w9WgXcQ"
VIMEO_ID = "76979871"
PEERTUBE_HOST = "tube.example"
PEERTUBE_ID = "kkGMgK9ZtnKfYAgnEtQxbv"
MASTODON_HOST = "social.example"
STATUS_ID = "109364219296290339"
MISSKEY_HOST = "misskey.example"
NOTE_ID = "9x7abcdefg"
BSKY_HANDLE = "alice.bsky.social"
BSKY_DID = "did:plc:abcdefghijklmnopqrstuvwx"
BSKY_RKEY = "3l6oveex3ii2l"

HOSTILE_HTML = (
    '<p>Hello <script>alert("x")</script><img src=x onerror="alert(1)">'
    '<a href="javascript:alert(2)" onclick="alert(3)">click</a> '
    '<a href="https://example.org/page" style="position:fixed" class="u-url">page</a> '
    '<iframe src="https://evil.example/"></iframe><style>body{display:none}</style>'
    '<span class="invisible">https://</span><span class="ellipsis">example.org/very-long</span>'
    '<span class="invisible">-rest</span></p><!-- note --><form action="/x"><input></form>'
)


def youtube_oembed(video: str = YOUTUBE_ID, title: str = "Never Gonna <Give> You Up") -> dict:
    return {
        "title": title,
        "author_name": "Rick Astley",
        "author_url": "https://www.youtube.com/@RickAstleyYT",
        "type": "video",
        "height": 113,
        "width": 200,
        "version": "1.0",
        "provider_name": "YouTube",
        "provider_url": "https://www.youtube.com/",
        "thumbnail_height": 360,
        "thumbnail_width": 480,
        "thumbnail_url": f"https://i.ytimg.com/vi/{video}/hqdefault.jpg",
        "html": f'<iframe width="200" height="113" src="https://www.youtube.com/embed/{video}?feature=oembed"></iframe>',
    }


def vimeo_oembed(video: str = VIMEO_ID) -> dict:
    return {
        "type": "video",
        "version": "1.0",
        "provider_name": "Vimeo",
        "provider_url": "https://vimeo.com/",
        "title": "The New Vimeo Player (You Know, For Videos)",
        "author_name": "Vimeo",
        "author_url": "https://vimeo.com/staff",
        "is_plus": "0",
        "account_type": "enterprise",
        "html": (
            f'<iframe src="https://player.vimeo.com/video/{video}?app_id=122963" '
            'width="640" height="360"></iframe>'
        ),
        "width": 640,
        "height": 360,
        "duration": 62,
        "description": "It may look (mostly) the same on the surface, but under the hood…",
        "thumbnail_url": "https://i.vimeocdn.com/video/452001751-8216e0571c251a09d8e0e8a5-d_295x166",
        "thumbnail_width": 295,
        "thumbnail_height": 166,
        "thumbnail_url_with_play_button": "https://i.vimeocdn.com/filter/overlay?src0=x",
        "upload_date": "2013-10-15 14:08:29",
        "video_id": int(video),
        "uri": f"/videos/{video}",
    }


def peertube_oembed(host: str = PEERTUBE_HOST, video: str = PEERTUBE_ID) -> dict:
    return {
        "type": "video",
        "version": "1.0",
        "html": (
            f'<iframe width="560" height="315" sandbox="allow-same-origin allow-scripts '
            f'allow-popups allow-forms" title="A talk" src="https://{host}/videos/embed/'
            f'{video}" frameborder="0" allowfullscreen></iframe>'
        ),
        "width": 560,
        "height": 315,
        "title": "A talk about federated video",
        "author_name": "Conference channel",
        "author_url": f"https://{host}/c/conference",
        "provider_name": "PeerTube",
        "provider_url": f"https://{host}",
        "thumbnail_url": f"https://{host}/lazy-static/previews/{video}.jpg",
        "thumbnail_width": 850,
        "thumbnail_height": 480,
    }


def mastodon_status(
    host: str = MASTODON_HOST, status: str = STATUS_ID, content: str | None = None, **extra: Any
) -> dict:
    data = {
        "id": status,
        "created_at": "2026-03-01T09:30:00.000Z",
        "in_reply_to_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": f"https://{host}/users/alice/statuses/{status}",
        "url": f"https://{host}/@alice/{status}",
        "replies_count": 2,
        "reblogs_count": 5,
        "favourites_count": 9,
        "content": content
        if content is not None
        else (
            '<p>Two-click embeds are here! <a href="https://social.example/tags/privacy" '
            'class="mention hashtag" rel="tag">#<span>privacy</span></a></p>'
        ),
        "reblog": None,
        "account": {
            "id": "1",
            "username": "alice",
            "acct": "alice",
            "display_name": "Alice Example",
            "url": f"https://{host}/@alice",
            "avatar": f"https://{host}/system/accounts/avatars/alice.png",
            "avatar_static": f"https://{host}/system/accounts/avatars/alice_static.png",
        },
        "media_attachments": [
            {
                "id": "22",
                "type": "image",
                "url": f"https://{host}/system/media/original/photo.jpg",
                "preview_url": f"https://{host}/system/media/small/photo.jpg",
                "description": "A lighthouse at dusk",
                "meta": {"small": {"width": 400, "height": 300}},
            }
        ],
        "mentions": [],
        "tags": [{"name": "privacy"}],
        "emojis": [],
        "card": None,
        "poll": None,
    }
    data.update(extra)
    return data


def ap_note(host: str = MISSKEY_HOST, note: str = NOTE_ID) -> dict:
    return {
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "id": f"https://{host}/notes/{note}",
        "type": "Note",
        "attributedTo": f"https://{host}/users/9bob",
        "content": '<p>Hello from <b>Misskey</b> <a href="https://misskey.example/tags/fedi">#fedi</a></p>',
        "published": "2026-02-10T12:00:00.000Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "url": f"https://{host}/notes/{note}",
        "sensitive": False,
        "attachment": [
            {
                "type": "Document",
                "mediaType": "image/png",
                "url": f"https://{host}/files/cat.png",
                "name": "A cat",
            },
            {"type": "Document", "mediaType": "video/mp4", "url": f"https://{host}/files/v.mp4"},
        ],
    }


def ap_actor(host: str = MISSKEY_HOST) -> dict:
    return {
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "type": "Person",
        "id": f"https://{host}/users/9bob",
        "preferredUsername": "bob",
        "name": "Bob Builder",
        "url": f"https://{host}/@bob",
        "icon": {"type": "Image", "url": f"https://{host}/files/bob.webp"},
    }


def bluesky_thread(
    handle: str = BSKY_HANDLE, did: str = BSKY_DID, rkey: str = BSKY_RKEY, **post_extra: Any
) -> dict:
    text = "Café ☕ and a link: example.org/post and #tag"
    raw = text.encode()
    link_at = raw.index(b"example.org/post")
    tag_at = raw.index(b"#tag")
    post = {
        "uri": f"at://{did}/app.bsky.feed.post/{rkey}",
        "cid": "bafyreiaaaa",
        "author": {
            "did": did,
            "handle": handle,
            "displayName": "Alice 🌼",
            "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did}/bafkavatar@jpeg",
            "labels": [],
        },
        "record": {
            "$type": "app.bsky.feed.post",
            "createdAt": "2026-04-02T08:15:00.000Z",
            "langs": ["en"],
            "text": text,
            "facets": [
                {
                    "index": {"byteStart": link_at, "byteEnd": link_at + 16},
                    "features": [
                        {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.org/post"}
                    ],
                },
                {
                    "index": {"byteStart": tag_at, "byteEnd": tag_at + 4},
                    "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "tag"}],
                },
            ],
        },
        "embed": {
            "$type": "app.bsky.embed.images#view",
            "images": [
                {
                    "thumb": f"https://cdn.bsky.app/img/feed_thumbnail/plain/{did}/bafkimg@jpeg",
                    "fullsize": f"https://cdn.bsky.app/img/feed_fullsize/plain/{did}/bafkimg@jpeg",
                    "alt": "A sunrise",
                    "aspectRatio": {"width": 4, "height": 3},
                }
            ],
        },
        "replyCount": 1,
        "repostCount": 2,
        "likeCount": 3,
        "indexedAt": "2026-04-02T08:15:01.000Z",
        "labels": [],
    }
    post.update(post_extra)
    return {"thread": {"$type": "app.bsky.feed.defs#threadViewPost", "post": post, "replies": []}}


# --- pictures


def picture(
    width: int = 1280,
    height: int = 720,
    fmt: str = "JPEG",
    *,
    exif: bool = True,
    letterbox: bool = False,
    alpha: bool = False,
) -> bytes:
    """A test picture: a gradient with a marked centre, optionally with EXIF (camera,
    GPS position, a comment), an ICC profile and letterbox bars."""
    mode = "RGBA" if alpha else "RGB"
    im = Image.new(mode, (width, height), (40, 90, 160) + ((128,) if alpha else ()))
    draw = ImageDraw.Draw(im)
    for x in range(0, width, max(1, width // 32)):
        draw.rectangle([x, 0, x + width // 64, height], fill=(200, 120 + x % 100, 60))
    draw.ellipse([width // 3, height // 3, 2 * width // 3, 2 * height // 3], fill=(250, 250, 250))
    if letterbox:
        bar = height // 8
        draw.rectangle([0, 0, width, bar - 1], fill=(0, 0, 0))
        draw.rectangle([0, height - bar, width, height], fill=(0, 0, 0))
    out = io.BytesIO()
    options: dict[str, Any] = {}
    if exif and fmt in ("JPEG", "WEBP", "PNG"):
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        data[0x0110] = "Model X"  # Model
        data[0x9286] = "private comment"
        gps = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
        data[0x8825] = gps
        options["exif"] = data.tobytes()
        from PIL import ImageCms

        options["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    if fmt == "PNG":
        from PIL import PngImagePlugin

        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", "secret text chunk")
        options["pnginfo"] = info
    im.save(out, fmt, **options)
    return out.getvalue()


def scenery(width: int = 1280, height: int = 720, hue: int = 0) -> bytes:
    """A pleasant picture for screenshots: a dusk sky, a sun and layered hills."""
    sky_top = [(34, 40, 92), (18, 64, 96), (60, 30, 80)][hue % 3]
    sky_low = [(244, 160, 110), (250, 200, 140), (240, 130, 150)][hue % 3]
    im = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(im)
    for y in range(height):
        t = y / height
        colour = tuple(int(a + (b - a) * t) for a, b in zip(sky_top, sky_low, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    r = height // 7
    cx, cy = int(width * 0.68), int(height * 0.52)
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(255, 226, 170))
    import math

    for layer, (shade, base, amp) in enumerate(
        [((70, 52, 92), 0.62, 0.08), ((46, 36, 70), 0.72, 0.07), ((24, 20, 40), 0.84, 0.05)]
    ):
        points = [(0, height)]
        for x in range(0, width + 8, 8):
            wave = math.sin(x / width * (5 + layer * 2) + layer) * amp
            wave += math.sin(x / width * 17 + layer * 3) * amp / 3
            points.append((x, int(height * (base + wave))))
        points.append((width, height))
        draw.polygon(points, fill=shade)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90)
    return out.getvalue()


def avatar_art(size: int = 200) -> bytes:
    im = Image.new("RGB", (size, size), (92, 70, 200))
    draw = ImageDraw.Draw(im)
    draw.ellipse([size * 0.3, size * 0.18, size * 0.7, size * 0.58], fill=(250, 220, 190))
    draw.ellipse([size * 0.12, size * 0.62, size * 0.88, size * 1.3], fill=(250, 220, 190))
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def png_claiming(width: int, height: int, rows: int | None = None) -> bytes:
    """An RGB PNG whose header says width × height; its pixel data holds ``rows`` rows of
    black (all of them by default; few or none make a decompression bomb: a tiny file
    whose header claims a huge picture)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    rows = height if rows is None else rows
    raw = (b"\0" + b"\0" * (3 * width)) * rows
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 1))
        + chunk(b"IEND", b"")
    )


def bomb_png(side: int = 30_000) -> bytes:
    """A small PNG whose header claims side × side pixels (a decompression bomb)."""
    return png_claiming(side, side, rows=1)


def as_json(data: Any) -> bytes:
    return json.dumps(data).encode()


# --- the server

INSTANCE_HOSTS = (PEERTUBE_HOST, MASTODON_HOST, MISSKEY_HOST)


@dataclass
class Mode:
    """How a provider answers: ``typical``, ``error500``, ``not_found``, ``gone`` (401),
    ``rate_limited`` (429 with ``retry_after``), ``hang`` (``hang`` seconds), ``malformed``
    (not JSON), ``hostile`` (its metadata carries hostile HTML), and for pictures
    ``picture``: ``typical``, ``bomb``, ``svg``, ``missing`` (404); ``title``: a YouTube
    video's title other than the usual one."""

    mode: str = "typical"
    picture: str = "typical"
    retry_after: str = "120"
    hang: float = 30.0
    gate: threading.Event | None = None
    title: str | None = None


def provider_of(host: str, path: str) -> tuple[str, str]:
    """(provider, kind) a request is for: kind is ``meta`` or ``picture``."""
    if host in (PEERTUBE_HOST,):
        return "peertube", "meta" if path.startswith("/services/oembed") else "picture"
    if host in (MASTODON_HOST, MISSKEY_HOST):
        meta = path.startswith(("/api/v1/statuses/", "/notes/", "/users/", "/@"))
        return "fediverse", "meta" if meta else "picture"
    if path.startswith("/oembed"):
        return "youtube", "meta"
    if path.startswith("/vi/"):
        return "youtube", "picture"
    if path.startswith("/api/oembed.json"):
        return "vimeo", "meta"
    if path.startswith(("/video/", "/filter/")):
        return "vimeo", "picture"
    if path.startswith("/xrpc/app.bsky.feed.getPostThread"):
        return "bluesky", "meta"
    if path.startswith("/img/"):
        return "bluesky", "picture"
    return "unknown", "meta"


class FakeProviders(LocalServer):
    """Every embed provider at once; ``fake.set("youtube", "error500")``,
    ``fake.calls("youtube", "meta")``."""

    def __init__(self, pretty: bool = False) -> None:
        self.pretty = pretty  # pictures and titles for screenshots
        self.modes: dict[str, Mode] = {}
        self.hits: Counter[tuple[str, str]] = Counter()
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._lock = threading.Lock()
        super().__init__()

    def set(self, provider: str, mode: str = "typical", **kwargs: Any) -> Mode:
        found = Mode(mode=mode, **kwargs)
        with self._lock:
            self.modes[provider] = found
        return found

    def calls(self, provider: str | None = None, kind: str | None = None) -> int:
        with self._lock:
            return sum(
                n for (p, k), n in self.hits.items()
                if (provider is None or p == provider) and (kind is None or k == kind)
            )  # fmt: skip

    def resolve_map(self) -> str:
        """``SHAREPROXY_FEDIVERSE_RESOLVE`` sending every instance host here."""
        return ",".join(f"{host}={self.base}" for host in INSTANCE_HOSTS)

    def _reply(self, h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str,
               extra: dict[str, str] | None = None) -> None:  # fmt: skip
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(body)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        host = (h.headers.get("Host") or "").split(":")[0].lower()
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        provider, kind = provider_of(host, parts.path)
        with self._lock:
            self.hits[(provider, kind)] += 1
            self.requests.append((host, h.path, dict(h.headers)))
            mode = self.modes.get(provider, Mode())
        if mode.gate is not None:
            mode.gate.wait(30)
        if kind == "picture":
            self._picture(h, parts.path, mode)
            return
        if mode.mode == "hang":
            time.sleep(mode.hang)
        if mode.mode == "error500":
            return self._reply(h, 500, b"oops", "text/plain")
        if mode.mode == "not_found":
            return self._reply(h, 404, b'{"error": "not found"}', "application/json")
        if mode.mode == "gone":
            return self._reply(h, 401, b"Unauthorized", "text/plain")
        if mode.mode == "rate_limited":
            return self._reply(
                h, 429, b"slow down", "text/plain", {"Retry-After": mode.retry_after}
            )
        if mode.mode == "malformed":
            return self._reply(h, 200, b"<html>not json", "application/json")
        data = self._meta(provider, host, parts.path, query, mode)
        if data is None:
            return self._reply(h, 404, b'{"error": "no route"}', "application/json")
        ctype = (
            "application/activity+json"
            if "activity" in h.headers.get("Accept", "")
            else "application/json"
        )
        self._reply(h, 200, as_json(data), ctype)

    def _meta(self, provider: str, host: str, path: str, query: dict[str, str], mode: Mode) -> Any:
        hostile = mode.mode == "hostile"
        if provider == "youtube":
            video = query.get("url", "").rsplit("v=", 1)[-1][:11]
            if self.pretty:
                data = youtube_oembed(video, title="A slow walk along the coast at dusk")
                data["author_name"] = "Quiet Places"
                return data
            usual = mode.title or "Never Gonna <Give> You Up"
            return youtube_oembed(video, title=HOSTILE_HTML if hostile else usual)
        if provider == "vimeo":
            return vimeo_oembed(VIMEO_ID)
        if provider == "bluesky":
            thread = bluesky_thread()
            if hostile:
                thread["thread"]["post"]["record"]["text"] = HOSTILE_HTML
                thread["thread"]["post"]["record"]["facets"] = []
            return thread
        if provider == "peertube":
            data = peertube_oembed()
            if mode.mode == "ssrf":  # a hostile instance points the server at itself
                data["thumbnail_url"] = "https://169.254.169.254/latest/meta-data/x.jpg"
            return data
        if provider == "fediverse" and path.startswith("/api/v1/statuses/"):
            status = path.rsplit("/", 1)[-1]
            return mastodon_status(host, status, content=HOSTILE_HTML if hostile else None)
        if provider == "fediverse" and path.startswith("/notes/"):
            return ap_note(host, path.rsplit("/", 1)[-1])
        if provider == "fediverse" and path.startswith("/users/"):
            return ap_actor(host)
        return None

    def _picture(self, h: BaseHTTPRequestHandler, path: str, mode: Mode) -> None:
        if mode.picture == "missing" or (
            path.endswith("maxresdefault.jpg") and mode.picture == "sd"
        ):
            return self._reply(h, 404, b"", "image/jpeg")
        if mode.picture == "bomb":
            return self._reply(h, 200, bomb_png(30_000), "image/png")
        if mode.picture == "svg":
            svg = (
                b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
                b"<script>alert(2)</script></svg>"
            )
            return self._reply(h, 200, svg, "image/svg+xml")
        if self.pretty:
            avatar = "avatar" in path or path.endswith(("alice_static.png", "bob.webp"))
            body = avatar_art() if avatar else scenery(1280, 720, len(path))
            return self._reply(h, 200, body, "image/jpeg")
        if "avatar" in path or path.endswith(("alice_static.png", "bob.webp")):
            body = picture(200, 200, "PNG")
        elif "hqdefault" in path:
            body = picture(480, 360, letterbox=True)
        else:
            body = picture(1280, 720)
        self._reply(h, 200, body, "image/jpeg")
