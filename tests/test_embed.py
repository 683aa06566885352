"""``/embed``: placeholders from shareproxy alone, the provider only after the click, and
previews cached like counts (one upstream call, stale-while-revalidate, stale-if-error,
circuits, a deadline, a bounded store). Every provider is the local fake of
``embed_fakes.py``."""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from typing import Any

import embed_fakes as F
import pytest
from flask import Flask
from PIL import Image

from shareproxy import i18n

YOUTUBE = f"https://www.youtube.com/watch?v={F.YOUTUBE_ID}"
VIMEO = f"https://vimeo.com/{F.VIMEO_ID}"
BLUESKY = f"https://bsky.app/profile/{F.BSKY_HANDLE}/post/{F.BSKY_RKEY}"
PEERTUBE = f"https://{F.PEERTUBE_HOST}/w/{F.PEERTUBE_ID}"
MASTODON = f"https://{F.MASTODON_HOST}/@alice/{F.STATUS_ID}"
MISSKEY = f"https://{F.MISSKEY_HOST}/notes/{F.NOTE_ID}"
FIXED = {"youtube": YOUTUBE, "vimeo": VIMEO, "bluesky": BLUESKY}
ALL = {**FIXED, "peertube": PEERTUBE, "fediverse": MASTODON}
ORIGINS = {
    "youtube": "https://www.youtube-nocookie.com",
    "vimeo": "https://player.vimeo.com",
    "bluesky": "https://embed.bsky.app",
    "peertube": f"https://{F.PEERTUBE_HOST}",
    "fediverse": f"https://{F.MASTODON_HOST}",
}


@pytest.fixture
def providers() -> Iterator[F.FakeProviders]:
    server = F.FakeProviders()
    yield server
    server.close()


@pytest.fixture
def embed_app(make_app: Callable[..., Flask], providers: F.FakeProviders) -> Callable[..., Flask]:
    def make(**overrides: Any) -> Flask:
        config: dict[str, Any] = {
            "API_BASE_YOUTUBE": providers.base,
            "API_BASE_VIMEO": providers.base,
            "API_BASE_BLUESKY": providers.base,
            "FEDIVERSE_RESOLVE": providers.resolve_map(),
            "EMBED_DEADLINE": 20,  # the fake answers at once; a loaded machine may not
        }
        config.update(overrides)
        return make_app(**config)

    return make


def get(app: Flask, url: str, **params: str) -> Any:
    return app.test_client().get("/embed", query_string={"url": url, **params})


def image_urls(html: str) -> list[str]:
    return sorted(set(re.findall(r'(?:src|srcset)="(/embed/image/[0-9a-f]{32}\.\w+)"', html)))


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    """Nothing in the page runs but our own script: no handler attributes, no scripts,
    frames, objects or styles from elsewhere, no javascript: links."""
    parser = Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        assert tag not in ("iframe", "object", "embed", "style", "form", "base", "meta") or (
            tag == "meta" and set(attrs) <= {"charset", "name", "content"}
        ), (tag, attrs)
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/assets/"), attrs
        for name in ("href", "src", "srcset", "action"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)


def csp(resp: Any) -> dict[str, str]:
    out = {}
    for part in resp.headers["Content-Security-Policy"].split(";"):
        name, _, value = part.strip().partition(" ")
        out[name] = value
    return out


# --- before the click


@pytest.mark.parametrize("name", sorted(ALL))
def test_placeholder_comes_from_shareproxy_alone(
    embed_app: Callable[..., Flask], providers: F.FakeProviders, name: str
):
    app = embed_app()
    resp = get(app, ALL[name], lang="en")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    policy = csp(resp)
    assert policy["default-src"] == "'none'"
    assert policy["frame-src"] == "'none'"
    assert policy["img-src"] == "'self'" and policy["script-src"] == "'self'"
    # nothing in the page points anywhere but here, except links the visitor may follow
    for attr, value in re.findall(r'\b(src|srcset|href)="([^"]+)"', html):
        if attr == "href" and value.startswith("https://"):
            continue  # "open on …" and links inside a post: navigation on click only
        assert value.startswith("/"), (attr, value)
    assert "iframe" not in html
    assert "Nothing has been loaded from" in html
    assert providers.calls(name, "meta") == 1
    assert resp.headers.get("Set-Cookie") is None
    assert resp.headers["Referrer-Policy"] == "no-referrer"


def test_youtube_placeholder_shows_title_author_poster_and_notice(
    embed_app: Callable[..., Flask],
):
    html = get(embed_app(), YOUTUBE, lang="en").get_data(as_text=True)
    assert "Never Gonna &lt;Give&gt; You Up" in html  # escaped, never markup
    assert "Rick Astley" in html
    assert "www.youtube-nocookie.com" in html and "YouTube" in html
    assert "data-activate" in html
    assert f'href="{YOUTUBE}"' in html  # "Open on YouTube"
    urls = image_urls(html)
    assert {u.rsplit(".", 1)[1] for u in urls} == {"avif", "webp", "jpg"}


@pytest.mark.parametrize("name", sorted(ALL))
def test_pictures_are_served_by_shareproxy_without_metadata(
    embed_app: Callable[..., Flask], name: str
):
    app = embed_app()
    client = app.test_client()
    html = get(app, ALL[name]).get_data(as_text=True)
    urls = image_urls(html)
    assert urls
    for url in urls:
        resp = client.get(url)
        assert resp.status_code == 200
        ext = url.rsplit(".", 1)[1]
        assert resp.mimetype == {"avif": "image/avif", "webp": "image/webp", "jpg": "image/jpeg",
                                 "png": "image/png"}[ext]  # fmt: skip
        assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert resp.headers["Cross-Origin-Resource-Policy"] == "same-origin"
        data = resp.get_data()
        for secret in (b"SecretCam", b"private comment", b"Exif", b"secret text chunk"):
            assert secret not in data
        im = Image.open(io.BytesIO(data))
        assert dict(im.getexif()) == {}
        assert im.width <= 1280 and im.height <= 720


def test_youtube_poster_falls_back_to_the_letterboxed_thumbnail_and_cuts_it(
    embed_app: Callable[..., Flask], providers: F.FakeProviders
):
    providers.set("youtube", picture="sd")  # no maxresdefault for this upload
    app = embed_app()
    html = get(app, YOUTUBE).get_data(as_text=True)
    jpg = next(u for u in image_urls(html) if u.endswith(".jpg"))
    im = Image.open(io.BytesIO(app.test_client().get(jpg).get_data())).convert("RGB")
    assert abs(im.width / im.height - 16 / 9) < 0.02
    assert sum(im.getpixel((im.width // 2, 2))) > 60  # the black bar was cut off
    assert providers.calls("youtube", "picture") == 2


def test_unknown_image_names_are_404(embed_app: Callable[..., Flask]):
    client = embed_app().test_client()
    for name in ("0" * 32 + ".jpg", "0" * 32 + ".gif", "../../etc/passwd", "x.jpg", "0" * 32):
        assert client.get(f"/embed/image/{name}").status_code == 404


# --- after the click


@pytest.mark.parametrize("name", sorted(ALL))
def test_the_click_widens_the_policy_to_that_provider_only(
    embed_app: Callable[..., Flask], name: str
):
    app = embed_app()
    resp = get(app, ALL[name], activate="1", lang="de")
    html = resp.get_data(as_text=True)
    policy = csp(resp)
    assert policy["frame-src"] == ORIGINS[name]
    assert policy["script-src"] == "'self'" and policy["img-src"] == "'self'"
    frames = re.findall(r'<iframe[^>]* src="([^"]+)"', html)
    assert len(frames) == 1 and frames[0].startswith(ORIGINS[name] + "/")
    # the provider is not told where it is embedded; YouTube's player, which refuses to
    # play without a Referer, hears this server's origin, never the page's address
    policy_of_frame = "strict-origin" if name == "youtube" else "no-referrer"
    assert f'referrerpolicy="{policy_of_frame}"' in html
    assert "data-remember" in html and "data-forget" in html


def test_player_features_are_allowed_only_after_the_click(embed_app: Callable[..., Flask]):
    app = embed_app()
    before = get(app, YOUTUBE).headers["Permissions-Policy"]
    assert "fullscreen=()" in before and "autoplay=()" in before
    after = get(app, YOUTUBE, activate="1").headers["Permissions-Policy"]
    for feature in ("autoplay", "fullscreen", "encrypted-media", "picture-in-picture"):
        assert f'{feature}=(self "https://www.youtube-nocookie.com")' in after
    assert "camera=()" in after and "geolocation=()" in after


def test_players_are_the_private_ones(embed_app: Callable[..., Flask]):
    app = embed_app()
    yt = get(app, YOUTUBE + "&t=1m5s", activate="1", lang="fr").get_data(as_text=True)
    assert f"https://www.youtube-nocookie.com/embed/{F.YOUTUBE_ID}?" in yt
    assert "start=65" in yt and "hl=fr" in yt
    vimeo = get(app, VIMEO, activate="1").get_data(as_text=True)
    assert "dnt=1" in vimeo
    bsky = get(app, BLUESKY, activate="1").get_data(as_text=True)
    assert f"https://embed.bsky.app/embed/{F.BSKY_DID}/app.bsky.feed.post/{F.BSKY_RKEY}" in bsky
    assert "ref_url" not in bsky


def test_peertube_player_streams_without_peer_to_peer(embed_app: Callable[..., Flask]):
    html = get(embed_app(), PEERTUBE, activate="1").get_data(as_text=True)
    assert f"https://{F.PEERTUBE_HOST}/videos/embed/{F.PEERTUBE_ID}?" in html and "p2p=0" in html


def test_mastodon_post_is_sanitised_and_its_embed_resizes(
    embed_app: Callable[..., Flask], providers: F.FakeProviders
):
    providers.set("fediverse", "hostile")
    app = embed_app()
    html = get(app, MASTODON).get_data(as_text=True)
    assert_inert(html)
    assert (
        '<a href="https://example.org/page" target="_blank" rel="nofollow noopener noreferrer">'
        in html
    )
    assert "Alice Example" in html and f"@alice@{F.MASTODON_HOST}" in html
    assert "A lighthouse at dusk" in html  # the picture's description is its alt text
    after = get(app, MASTODON, activate="1").get_data(as_text=True)
    assert f'src="https://{F.MASTODON_HOST}/@alice/{F.STATUS_ID}/embed"' in after
    assert 'data-resize="mastodon"' in after


def test_a_misskey_note_has_no_embed_and_says_what_the_link_does(
    embed_app: Callable[..., Flask], providers: F.FakeProviders
):
    app = embed_app()
    resp = get(app, MISSKEY, lang="en")
    html = resp.get_data(as_text=True)
    assert 'data-state="placeholder"' in html and "Bob Builder" in html
    assert "<b>Misskey</b>" in html
    assert "data-activate" not in html  # nothing to load: the post is shown already
    assert "Opening the post connects your browser to" in html
    assert providers.calls("fediverse", "meta") == 2  # the note, then its author
    # activating something without a player changes nothing
    again = get(app, MISSKEY, activate="1")
    assert csp(again)["frame-src"] == "'none'"


def test_instance_hosts_are_reached_only_through_the_address_guard(
    embed_app: Callable[..., Flask], providers: F.FakeProviders
):
    app = embed_app()
    # not in the resolve map: the guard resolves it itself (no DNS here) and refuses
    resp = get(app, "https://unmapped.invalid/w/kkGMgK9ZtnKfYAgnEtQxbv")
    assert 'data-state="unavailable"' in resp.get_data(as_text=True)
    assert providers.calls() == 0


def test_a_picture_pointing_at_a_private_address_is_never_fetched(
    embed_app: Callable[..., Flask], providers: F.FakeProviders
):
    providers.set("peertube", "ssrf")
    html = get(embed_app(), PEERTUBE).get_data(as_text=True)
    assert 'data-state="placeholder"' in html and "sp-noposter" in html
    assert providers.calls("peertube", "picture") == 0


# --- what cannot be embedded


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://example.org/article", "not a video or post"),
        ("https://x.com/someone/status/1", "X posts are not offered"),
        ("javascript:alert(1)", "https"),
        ("", "missing"),
    ],
)
def test_unsupported_urls_get_400_with_a_one_line_reason(
    embed_app: Callable[..., Flask], providers: F.FakeProviders, url: str, reason: str
):
    resp = get(embed_app(), url)
    assert resp.status_code == 400
    assert resp.mimetype == "text/html"  # a visitor may see it in a frame: no raw JSON
    assert resp.headers["Cache-Control"] == "no-store"
    html = resp.get_data(as_text=True)
    line = re.search(r'<p class="sp-reason"[^>]*>(.*?)</p>', html)
    assert line is not None and reason in line.group(1) and "\n" not in line.group(1)
    assert providers.calls() == 0


def test_a_refusal_speaks_the_visitors_language_in_the_frames_theme(
    embed_app: Callable[..., Flask],
):
    """A visitor may see the refusal in a frame on a dark German page: it says in German
    that the content cannot be shown (the reason stays one English line) and is drawn in
    the dark theme, not dark text on a dark page."""
    client = embed_app().test_client()
    resp = client.get(
        "/embed", query_string={"url": "https://x.com/a/status/1", "lang": "de", "theme": "dark"}
    )
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert '<body class="sp-t-dark">' in html and 'lang="de"' in html
    wording = i18n.translator("de").gettext("This content cannot be shown here.")
    assert wording != "This content cannot be shown here." and wording in html
    assert re.search(r'<p class="sp-reason" lang="en" dir="ltr">X posts are not offered', html)
    bad_theme = client.get("/embed", query_string={"url": YOUTUBE, "theme": "neon"})
    assert bad_theme.status_code == 400 and '<body class="sp-t-color">' in bad_theme.text


def test_hostile_parameters_are_refused_without_reflection(embed_app: Callable[..., Flask]):
    client = embed_app().test_client()
    evil = '"><script>alert(1)</script>'
    for query in (
        {"url": YOUTUBE, "theme": evil},
        {"url": YOUTUBE, "lang": evil},
        {"url": YOUTUBE, "origin": evil},
        {"url": "https://example.org/" + evil},
    ):
        resp = client.get("/embed", query_string=query)
        assert resp.status_code == 400
        assert "<script>alert(1)" not in resp.get_data(as_text=True)
    resp = client.get(f"/embed?url={YOUTUBE}&url={VIMEO}")
    assert resp.status_code == 400


def test_switched_off_provider_is_refused(embed_app: Callable[..., Flask]):
    app = embed_app(EMBED_PROVIDERS="vimeo,bluesky")
    resp = get(app, YOUTUBE)
    assert resp.status_code == 400
    assert "YouTube embeds are switched off" in resp.get_data(as_text=True)
    assert get(app, VIMEO).status_code == 200


@pytest.mark.parametrize("mode", ["not_found", "gone"])
def test_an_item_that_is_gone_shows_a_link_and_is_not_asked_again_soon(
    embed_app: Callable[..., Flask], providers: F.FakeProviders, mode: str
):
    providers.set("youtube", mode)
    app = embed_app()
    for _ in range(3):
        resp = get(app, YOUTUBE)
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        assert 'data-state="unavailable"' in html
        assert f'href="{YOUTUBE}"' in html
        assert resp.headers["Cache-Control"] == "no-store"
        assert "data-activate" not in html
    assert providers.calls("youtube", "meta") == 1


@pytest.mark.parametrize("mode", ["error500", "malformed"])
def test_a_failing_provider_leaves_a_plain_link(
    embed_app: Callable[..., Flask], providers: F.FakeProviders, mode: str
):
    providers.set("vimeo", mode)
    html = get(embed_app(), VIMEO).get_data(as_text=True)
    assert 'data-state="unavailable"' in html and f'href="{VIMEO}"' in html


def test_hostile_pictures_are_dropped_and_the_placeholder_stays(
    embed_app: Callable[..., Flask], providers: F.FakeProviders, tmp_path: Any
):
    for mode in ("bomb", "svg"):
        providers.set("youtube", picture=mode)
        providers.set("bluesky", picture=mode)
        app = embed_app(STORE=f"sqlite:///{tmp_path / mode}.db")
        yt = get(app, YOUTUBE).get_data(as_text=True)
        assert 'data-state="placeholder"' in yt and "sp-noposter" in yt
        assert image_urls(yt) == []
        bsky = get(app, BLUESKY).get_data(as_text=True)
        assert 'data-state="placeholder"' in bsky and "sp-noavatar" in bsky
        assert image_urls(bsky) == []
        assert_inert(yt)
        assert_inert(bsky)


def test_hostile_post_text_is_shown_as_text(
    embed_app: Callable[..., Flask], providers: F.FakeProviders
):
    providers.set("bluesky", "hostile")
    html = get(embed_app(), BLUESKY).get_data(as_text=True)
    assert_inert(html)
    assert "&lt;script&gt;" in html  # Bluesky posts are plain text: shown, escaped


# --- caching like counts


def hammer(apps: list[Flask], url: str, n: int = 16) -> list[int]:
    def one(i: int) -> int:
        return int(get(apps[i % len(apps)], url).status_code)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_concurrent_visitors_make_one_upstream_call(
    embed_app: Callable[..., Flask], providers: F.FakeProviders
):
    gate = threading.Event()
    providers.set("youtube", gate=gate)
    app = embed_app()
    release = threading.Timer(0.3, gate.set)
    release.start()
    assert hammer([app], YOUTUBE) == [200] * 16
    release.join()
    assert providers.calls("youtube", "meta") == 1
    assert providers.calls("youtube", "picture") == 1


def test_two_apps_sharing_a_sqlite_file_make_one_call(
    embed_app: Callable[..., Flask], providers: F.FakeProviders
):
    gate = threading.Event()
    providers.set("vimeo", gate=gate)
    apps = [embed_app(), embed_app()]
    release = threading.Timer(0.3, gate.set)
    release.start()
    assert hammer(apps, VIMEO) == [200] * 16
    release.join()
    assert providers.calls("vimeo", "meta") == 1
    # a third process finds the preview and its pictures in the store
    html = get(embed_app(), VIMEO).get_data(as_text=True)
    assert 'data-state="placeholder"' in html and image_urls(html)
    assert providers.calls("vimeo") == 2  # one oEmbed, one thumbnail


@pytest.mark.redis
def test_two_apps_sharing_redis_make_one_call(
    embed_app: Callable[..., Flask], providers: F.FakeProviders, redis_url: str
):
    gate = threading.Event()
    providers.set("bluesky", gate=gate)
    apps = [embed_app(STORE=redis_url) for _ in range(2)]
    release = threading.Timer(0.3, gate.set)
    release.start()
    assert hammer(apps, BLUESKY) == [200] * 16
    release.join()
    assert providers.calls("bluesky", "meta") == 1
    third = embed_app(STORE=redis_url)
    html = get(third, BLUESKY).get_data(as_text=True)
    assert "Café" in html
    for url in image_urls(html):
        assert third.test_client().get(url).status_code == 200
    assert providers.calls("bluesky", "meta") == 1


def test_expired_preview_is_served_at_once_while_one_refresh_runs(
    embed_app: Callable[..., Flask], providers: F.FakeProviders
):
    app = embed_app()
    svc = app.extensions["shareproxy"].embeds
    assert 'data-state="placeholder"' in get(app, YOUTUBE).get_data(as_text=True)
    now = time.time()
    svc.clock = lambda: now + 2 * 86400  # a day past its lifetime
    svc._synced_at = 0.0
    gate = threading.Event()
    providers.set("youtube", gate=gate)
    started = time.monotonic()
    resp = get(app, YOUTUBE)
    assert time.monotonic() - started < 5  # not waiting for the held refresh
    assert 'data-state="placeholder"' in resp.get_data(as_text=True)
    assert resp.headers["Cache-Control"] == "no-cache"
    gate.set()
    deadline = time.monotonic() + 10
    while providers.calls("youtube", "meta") < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert providers.calls("youtube", "meta") == 2


def test_a_failed_refresh_keeps_the_last_good_preview(
    embed_app: Callable[..., Flask], providers: F.FakeProviders
):
    app = embed_app(FAILURE_TTL=60)
    svc = app.extensions["shareproxy"].embeds
    assert 'data-state="placeholder"' in get(app, VIMEO).get_data(as_text=True)
    providers.set("vimeo", "error500")
    now = time.time()
    svc.clock = lambda: now + 2 * 86400
    for _ in range(3):
        html = get(app, VIMEO).get_data(as_text=True)
        assert 'data-state="placeholder"' in html and "The New Vimeo Player" in html
        time.sleep(0.05)
    deadline = time.monotonic() + 10
    while providers.calls("vimeo", "meta") < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    assert providers.calls("vimeo", "meta") == 2  # the failure is remembered


def test_rate_limited_provider_opens_its_circuit(
    embed_app: Callable[..., Flask], providers: F.FakeProviders
):
    providers.set("youtube", "rate_limited", retry_after="600")
    app = embed_app()
    assert 'data-state="unavailable"' in get(app, YOUTUBE).get_data(as_text=True)
    other = "https://youtu.be/aaaaaaaaaaa"
    assert 'data-state="unavailable"' in get(app, other).get_data(as_text=True)
    assert providers.calls("youtube", "meta") == 1  # the second item was not asked
    meta = app.extensions["shareproxy"].store.get_meta()
    assert float(meta["circuit:embed:youtube"]) > time.time() + 500
    svc = app.extensions["shareproxy"]
    assert svc.embeds.circuit is svc.circuit  # the counts' circuits, not a copy
    assert svc.circuit.open_until("embed:youtube") > time.time() + 500
    # another worker follows the circuit through the store
    second = embed_app()
    assert 'data-state="unavailable"' in get(second, "https://youtu.be/bbbbbbbbbbb").get_data(
        as_text=True
    )
    assert providers.calls("youtube", "meta") == 1
    assert get(app, VIMEO).status_code == 200 and providers.calls("vimeo", "meta") == 1


def test_a_slow_provider_gets_a_link_at_the_deadline_and_the_preview_later(
    embed_app: Callable[..., Flask], providers: F.FakeProviders
):
    gate = threading.Event()
    providers.set("vimeo", gate=gate)
    app = embed_app(EMBED_DEADLINE=0.3)
    started = time.monotonic()
    resp = get(app, VIMEO)
    assert time.monotonic() - started < 5
    html = resp.get_data(as_text=True)
    assert 'data-state="pending"' in html and f'href="{VIMEO}"' in html
    assert resp.headers["Cache-Control"] == "no-store"
    gate.set()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        html = get(app, VIMEO).get_data(as_text=True)
        if 'data-state="placeholder"' in html:
            break
        time.sleep(0.1)
    assert 'data-state="placeholder"' in html
    assert providers.calls("vimeo", "meta") == 1


def test_the_store_space_for_embeds_is_bounded(
    embed_app: Callable[..., Flask], providers: F.FakeProviders
):
    limit = 1_048_576
    app = embed_app(EMBED_CACHE_BYTES=limit)
    store = app.extensions["shareproxy"].store
    for i in range(8):  # about 150 KB of pictures each
        assert get(app, f"https://youtu.be/abcdefghij{i}").status_code == 200
    count, size = store.blob_usage(time.time())
    assert size <= limit
    assert count > 0


def test_purge_forgets_previews_and_pictures(embed_app: Callable[..., Flask]):
    app = embed_app()
    svc = app.extensions["shareproxy"].embeds
    html = get(app, YOUTUBE).get_data(as_text=True)
    assert svc.purge() > 0
    assert app.test_client().get(image_urls(html)[0]).status_code == 404


def test_a_purge_forgets_one_item_in_every_worker(
    embed_app: Callable[..., Flask], providers: F.FakeProviders
):
    from admin_support import ADMIN, AUTH

    first, second = embed_app(**ADMIN), embed_app(**ADMIN)  # two workers, one store
    for app in (first, second):
        for url in (YOUTUBE, VIMEO):
            assert 'data-state="placeholder"' in get(app, url).get_data(as_text=True)
    assert providers.calls("youtube", "meta") == 1 and providers.calls("vimeo", "meta") == 1
    pictures = providers.calls("youtube", "picture")
    providers.set("youtube", title="A new title")  # the video was renamed meanwhile

    api = first.test_client()
    assert api.delete("/admin/api/embeds", query_string={"url": "ftp://x"}, headers=AUTH).json[
        "error"
    ]
    resp = api.delete("/admin/api/embeds", query_string={"url": YOUTUBE}, headers=AUTH)
    assert resp.status_code == 200 and resp.json["purged"] >= 1, resp.json
    assert "A new title" in get(first, YOUTUBE).get_data(as_text=True)
    assert providers.calls("youtube", "meta") == 2
    # the other worker held the preview in memory: it forgets it within its next sync
    deadline = time.monotonic() + 15
    while "A new title" not in get(second, YOUTUBE).get_data(as_text=True):
        assert time.monotonic() < deadline, "the second worker kept the purged preview"
        time.sleep(0.2)
    assert providers.calls("youtube", "meta") == 2  # from the store, not asked again
    assert providers.calls("youtube", "picture") > pictures  # which picture: asked again
    # the other item stayed cached
    assert 'data-state="placeholder"' in get(second, VIMEO).get_data(as_text=True)
    assert providers.calls("vimeo", "meta") == 1
    # everything
    assert api.delete("/admin/api/embeds", headers=AUTH).json["purged"] >= 2
    assert 'data-state="placeholder"' in get(first, VIMEO).get_data(as_text=True)
    assert providers.calls("vimeo", "meta") == 2


def test_previews_in_memory_are_bounded_by_bytes(embed_app: Callable[..., Flask]) -> None:
    """Long posts weigh what they take: a worker keeps at most LOCAL_BYTES of previews,
    whatever the count of previews (LOCAL_CARDS) allows."""
    from shareproxy.embeds import PROVIDERS
    from shareproxy.embeds.base import Preview, Ref
    from shareproxy.embeds.service import LOCAL_BYTES, LOCAL_CARDS, Card

    embeds = embed_app().extensions["shareproxy"].embeds
    provider = PROVIDERS["fediverse"]
    text = "<p>" + "😀" * 4990 + "</p>"  # a post as long as its text may be, 4 bytes a char
    for i in range(LOCAL_CARDS):
        ref = Ref("fediverse", f"social.example/{i}", f"https://social.example/@a/{i}", str(i))
        preview = Preview("post", ref.url, "social.example", html=text, title="t" * 200)
        embeds._remember(provider, ref, Card(preview, 1.0, 1.0))
    assert embeds._local.nbytes <= LOCAL_BYTES
    assert 0 < len(embeds._local) < LOCAL_CARDS  # the byte bound held first
    last = ("fediverse", f"social.example/{LOCAL_CARDS - 1}")
    assert last in embeds._local  # the most recent is kept
