"""Share badges: rendering (every network, both formats), counts, escaping, HTTP caching, 4xx."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from PIL import Image, ImageChops
from pytest_httpserver import HTTPServer

from shareproxy import badges
from shareproxy.networks import NETWORKS

SVG = "{http://www.w3.org/2000/svg}"
PAGE = "https://example.org/article"


def png(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def svg_texts(data: bytes) -> list[str]:
    root = ET.fromstring(data)
    assert root.tag == f"{SVG}svg"
    return [el.text or "" for el in root.iter(f"{SVG}text")]


@pytest.fixture
def counting_app(make_app: Callable[..., Flask], httpserver: HTTPServer) -> Flask:
    """An app whose lobsters counts come from a local fake answering a score of 1234."""
    httpserver.expect_request("/stories/url/all.json").respond_with_json(
        [{"score": 1000}, {"score": 234}]
    )
    return make_app(API_BASE_LOBSTERS=httpserver.url_for("").rstrip("/"))


# --- pure rendering


@pytest.mark.parametrize("network", sorted(NETWORKS))
@pytest.mark.parametrize("scale", [1, 3])
def test_every_network_png_decodes_with_the_expected_size(network: str, scale: int) -> None:
    label = badges.label_for(network, "en")
    lay = badges.layout(label, None)
    img = png(badges.render_png(network, label, None, "color", scale))
    assert img.format == "PNG" and img.mode == "RGBA"
    assert img.size == (lay.width * scale, badges.HEIGHT * scale)
    assert 30 <= lay.width <= badges.MAX_WIDTH


@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_every_network_svg_is_xml_with_the_label(network: str) -> None:
    label = badges.label_for(network, "en")
    data = badges.render_svg(network, label, None, "white", f"{label}: x")
    root = ET.fromstring(data)
    assert root.get("width") == str(badges.layout(label, None).width)
    assert svg_texts(data) == [label]
    paths = [p.get("d") for p in root.iter(f"{SVG}path")]
    assert paths[-1] == badges.icons.path(network)


@pytest.mark.parametrize("theme", badges.THEMES)
def test_count_makes_the_png_wider_and_different(theme: str) -> None:
    without = png(badges.render_png("facebook", "Share", None, theme, 2))
    with_count = png(badges.render_png("facebook", "Share", "1.2k", theme, 2))
    assert with_count.width > without.width
    assert with_count.height == without.height
    # the left part (icon and label) is the same picture; the count part has ink in it
    left = without.width - 8  # (resampling blurs the last pixels before the count box)
    diff = ImageChops.difference(with_count.crop((0, 0, left, 40)), without.crop((0, 0, left, 40)))
    assert max(hi for _lo, hi in diff.getextrema()) <= 8
    count_part = with_count.crop((without.width, 4, with_count.width - 4, 36)).convert("L")
    lo, hi = count_part.getextrema()
    assert hi - lo > 100, "the count box has visible text"


def test_hostile_label_and_title_are_escaped() -> None:
    evil = "<script>alert('x')</script>&\""
    data = badges.render_svg("reddit", evil, "<b>1</b>", "color", evil + "<svg onload=x>")
    assert b"<script" not in data and b"<b>" not in data and b"<svg onload" not in data
    root = ET.fromstring(data)  # still well-formed
    assert svg_texts(data) == [evil, "<b>1</b>"]
    assert root.findtext(f"{SVG}title") == evil + "<svg onload=x>: <b>1</b>"


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0"), (999, "999"), (1000, "1k"), (1049, "1k"), (1050, "1.1k"), (1200, "1.2k"),
     (999_949, "999.9k"), (999_950, "1M"), (1_000_000, "1M"), (1_250_000, "1.3M"),
     (2_500_000_000, "2.5G"), (10**12, "1000G")],
)  # fmt: skip
def test_format_count_like_shariff(n: int, text: str) -> None:
    assert badges.format_count(n) == text


def test_labels_come_from_the_catalogs_in_every_language() -> None:
    assert len(badges.LANGS) == 28
    for network in ("facebook", *badges.LABEL_MSGIDS):
        english = badges.label_for(network, "en")
        for lang in badges.LANGS:
            label = badges.label_for(network, lang)
            assert 0 < len(label) <= 24, (network, lang)
            if lang != "en" and network in ("facebook", "print", "copy"):
                assert label != english, f"{network} has no {lang} translation"
    assert badges.label_for("facebook", "de") == "Teilen"
    assert badges.label_for("print", "fr") == "Imprimer"
    assert badges.resolve_lang("pt-BR") == "pt" and badges.resolve_lang("xx") == "en"


@pytest.mark.parametrize(
    ("raw", "lang"),
    [(None, "en"), ("de", "de"), ("de-AT", "de"), ("pt_BR", "pt"), ("nb", "no"),
     ("iw", "he"), ("xx", "en"), ("ZH-Hans", "zh")],
)  # fmt: skip
def test_resolve_lang(raw: str | None, lang: str) -> None:
    assert badges.resolve_lang(raw) == lang


def test_png_falls_back_to_english_where_the_font_has_no_glyphs() -> None:
    assert badges.has_glyph("a") and badges.has_glyph("Ж") and badges.has_glyph("ש")
    assert not badges.has_glyph("共")
    assert badges.png_label("共有", "Share") == "Share"
    assert badges.png_label("Поделиться", "Share") == "Поделиться"


def test_too_wide_is_refused() -> None:
    with pytest.raises(ValueError):
        badges.layout("W" * 80, None)
    with pytest.raises(ValueError):
        badges.render_png("facebook", "Share", None, "color", 5)


# --- over HTTP


def test_badge_with_count_in_svg_and_png(counting_app: Flask) -> None:
    client = counting_app.test_client()
    svg = client.get(f"/badge/lobsters.svg?url={PAGE}")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg_texts(svg.data) == ["Share", "1.2k"]
    assert "max-age=" in svg.headers["Cache-Control"]

    with_count = png(client.get(f"/badge/lobsters.png?url={PAGE}&scale=2").data)
    without = png(client.get("/badge/lobsters.png?scale=2").data)
    assert with_count.width > without.width and with_count.height == without.height == 40


def test_unknown_count_is_hidden(client: Any) -> None:
    # the upstream is a closed port: no count, never a 0
    resp = client.get(f"/badge/lobsters.svg?url={PAGE}")
    assert resp.status_code == 200
    assert svg_texts(resp.data) == ["Share"]
    assert "max-age=86400" not in resp.headers["Cache-Control"]


def test_network_without_count_api_shows_no_count(client: Any) -> None:
    resp = client.get(f"/badge/whatsapp.png?url={PAGE}&lang=de&theme=dark&scale=4")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert png(resp.data).height == badges.HEIGHT * 4


def test_lang_labels(client: Any) -> None:
    assert svg_texts(client.get("/badge/facebook.svg?lang=ja").data) == ["共有"]
    assert svg_texts(client.get("/badge/facebook.svg?lang=ru-RU").data) == ["Поделиться"]
    # no CJK glyphs in the shipped font: the PNG says it in English
    ja = client.get("/badge/facebook.png?lang=ja").data
    en = client.get("/badge/facebook.png?lang=en").data
    assert ja == en
    assert client.get("/badge/facebook.png?lang=de").data != en


def test_etag_and_304(client: Any) -> None:
    first = client.get("/badge/mastodon.svg?theme=grey")
    etag = first.headers["ETag"]
    assert etag and first.headers["Cache-Control"].startswith("public")
    again = client.get("/badge/mastodon.svg?theme=grey", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    other = client.get("/badge/mastodon.svg?theme=dark", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag


def test_rendered_bytes_are_cached(app: Flask) -> None:
    client = app.test_client()
    for _ in range(3):
        assert client.get("/badge/telegram.png?scale=2").status_code == 200
    client.get("/badge/telegram.png?scale=2&theme=auto")  # auto is color: same badge
    cache = app.extensions["shareproxy"].badges
    assert cache.renders == 1 and len(cache) == 1


def test_svg_is_locked_down(client: Any) -> None:
    resp = client.get("/badge/facebook.svg")
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in resp.headers


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/badge/myspace.svg", 404),
        ("/badge/%3Cscript%3E.png", 404),
        ("/badge/facebook.png?scale=0", 400),
        ("/badge/facebook.png?scale=5", 400),
        ("/badge/facebook.png?scale=2.5", 400),
        ("/badge/facebook.svg?scale=-1", 400),
        ("/badge/facebook.png?scale=1&scale=2", 400),
        ("/badge/facebook.png?theme=neon", 400),
        ("/badge/facebook.png?lang=%3Cscript%3E", 400),
        ("/badge/facebook.png?url=https://evil.example.net/", 403),
        ("/badge/facebook.png?url=javascript:alert(1)", 400),
        ("/badge/facebook.png?url=not%20a%20url", 400),
        ("/badge/facebook.png?url=", 400),
        ("/badge/facebook.gif", 404),
    ],
)
def test_bad_parameters_get_a_4xx_with_a_reason(client: Any, path: str, status: int) -> None:
    resp = client.get(path)
    assert resp.status_code == status
    assert resp.mimetype == "application/json"
    body = resp.get_data(as_text=True)
    assert body.count("\n") <= 1 and "<script" not in body.lower() and "evil" not in body
    assert json.loads(body)["error"]


def test_every_label_with_the_longest_count_stays_within_the_size_bound() -> None:
    widest = 0
    for network in NETWORKS:
        for lang in badges.LANGS:
            label = badges.label_for(network, lang)
            for shown in (label, badges.png_label(label, badges.label_for(network, "en"))):
                widest = max(widest, badges.layout(shown, "999.9k").width)
    assert widest <= badges.MAX_WIDTH
    img = png(badges.render_png("odnoklassniki", "Поделиться", "999.9k", "dark", 4))
    assert img.width <= badges.MAX_WIDTH * 4 and img.height == badges.HEIGHT * 4
