"""Pages and operations endpoints attacked through a real gunicorn (shipped configuration):
forged Host headers against /snippet, /metrics from outside, the security headers of every
HTML answer, /favicon.ico and /robots.txt, the Mastodon form."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import requests
from attack_support import Server, own_addresses
from werkzeug.security import generate_password_hash

pytestmark = pytest.mark.faults

PAGE = "https://example.org/article"
TOKEN = "metrics-token-" + "m" * 32
FORGED = ("evil.example.net", "attacker.test:8443", "example.org@evil.example.net", "[::1]")


@pytest.fixture(scope="module")
def public(tmp_path_factory: Any) -> Iterator[Server]:
    """Behind one proxy (it believes X-Forwarded-*), with a public URL and a metrics token."""
    server = Server(
        tmp_path_factory.mktemp("pages-public"),
        extra_binds=tuple(own_addresses()),
        SHAREPROXY_TRUSTED_PROXIES="1",
        SHAREPROXY_PUBLIC_URL="https://share.example.org",
        SHAREPROXY_METRICS_TOKEN=TOKEN,
        SHAREPROXY_ADMIN_PASSWORD_HASH=generate_password_hash("x" * 20, "pbkdf2:sha256:1000"),
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def plain(tmp_path_factory: Any) -> Iterator[Server]:
    """Defaults: no public URL, no proxy believed, no metrics token."""
    server = Server(
        tmp_path_factory.mktemp("pages-plain"),
        extra_binds=tuple(own_addresses()),
        SHAREPROXY_ALLOWED_DOMAINS="example.org,localhost",
    )
    yield server
    server.stop()


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.forms: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [v or "" for k, v in attrs if k == "href"]
        if tag == "form":
            self.forms.append(dict(attrs))


def links_of(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.hrefs


# --- 11. /snippet builds its links from configuration, never from a Host header


def snippet(server: Server, headers: dict[str, str]) -> requests.Response:
    return requests.get(
        server.base + "/snippet",
        params={"url": PAGE, "networks": "facebook,mastodon,info"},
        headers=headers,
        timeout=10,
    )


def test_snippet_links_come_from_the_public_url_whatever_the_host(public: Server) -> None:
    forged = [{"Host": h} for h in FORGED] + [
        {"X-Forwarded-Host": h, "X-Forwarded-Proto": "http"} for h in FORGED
    ]
    results: list[requests.Response] = []
    lock = threading.Lock()

    def ask(headers: dict[str, str]) -> None:
        for _ in range(5):
            resp = snippet(public, headers)
            with lock:
                results.append(resp)

    threads = [threading.Thread(target=ask, args=(h,)) for h in forged * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == len(forged) * 15
    for resp in results:
        assert resp.status_code == 200, resp.text
        hrefs = [h for h in links_of(resp.text) if h.startswith("http")]
        assert hrefs and all(h.startswith("https://share.example.org/") for h in hrefs), hrefs
        for host in ("evil", "attacker", "::1"):
            assert host not in resp.text
    resp = results[0]
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    assert "base-uri 'none'" in resp.headers["Content-Security-Policy"]
    assert "Access-Control-Allow-Origin" not in resp.headers


def test_snippet_cors_only_for_allowed_sites(public: Server) -> None:
    allowed = snippet(public, {"Origin": "https://example.org"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://example.org"
    other = snippet(public, {"Origin": "https://evil.example.net"})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Origin" in other.headers["Vary"]


def test_without_a_public_url_only_a_configured_host_is_used(plain: Server) -> None:
    for host in FORGED:
        resp = snippet(plain, {"Host": host})
        assert resp.status_code == 421, (host, resp.text)
        # a comment, not JSON: a site includes what it gets
        assert resp.text.startswith("<!-- shareproxy: no buttons: this host is not configured")
        assert "SHAREPROXY_PUBLIC_URL" in resp.text and "<ul" not in resp.text
        assert "evil" not in resp.text
    # X-Forwarded-Host is not believed without SHAREPROXY_TRUSTED_PROXIES
    resp = snippet(plain, {"Host": "example.org", "X-Forwarded-Host": "evil.example.net"})
    assert resp.status_code == 200
    assert all(h.startswith("http://example.org/") for h in links_of(resp.text) if "://" in h)
    assert "evil" not in resp.text
    resp = snippet(plain, {"Host": f"localhost:{plain.port}"})
    assert resp.status_code == 200
    hrefs = [h for h in links_of(resp.text) if "://" in h]
    assert hrefs and all(h.startswith(f"http://localhost:{plain.port}/") for h in hrefs)


# --- 12. /metrics for loopback and configured networks, or with the token


def metrics(server: Server, headers: dict[str, str], host: str = "127.0.0.1") -> requests.Response:
    base = f"http://[{host}]:{server.port}" if ":" in host else f"http://{host}:{server.port}"
    return requests.get(base + "/metrics", headers=headers, timeout=10)


def test_metrics_refuse_other_networks_by_default(plain: Server) -> None:
    assert metrics(plain, {}).status_code == 200  # loopback
    # a forged X-Forwarded-For is not believed without a proxy in front
    assert metrics(plain, {"X-Forwarded-For": "203.0.113.9"}).status_code == 200
    others = own_addresses()
    if not others:
        pytest.skip("this host has no address but loopback to connect from")
    for host in others:
        resp = metrics(plain, {}, host)
        assert resp.status_code == 403, host
        assert "SHAREPROXY_METRICS_ALLOW" in resp.json()["error"]
        assert "shareproxy_" not in resp.text


def test_metrics_behind_a_proxy_token_or_network(public: Server) -> None:
    outside = {"X-Forwarded-For": "203.0.113.9"}
    resp = metrics(public, outside)
    assert resp.status_code == 403 and "shareproxy_" not in resp.text
    for wrong in ("Bearer nope", f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN):
        assert metrics(public, {**outside, "Authorization": wrong}).status_code == 403
    resp = metrics(public, {**outside, "Authorization": f"Bearer {TOKEN}"})
    assert resp.status_code == 200 and "shareproxy_requests" in resp.text
    # the proxy itself asks from loopback (nginx's allow 127.0.0.1)
    assert metrics(public, {"X-Forwarded-For": "127.0.0.1"}).status_code == 200


def test_metrics_for_a_configured_network(tmp_path: Path) -> None:
    server = Server(
        tmp_path, SHAREPROXY_TRUSTED_PROXIES="1", SHAREPROXY_METRICS_ALLOW="198.51.100.0/24"
    )
    try:
        assert metrics(server, {"X-Forwarded-For": "198.51.100.40"}).status_code == 200
        assert metrics(server, {"X-Forwarded-For": "198.51.101.40"}).status_code == 403
        assert metrics(server, {}).status_code == 403  # loopback is no longer in the list
    finally:
        server.stop()


# --- 13. headers of every HTML answer, favicon, robots, the Mastodon form

HTML_PAGES = [
    ("/", "same-origin"),
    ("/info", "same-origin"),
    (f"/buttons?url={PAGE}", "cross-origin"),
    (f"/buttons?url={PAGE}&mode=twoclick&activate=twitter&networks=twitter", "cross-origin"),
    (f"/snippet?url={PAGE}", "cross-origin"),
    (f"/share/mastodon?url={PAGE}", "same-origin"),
    ("/admin/login", "same-origin"),
]


@pytest.mark.parametrize(("path", "corp"), HTML_PAGES)
def test_every_html_answer_denies_features_and_openers(
    public: Server, path: str, corp: str
) -> None:
    resp = requests.get(public.base + path, timeout=10)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/html")
    policy = dict(
        part.strip().split("=", 1) for part in resp.headers["Permissions-Policy"].split(",")
    )
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "clipboard-read"):
        assert policy[feature] == "()", (feature, policy)
    # the copy buttons (the fediverse page offers the text to copy)
    copies = path == "/" or path.startswith(("/buttons", "/share/mastodon"))
    assert policy["clipboard-write"] == ("(self)" if copies else "()")
    assert resp.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert resp.headers["Cross-Origin-Resource-Policy"] == corp


def test_the_disabled_console_sends_them_too(plain: Server) -> None:
    resp = requests.get(plain.base + "/admin/", timeout=10)
    assert resp.status_code == 404 and resp.headers["Content-Type"].startswith("text/html")
    assert "camera=()" in resp.headers["Permissions-Policy"]
    assert resp.headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "path", [f"/badge/facebook.svg?url={PAGE}", "/badge/mail.png", "/embed.js", "/favicon.ico"]
)
def test_what_other_sites_embed_may_be_embedded(public: Server, path: str) -> None:
    resp = requests.get(public.base + path, timeout=10)
    assert resp.status_code == 200
    assert resp.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


def test_favicon_and_robots(public: Server) -> None:
    from PIL import Image

    icon = requests.get(public.base + "/favicon.ico", timeout=10)
    assert icon.status_code == 200 and icon.headers["Content-Type"] == "image/vnd.microsoft.icon"
    image = Image.open(io.BytesIO(icon.content))
    assert image.format == "ICO" and {(16, 16), (32, 32)} <= set(image.info["sizes"])
    robots = requests.get(public.base + "/robots.txt", timeout=10)
    assert robots.status_code == 200 and robots.headers["Content-Type"].startswith("text/plain")
    lines = [line for line in robots.text.splitlines() if line and not line.startswith("#")]
    assert lines == ["User-agent: *", "Disallow: /"]


def test_the_mastodon_form_is_valid(public: Server) -> None:
    html = requests.get(public.base + f"/share/mastodon?url={PAGE}", timeout=10).text
    parser = Links()
    parser.feed(html)
    assert len(parser.forms) == 1
    form = parser.forms[0]
    # an action attribute, when present, must be a non-empty URL (HTML's content model)
    assert "action" not in form or (form["action"] or "").strip()
    assert form["method"] == "get"
