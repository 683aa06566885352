"""Compression (shareproxy/compress.py): what each client gets, static files compressed once,
pages as sent, small answers left alone, validators per encoding."""

from __future__ import annotations

import gzip
import re
from typing import Any
from urllib.parse import quote

import brotli  # type: ignore[import-untyped]
import pytest

from shareproxy import compress

PAGE = quote("https://example.org/compressed", safe="")
CHROMIUM = "gzip, deflate, br, zstd"
DECODE = {"br": brotli.decompress, "gzip": gzip.decompress}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate, br, zstd", ("br", "gzip")),
        ("gzip, deflate", ("gzip",)),
        ("br", ("br",)),
        ("BR;q=0.5, GZIP", ("gzip", "br")),  # quality first, then our preference
        ("br;q=0, gzip;q=0.1", ("gzip",)),
        ("x-gzip", ("gzip",)),
        ("*", ("br", "gzip")),
        ("*;q=0", ()),
        ("gzip;q=0, *", ("br",)),
        ("identity", ()),
        ("", ()),
        ("br;q=nonsense, ;;, gzip;q=2", ("gzip",)),  # unreadable parts are skipped
        ("brotli, gzip-ish", ()),
    ],
)
def test_accept_encoding_is_read_as_rfc_9110_says(header: str, expected: tuple[str, ...]) -> None:
    assert compress.parse_accept(header) == expected
    assert compress.accepted(header) == expected


def test_remembered_accept_values_are_bounded() -> None:
    for i in range(3 * compress._MAX_REMEMBERED):
        compress.accepted(f"gzip;q=0.{i % 9 + 1}, x{i}")
    assert len(compress._accepted) <= compress._MAX_REMEMBERED
    compress.accepted("gzip, " + "x" * 1000)
    assert "gzip, " + "x" * 1000 not in compress._accepted


def get(client: Any, path: str, accept: str | None) -> Any:
    return client.get(path, headers={"Accept-Encoding": accept} if accept is not None else {})


def assets_of(html: bytes) -> list[str]:
    return re.findall(r'(?:src|href)="(/assets/[^"]+)"', html.decode())


@pytest.mark.parametrize("path", ["/buttons?url=" + PAGE, "/", "/embed.js", "/openapi.json"])
def test_answers_are_compressed_as_the_client_accepts(client: Any, path: str) -> None:
    plain = get(client, path, None)
    assert plain.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers.get("Vary", "")
    for accept, expected in [(CHROMIUM, "br"), ("gzip, deflate", "gzip"), ("identity", None)]:
        resp = get(client, path, accept)
        assert resp.headers.get("Content-Encoding") == expected
        assert "Accept-Encoding" in resp.headers["Vary"]
        assert int(resp.headers["Content-Length"]) == len(resp.get_data())
        body = DECODE[expected](resp.get_data()) if expected else resp.get_data()
        assert body == plain.get_data()
        if expected:
            assert len(resp.get_data()) < len(plain.get_data()) * 0.6


def test_static_files_are_compressed_once_at_start_at_the_strongest_setting(client: Any) -> None:
    html = get(client, "/buttons?url=" + PAGE, None).get_data()
    paths = assets_of(html) + ["/embed.js", "/static/admin/admin.css"]
    assert len(paths) == 4
    for path in paths:
        plain = get(client, path, None).get_data()
        known = compress._static.get(plain)
        assert known is not None, f"{path} was not compressed at start"
        for encoding in ("br", "gzip"):
            sent = get(client, path, encoding)
            assert sent.get_data() == known.encoded[encoding]
            assert DECODE[encoding](sent.get_data()) == plain
        # brotli 11 beats what a page gets as it is sent (quality 5)
        assert len(known.encoded["br"]) <= len(brotli.compress(plain, quality=5))


def test_static_files_have_a_validator_per_encoding(client: Any) -> None:
    first = get(client, "/static/admin/admin.css", "br")
    etag = first.headers["ETag"]
    assert etag.endswith('-br"')
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get("/static/admin/admin.css", headers={"Accept-Encoding": "br",
                                                          "If-None-Match": etag})  # fmt: skip
    assert again.status_code == 304
    assert again.get_data() == b""
    # the brotli validator does not validate a gzip copy
    other = client.get("/static/admin/admin.css", headers={"Accept-Encoding": "gzip",
                                                          "If-None-Match": etag})  # fmt: skip
    assert other.status_code == 200
    assert other.headers["Content-Encoding"] == "gzip"
    plain = get(client, "/static/admin/admin.css", None)
    assert plain.headers["ETag"] == etag.replace("-br", "")
    # files that are not text are served by Flask as before
    font = get(client, "/static/fonts/DejaVuSans.ttf", CHROMIUM)
    assert font.status_code == 200
    assert "Content-Encoding" not in font.headers
    font.close()
    assert get(client, "/static/nope.css", CHROMIUM).status_code == 404


def test_small_answers_and_errors_are_sent_as_they_are(client: Any) -> None:
    counts = get(client, f"/api/counts?url={PAGE}&networks=buffer", CHROMIUM)
    assert counts.status_code == 200
    assert "Content-Encoding" not in counts.headers
    assert counts.headers["Vary"] == "Origin"  # nothing to vary on: never compressed
    error = get(client, "/buttons?url=nonsense", CHROMIUM)
    assert error.status_code == 400
    assert "Content-Encoding" not in error.headers
    head = client.head("/buttons?url=" + PAGE, headers={"Accept-Encoding": CHROMIUM})
    assert head.headers["Content-Encoding"] == "br"


def test_pages_are_compressed_once_per_distinct_body() -> None:
    memo = compress.Memo(max_bytes=64 * 1024)
    body = b"<p>" + b"share buttons without tracking " * 100 + b"</p>"
    first = memo.get(body)
    assert memo.get(bytes(body)) is first  # an equal body, another object
    assert brotli.decompress(first.encoded["br"]) == body
    assert gzip.decompress(first.encoded["gzip"]) == body
    # bounded in bytes: the least recently used go first
    for i in range(200):
        memo.get(b"%d" % i + bytes(range(256)) * 4)
    assert memo._bytes <= memo.max_bytes
    assert body not in memo._items
    # a body too big for the memo is compressed but not kept
    huge = bytes(range(256)) * 200
    memo.get(huge)
    assert huge not in memo._items


def test_incompressible_bodies_are_sent_as_they_are() -> None:
    import os

    noise = os.urandom(4096)
    variants = compress.Variants.of(noise, compress.DYNAMIC_QUALITY)
    assert variants.encoded == {}
    assert variants.choose(CHROMIUM) == (None, noise)


def test_compressed_answers_through_gunicorn(tmp_path: Any) -> None:
    """The shipped gunicorn configuration sends what the app encodes (nothing re-encodes or
    strips it on the way)."""
    from deploy_support import Server

    server = Server(tmp_path)
    try:
        status, body = server.get("/embed.js", {"Accept-Encoding": CHROMIUM})
        plain = server.get("/embed.js")[1]
        assert status == 200
        assert brotli.decompress(body) == plain
        assert len(body) < len(plain) / 2
    finally:
        server.stop()


def test_a_compressed_badge_revalidates_with_its_own_validator(client: Any) -> None:
    path = f"/badge/twitter.svg?url={PAGE}&scale=2"
    first = get(client, path, "gzip")
    assert first.headers["Content-Encoding"] == "gzip"  # an SVG badge is over 512 bytes
    etag = first.headers["ETag"]
    assert etag.endswith('-gzip"')
    again = client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
