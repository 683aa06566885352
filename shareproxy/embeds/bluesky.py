"""Bluesky posts (``bsky.app/profile/<handle or DID>/post/<id>``) through the public
AppView (``getPostThread``, no account needed); pictures from cdn.bsky.app and
video.bsky.app; after the click Bluesky's own embed from embed.bsky.app.

Authors who asked Bluesky not to show their posts to signed-out visitors (the
``!no-unauthenticated`` label) are respected: their posts are shown as a plain link.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import SplitResult, quote, urlencode

from .. import sanitize
from .base import (
    MAX_MEDIA,
    Gone,
    MalformedResponse,
    Media,
    Picture,
    Player,
    Preview,
    Provider,
    Ref,
    UpstreamRequest,
    UpstreamResponse,
    https_url,
    iso_time,
    json_answer,
    short_text,
    text_of,
)

API_BASE = "https://public.api.bsky.app"
EMBED = "https://embed.bsky.app"
HOSTS = ("public.api.bsky.app", "cdn.bsky.app", "video.bsky.app")
_HANDLE = re.compile(
    r"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$"
)
_DID = re.compile(r"^did:(plc:[a-z2-7]{24}|web:[a-z0-9.-]{3,253})$")
_RKEY = re.compile(r"^[A-Za-z0-9._:~-]{1,100}$")
PATH = re.compile(r"^/profile/([^/]{1,260})/post/([^/]{1,100})/?$")
SENSITIVE = {"porn", "sexual", "nudity", "graphic-media", "gore", "nsfl"}
HIDDEN = "!no-unauthenticated"
EMBED_HEIGHT = 360


def match(parts: SplitResult) -> Ref | None:
    if (parts.hostname or "").lower() not in ("bsky.app", "www.bsky.app"):
        return None
    found = PATH.match(parts.path)
    if not found:
        return None
    actor, rkey = found.group(1), found.group(2)
    actor = actor if actor.startswith("did:") else actor.lower()
    if not (_HANDLE.match(actor) or _DID.match(actor)) or not _RKEY.match(rkey):
        return None
    url = f"https://bsky.app/profile/{actor}/post/{rkey}"
    return Ref("bluesky", f"{actor}/{rkey}", url, rkey, params=(("actor", actor),))


def at_uri(ref: Ref) -> str:
    return f"at://{ref.param('actor')}/app.bsky.feed.post/{ref.id}"


def request(ref: Ref) -> UpstreamRequest:
    return UpstreamRequest(
        f"{API_BASE}/xrpc/app.bsky.feed.getPostThread",
        params={"uri": at_uri(ref), "depth": "0", "parentHeight": "0"},
    )


def char_ranges(text: str, facets: Any) -> list[tuple[int, int, str]]:
    """Links, mentions and tags of a post as (start, end, href) over characters (facets
    count UTF-8 bytes); facets that do not fall on character boundaries are skipped."""
    raw = text.encode("utf-8")
    out: list[tuple[int, int, str]] = []
    for facet in facets if isinstance(facets, list) else []:
        if not isinstance(facet, dict) or not isinstance(facet.get("index"), dict):
            continue
        start, end = facet["index"].get("byteStart"), facet["index"].get("byteEnd")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(raw)):
            continue
        try:
            a, b = len(raw[:start].decode()), len(raw[:end].decode())
        except UnicodeDecodeError:
            continue
        href = ""
        for feature in facet.get("features") or []:
            if not isinstance(feature, dict):
                continue
            kind = str(feature.get("$type", ""))
            if kind.endswith("#link"):
                href = sanitize_link(feature.get("uri"))
            elif kind.endswith("#mention") and _DID.match(str(feature.get("did", ""))):
                href = f"https://bsky.app/profile/{feature['did']}"
            elif kind.endswith("#tag") and isinstance(feature.get("tag"), str):
                tag = feature["tag"][:64]
                href = f"https://bsky.app/hashtag/{quote(tag, safe='')}"
            if href:
                break
        if href:
            out.append((a, b, href))
    return out


def sanitize_link(value: Any) -> str:
    if isinstance(value, str) and value.startswith("http://") and len(value) <= 2048:
        return value
    return https_url(value)


def _pictures(view: Any) -> list[Media]:
    """Thumbnails of an embed view: images, a video, or a link card."""
    if not isinstance(view, dict):
        return []
    kind = str(view.get("$type", ""))
    if kind == "app.bsky.embed.recordWithMedia#view":
        return _pictures(view.get("media"))
    if kind == "app.bsky.embed.images#view":
        out = []
        for image in view.get("images") or []:
            if isinstance(image, dict) and https_url(image.get("thumb")):
                alt = text_of(image.get("alt"), 1500)
                out.append(Media(Picture((image["thumb"],), "media", alt)))
        return out
    if kind == "app.bsky.embed.video#view" and https_url(view.get("thumbnail")):
        alt = text_of(view.get("alt"), 1500)
        return [Media(Picture((view["thumbnail"],), "media", alt), "video")]
    if kind == "app.bsky.embed.external#view" and isinstance(view.get("external"), dict):
        ext = view["external"]
        thumb = https_url(ext.get("thumb"))
        if thumb:
            title = text_of(ext.get("title"))
            target = sanitize_link(ext.get("uri"))
            return [Media(Picture((thumb,), "media", title), "link", title, target)]
    return []


def _labels(value: Any) -> set[str]:
    if not isinstance(value, list):
        return set()
    return {str(x.get("val")) for x in value if isinstance(x, dict)}


def read(ref: Ref, resp: UpstreamResponse) -> Preview:
    # 400 {"error": "NotFound"} for a deleted post or an unknown handle
    thread = json_answer(resp, gone=(400, 401, 403, 404)).get("thread")
    if not isinstance(thread, dict):
        raise MalformedResponse("answer has no thread")
    if not str(thread.get("$type", "")).endswith("#threadViewPost"):
        raise Gone("not found or blocked")  # notFoundPost, blockedPost
    post = thread.get("post")
    if not isinstance(post, dict) or not isinstance(post.get("author"), dict):
        raise MalformedResponse("thread has no post")
    author, record = post["author"], post.get("record")
    if not isinstance(record, dict):
        raise MalformedResponse("post has no record")
    if HIDDEN in _labels(author.get("labels")):
        raise Gone("the author shows posts to signed-in visitors only")
    raw_text = record.get("text")
    text = raw_text[:3000] if isinstance(raw_text, str) else ""
    body = sanitize.text_html(text, char_ranges(text, record.get("facets")))
    handle = text_of(author.get("handle"), 253)
    did = str(post.get("uri", "")).removeprefix("at://").split("/")[0]
    if not _DID.match(did):
        raise MalformedResponse("post has no DID in its uri")
    labels = _labels(post.get("labels")) | _labels(author.get("labels"))
    avatar = https_url(author.get("avatar"))
    media = _pictures(post.get("embed"))
    who = handle if _HANDLE.match(handle) else did
    link = f"https://bsky.app/profile/{who}/post/{ref.id}"
    query = urlencode({"id": "sp"})
    player = Player(
        f"{EMBED}/embed/{did}/app.bsky.feed.post/{ref.id}?{query}", (EMBED,), aspect=0,
        height=EMBED_HEIGHT, resize="bluesky",
    )  # fmt: skip
    return Preview(
        kind="post",
        link=link,
        site="Bluesky",
        title=short_text(" ".join(text.split()), 140),
        author=text_of(author.get("displayName")) or handle,
        handle=f"@{handle}" if handle else "",
        author_url=f"https://bsky.app/profile/{who}",
        published=iso_time(record.get("createdAt")),
        html=body,
        sensitive=bool(labels & SENSITIVE),
        avatar=Picture((avatar,), "avatar") if avatar else None,
        media=tuple(media[:MAX_MEDIA]),
        player=player,
    )


PROVIDER = Provider(
    name="bluesky", label="Bluesky", kind="post", color="#0a7aff",
    match=match, request=request, read=read, api_base=API_BASE, hosts=HOSTS,
    page_hosts=("bsky.app", "www.bsky.app"),
    ttl=3600, ttl_floor=300,
    note="the public AppView (no account); embed.bsky.app after the click",
)  # fmt: skip
