"""Embed providers as pure functions: which URLs they take, the request they build, and
what they read from an answer (typical, gone, malformed, hostile)."""

from __future__ import annotations

import json
from typing import Any

import embed_fakes as F
import pytest

from shareproxy.embeds import NOT_OFFERED, PROVIDERS, NotEmbeddable, resolve
from shareproxy.embeds.base import (
    FollowUp,
    Gone,
    MalformedResponse,
    Preview,
    Ref,
    UpstreamResponse,
    iso_time,
    text_of,
)


def answer(data: Any, status: int = 200) -> UpstreamResponse:
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return UpstreamResponse(status, body, {"Content-Type": "application/json"})


def ref_of(url: str) -> Ref:
    return resolve(url)[1]


def preview_of(url: str, *answers: UpstreamResponse) -> Preview:
    """Run a provider's steps over the given answers, as the service does."""
    provider, ref = resolve(url)
    step: Preview | FollowUp = provider.read(ref, answers[0])
    for resp in answers[1:]:
        assert isinstance(step, FollowUp)
        step = step.read(ref, resp)
    assert isinstance(step, Preview), step
    return step


# --- which URLs belong to which provider

ACCEPTED = [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
    ("http://youtube.com/watch?v=dQw4w9WgXcQ&list=PL1", "youtube", "dQw4w9WgXcQ"),
    ("https://m.youtube.com/watch?v=dQw4w9WgXcQ&t=42", "youtube", "dQw4w9WgXcQ"),
    ("https://youtu.be/dQw4w9WgXcQ?si=tracking", "youtube", "dQw4w9WgXcQ"),
    ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
    ("https://www.youtube.com/embed/dQw4w9WgXcQ?start=10", "youtube", "dQw4w9WgXcQ"),
    ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
    ("https://www.youtube.com/live/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
    ("https://vimeo.com/76979871", "vimeo", "76979871"),
    ("https://vimeo.com/76979871/8272103f6e", "vimeo", "76979871/8272103f6e"),
    ("https://vimeo.com/channels/staffpicks/76979871", "vimeo", "76979871"),
    ("https://vimeo.com/groups/shortfilms/videos/76979871", "vimeo", "76979871"),
    ("https://player.vimeo.com/video/76979871?h=8272103f6e", "vimeo", "76979871/8272103f6e"),
    (
        f"https://{F.PEERTUBE_HOST}/w/{F.PEERTUBE_ID}",
        "peertube",
        f"{F.PEERTUBE_HOST}/{F.PEERTUBE_ID}",
    ),
    (
        "https://framatube.org/videos/watch/9c9de5e8-0a1e-484a-b099-e80766180a6d",
        "peertube",
        "framatube.org/9c9de5e8-0a1e-484a-b099-e80766180a6d",
    ),
    (f"https://{F.MASTODON_HOST}/@alice/{F.STATUS_ID}", "fediverse", None),
    (f"https://{F.MASTODON_HOST}/@bob@other.example/{F.STATUS_ID}", "fediverse", None),
    (f"https://{F.MASTODON_HOST}/users/alice/statuses/{F.STATUS_ID}", "fediverse", None),
    ("https://pleroma.example/notice/AbC123xyz", "fediverse", None),
    ("https://gts.example/@alice/statuses/01HQ3J7ZQ4W5Z8X9Y0ABCDEFGH", "fediverse", None),
    (f"https://{F.MISSKEY_HOST}/notes/{F.NOTE_ID}", "fediverse", None),
    (f"https://bsky.app/profile/{F.BSKY_HANDLE}/post/{F.BSKY_RKEY}", "bluesky", None),
    (f"https://bsky.app/profile/{F.BSKY_DID}/post/{F.BSKY_RKEY}", "bluesky", None),
]


@pytest.mark.parametrize(("url", "provider", "key"), ACCEPTED)
def test_accepted_urls(url: str, provider: str, key: str | None):
    found, ref = resolve(url)
    assert found.name == provider
    if key is not None:
        assert ref.key == key
    assert ref.url.startswith("https://")


REFUSED = [
    ("", "missing"),
    ("ftp://www.youtube.com/watch?v=dQw4w9WgXcQ", "https"),
    ("javascript:alert(1)", "https"),
    ("/watch?v=dQw4w9WgXcQ", "https"),
    ("https://www.youtube.com/watch?v=short", "YouTube"),
    ("https://www.youtube.com/@channel/123456", "YouTube"),  # a fixed host, never fediverse
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ\n", "control"),
    ("https://vimeo.com/about", "Vimeo"),
    ("https://bsky.app/profile/not a handle/post/x", "spaces"),
    ("https://bsky.app/profile/alice.bsky.social", "Bluesky"),
    ("https://example.org/article", "can embed"),
    ("https://x.com/someone/status/1234567890", "X posts are not offered"),
    ("https://twitter.com/someone/status/1234567890", "X posts are not offered"),
    ("https://www.facebook.com/watch?v=1", "Facebook"),
    (f"https://{F.PEERTUBE_HOST}:8443/w/{F.PEERTUBE_ID}", "can embed"),  # port: not public
    (f"https://user:pw@{F.MASTODON_HOST}/@alice/{F.STATUS_ID}", "can embed"),
    ("https://127.0.0.1/@alice/123", "can embed"),  # an address, not an instance name
    ("https://" + "a" * 2100, "longer"),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED)
def test_refused_urls_give_a_reason(url: str, reason: str):
    with pytest.raises(NotEmbeddable) as exc:
        resolve(url)
    message = str(exc.value)
    assert reason in message
    assert "\n" not in message and len(message) < 300


def test_a_provider_switched_off_is_refused_by_name():
    with pytest.raises(NotEmbeddable, match="YouTube embeds are switched off"):
        resolve(f"https://youtu.be/{F.YOUTUBE_ID}", enabled={"vimeo"})
    assert resolve(f"https://youtu.be/{F.YOUTUBE_ID}", enabled={"youtube"})[0].name == "youtube"


def test_x_is_documented_as_not_offered():
    assert "x" in NOT_OFFERED and "x.com" in NOT_OFFERED["x"][0]


def test_same_item_same_key_whatever_the_url_form():
    keys = {ref_of(u).key for u, p, _ in ACCEPTED if p == "youtube"}
    assert keys == {F.YOUTUBE_ID}


# --- YouTube


def test_youtube_request_and_preview():
    provider, ref = resolve(f"https://youtu.be/{F.YOUTUBE_ID}?t=1m30s")
    req = provider.request(ref)
    assert req.url == "https://www.youtube.com/oembed"
    assert req.params == {
        "url": f"https://www.youtube.com/watch?v={F.YOUTUBE_ID}",
        "format": "json",
    }
    p = provider.read(ref, answer(F.youtube_oembed()))
    assert isinstance(p, Preview)
    assert p.kind == "video" and p.title == "Never Gonna <Give> You Up"
    assert p.author == "Rick Astley" and p.site == "YouTube"
    assert p.link == f"https://www.youtube.com/watch?v={F.YOUTUBE_ID}&t=90s"
    assert p.poster is not None
    assert p.poster.sources == (
        f"https://i.ytimg.com/vi/{F.YOUTUBE_ID}/maxresdefault.jpg",
        f"https://i.ytimg.com/vi/{F.YOUTUBE_ID}/hqdefault.jpg",
    )
    assert p.poster.crop == pytest.approx(16 / 9)
    assert p.player is not None
    assert p.player.src.startswith(f"https://www.youtube-nocookie.com/embed/{F.YOUTUBE_ID}?")
    assert "start=90" in p.player.src and "autoplay=1" in p.player.src
    assert p.player.origins == ("https://www.youtube-nocookie.com",)


def test_youtube_shorts_are_upright():
    provider, ref = resolve(f"https://www.youtube.com/shorts/{F.YOUTUBE_ID}")
    p = provider.read(ref, answer(F.youtube_oembed()))
    assert isinstance(p, Preview)
    assert p.aspect == pytest.approx(9 / 16)
    assert p.link == f"https://www.youtube.com/shorts/{F.YOUTUBE_ID}"


@pytest.mark.parametrize("status", [401, 403, 404])
def test_youtube_unembeddable_or_missing_is_gone(status: int):
    provider, ref = resolve(f"https://youtu.be/{F.YOUTUBE_ID}")
    with pytest.raises(Gone):
        provider.read(ref, answer({"error": "x"}, status))


@pytest.mark.parametrize("body", [b"<html>", b"[1,2]", b'{"type": "video"}'])
def test_youtube_malformed_answers(body: bytes):
    provider, ref = resolve(f"https://youtu.be/{F.YOUTUBE_ID}")
    with pytest.raises((MalformedResponse, Gone)):
        provider.read(ref, answer(body))


# --- Vimeo


def test_vimeo_preview_asks_for_a_bigger_thumbnail_first():
    provider, ref = resolve("https://vimeo.com/76979871/8272103f6e")
    req = provider.request(ref)
    assert req.url == "https://vimeo.com/api/oembed.json"
    assert req.params == {"url": "https://vimeo.com/76979871/8272103f6e"}
    p = provider.read(ref, answer(F.vimeo_oembed()))
    assert isinstance(p, Preview) and p.poster is not None and p.player is not None
    assert p.poster.sources[0].endswith("-d_1280x720")
    assert p.poster.sources[1].endswith("-d_295x166")
    assert p.duration == 62
    assert p.aspect == pytest.approx(16 / 9, abs=1e-3)
    assert p.player.src.startswith("https://player.vimeo.com/video/76979871?")
    assert "dnt=1" in p.player.src and "h=8272103f6e" in p.player.src


# --- PeerTube


def test_peertube_uses_the_instance_oembed_and_turns_p2p_off():
    url = f"https://{F.PEERTUBE_HOST}/w/{F.PEERTUBE_ID}?start=30"
    provider, ref = resolve(url)
    req = provider.request(ref)
    assert req.url == f"https://{F.PEERTUBE_HOST}/services/oembed"
    assert req.params["url"] == f"https://{F.PEERTUBE_HOST}/w/{F.PEERTUBE_ID}"
    p = provider.read(ref, answer(F.peertube_oembed()))
    assert isinstance(p, Preview) and p.player is not None and p.poster is not None
    assert p.site == F.PEERTUBE_HOST
    assert p.player.src.startswith(f"https://{F.PEERTUBE_HOST}/videos/embed/{F.PEERTUBE_ID}?")
    assert "p2p=0" in p.player.src and "start=30" in p.player.src
    assert p.player.origins == (f"https://{F.PEERTUBE_HOST}",)
    assert p.poster.sources == (
        f"https://{F.PEERTUBE_HOST}/lazy-static/previews/{F.PEERTUBE_ID}.jpg",
    )


def test_peertube_ignores_an_iframe_pointing_elsewhere():
    data = F.peertube_oembed()
    data["html"] = (
        '<iframe src="https://evil.example/videos/embed/kkGMgK9ZtnKfYAgnEtQxbv"></iframe>'
    )
    provider, ref = resolve(f"https://{F.PEERTUBE_HOST}/w/{F.PEERTUBE_ID}")
    p = provider.read(ref, answer(data))
    assert isinstance(p, Preview) and p.player is not None
    assert p.player.src.startswith(f"https://{F.PEERTUBE_HOST}/videos/embed/")


def test_peertube_answer_that_is_no_video_is_malformed():
    provider, ref = resolve(f"https://{F.PEERTUBE_HOST}/w/{F.PEERTUBE_ID}")
    with pytest.raises(MalformedResponse):
        provider.read(ref, answer({"type": "rich", "title": "x"}))


# --- fediverse


MASTO = f"https://{F.MASTODON_HOST}/@alice/{F.STATUS_ID}"


def test_mastodon_status_through_the_api():
    provider, ref = resolve(MASTO)
    req = provider.request(ref)
    assert req.url == f"https://{F.MASTODON_HOST}/api/v1/statuses/{F.STATUS_ID}"
    p = preview_of(MASTO, answer(F.mastodon_status()))
    assert p.kind == "post" and p.site == F.MASTODON_HOST
    assert p.author == "Alice Example" and p.handle == f"@alice@{F.MASTODON_HOST}"
    assert p.published == "2026-03-01T09:30:00Z"
    assert "Two-click embeds are here!" in p.html
    assert p.avatar is not None and p.avatar.sources[0].endswith("alice_static.png")
    assert [m.picture.alt for m in p.media] == ["A lighthouse at dusk"]
    assert p.player is not None
    assert p.player.src == f"https://{F.MASTODON_HOST}/@alice/{F.STATUS_ID}/embed"
    assert p.player.resize == "mastodon"


def test_mastodon_hostile_html_is_neutralised():
    p = preview_of(MASTO, answer(F.mastodon_status(content=F.HOSTILE_HTML)))
    html = p.html
    for bad in ("<script", "onerror", "onclick", "javascript:", "<iframe", "<style", "<img",
                "style=", "<form", "<input", "<!--", 'class="u-url"'):  # fmt: skip
        assert bad not in html, bad
    assert (
        '<a href="https://example.org/page" target="_blank" rel="nofollow noopener noreferrer">'
        in html
    )
    assert '<span class="invisible">https://</span>' in html


def test_a_remote_post_seen_through_an_instance_has_no_embed():
    data = F.mastodon_status(url="https://elsewhere.example/@carol/42")
    p = preview_of(MASTO, answer(data))
    assert p.player is None
    assert p.link == "https://elsewhere.example/@carol/42"


def test_a_boost_shows_the_boosted_post():
    inner = F.mastodon_status(content="<p>the original</p>")
    p = preview_of(MASTO, answer(F.mastodon_status(reblog=inner, content="")))
    assert "the original" in p.html


@pytest.mark.parametrize("visibility", ["private", "direct"])
def test_non_public_posts_are_gone(visibility: str):
    provider, ref = resolve(MASTO)
    with pytest.raises(Gone):
        provider.read(ref, answer(F.mastodon_status(visibility=visibility)))


def test_content_warning_and_sensitive_media_are_kept():
    p = preview_of(MASTO, answer(F.mastodon_status(spoiler_text="Spoilers", sensitive=True)))
    assert p.warning == "Spoilers" and p.sensitive


def test_without_the_mastodon_api_the_activitypub_object_is_asked():
    url = f"https://{F.MASTODON_HOST}/@alice/{F.STATUS_ID}"
    provider, ref = resolve(url)
    step = provider.read(ref, answer({"error": "auth"}, 401))
    assert isinstance(step, FollowUp)
    assert step.request.url == url
    assert "application/activity+json" in step.request.headers["Accept"]


def test_misskey_note_and_its_author():
    url = f"https://{F.MISSKEY_HOST}/notes/{F.NOTE_ID}"
    provider, ref = resolve(url)
    req = provider.request(ref)
    assert req.url == url and "activity+json" in req.headers["Accept"]
    first = provider.read(ref, answer(F.ap_note()))
    assert isinstance(first, FollowUp)
    assert first.request.url == f"https://{F.MISSKEY_HOST}/users/9bob"
    assert first.fallback is not None and first.fallback.author == ""
    p = first.read(ref, answer(F.ap_actor()))
    assert isinstance(p, Preview)
    assert p.author == "Bob Builder" and p.handle == f"@bob@{F.MISSKEY_HOST}"
    assert p.avatar is not None and p.avatar.sources == (
        f"https://{F.MISSKEY_HOST}/files/bob.webp",
    )
    assert [m.picture.alt for m in p.media] == ["A cat"]  # the video has no picture
    assert "<b>Misskey</b>" in p.html
    assert p.player is None  # no standard embed outside Mastodon


def test_an_actor_that_fails_leaves_the_post_without_a_name():
    provider, ref = resolve(f"https://{F.MISSKEY_HOST}/notes/{F.NOTE_ID}")
    first = provider.read(ref, answer(F.ap_note()))
    assert isinstance(first, FollowUp)
    p = first.read(ref, answer(b"nope", 404))
    assert isinstance(p, Preview) and p.author == "" and "Misskey" in p.html


def test_an_object_claiming_another_server_is_refused():
    note = F.ap_note()
    note["id"] = "https://elsewhere.example/notes/1"
    provider, ref = resolve(f"https://{F.MISSKEY_HOST}/notes/{F.NOTE_ID}")
    with pytest.raises(MalformedResponse):
        provider.read(ref, answer(note))


def test_signed_fetch_only_servers_are_gone():
    provider, ref = resolve(f"https://{F.MISSKEY_HOST}/notes/{F.NOTE_ID}")
    with pytest.raises(Gone):
        provider.read(ref, answer(b"", 401))


# --- Bluesky


BSKY = f"https://bsky.app/profile/{F.BSKY_HANDLE}/post/{F.BSKY_RKEY}"


def test_bluesky_request():
    provider, ref = resolve(BSKY)
    req = provider.request(ref)
    assert req.url == "https://public.api.bsky.app/xrpc/app.bsky.feed.getPostThread"
    assert req.params["uri"] == f"at://{F.BSKY_HANDLE}/app.bsky.feed.post/{F.BSKY_RKEY}"
    assert req.params["depth"] == "0"


def test_bluesky_post_with_facets_counted_in_utf8_bytes():
    p = preview_of(BSKY, answer(F.bluesky_thread()))
    assert p.author == "Alice 🌼" and p.handle == f"@{F.BSKY_HANDLE}"
    assert (
        '<a href="https://example.org/post" target="_blank" '
        'rel="nofollow noopener noreferrer">example.org/post</a>' in p.html
    )
    assert '<a href="https://bsky.app/hashtag/tag"' in p.html and ">#tag</a>" in p.html
    assert p.html.startswith("<p>Café ☕ and a link: ")
    assert p.published == "2026-04-02T08:15:00Z"
    assert [m.picture.alt for m in p.media] == ["A sunrise"]
    assert p.player is not None
    assert p.player.src.startswith(
        f"https://embed.bsky.app/embed/{F.BSKY_DID}/app.bsky.feed.post/{F.BSKY_RKEY}?"
    )
    assert "ref_url" not in p.player.src  # the page's address is not handed over


def test_bluesky_respects_authors_hidden_from_signed_out_visitors():
    thread = F.bluesky_thread()
    thread["thread"]["post"]["author"]["labels"] = [{"val": "!no-unauthenticated"}]
    with pytest.raises(Gone):
        preview_of(BSKY, answer(thread))


@pytest.mark.parametrize("kind", ["notFoundPost", "blockedPost"])
def test_bluesky_missing_posts_are_gone(kind: str):
    provider, ref = resolve(BSKY)
    with pytest.raises(Gone):
        provider.read(ref, answer({"thread": {"$type": f"app.bsky.feed.defs#{kind}"}}))
    with pytest.raises(Gone):
        provider.read(ref, answer({"error": "NotFound", "message": "Post not found"}, 400))


def test_bluesky_adult_labels_hide_media():
    thread = F.bluesky_thread(labels=[{"val": "porn"}])
    assert preview_of(BSKY, answer(thread)).sensitive


def test_bluesky_facets_off_character_boundaries_are_skipped():
    thread = F.bluesky_thread()
    facets = thread["thread"]["post"]["record"]["facets"]
    facets[0]["index"] = {"byteStart": 4, "byteEnd": 5}  # inside "é"
    p = preview_of(BSKY, answer(thread))
    assert "example.org/post</a>" not in p.html and "example.org/post" in p.html


# --- the cached form and helpers


def test_preview_json_round_trip():
    p = preview_of(MASTO, answer(F.mastodon_status()))
    assert Preview.from_json(p.to_json()) == p
    with pytest.raises(ValueError):
        Preview.from_json(p.to_json().replace('"v":1', '"v":99'))
    with pytest.raises(ValueError):
        Preview.from_json("{}")
    with pytest.raises(ValueError):
        Preview.from_json("not json")


def test_text_and_time_helpers():
    assert text_of("a\u0000b\n\tc   d") == "a b c d"
    assert text_of(12) == ""
    assert text_of("x" * 400).endswith("\u2026") and len(text_of("x" * 400)) == 300
    assert iso_time("2026-03-01T09:30:00.000Z") == "2026-03-01T09:30:00Z"
    assert iso_time("2026-03-01T10:30:00+01:00") == "2026-03-01T09:30:00Z"
    assert iso_time("yesterday") == "" and iso_time(None) == ""


def test_every_provider_has_fixed_hosts_or_is_any_host():
    for provider in PROVIDERS.values():
        if provider.api_base is None:
            assert provider.hosts == () and provider.page_hosts == ()
        else:
            assert provider.api_base.removeprefix("https://") in provider.hosts
            assert provider.may_fetch(provider.api_base + "/x")
            assert not provider.may_fetch("https://evil.example/x")
            assert not provider.may_fetch(provider.api_base.replace("https", "http") + "/x")
