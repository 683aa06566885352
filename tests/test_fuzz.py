"""Fuzz tests: URL normalisation, every query parameter of every public endpoint, and
schemathesis against a live gunicorn checking every answer against /openapi.json."""

from __future__ import annotations

import json
import os
import re
import string
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shareproxy.urls import BadURL, host_allowed, host_of, normalise, page_url

ALLOWED = ("example.org", "*.example.com", "localhost", "127.0.0.1")
TRACKING = ("utm_*", "fbclid", "gclid")

# --- URL normalisation

# Hosts that are allowed, hosts that only look allowed, and odd ones.
HOSTS = st.sampled_from([
    "example.org", "EXAMPLE.org", "example.org.", "www.example.com", "a.b.example.com",
    "example.com", "evilexample.org", "example.org.evil.net", "evil.net", "xn--exmple-cua.org",
    "exämple.org", "localhost", "127.0.0.1", "127.0.0.2", "[::1]", "example.com.", "Example.Com",
    "sub.EXAMPLE.com", "example。org", "ex%61mple.org", "-example.org", "a..example.com",
])  # fmt: skip
URL_TEXT = st.text(
    alphabet=st.sampled_from(string.printable + "é€ü。\u200b\x00%#?@:/\\[]"), max_size=60
)


@st.composite
def built_urls(draw: st.DrawFn) -> tuple[str, str]:
    """(url, the host it was built with)."""
    scheme = draw(st.sampled_from(["http", "https", "HTTPS", "ftp", "javascript", ""]))
    host = draw(HOSTS)
    port = draw(st.sampled_from(["", ":80", ":443", ":8080", ":0", ":99999", ":x"]))
    userinfo = draw(st.sampled_from(["", "user@", "example.org@", "u:p@"]))
    path = draw(URL_TEXT)
    query = draw(st.sampled_from(["", "?a=1&utm_source=x", "?b=%20&fbclid=1", "?" + "q" * 3]))
    fragment = draw(st.sampled_from(["", "#top", "#@example.org"]))
    prefix = f"{scheme}://" if scheme else "//"
    return f"{prefix}{userinfo}{host}{port}/{path}{query}{fragment}", host


def as_a_browser_would(host: str) -> str:
    """The host name a request to ``host`` would reach: lower case, no trailing dot, IDNA."""
    host = host.lower().rstrip(".")
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


@settings(max_examples=400, deadline=None)
@given(st.one_of(URL_TEXT, built_urls().map(lambda pair: pair[0])))
def test_normalise_is_idempotent_and_raises_only_bad_url(raw: str) -> None:
    try:
        once = normalise(raw, TRACKING)
    except BadURL as exc:
        assert exc.status in (400, 403) and str(exc) and "\n" not in str(exc)
        return
    assert normalise(once, TRACKING) == once
    assert once.startswith(("http://", "https://"))
    assert "#" not in once and "@" not in urlsplit(once).netloc


@settings(max_examples=400, deadline=None)
@given(built_urls())
def test_normalising_never_widens_the_allowlist(pair: tuple[str, str]) -> None:
    raw, host = pair
    try:
        url = page_url(raw, ALLOWED, TRACKING)
    except BadURL:
        return
    assert host_allowed(host_of(url), ALLOWED)
    # the host that passed is the one the URL was built with, not a part of something else
    assert host_allowed(as_a_browser_would(host), ALLOWED), (raw, url)
    assert host_of(url) == as_a_browser_would(host).strip("[]") or host.startswith("[")


@settings(max_examples=300, deadline=None)
@given(URL_TEXT)
def test_an_allowed_answer_names_the_host_the_standard_parser_sees(raw: str) -> None:
    try:
        url = page_url("https://" + raw, ALLOWED, TRACKING)
    except BadURL:
        return
    seen = urlsplit("https://" + raw).hostname or ""
    assert host_allowed(as_a_browser_would(seen), ALLOWED), (raw, url)


# --- every query parameter of every public endpoint


def _spec_params() -> list[str]:
    from shareproxy.openapi import spec

    names = {
        p["name"]
        for ops in spec()["paths"].values()
        for op in ops.values()
        for p in op.get("parameters", [])
        if p["in"] == "query"
    }
    return sorted(names)


PARAM_NAMES = st.sampled_from(_spec_params() + ["callback", "format", "x", "url[]", ""])
PATH_VALUES = st.sampled_from(
    ["pinterest", "facebook", "mastodon", "fediverse", "mail", "nope", "<b>x"]
)
NASTY = st.sampled_from([
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "https://example.org/",
    "https://example.org/<b>", "facebook,<svg>", "javascript:alert(1)", "%00", "\u202e",
    "https://evil.net/", "reddit,pinterest", "a" * 3000, "'; DROP TABLE counts; --",
])  # fmt: skip
VALUES = st.one_of(NASTY, st.text(max_size=40))
QUERIES = st.lists(st.tuples(PARAM_NAMES, VALUES), max_size=4)


def public_get_paths(app: Flask) -> list[str]:
    from test_openapi import public_routes

    paths = []
    for path, methods in public_routes(app).items():
        if "get" in methods:
            paths.append(path)
    return sorted(paths)


@pytest.fixture
def fuzz_app(make_app: Callable[..., Flask]) -> Flask:
    # Count APIs point at a closed port: a miss fails fast, and nothing leaves the machine.
    from fedi_fakes import lookups_fail_fast

    app = make_app(REQUEST_DEADLINE=0.2, EMBED_DEADLINE=0.2)
    lookups_fail_fast(app)
    return app


def reflected(value: str, body: str) -> bool:
    """Whether a value with markup characters appears unescaped in a body."""
    return len(value) >= 3 and any(c in value for c in "<>\"'") and value in body


# their errors are small HTML pages with the one-line reason
VISITOR_PAGES = {"/embed", "/share/mastodon", "/share/fediverse"}
# the buttons' pages that sites include: a refused page degrades, never a JSON error
FRAMED_PAGES = {"/buttons", "/snippet"}


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), query=QUERIES)
def test_every_parameter_of_every_endpoint(fuzz_app: Flask, data: Any, query: Any) -> None:
    client = fuzz_app.test_client()
    path = data.draw(st.sampled_from(public_get_paths(fuzz_app)))
    while "{" in path:
        head, _, rest = path.partition("{")
        path = head + quote(data.draw(PATH_VALUES), safe="") + rest.partition("}")[2]
    resp = client.get(f"{path}?{urlencode(query)}", follow_redirects=False)
    assert resp.status_code < 500, (path, query)
    body = resp.get_data().decode("utf-8", errors="replace")
    if resp.status_code in (301, 302, 303, 307, 308):
        body = resp.headers["Location"]  # a redirect reflects only encoded input
    if resp.status_code >= 400 and path in VISITOR_PAGES and resp.mimetype == "text/html":
        # a page a visitor may see in a frame: the one-line reason as HTML, never raw JSON
        found = re.search(r'<p class="sp-reason"[^>]*>([^<\n]+)</p>', body)
        assert found, (path, body[:200])
    elif resp.status_code >= 400 and path in FRAMED_PAGES and resp.mimetype == "text/html":
        if path == "/buttons":  # a quiet translated line, the reason only for the loader
            assert 'class="sp-unavailable"' in body and "data-notices=" in body, body[:200]
        else:  # /snippet, fetched by a server: the reason as an HTML comment, no links
            assert body.lstrip().startswith("<!--") and "<a " not in body, body[:200]
    elif resp.status_code >= 400:
        assert resp.mimetype == "application/json"
        assert "\n" not in body.strip()
        error = json.loads(body)["error"]
        assert error and "\n" not in error
    for _, value in query:
        assert not reflected(value, body), (path, value)


def test_public_paths_are_found(fuzz_app: Flask) -> None:
    assert "/api/counts" in public_get_paths(fuzz_app)


# --- schemathesis against a live gunicorn


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: Any) -> Iterator[str]:
    """A real gunicorn under the shipped configuration (shareproxy's worker, one process of
    8 threads), the fake networks behind it, fediverse lookups failing at once."""
    from fakes import CREDENTIALS, FakeNetworks
    from live_support import Gunicorn, clean_env

    from shareproxy.networks import COUNT_NETWORKS

    fake = FakeNetworks()
    config: dict[str, str] = {f"API_BASE_{n.upper()}": fake.base for n in COUNT_NETWORKS}
    config.update(
        {"API_BASE_YOUTUBE": "http://127.0.0.1:9", "API_BASE_VIMEO": "http://127.0.0.1:9"}
    )
    config["EMBED_DEADLINE"] = "0.5"
    config.update(CREDENTIALS)
    folder = tmp_path_factory.mktemp("live")
    config["STORE"] = f"sqlite:///{folder / 'live.db'}"
    config["ALLOWED_DOMAINS"] = ",".join(LIVE_ALLOWED)
    config["PUBLIC_URL"] = "https://share.example.org"
    config["REQUEST_DEADLINE"] = "0.5"
    env = clean_env(**{f"SHAREPROXY_{k}": v for k, v in config.items()})
    server = Gunicorn(
        env,
        workers=1,
        app="live_app:app",
        log_path=str(folder / "gunicorn.log"),
        pythonpath=os.path.dirname(os.path.abspath(__file__)),
    )
    try:
        yield server.base
    finally:
        log = server.stop()
        fake.close()
    # every answer was checked above; the worker never logged an error of its own
    assert "Traceback" not in log, log[-3000:]


LIVE_ALLOWED = ("example.org", "*.example.com")


def _schema() -> Any:
    import schemathesis

    from shareproxy.openapi import spec

    return schemathesis.openapi.from_dict(json.loads(json.dumps(spec(LIVE_ALLOWED))))


schema = _schema()


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_live_server_matches_its_description(case: Any, live_server: str) -> None:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        positive_data_acceptance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    case.call_and_validate(
        base_url=live_server,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
            # every value the description allows is accepted (2xx/3xx, or 403/404 for a host
            # not allowed and an unknown asset), never refused as malformed
            positive_data_acceptance,
        ],
        timeout=10,
        allow_redirects=False,  # /share redirects to the network: never leave the machine
    )


@settings(max_examples=200, deadline=None)
@given(
    name=st.from_regex(r"[a-z][a-z0-9]{0,7}", fullmatch=True),
    value=st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True),
)
def test_parameters_that_are_not_tracking_are_kept_by_default(name: str, value: str) -> None:
    from fnmatch import fnmatchcase

    from shareproxy.settings import DEFAULT_TRACKING, _list, load

    tracking = load(environ={}).tracking_params  # what the app uses when nothing is set
    url = normalise(f"https://example.org/p?{name}={value}", tracking)
    if any(fnmatchcase(name, pattern) for pattern in _list(DEFAULT_TRACKING)):
        assert url == "https://example.org/p"
    else:
        assert url == f"https://example.org/p?{name}={value}"
