"""Many shapes of the page of buttons, for comparing two ways of rendering it.

:func:`cases` lists requests for ``/buttons`` across its parameters (networks of every
kind, theme, style, orientation, two-click with and without activated widgets, languages
left to right and right to left, counts on and off, found and left for the browser,
titles and page URLs with characters HTML and URLs treat specially, hostile input,
repeated and Shariff-named parameters, the languages a browser asks for). :func:`rendered`
answers each one through Flask (the page memo left out) as (status, headers, body).

Run as a script it keeps those answers in a file and compares another checkout's with
them, byte for byte::

    python tests/page_cases.py write /tmp/pages.json   # on the code before a change
    python tests/page_cases.py check /tmp/pages.json   # on the code after it
"""

from __future__ import annotations

import itertools
import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

from flask import Flask
from werkzeug.test import Client

PAGE = "https://example.org/cases/page"  # its counts are in the store (one failing)
FRESH = "https://example.org/cases/new"  # nothing known: every count left to the browser
# counts in the store too, and characters HTML and URLs treat specially
COUNTED = "https://example.org/b?c=<d>&e=\"f\"&g='h'&i=%26amp;"
ODD = "https://example.org/a%20b/ü?x=1&y=<z>\"q'&utm_source=t#frag"

NETWORK_SETS = [
    None,  # the default ones
    "facebook,twitter,linkedin,pinterest,buffer,xing,mail,info",
    "mastodon,fediverse,threema,sms,whatsapp,copy,print,share,mail,info",
    '["facebook","twitter","reddit"]',  # Shariff's JSON array
    "facebook,twitter,linkedin,xing,reddit,pinterest,whatsapp,telegram,threema,mastodon,"
    "fediverse,bluesky,threads,tumblr,vk,odnoklassniki,flipboard,buffer,diaspora,"
    "hackernews,lobsters,weibo,line,teams,sms,mail,print,copy,share,info",
    "pocket,facebook,,Twitter, vk ,facebook",  # unknown, empty, case, blanks, repeated
]
OPTIONS = [
    "",
    "&theme=grey",
    "&theme=white&orientation=vertical",
    "&theme=dark&style=icon",
    "&theme=auto&style=icon-count",
    "&theme=standard",
    "&theme=purple&style=big&orientation=up&counts=maybe",
    "&counts=off",
    "&mode=twoclick",
    "&mode=twoclick&activate=facebook,twitter,pinterest",
    "&mode=twoclick&activate=pinterest&media=https%3A%2F%2Fexample.org%2Fi.png&via=%40some_one",
    "&mode=share&activate=facebook",
    "&lang=de",
    "&lang=ar",
    "&lang=he&orientation=vertical",
    "&lang=fa&mode=twoclick",
    "&lang=ja",
    "&lang=pt-BR",
    "&lang=xx",
    "&lang=%3Cscript%3E",
    "&origin=https%3A%2F%2Fexample.org",
    "&origin=https%3A%2F%2Fsub.example.com%3A8443",
    "&origin=https%3A%2F%2Fevil.test",
    "&origin=not-an-origin",
    "&info=https%3A%2F%2Fexample.org%2Fabout%3Fa%3D1%26b%3D2",
    "&info=javascript%3Aalert(1)",
    "&media=https%3A%2F%2Fexample.org%2Fimg%3Fs%3D%22x%22",
    "&via=someone&mail=mailto%3Aa%40example.org",
    "&mail=https%3A%2F%2Fexample.org%2Fcontact",
    "&mail=mailto%3A",
    "&mail=mailto%3Anot-an-address",
    "&services=facebook,twitter&button-style=icon&twitter-via=x_y",
    "&theme=dark&theme=grey",
    "&lang=de&lang=fr",
    "&networks=facebook&networks=twitter",
]
TITLES = [
    None,
    "",
    'Tom & Jerry\'s "best" <b>day</b> — ünïcödé 😀 ‮ right to left',
    "  tabs\tand\nnew\x00lines   folded \x7f ",
    "x" * 501,
    "\ue000h0\ue001 {{ o.url }} %(network)s {0} &amp; +%2B",
]
URLS = [PAGE, FRESH, ODD, COUNTED]
HOSTILE = [
    "",  # no url
    "javascript:alert(1)",
    "https://evil.test/page",
    "https://example.org/" + "a" * 5000,
    "//example.org/x",
]
LANGUAGES = ["", "de-DE,de;q=0.9", "he", "zz, ar;q=0.5"]
ENCODINGS = ["", "gzip, deflate, br", "gzip", "br;q=0, gzip;q=0"]


def query(url: str | None, title: str | None, networks: str | None, options: str) -> str:
    parts = []
    if url is not None:
        parts.append("url=" + quote(url, safe=""))
    if networks is not None:
        parts.append("networks=" + quote(networks, safe=","))
    if title is not None:
        parts.append("title=" + quote(title, safe=""))
    return "/buttons?" + "&".join(parts) + options


def cases() -> list[tuple[str, dict[str, str]]]:
    """(path, request headers) of every shape compared."""
    found: list[tuple[str, dict[str, str]]] = []
    combos = itertools.product(NETWORK_SETS, OPTIONS)
    for i, (networks, options) in enumerate(combos):
        # every combination once with each page, the titles and languages in turn
        for j, url in enumerate(URLS):
            title = TITLES[(i + j) % len(TITLES)]
            language = LANGUAGES[(i + 2 * j) % len(LANGUAGES)]
            encoding = ENCODINGS[(i + j // 2) % len(ENCODINGS)]
            headers = {"Accept-Language": language} if language else {}
            if encoding:
                headers["Accept-Encoding"] = encoding
            found.append((query(url, title, networks, options), headers))
    refusing = ["", "&lang=ar", "&origin=https%3A%2F%2Fevil.test"]
    for url, options in itertools.product(HOSTILE, refusing):
        found.append((query(url or None, "t", None, options), {}))
    # a repeated url or title, a page URL twice over
    found.append((query(PAGE, "a", None, "") + "&title=b", {}))
    found.append((query(PAGE, "a", None, "") + "&url=" + quote(FRESH, safe=""), {}))
    found.append((query(FRESH, None, None, "") + "&title=", {}))
    for encoding in ("gzip", "gzip, deflate, br"):
        found.append((query(PAGE, "z", None, ""), {"Accept-Encoding": encoding}))
    return found


SIBLING_TITLE = 'Another <page> & "its" title'


def sibling(path: str) -> str:
    """Another page of the same shape as ``path``'s, as a site has many: another URL with
    the same counts known (or none), another title if one is given."""
    pairs = [(PAGE, COUNTED), (COUNTED, PAGE), (FRESH, ODD), (ODD, FRESH)]
    for url, other in pairs:
        given = "url=" + quote(url, safe="")
        if given + "&" in path + "&":
            path = path.replace(given, "url=" + quote(other, safe=""), 1)
            break
    head, found, tail = path.partition("&title=")
    if found and not tail.startswith("&") and tail:
        value, amp, rest = tail.partition("&")
        path = head + found + quote(SIBLING_TITLE, safe="") + amp + rest
    return path


def app_config(base: str, store: str) -> dict[str, Any]:
    from fakes import CREDENTIALS

    from shareproxy.networks import COUNT_NETWORKS
    from shareproxy.settings import BY_NAME

    config: dict[str, Any] = {n: "http://127.0.0.1:9" for n in BY_NAME if n.startswith("API_BASE_")}
    config.update({f"API_BASE_{n.upper()}": base for n in COUNT_NETWORKS})
    config.update(CREDENTIALS)
    config.update(
        STORE=f"sqlite:///{store}",
        ALLOWED_DOMAINS="example.org,*.example.com,localhost,127.0.0.1",
        REQUEST_DEADLINE=10,
        CACHE_TTL=100_000,
    )
    return config


def prepare(app: Flask) -> None:
    """Counts for :data:`PAGE` and :data:`COUNTED` (xing failing) and a click on twitter
    for each; the Flask app alone."""
    client = app.test_client()
    every = "facebook,pinterest,buffer,xing,tumblr,vk,reddit,bluesky,odnoklassniki"
    for url in (PAGE, COUNTED):
        resp = client.get(f"/api/counts?url={quote(url, safe='')}&networks={every}")
        assert resp.status_code == 200, resp.get_data()
        share = client.get(f"/share/twitter?url={quote(url, safe='')}")
        assert share.status_code == 302


def answer(client: Client, path: str, headers: dict[str, str]) -> dict[str, Any]:
    resp = client.get(path, headers=headers)
    return {
        "status": resp.status,
        "headers": [list(h) for h in resp.headers.items()],
        "body": resp.get_data().decode("latin-1"),
    }


@contextmanager
def served() -> Iterator[Flask]:
    """The app, with the counts :func:`prepare` puts in the store."""
    from fakes import FakeNetworks

    from shareproxy import create_app

    fake = FakeNetworks()
    fake.set("xing", "error500")
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(app_config(fake.base, f"{tmp}/s.db"), log_summary=False)
        app.config["TESTING"] = True
        try:
            prepare(app)
            yield app
        finally:
            app.extensions["shareproxy"].close()
            fake.close()


@contextmanager
def flask_client() -> Iterator[Client]:
    """A client of the Flask app alone (the page memo left out)."""
    with served() as app:
        yield Client(app.extensions["shareproxy"].pagememo.app)


def rendered(
    client: Client, shapes: list[tuple[str, dict[str, str]]] | None = None
) -> dict[str, dict[str, Any]]:
    """``client``'s answer to each case (of :func:`cases` unless ``shapes`` are given)."""
    asked = cases() if shapes is None else shapes
    return {f"{path} {json.dumps(h)}": answer(client, path, h) for path, h in asked}


def main(argv: list[str]) -> int:
    verb, path = argv
    with flask_client() as client:
        now = rendered(client)
    if verb == "write":
        with open(path, "w") as f:
            json.dump(now, f)
        print(f"{len(now)} answers written to {path}")
        return 0
    with open(path) as f:
        before = json.load(f)
    differ = [k for k in before if before[k] != now.get(k)]
    for k in differ[:5]:
        print("DIFFERS:", k)
        old, new = before[k], now.get(k) or {}
        for part in ("status", "headers", "body"):
            if old[part] != new.get(part):
                print(f"  {part}:\n    before {old[part]!r:.2000}")
                print(f"    now    {new.get(part)!r:.2000}")
    print(f"{len(before) - len(differ)} of {len(before)} answers identical")
    return 1 if differ or len(now) != len(before) else 0


if __name__ == "__main__":
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    sys.exit(main(sys.argv[1:]))
