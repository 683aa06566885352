#!/usr/bin/env python3
"""Screenshots for the README: the landing page, the visitors' info page, the buttons in
each theme, and the admin console.

    python scripts/screenshots.py [--root CHECKOUT] [--out docs/screenshots]

Starts a local fake of the networks' count APIs (so the buttons show counts) and shareproxy
itself (gunicorn with gunicorn.conf.py, a throw-away SQLite store, a throw-away admin
password), then drives headless Chromium (/usr/bin/chromium, or $CHROMIUM) with Playwright.
Nothing leaves the machine. A page that does not exist yet (404) is skipped with a note.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
THEMES = ("color", "grey", "white", "dark")
# (file name suffix, extra query) for each buttons screenshot: one per theme.
SHOTS = [(theme, {"theme": theme}) for theme in THEMES]
NETWORKS = "facebook,twitter,linkedin,pinterest,mastodon,bluesky,mail,info"
PAGE = "https://example.org/blog/privacy-friendly-share-buttons"
TITLE = "Privacy-friendly share buttons"
FAKE_COUNTS = {"facebook": 1452, "pinterest": 37}
# (path, file name, viewport width, clip height or None for the full page)
PAGES = [
    ("/?lang=en", "landing.png", 1440, None),
    ("/?lang=en", "landing-phone.png", 375, 1700),
    ("/info?lang=de", "info-de.png", 1440, None),
    ("/info?lang=ar", "info-ar-phone.png", 375, None),
]


class FakeNetworks(BaseHTTPRequestHandler):
    """Answers Facebook's Graph call and Pinterest's JSONP count with fixed numbers."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        parts = urlsplit(self.path)
        page = parse_qs(parts.query).get("id", [PAGE])[0]
        if parts.path.endswith("/urls/count.json"):
            body = f'x({{"count": {FAKE_COUNTS["pinterest"]}}})'
        else:
            engagement = {"count": FAKE_COUNTS["facebook"]}
            body = json.dumps({"id": page, "og_object": {"engagement": engagement}})
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@contextmanager
def fake_networks() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNetworks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def shareproxy(root: Path, upstream: str, password: str, tmp: Path) -> Iterator[str]:
    from werkzeug.security import generate_password_hash

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAREPROXY_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update({
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "PYTHONPATH": str(root),
        "SHAREPROXY_STORE": f"sqlite:///{tmp / 'screenshots.db'}",
        "SHAREPROXY_ALLOWED_DOMAINS": "example.org,localhost,127.0.0.1",
        "SHAREPROXY_FACEBOOK_APP_ID": "screenshots",
        "SHAREPROXY_FACEBOOK_APP_SECRET": "screenshots",
        "SHAREPROXY_API_BASE_FACEBOOK": upstream,
        "SHAREPROXY_API_BASE_PINTEREST": upstream,
        "SHAREPROXY_PRIVACY_URL": "https://example.org/privacy",
    })  # fmt: skip
    from shareproxy.settings import BY_NAME

    if "ADMIN_PASSWORD_HASH" in BY_NAME:
        env["SHAREPROXY_ADMIN_PASSWORD_HASH"] = generate_password_hash(password, "scrypt")
    for name in BY_NAME:  # every other network at a closed port: nothing leaves the machine
        if name.startswith("API_BASE_") and f"SHAREPROXY_{name}" not in env:
            env[f"SHAREPROXY_{name}"] = "http://127.0.0.1:9"
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(root / "gunicorn.conf.py"), "wsgi:app"],
        cwd=root, env=env, stdout=log, stderr=log,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while status_of_quiet(base + "/healthz") != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("shareproxy did not start:\n" + (tmp / "server.log").read_text())
            time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        log.close()


def status_of_quiet(url: str) -> int:
    try:
        return status_of(url)
    except OSError:
        return 0


def shoot_pages(browser: Any, base: str, out: Path) -> list[str]:
    """The landing page and the info page, once their previews have rendered."""
    made: list[str] = []
    for path, name, width, clip in PAGES:
        if status_of(base + path.split("?")[0]) == 404:
            print(f"skipped {name}: {path} does not exist in this checkout")
            continue
        page = browser.new_page(viewport={"width": width, "height": clip or 900})
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_function(
            "[...document.querySelectorAll('iframe')].every(f => f.offsetHeight >= 40)"
        )
        page.wait_for_timeout(500)  # the previews' resize
        page.screenshot(path=str(out / name), full_page=clip is None)
        made.append(name)
        page.close()
    return made


def shoot(base: str, out: Path, password: str) -> list[str]:
    from playwright.sync_api import sync_playwright

    made: list[str] = []
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    query = urlencode({"url": PAGE, "title": TITLE, "networks": NETWORKS})
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True)
        try:
            made += shoot_pages(browser, base, out)
            if status_of(f"{base}/buttons?{query}") == 404:
                print("skipped the buttons: /buttons does not exist in this checkout")
            else:
                for suffix, extra in SHOTS:
                    theme = extra["theme"]
                    scheme = "dark" if theme == "dark" else "light"
                    page = browser.new_page(
                        viewport={"width": 760, "height": 40}, color_scheme=scheme,
                        device_scale_factor=2, bypass_csp=True,
                    )  # fmt: skip
                    params = {"url": PAGE, "title": TITLE, "networks": NETWORKS, "lang": "en"}
                    page.goto(f"{base}/buttons?{urlencode({**params, **extra})}")
                    page.wait_for_load_state("networkidle")
                    page.wait_for_timeout(300)
                    backdrop = "#1e1e1e" if theme == "dark" else "#ffffff"
                    page.add_style_tag(content=f"html{{background:{backdrop}}}")
                    name = f"buttons-{suffix}.png"
                    page.screenshot(path=str(out / name), full_page=True)
                    made.append(name)
                    page.close()
            if status_of(f"{base}/admin/login") == 404:
                print("skipped the admin console: /admin/login does not exist in this checkout")
            else:
                page = browser.new_page(viewport={"width": 1360, "height": 800})
                page.goto(f"{base}/buttons?{query}")  # something for the statistics
                page.goto(f"{base}/admin/login")
                page.fill("input[name=password]", password)
                page.click("button[type=submit], input[type=submit]")
                page.wait_for_load_state("networkidle")
                for path, name in (("/admin/", "admin-overview.png"),
                                   ("/admin/cache", "admin-cache.png"),
                                   ("/admin/ttl", "admin-ttl.png")):  # fmt: skip
                    if status_of(base + path) == 404:
                        continue
                    page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    page.screenshot(path=str(out / name), full_page=True)
                    made.append(name)
                page.close()
        finally:
            browser.close()
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout to serve")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(args.root))
    password = secrets.token_urlsafe(18)
    with tempfile.TemporaryDirectory(prefix="shareproxy-shots-") as tmp:
        with fake_networks() as upstream:
            with shareproxy(args.root, upstream, password, Path(tmp)) as base:
                made = shoot(base, args.out, password)
    for name in made:
        print(args.out / name)
    return 0 if made else 1


if __name__ == "__main__":
    sys.exit(main())
