"""Fediverse sharing: /share/fediverse and /share/mastodon find the visitor's server's
software with NodeInfo (fake servers on loopback, one per software family, reached through
SHAREPROXY_FEDIVERSE_RESOLVE) and send the visitor to its own share page; the address
guard keeps every other host off the operator's network (a Tripwire listener stands where
a refused connection would go, and counts)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from buttons_support import PAGE
from fedi_fakes import (
    NODEINFO,
    Answer,
    FakeServer,
    Tripwire,
    fediverse_server,
    redirect,
    resolver_from,
)
from flask import Flask

from shareproxy.networks import fediverse as fedi
from shareproxy.nodeinfo import LOOKUP_SECONDS
from shareproxy.urls import normalise

NOT_PUBLIC = "This server cannot be contacted from here: its address is not public."
BAD_NAME = "Please enter a server name such as mastodon.social."
TITLE = 'Tom & Jerry: "50% off" <b>#1</b> ?a=b'
URL = normalise(PAGE)

# software → (host it is reached as, the path of its share page, the query it gets)
EXPECTED: dict[str, tuple[str, str, dict[str, str]]] = {
    "mastodon": ("mastodon.example", "/share", {"text": f"{TITLE} {URL}"}),
    "hometown": ("hometown.example", "/share", {"text": f"{TITLE} {URL}"}),
    "misskey": ("misskey.example", "/share", {"text": f"{TITLE} {URL}"}),
    "sharkey": ("sharkey.example", "/share", {"text": f"{TITLE} {URL}"}),
    "firefish": ("firefish.example", "/share", {"text": f"{TITLE} {URL}"}),
    "iceshrimp": ("iceshrimp.example", "/share", {"text": f"{TITLE} {URL}"}),
    "cherrypick": ("cherrypick.example", "/share", {"text": f"{TITLE} {URL}"}),
    "friendica": ("friendica.example", "/compose", {"title": TITLE, "body": URL}),
    "hubzilla": ("hubzilla.example", "/rpost", {"title": TITLE, "body": URL}),
    "gnusocial": ("gnusocial.example", "/notice/new", {"status_textarea": f"{TITLE} {URL}"}),
    "diaspora": ("diaspora.example", "/bookmarklet", {"url": URL, "title": TITLE}),
    "lemmy": ("lemmy.example", "/create_post", {"url": URL, "title": TITLE}),
}
NO_SHARE_PAGE = {"pleroma": "Pleroma", "akkoma": "Akkoma", "gotosocial": "GoToSocial"}


class Fleet:
    """One fake server per software, each reached under its own host name."""

    def __init__(self) -> None:
        self.servers: dict[str, FakeServer] = {}
        self.hosts: dict[str, str] = {}
        for software in NODEINFO:
            host = EXPECTED[software][0] if software in EXPECTED else f"{software}.example"
            self.hosts[software] = host
            self.servers[software] = fediverse_server(software, host)
        self.extra: dict[str, FakeServer] = {}

    def add(self, host: str, server: FakeServer) -> FakeServer:
        self.extra[host] = server
        return server

    def resolve(self) -> str:
        pairs = [f"{self.hosts[s]}={srv.base}" for s, srv in self.servers.items()]
        pairs += [f"{host}={srv.base}" for host, srv in self.extra.items()]
        return ",".join(pairs)

    def hits(self, software: str) -> int:
        return len(self.servers[software].seen)

    def close(self) -> None:
        for srv in [*self.servers.values(), *self.extra.values()]:
            srv.close()


@pytest.fixture
def fleet() -> Iterator[Fleet]:
    f = Fleet()
    yield f
    f.close()


@pytest.fixture
def fedi_app(make_app: Callable[..., Flask], fleet: Fleet) -> Callable[..., Flask]:
    def make(**overrides: Any) -> Flask:
        return make_app(**{"FEDIVERSE_RESOLVE": fleet.resolve(), **overrides})

    return make


def share(client: Any, instance: str | None, network: str = "fediverse", **more: str) -> Any:
    query = {"url": PAGE, "title": TITLE, **more}
    if instance is not None:
        query["instance"] = instance
    return client.get(f"/share/{network}", query_string=query)


def clicks(app: Flask, network: str) -> int:
    return app.extensions["shareproxy"].store.get_clicks(URL, [network]).get(network, 0)


# --- each software family gets its own share page


@pytest.mark.parametrize("software", sorted(EXPECTED))
def test_each_software_gets_its_own_share_page_with_the_text_escaped(
    software: str, fedi_app: Callable[..., Flask]
) -> None:
    host, path, query = EXPECTED[software]
    app = fedi_app()
    resp = share(app.test_client(), host)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    location = resp.headers["Location"]
    parts = urlsplit(location)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", host, path)
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == query
    for raw in ('"', "<", " ", "#", "&a", "?a="):  # every value percent-encoded
        assert raw not in parts.query
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("network", ["fediverse", "mastodon"])
@pytest.mark.parametrize(
    "typed",
    ["misskey.example", "Misskey.Example.", "@alice@misskey.example", "alice@misskey.example",
     "https://misskey.example/@alice", "https://misskey.example/users/alice",
     "misskey.example/@alice", " https://misskey.example:443/ "],
)  # fmt: skip
def test_a_host_a_handle_and_a_profile_url_lead_to_the_same_server(
    typed: str, network: str, fedi_app: Callable[..., Flask]
) -> None:
    resp = share(fedi_app().test_client(), typed, network)
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("https://misskey.example/share?text=")


@pytest.mark.parametrize("software", sorted(NO_SHARE_PAGE))
def test_software_without_a_share_page_gets_the_copy_page(
    software: str, fedi_app: Callable[..., Flask], fleet: Fleet
) -> None:
    app = fedi_app()
    host = fleet.hosts[software]
    resp = share(app.test_client(), f"@bob@{host}", lang="en")
    assert resp.status_code == 200 and "Location" not in resp.headers
    body = resp.get_data(as_text=True)
    assert f"{NO_SHARE_PAGE[software]} on {host} has no page for sharing a link" in body
    assert 'id="sp-text"' in body and 'class="sp-copytext' in body
    assert f'href="https://{host}/"' in body
    assert "Tom &amp; Jerry: &#34;50% off&#34; &lt;b&gt;#1&lt;/b&gt;" in body  # escaped
    assert "<b>#1" not in body
    assert clicks(app, "fediverse") == 0  # nothing left for a network: nothing counted


def test_the_newest_nodeinfo_2_document_is_read(
    fedi_app: Callable[..., Flask], fleet: Fleet
) -> None:
    app = fedi_app()
    assert share(app.test_client(), "pleroma.example").status_code == 200
    assert fleet.servers["pleroma"].paths() == ["/.well-known/nodeinfo", "/nodeinfo/2.1.json"]
    assert share(app.test_client(), "friendica.example").status_code == 302
    assert fleet.servers["friendica"].paths() == ["/.well-known/nodeinfo", "/nodeinfo/2.0"]


def test_a_relative_link_and_unknown_software(
    fedi_app: Callable[..., Flask], fleet: Fleet, make_app: Callable[..., Flask]
) -> None:
    odd = FakeServer(
        {
            "/.well-known/nodeinfo": Answer(
                200,
                {
                    "links": [
                        {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": "/ni"}
                    ]
                },
            ),
            "/ni": Answer(200, {"version": "2.1", "software": {"name": "NewThing"}}),
        }
    )
    fleet.add("odd.example", odd)
    resp = share(fedi_app().test_client(), "odd.example", lang="en")
    assert resp.status_code == 200
    assert "newthing on odd.example has no page for sharing a link" in resp.get_data(as_text=True)
    assert odd.paths() == ["/.well-known/nodeinfo", "/ni"]


@pytest.mark.parametrize(
    ("answer", "asked_there"),
    [(redirect("https://mastodon.example/.well-known/nodeinfo", 301),
      ["/.well-known/nodeinfo", "/nodeinfo/2.0"]),
     (Answer(200, {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
                              "href": "https://mastodon.example/nodeinfo/2.0"}]}),
      ["/nodeinfo/2.0"])],
)  # fmt: skip
def test_a_domain_that_lends_its_name_to_a_server_elsewhere(
    answer: Answer, asked_there: list[str], fedi_app: Callable[..., Flask], fleet: Fleet
) -> None:
    """@alice@example.net on a Mastodon server at mastodon.example: the domain sends
    NodeInfo there, and the share page is the server's."""
    fleet.add("example.net", FakeServer({"/.well-known/nodeinfo": answer}))
    app = fedi_app()
    for _ in range(2):  # the second time from the store
        resp = share(app.test_client(), "@alice@example.net")
        assert resp.status_code == 302
        assert resp.headers["Location"].startswith("https://mastodon.example/share?text=")
    assert fleet.servers["mastodon"].paths() == asked_there  # once: then from the store
    stored = app.extensions["shareproxy"].store.value("fedi:example.net", time.time())
    assert stored == "ok|mastodon|mastodon.example"


def test_long_titles_are_cut_to_each_softwares_limit(fedi_app: Callable[..., Flask]) -> None:
    client = fedi_app().test_client()
    long_title = "word " * 100  # 500 characters
    masto = share(client, "mastodon.example", title=long_title).headers["Location"]
    text = parse_qs(urlsplit(masto).query)["text"][0]
    title, _, url = text.rpartition(" ")
    assert url == URL and title.endswith("\u2026") and len(title) + 1 + 23 <= 500
    lemmy = share(client, "lemmy.example", title=long_title).headers["Location"]
    assert len(parse_qs(urlsplit(lemmy).query)["title"][0]) == 200
    misskey = share(client, "misskey.example", title=long_title).headers["Location"]
    assert parse_qs(urlsplit(misskey).query)["text"][0] == f"{' '.join(long_title.split())} {URL}"


# --- the cache: one lookup serves every visitor of a server


def test_the_second_lookup_is_served_by_the_store(
    fedi_app: Callable[..., Flask], fleet: Fleet
) -> None:
    first = fedi_app()
    assert share(first.test_client(), "sharkey.example").status_code == 302
    assert fleet.hits("sharkey") == 2
    assert share(first.test_client(), "@someone@sharkey.example").status_code == 302
    other_worker = fedi_app()  # another process on the same SQLite file
    assert share(other_worker.test_client(), "sharkey.example").status_code == 302
    assert fleet.hits("sharkey") == 2
    stored = first.extensions["shareproxy"].store.value("fedi:sharkey.example", time.time())
    assert stored == "ok|sharkey|"


def test_the_cache_lives_in_redis_too(
    fedi_app: Callable[..., Flask], fleet: Fleet, redis_url: str
) -> None:
    one, two = fedi_app(STORE=redis_url), fedi_app(STORE=redis_url)
    assert share(one.test_client(), "lemmy.example").status_code == 302
    assert share(two.test_client(), "lemmy.example").status_code == 302
    assert fleet.hits("lemmy") == 2
    store = two.extensions["shareproxy"].store
    assert store.value("fedi:lemmy.example", time.time()) == "ok|lemmy|"
    ttl = store._client.pttl(f"{store.prefix}v:fedi:lemmy.example")
    assert 23 * 3600 * 1000 < ttl <= 24 * 3600 * 1000


def test_found_is_kept_a_day_and_a_failure_minutes(
    fedi_app: Callable[..., Flask], fleet: Fleet
) -> None:
    down = fleet.add("down.example", FakeServer({"/.well-known/nodeinfo": Answer(503)}))
    app = fedi_app()
    discovery = app.extensions["shareproxy"].fediverse
    now = [time.time()]
    discovery.clock = lambda: now[0]
    client = app.test_client()
    assert share(client, "down.example").status_code == 200
    assert share(client, "mastodon.example").status_code == 302
    now[0] += 4 * 60
    share(client, "down.example")
    assert len(down.seen) == 1  # a failure is remembered for minutes
    now[0] += 2 * 60
    share(client, "down.example")
    assert len(down.seen) == 2  # then asked again
    now[0] += 23 * 3600
    share(client, "mastodon.example")
    assert fleet.hits("mastodon") == 2
    now[0] += 3600
    share(client, "mastodon.example")
    assert fleet.hits("mastodon") == 4  # a day later, asked again


# --- failures: the Mastodon share page, with a note


@pytest.mark.parametrize(
    "routes",
    [
        {"/.well-known/nodeinfo": Answer(404)},
        {"/.well-known/nodeinfo": Answer(200, b"<html>not json</html>")},
        {"/.well-known/nodeinfo": Answer(200, {"links": []})},
        {"/.well-known/nodeinfo": Answer(200, {"links": [{"rel": "x", "href": "/y"}]})},
        {"/.well-known/nodeinfo": Answer(200, b"x" * (70 * 1024))},
        {"/.well-known/nodeinfo": Answer(
            200, {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
                             "href": "https://broken.example/n"}]}),
         "/n": Answer(200, {"software": {"name": "<script>alert(1)</script>"}})},
    ],
)  # fmt: skip
def test_a_failed_lookup_offers_the_mastodon_share_page_with_a_note(
    routes: dict[str, Answer], fedi_app: Callable[..., Flask], fleet: Fleet
) -> None:
    fleet.add("broken.example", FakeServer(routes))
    app = fedi_app()
    client = app.test_client()
    resp = share(client, "broken.example", lang="en", theme="dark")
    assert resp.status_code == 200 and "Location" not in resp.headers
    body = resp.get_data(as_text=True)
    assert "broken.example did not say which software it runs" in body
    assert "<script>alert" not in body
    continue_link = body.split('class="sp-go" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert clicks(app, "fediverse") == 0
    onward = client.get(continue_link)
    assert onward.status_code == 302
    assert onward.headers["Location"] == fedi.share_link("mastodon", "broken.example", URL, TITLE)
    assert clicks(app, "fediverse") == 1  # counted as it leaves


def test_a_server_that_hangs_costs_the_visitor_two_seconds_at_most(
    fedi_app: Callable[..., Flask], fleet: Fleet
) -> None:
    fleet.add("slow.example", FakeServer({"/.well-known/nodeinfo": Answer(mode="drip")}))
    client = fedi_app().test_client()
    started = time.monotonic()
    resp = share(client, "slow.example", lang="en")
    assert time.monotonic() - started < 3.0
    assert resp.status_code == 200 and "did not say which software" in resp.get_data(as_text=True)


# --- the guard: 400 at once, no connection to a private address


@pytest.fixture
def wire() -> Iterator[Tripwire]:
    tripwire = Tripwire()
    yield tripwire
    tripwire.close()


def guarded_app(
    fedi_app: Callable[..., Flask], wire: Tripwire, names: dict[str, list[str]] | None = None
) -> Flask:
    """The app with its guard's https port on the Tripwire, and a resolver of our own
    when ``names`` is given (else the system's: localhost is 127.0.0.1 in /etc/hosts)."""
    app = fedi_app()
    guard = app.extensions["shareproxy"].fediverse.guard
    guard.https_port = wire.port
    if names is not None:
        guard.resolver = resolver_from(names)
    return app


@pytest.mark.parametrize(
    ("instance", "reason"),
    [
        ("127.0.0.1", BAD_NAME),
        ("https://127.0.0.1/@alice", BAD_NAME),
        ("10.0.0.1", BAD_NAME),
        ("[::1]", BAD_NAME),
        ("https://[::1]/", BAD_NAME),
        ("169.254.169.254", BAD_NAME),
        ("@root@169.254.169.254", BAD_NAME),
        ("localhost", NOT_PUBLIC),
        ("@admin@localhost", NOT_PUBLIC),
        ("inside.example.org", NOT_PUBLIC),
        ("metadata.example.org", NOT_PUBLIC),
        ("v6.example.org", NOT_PUBLIC),
        ("mapped.example.org", NOT_PUBLIC),
        ("nowhere.example.org", "No server answers to this name. Please check it."),
    ],
)  # fmt: skip
def test_hosts_inside_are_refused_quickly_without_a_connection(
    instance: str, reason: str, fedi_app: Callable[..., Flask], wire: Tripwire
) -> None:
    names = {
        "inside.example.org": ["10.1.2.3"],
        "metadata.example.org": ["169.254.169.254"],
        "v6.example.org": ["fd00::1"],
        "mapped.example.org": ["::ffff:127.0.0.1"],
    }
    app = guarded_app(fedi_app, wire, None if "localhost" in instance else names)
    share(app.test_client(), "10.0.0.1", lang="en")  # templates and catalogs loaded
    started = time.monotonic()
    resp = share(app.test_client(), instance, lang="en")
    # answered without waiting out a lookup (a busy test machine adds its own delay)
    assert time.monotonic() - started < LOOKUP_SECONDS
    assert resp.status_code == 400
    assert "Location" not in resp.headers
    body = resp.get_data(as_text=True)
    alert = body.split('role="alert">', 1)[1].split("</p>", 1)[0]
    assert alert == reason
    assert 'name="instance"' in body  # the visitor may try another server at once
    assert wire.connections == 0
    assert clicks(app, "fediverse") == 0


def test_a_name_that_does_not_resolve_through_the_system_resolver(
    fedi_app: Callable[..., Flask], wire: Tripwire
) -> None:
    app = guarded_app(fedi_app, wire)
    started = time.monotonic()
    resp = share(app.test_client(), "@x@no-such-host.invalid", lang="en")
    assert time.monotonic() - started < 2.5
    assert resp.status_code == 400
    assert "No server answers to this name" in resp.get_data(as_text=True)
    assert wire.connections == 0


@pytest.mark.parametrize(
    "routes",
    [
        {"/.well-known/nodeinfo": redirect("https://inside.example.org/.well-known/nodeinfo")},
        {"/.well-known/nodeinfo": redirect("https://127.0.0.1/.well-known/nodeinfo")},
        {"/.well-known/nodeinfo": Answer(
            200, {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
                             "href": "https://inside.example.org/nodeinfo/2.0"}]})},
        {"/.well-known/nodeinfo": Answer(
            200, {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
                             "href": "https://169.254.169.254/latest/meta-data/"}]})},
        {"/.well-known/nodeinfo": redirect("/start"),
         "/start": redirect("https://inside.example.org/x", 307)},
    ],
)  # fmt: skip
def test_a_redirect_or_link_to_a_private_address_is_refused(
    routes: dict[str, Answer], fedi_app: Callable[..., Flask], fleet: Fleet, wire: Tripwire
) -> None:
    public = fleet.add("public.example", FakeServer(routes))
    app = guarded_app(fedi_app, wire, {"inside.example.org": ["192.168.7.7"]})
    resp = share(app.test_client(), "public.example", lang="en")
    assert resp.status_code == 400
    assert "its address is not public" in resp.get_data(as_text=True)
    assert wire.connections == 0
    assert public.seen  # the public server was asked; nothing behind it was


def test_the_tripwire_sees_a_connection_the_guard_allows(
    fedi_app: Callable[..., Flask], wire: Tripwire
) -> None:
    """The positive control: with 127.0.0.1 vouched for, the same listener counts one."""
    app = fedi_app(FEDIVERSE_RESOLVE=f"vouched.example=http://127.0.0.1:{wire.port}")
    resp = share(app.test_client(), "vouched.example", lang="en")
    assert resp.status_code == 200  # the listener answers nothing: a failed lookup
    assert wire.wait_for(1)


# --- counting and the page without a server


def test_a_share_is_counted_once_as_it_leaves(fedi_app: Callable[..., Flask]) -> None:
    app = fedi_app()
    client = app.test_client()
    assert share(client, None).status_code == 200
    assert share(client, "bad host").status_code == 400
    assert clicks(app, "fediverse") == 0
    assert share(client, "mastodon.example").status_code == 302
    assert share(client, "misskey.example").status_code == 302  # the same visitor again
    assert clicks(app, "fediverse") == 1
    assert share(client, "mastodon.example", network="mastodon").status_code == 302
    assert clicks(app, "mastodon") == 1


@pytest.mark.parametrize("network", ["fediverse", "mastodon"])
def test_without_a_server_the_page_asks_for_one(
    network: str, fedi_app: Callable[..., Flask]
) -> None:
    resp = share(fedi_app().test_client(), None, network, lang="de", theme="grey")
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert 'name="instance"' in body and f'action="/share/{network}"' in body
    assert 'class="sp-t-grey"' in body and 'lang="de"' in body
    assert '<input type="hidden" name="theme" value="grey">' in body
    assert "<b>" not in body
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "form-action 'self' https:" in csp
    assert "frame-ancestors 'none'" in csp
    rtl = share(fedi_app().test_client(), None, network, lang="ar")
    assert 'dir="rtl"' in rtl.get_data(as_text=True)


def test_the_software_parameter_skips_the_lookup_and_is_checked(
    fedi_app: Callable[..., Flask], fleet: Fleet
) -> None:
    client = fedi_app().test_client()
    resp = share(client, "gotosocial.example", software="mastodon")
    assert resp.status_code == 302 and fleet.hits("gotosocial") == 0
    bad = share(client, "gotosocial.example", software="evil")
    assert bad.status_code == 400 and "Location" not in bad.headers
    reason = bad.get_data(as_text=True).split('<p class="sp-reason" role="alert">')[1]
    assert reason.startswith("&#39;software&#39; must be one of: ") and "evil" not in reason


def test_instances_typed_badly_are_refused(fedi_app: Callable[..., Flask]) -> None:
    client = fedi_app().test_client()
    for typed in ["javascript:alert(1)", "a b.social", "x" * 400, "mastodon.social:8443",
                  "ftp://mastodon.social/", "https://u:p@mastodon.social/", '"><script>.social',
                  "@@", "@bad!user@mastodon.social"]:  # fmt: skip
        resp = share(client, typed, lang="en")
        assert resp.status_code == 400, typed
        body = resp.get_data(as_text=True)
        assert "<script>" not in body


def test_the_typed_server_is_never_logged(
    fedi_app: Callable[..., Flask], fleet: Fleet, wire: Tripwire, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    fleet.add("failing-secret.example", FakeServer({"/.well-known/nodeinfo": Answer(500)}))
    app = guarded_app(fedi_app, wire, {"inside-secret.example": ["10.0.0.7"]})
    app.extensions["shareproxy"].fediverse.guard.resolve_map.update(
        {"failing-secret.example": fleet.extra["failing-secret.example"].base}
    )
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    for typed in ["@alice@mastodon.example", "pleroma.example", "failing-secret.example",
                  "inside-secret.example", "unknown-secret.example"]:  # fmt: skip
        assert share(client, typed).status_code in (200, 302, 400)
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    for word in ("alice", "mastodon.example", "pleroma.example", "secret"):
        assert word not in logged
