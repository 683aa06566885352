#!/usr/bin/env python3
"""Screenshots for the README: the landing page, the visitors' info page, the fediverse
server picker, the buttons in each theme, and the admin console.

    python scripts/screenshots.py [--root CHECKOUT] [--out docs/screenshots]

Starts the tests' fake of the networks' count APIs (tests/fakes.py) and shareproxy itself
(gunicorn with gunicorn.conf.py, a throw-away SQLite store, a throw-away admin password),
plays tests/console_scene.py against it (real count lookups with working, failing and
rate-limited networks, shares from many visitors, a TTL override), then drives headless
Chromium (/usr/bin/chromium, or $CHROMIUM) with Playwright: the landing and info pages,
the buttons in each theme and every console page at 1280 px (the overview at 375 px too).
Nothing leaves the machine.
A page that does not exist yet (404) is skipped with a note.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
THEMES = ("color", "grey", "white", "dark")
# (file name suffix, extra query) for each buttons screenshot: one per theme, and the
# two-click row before the first click.
SHOTS = [(theme, {"theme": theme}) for theme in THEMES] + [
    (
        "twoclick",
        {
            "theme": "color",
            "mode": "twoclick",
            "networks": "facebook,twitter,linkedin,pinterest,mail,info",
        },
    ),  # noqa: E501
]
NETWORKS = "facebook,twitter,linkedin,pinterest,mastodon,bluesky,mail,info"
PAGE = "https://example.org/blog/privacy-friendly-share-buttons"
TITLE = "Privacy-friendly share buttons"
PAGE_LOOKUP = "https://example.org/blog/privacy"  # a page the console scene looked up
# (path, file name, viewport width, clip height or None for the full page)
PAGES = [
    ("/?lang=en", "landing.png", 1440, None),
    ("/?lang=en", "landing-phone.png", 375, 1700),
    ("/info?lang=de", "info-de.png", 1440, None),
    ("/info?lang=ar", "info-ar-phone.png", 375, None),
    (f"/share/fediverse?{urlencode({'url': PAGE, 'title': TITLE, 'lang': 'en'})}",
     "fediverse-picker.png", 900, None),
    (f"/share/fediverse?{urlencode({'url': PAGE, 'title': TITLE, 'lang': 'ar', 'theme': 'dark'})}",
     "fediverse-picker-ar-phone.png", 375, None),
]  # fmt: skip


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@contextmanager
def fake_networks(root: Path) -> Iterator[Any]:
    sys.path.insert(0, str(root / "tests"))
    from console_scene import stage
    from fakes import FakeNetworks

    fake = FakeNetworks()
    stage(fake)
    try:
        yield fake
    finally:
        fake.close()


@contextmanager
def shareproxy(
    root: Path, upstream: str, password: str, tmp: Path, providers: Any = None
) -> Iterator[str]:
    from console_scene import settings
    from live_support import CONF, Gunicorn, clean_env, free_port
    from werkzeug.security import generate_password_hash

    port = free_port()
    env = clean_env(
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        SHAREPROXY_STORE=f"sqlite:///{tmp / 'screenshots.db'}",
        SHAREPROXY_PRIVACY_URL="https://example.org/privacy",
    )
    env.update({f"SHAREPROXY_{k}": v for k, v in settings(upstream).items()})
    if providers is not None:  # the embed providers' fake, with pictures worth looking at
        for name in ("YOUTUBE", "VIMEO", "BLUESKY"):
            env[f"SHAREPROXY_API_BASE_{name}"] = providers.base
        env["SHAREPROXY_FEDIVERSE_RESOLVE"] = providers.resolve_map()
    from shareproxy.settings import BY_NAME

    if "ADMIN_PASSWORD_HASH" in BY_NAME:
        env["SHAREPROXY_ADMIN_PASSWORD_HASH"] = generate_password_hash(password, "scrypt")
    for name in BY_NAME:  # every other network at a closed port: nothing leaves the machine
        if name.startswith("API_BASE_") and f"SHAREPROXY_{name}" not in env:
            env[f"SHAREPROXY_{name}"] = "http://127.0.0.1:9"
    args = ["-c", CONF, "wsgi:app"]
    server = Gunicorn.run(args, env, port=port, cwd=root, log_path=tmp / "server.log")
    try:
        yield server.base
    finally:
        server.stop()


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


def shoot(base: str, out: Path, password: str, width: int = 1280) -> list[str]:
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
                made += shoot_console(browser, base, out, password, width)
            made += shoot_embeds(browser, base, out)
        finally:
            browser.close()
    return made


# (file name, path, what to do on the page first) of each console screenshot
CONSOLE = [
    ("admin-overview.png", "/admin/", None),
    ("admin-ttl.png", "/admin/ttl", "refuse"),
    ("admin-cache.png", "/admin/cache?" + urlencode({"url": PAGE_LOOKUP}), None),
    ("admin-cache-purged.png", "/admin/cache?" + urlencode({"url": PAGE_LOOKUP}), "purge"),
    ("admin-top.png", "/admin/top", None),
]


def shoot_console(
    browser: Any, base: str, out: Path, password: str, width: int = 1280
) -> list[str]:
    """Every console page, logged in, at ``width`` px (the README's are 1280 px wide)."""
    made = []
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{base}/admin/login")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    for name, path, action in CONSOLE:
        if status_of(base + path.split("?")[0]) == 404:
            continue
        page.goto(base + path)
        if action == "refuse":  # a value below the floor, refused on the page itself
            page.fill("#ttl-facebook input[name=seconds]", "10min")
            page.click("#ttl-facebook button[value=save]")
        elif action == "purge":
            page.click("button:has-text('Purge this page')")
        page.wait_for_load_state("networkidle")
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > width:
            print(f"{name}: {wide} px wide, more than the {width} px window")
        if width != 1280:
            name = name.replace(".png", f"-{width}.png")
        page.screenshot(path=str(out / name), full_page=True)
        made.append(name)
    if width == 1280:  # and the overview on a phone, as the README shows it
        page.set_viewport_size({"width": 375, "height": 1500})
        page.goto(base + "/admin/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(out / "admin-overview-phone.png"))
        made.append("admin-overview-phone.png")
    page.close()
    return made


# (file name, content URL, theme, language, width)
EMBED_SHOTS = [
    ("embed-video", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "color", "en", 720),
    ("embed-video-dark", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "dark", "en", 720),
    ("embed-post", "https://social.example/@alice/109364219296290339", "color", "en", 640),
    ("embed-post-ar", "https://social.example/@alice/109364219296290339", "white", "ar", 375),
]


def shoot_embeds(browser: Any, base: str, out: Path) -> list[str]:
    made: list[str] = []
    if status_of(f"{base}/embed?url=https://example.org/") == 404:
        print("skipped the embeds: /embed does not exist in this checkout")
        return made
    for name, url, theme, lang, width in EMBED_SHOTS:
        scheme = "dark" if theme == "dark" else "light"
        page = browser.new_page(
            viewport={"width": width, "height": 40}, color_scheme=scheme,
            device_scale_factor=2, bypass_csp=True,
        )  # fmt: skip
        address = f"{base}/embed?{urlencode({'url': url, 'theme': theme, 'lang': lang})}"
        for _ in range(60):  # the first request fetches the preview; wait for it
            with urllib.request.urlopen(address, timeout=30) as resp:
                if b'data-state="placeholder"' in resp.read():
                    break
            time.sleep(0.5)
        page.goto(address)
        page.wait_for_load_state("networkidle")
        backdrop = "#1e1e1e" if theme == "dark" else "#ffffff"
        page.add_style_tag(content=f"html{{background:{backdrop}}}")
        page.screenshot(path=str(out / f"{name}.png"), full_page=True)
        made.append(f"{name}.png")
        page.close()
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout to serve")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument(
        "--width", type=int, default=1280, help="window width of the console shots (px)"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(args.root))
    password = secrets.token_urlsafe(18)
    with tempfile.TemporaryDirectory(prefix="shareproxy-shots-") as tmp:
        sys.path.insert(0, str(args.root / "tests"))
        from embed_fakes import FakeProviders

        providers = FakeProviders(pretty=True)
        try:
            with fake_networks(args.root) as fake:
                with shareproxy(args.root, fake.base, password, Path(tmp), providers) as base:
                    from console_scene import drive

                    drive(base, fake)
                    made = shoot(base, args.out, password, args.width)
        finally:
            providers.close()
    for name in made:
        print(args.out / name)
    return 0 if made else 1


if __name__ == "__main__":
    sys.exit(main())
