"""The pieces of the browser tests: three local servers, host mapping and a request log.

Chromium resolves no name itself. ``--host-resolver-rules`` sends

- ``share.test`` to shareproxy (a real werkzeug server in a thread, HTTP),
- ``site.test`` to an embedding site whose pages each test writes (HTTP, another port),
  and ``staging.test`` to the same server (a site on a host shareproxy does not serve),
- every other host name (x.com, connect.facebook.net, platform.x.com, a Mastodon server …)
  to one local HTTPS server with a throw-away self-signed certificate, which plays all
  the networks: their share dialogs (a small HTML page) and their widget scripts (a few
  lines that put a marked element where the real widget would render).

Share dialogs and widget scripts are https:// URLs on port 443, so the rule for ``*``
also rewrites the port, and Chromium runs with ``--ignore-certificate-errors`` (our
certificate names no real host). That flag only concerns this throw-away browser.
Nothing can reach the internet: an unknown host still lands on the fake, which logs it.
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

SHARE_HOST = "share.test"
SITE_HOST = "site.test"
# another name for the embedding site's server, on no host shareproxy serves (a staging copy)
STAGING_HOST = "staging.test"
CHROMIUM = os.environ.get("SHAREPROXY_TEST_CHROMIUM", "/usr/bin/chromium")
BROWSER_OWN = (".google.com", ".googleapis.com", ".gstatic.com")
HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"

# What each fake widget script does: find the official widget's markup and put a marked
# element in its place, as the real script renders its button there.
WIDGET_SCRIPTS = {
    ("platform.x.com", "/widgets.js"): ("twitter", "a.twitter-share-button"),
    ("connect.facebook.net", "sdk.js"): ("facebook", ".fb-share-button"),
    ("platform.linkedin.com", "/in.js"): ("linkedin", 'script[type="IN/Share"]'),
    ("assets.pinterest.com", "/js/pinit.js"): ("pinterest", "a[data-pin-do]"),
}
# The providers' own embeds, as far as a test needs them: a Mastodon post embed that
# answers the resize protocol (the page asks with {type: "setHeight", id}), and a Bluesky
# post embed that reports its height with the id from its address.
MASTODON_EMBED = """<!doctype html><title>fake post embed</title><p data-fake-embed>post</p>
<script>addEventListener("message", function (e) {
  if (e.data && e.data.type === "setHeight")
    parent.postMessage({type: "setHeight", id: e.data.id, height: 777}, "*");
});</script>"""
BLUESKY_EMBED = """<!doctype html><title>fake bluesky embed</title><p data-fake-embed>post</p>
<script>parent.postMessage({id: new URLSearchParams(location.search).get("id"),
  height: 555}, "*");</script>"""

WIDGET_JS = """(function () {
  document.querySelectorAll(%(selector)s).forEach(function (el) {
    var w = document.createElement("span");
    w.setAttribute("data-fake-widget", %(name)s);
    w.textContent = "fake " + %(name)s + " widget";
    // as the real scripts do: Facebook renders into its <div>, the others replace theirs
    if (el.tagName === "DIV") el.appendChild(w); else el.replaceWith(w);
  });
})();
"""


def js_string(text: str) -> str:
    import json

    return json.dumps(text)


@dataclass
class Hit:
    host: str
    path: str
    url: str
    referer: str | None


class ServerThread:
    """A WSGI app on 127.0.0.1, a free port, in a daemon thread."""

    def __init__(self, app: Callable[..., Any], ssl_context: ssl.SSLContext | None = None):
        self.server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, app, threaded=True, ssl_context=ssl_context
        )
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@dataclass
class Site:
    """The embedding site: pages a test puts in, served at http://site.test:<port>/."""

    pages: dict[str, str] = field(default_factory=dict)
    port: int = 0

    @property
    def origin(self) -> str:
        return f"http://{SITE_HOST}:{self.port}"

    def put(self, path: str, html: str) -> str:
        self.pages[path] = html
        return self.origin + path

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        body = self.pages.get(request.path)
        if body is None:
            resp = Response("not found", 404, mimetype="text/plain")
        else:
            resp = Response(body, mimetype="text/html")
            resp.headers["Cache-Control"] = "no-store"
        return resp(environ, start_response)


@dataclass
class Upstream:
    """Pinterest's count API as shareproxy's server asks it (never the browser)."""

    counts: dict[str, int] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    port: int = 0

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        url = request.args.get("url", "")
        self.asked.append(url)
        body = f'x({{"count": {self.counts.get(url, 0)}}})'
        return Response(body, mimetype="application/javascript")(environ, start_response)


@dataclass
class FakeNetworks:
    """Every network host at once, over HTTPS; logs each request it gets."""

    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        host = (request.host or "").split(":")[0].lower()
        with self.lock:
            self.hits.append(Hit(host, request.path, request.url, request.headers.get("Referer")))
        for (whost, wpath), (name, selector) in WIDGET_SCRIPTS.items():
            if host == whost and request.path.endswith(wpath):
                js = WIDGET_JS % {"selector": js_string(selector), "name": js_string(name)}
                resp = Response(js, mimetype="text/javascript")
                break
        else:
            resp = self.page(host, request.path)
        resp.headers["Cache-Control"] = "no-store"
        return resp(environ, start_response)

    def page(self, host: str, path: str) -> Response:
        if path.endswith("/embed") and path.startswith("/@"):
            return Response(MASTODON_EMBED, mimetype="text/html")
        if host == "embed.bsky.app":
            return Response(BLUESKY_EMBED, mimetype="text/html")
        return Response(
            f"<!doctype html><title>fake {host}</title><h1>{host}</h1>", mimetype="text/html"
        )

    def page_hits(self) -> list[Hit]:
        """Hits but Chromium's own calls, which no page makes and Playwright does not
        report: update and sign-in checks to Google hosts, and the favicon of a network's
        page (asked for by the browser, possibly after that page's test has ended)."""
        with self.lock:
            return [
                h
                for h in self.hits
                if not h.host.endswith(BROWSER_OWN) and h.path != "/favicon.ico"
            ]

    def hosts(self) -> set[str]:
        return {h.host for h in self.page_hits()}

    def clear(self) -> None:
        with self.lock:
            self.hits.clear()


def self_signed(directory: Path) -> ssl.SSLContext:
    """A server context with a fresh certificate for the fake networks (openssl CLI)."""
    cert, key = directory / "fake.crt", directory / "fake.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", "/CN=fake-networks.test"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def host_rules(fake_port: int) -> str:
    return ", ".join(
        [
            f"MAP {SHARE_HOST} 127.0.0.1",
            f"MAP {SITE_HOST} 127.0.0.1",
            f"MAP {STAGING_HOST} 127.0.0.1",
            f"MAP * 127.0.0.1:{fake_port}",
            "EXCLUDE 127.0.0.1",
            "EXCLUDE localhost",
        ]
    )


def chromium_args(fake_port: int) -> list[str]:
    return [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-domain-reliability",
        "--disable-sync",
        "--metrics-recording-only",
        "--no-first-run",
        "--no-default-browser-check",
        "--ignore-certificate-errors",
        f"--host-resolver-rules={host_rules(fake_port)}",
    ]


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (requirements-dev.txt)"
    return None


class RequestLog:
    """Every request the browser context makes: pages, frames, popups and workers."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.lock = threading.Lock()

    def attach(self, context: Any) -> None:
        context.on("request", lambda req: self.add(req.url))

    def add(self, url: str) -> None:
        with self.lock:
            self.urls.append(url)

    def mark(self) -> int:
        with self.lock:
            return len(self.urls)

    def since(self, mark: int = 0) -> list[str]:
        with self.lock:
            return [
                u for u in self.urls[mark:] if urlsplit(u).scheme in ("http", "https", "ws", "wss")
            ]

    def hosts(self, mark: int = 0) -> set[str]:
        return {urlsplit(u).hostname or "" for u in self.since(mark)}


@dataclass
class Env:
    """What a test needs: the servers, the URLs and the page builders."""

    share_port: int
    site: Site
    fake: FakeNetworks
    app: Any = None  # the Flask app behind share.test
    upstream: Upstream | None = None
    providers: Any = None  # the embed providers' APIs (tests/embed_fakes.py)

    def seed_count(self, url: str, network: str, count: int) -> None:
        """A fresh count in the store, as if fetched just now."""
        import time

        from shareproxy.store import Entry

        now = time.time()
        svc = self.app.extensions["shareproxy"]
        svc.store.put_entry(url, network, Entry(count, now, now, None), 3600)
        # what an earlier test left in this worker's memory must not hide it
        with svc.cache._lock:
            svc.cache._local.forget(url)

    @property
    def share_origin(self) -> str:
        return f"http://{SHARE_HOST}:{self.share_port}"

    def buttons_url(self, **params: str) -> str:
        params.setdefault("origin", self.site.origin)
        return f"{self.share_origin}/buttons?{urlencode(params)}"

    def iframe_page(self, path: str, *, page_url: str, height: int = 60, **params: str) -> str:
        """A page of the site that embeds the iframe directly; returns its URL."""
        src = self.buttons_url(url=page_url, **params)
        html = page_html(
            f'<iframe src="{_attr(src)}" title="Share this page" '
            f'style="border:0;width:100%;height:{height}px"></iframe>'
        )
        return self.site.put(path, html)

    def loader_page(self, path: str, div: dict[str, str], head: str = "") -> str:
        """A page that uses /embed.js with ``<div data-shareproxy …>``; returns its URL."""
        attrs = "".join(f' data-{k}="{_attr(v)}"' for k, v in div.items())
        html = page_html(
            f"<div data-shareproxy{attrs}></div>"
            f'<script src="{self.share_origin}/embed.js" async></script>',
            head=head,
        )
        return self.site.put(path, html)

    def embed_page(self, path: str, url: str, head: str = "", **data: str) -> str:
        """A page that shows ``url`` with ``<div data-shareproxy-embed>`` and the loader."""
        attrs = "".join(f' data-{k}="{_attr(v)}"' for k, v in data.items())
        html = page_html(
            f'<div data-shareproxy-embed data-url="{_attr(url)}"{attrs}></div>'
            f'<script src="{self.share_origin}/embed.js" async></script>',
            head=head,
        )
        return self.site.put(path, html)

    def embed_url(self, url: str, **params: str) -> str:
        params.setdefault("origin", self.site.origin)
        return f"{self.share_origin}/embed?{urlencode({'url': url, **params})}"


def _attr(value: str) -> str:
    from markupsafe import escape

    return str(escape(value))


def page_html(body: str, head: str = "") -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>An article on site.test</title>{head}</head>"
        "<body><main><h1>An article</h1><p>Some text worth sharing.</p>"
        f"{body}</main></body></html>"
    )


def foreign(hosts: Iterable[str]) -> set[str]:
    """Hosts other than shareproxy's and the embedding site's."""
    return {h for h in hosts if h not in (SHARE_HOST, SITE_HOST)}
