"""Fediverse posts on any server: Mastodon and the servers that speak its API (Pleroma,
Akkoma, GoToSocial, Friendica …) through ``/api/v1/statuses/<id>``; Misskey and its forks
and any other ActivityPub server through the post's ActivityPub object (and its author's
actor for the name and avatar).

The server is a host the page names, so every request goes through the address guard. A
local Mastodon post gets Mastodon's own embed after the click; other software has no
standard embed, and their placeholder is the post itself with a link to it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial
from typing import Any
from urllib.parse import SplitResult, urlsplit

from .. import sanitize
from .base import (
    MAX_MEDIA,
    MAX_TEXT,
    FollowUp,
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
    expect_ok,
    https_url,
    iso_time,
    json_answer,
    json_object,
    short_text,
    text_of,
)
from .peertube import instance_host

_USER = r"[A-Za-z0-9_.-]{1,64}"
_DOMAIN = r"[A-Za-z0-9.-]{1,253}"
# (path pattern, whether the id works with the Mastodon API)
PATTERNS: tuple[tuple[re.Pattern[str], bool], ...] = (
    (re.compile(rf"^/@{_USER}(?:@{_DOMAIN})?/(\d{{1,30}})/?$"), True),  # Mastodon
    (re.compile(rf"^/users/{_USER}/statuses/(\d{{1,30}})/?$"), True),  # Mastodon, AP id
    (re.compile(r"^/notice/([0-9A-Za-z]{1,40})/?$"), True),  # Pleroma, Akkoma
    (re.compile(rf"^/@{_USER}/statuses/([0-9A-Z]{{26}})/?$"), True),  # GoToSocial
    (re.compile(r"^/notes/([0-9a-z]{8,40})/?$"), False),  # Misskey, Sharkey, Firefish …
    (re.compile(r"^/objects/([0-9a-f-]{36})/?$"), False),  # Pleroma, Akkoma objects
)
AP_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
POST_TYPES = {"Note", "Article", "Page", "Question"}
IMAGE_KINDS = {"image", "gifv", "video", "audio"}
EMBED_HEIGHT = 420  # a Mastodon embed's height before it reports its own


def match(parts: SplitResult) -> Ref | None:
    host = instance_host(parts)
    if not host:
        return None
    for pattern, api in PATTERNS:
        found = pattern.match(parts.path)
        if found:
            path = parts.path.rstrip("/")
            return Ref(
                "fediverse", f"{host}{path}", f"https://{host}{path}", found.group(1), host,
                (("api", "1" if api else ""),),
            )  # fmt: skip
    return None


def request(ref: Ref) -> UpstreamRequest:
    if ref.param("api"):
        return UpstreamRequest(
            f"https://{ref.host}/api/v1/statuses/{ref.id}", headers={"Accept": "application/json"}
        )
    return object_request(ref)


def object_request(ref: Ref) -> UpstreamRequest:
    return UpstreamRequest(ref.url, headers={"Accept": AP_ACCEPT})


def read(ref: Ref, resp: UpstreamResponse) -> Preview | FollowUp:
    """The answer to :func:`request`: the Mastodon API's, or the object's."""
    return read_status(ref, resp) if ref.param("api") else read_object(ref, resp)


def read_status(ref: Ref, resp: UpstreamResponse) -> Preview | FollowUp:
    """The Mastodon API's answer; a server without that API gets asked for the object."""
    if resp.status in (404, 410):
        raise Gone(f"HTTP {resp.status}")
    if resp.status in (400, 401, 403, 405, 406, 501):
        return FollowUp(object_request(ref), read_object)  # no public Mastodon API here
    expect_ok(resp)
    try:
        data = json_object(resp)
    except MalformedResponse:
        return FollowUp(object_request(ref), read_object)
    if not isinstance(data.get("account"), dict) or "content" not in data:
        return FollowUp(object_request(ref), read_object)
    return status_preview(ref, data)


def status_preview(ref: Ref, data: dict[str, Any]) -> Preview:
    if isinstance(data.get("reblog"), dict):
        data = data["reblog"]
    if data.get("visibility") not in (None, "public", "unlisted"):
        raise Gone("not a public post")
    account = data["account"]
    if not isinstance(account, dict):
        raise MalformedResponse("account is not an object")
    acct = text_of(account.get("acct"), 200)
    handle = ""
    if acct:
        handle = "@" + (acct if "@" in acct else f"{acct}@{ref.host}")
    avatar = https_url(account.get("avatar_static")) or https_url(account.get("avatar"))
    media = [m for m in map(_attachment, _list(data.get("media_attachments"))) if m]
    card = data.get("card")
    if not media and isinstance(card, dict) and https_url(card.get("image")):
        media.append(
            Media(
                Picture((https_url(card.get("image")),), "media", text_of(card.get("title"))),
                kind="link",
                title=text_of(card.get("title")),
                url=https_url(card.get("url")),
            )
        )
    link = https_url(data.get("url")) or ref.url
    username = text_of(account.get("username"), 200)
    player = None
    local = f"https://{ref.host}/@{username}/{text_of(data.get('id'), 40)}"
    if username and link == local:  # a post of this Mastodon server: its embed exists
        player = Player(
            f"{local}/embed", (f"https://{ref.host}",), aspect=0, height=EMBED_HEIGHT,
            resize="mastodon",
        )  # fmt: skip
    body = sanitize.post_html(data.get("content") or "")
    return Preview(
        kind="post",
        link=link,
        site=ref.host,
        title=short_text(sanitize.plain_text(body), 140),
        author=text_of(account.get("display_name")) or username,
        handle=handle,
        author_url=https_url(account.get("url")),
        published=iso_time(data.get("created_at")),
        html=_cut(body),
        warning=text_of(data.get("spoiler_text"), 500),
        sensitive=data.get("sensitive") is True,
        avatar=Picture((avatar,), "avatar") if avatar else None,
        media=tuple(media[:MAX_MEDIA]),
        player=player,
    )


def _attachment(item: Any) -> Media | None:
    if not isinstance(item, dict) or item.get("type") not in IMAGE_KINDS:
        return None
    preview = https_url(item.get("preview_url"))
    if not preview:
        return None
    return Media(Picture((preview,), "media", text_of(item.get("description"), 1500)), item["type"])


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _cut(body: str) -> str:
    """A body beyond MAX_TEXT characters of text is shortened to its first paragraphs."""
    if len(sanitize.plain_text(body)) <= MAX_TEXT:
        return body
    kept: list[str] = []
    size = 0
    for para in re.findall(r"<p>.*?</p>", body, re.S):
        size += len(sanitize.plain_text(para))
        if size > MAX_TEXT:
            break
        kept.append(para)
    return "".join(kept) + "<p>\u2026</p>"


# --- ActivityPub


def read_object(ref: Ref, resp: UpstreamResponse) -> Preview | FollowUp:
    if resp.status in (401, 403):
        raise Gone("the server shows its posts to signed requests only")
    data = json_answer(resp, gone=(404, 410))
    if data.get("type") == "Create" and isinstance(data.get("object"), dict):
        data = data["object"]
    if data.get("type") not in POST_TYPES:
        raise MalformedResponse("not a post object")
    ident = urlsplit(https_url(data.get("id")))
    if ident.hostname != ref.host:
        raise MalformedResponse("the object belongs to another server")
    content = data.get("content")
    if not isinstance(content, str) and isinstance(data.get("contentMap"), dict):
        content = next((v for v in data["contentMap"].values() if isinstance(v, str)), "")
    body = sanitize.post_html(content or "")
    media = [m for m in map(_ap_attachment, _as_list(data.get("attachment"))) if m]
    preview = Preview(
        kind="post",
        link=_link(data.get("url")) or ref.url,
        site=ref.host,
        title=short_text(sanitize.plain_text(body), 140),
        published=iso_time(data.get("published")),
        html=_cut(body),
        warning=text_of(data.get("summary"), 500),
        sensitive=data.get("sensitive") is True,
        media=tuple(media[:MAX_MEDIA]),
    )
    actor = _link(data.get("attributedTo"))
    if urlsplit(actor).hostname != ref.host:
        return preview  # an author elsewhere is not asked for: shown without a name
    return FollowUp(
        UpstreamRequest(actor, headers={"Accept": AP_ACCEPT}),
        partial(read_actor, preview),
        fallback=preview,
    )


def read_actor(preview: Preview, ref: Ref, resp: UpstreamResponse) -> Preview:
    if resp.status != 200:
        return preview
    try:
        data = json_object(resp)
    except MalformedResponse:
        return preview
    username = text_of(data.get("preferredUsername"), 64)
    icon = data.get("icon")
    if isinstance(icon, list):
        icon = icon[0] if icon else None
    avatar = https_url(icon.get("url")) if isinstance(icon, dict) else ""
    return replace(
        preview,
        author=text_of(data.get("name")) or username,
        handle=f"@{username}@{ref.host}" if username else "",
        author_url=_link(data.get("url")) or https_url(data.get("id")),
        avatar=Picture((avatar,), "avatar") if avatar else None,
    )


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, dict) else []


def _link(value: Any) -> str:
    """An https URL from an ActivityStreams ``url``: a string, a Link, or a list of them
    (the first text/html one preferred)."""
    if isinstance(value, str):
        return https_url(value)
    if isinstance(value, dict):
        return https_url(value.get("href"))
    if isinstance(value, list):
        links = [v for v in value if isinstance(v, str | dict)]
        html = [v for v in links if isinstance(v, dict) and v.get("mediaType") == "text/html"]
        for item in html + links:
            found = _link(item)
            if found:
                return found
    return ""


def _ap_attachment(item: Any) -> Media | None:
    if not isinstance(item, dict) or item.get("type") not in ("Document", "Image"):
        return None
    kind = str(item.get("mediaType") or "")
    if not kind.startswith("image/"):
        return None
    url = _link(item.get("url"))
    if not url:
        return None
    return Media(Picture((url,), "media", text_of(item.get("name"), 1500)), "image")


PROVIDER = Provider(
    name="fediverse", label="Fediverse", kind="post", color="#563acc",
    match=match, request=request, read=read, api_base=None,
    ttl=3600, ttl_floor=300,
    note="any server: the Mastodon API, else the ActivityPub object",
)  # fmt: skip
