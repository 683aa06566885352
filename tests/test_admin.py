"""The admin console and its JSON API: access control, forms, pages, TTL tuning, purges."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from admin_support import (
    ADMIN,
    AUTH,
    PASSWORD,
    csrf_of,
    login,
    redis_app,
    redis_store,  # noqa: F401 - fixture
)
from flask import Flask

from shareproxy.networks.base import RateLimited
from shareproxy.settings import TTL_CEILING, ttl_floor
from shareproxy.store import Entry
from shareproxy.store.redis import RedisStore

PAGES = [
    "/admin/",
    "/admin/ttl",
    "/admin/cache",
    "/admin/cache?url=https://example.org/",
    "/admin/top",
]
FORMS = [
    ("/admin/ttl", {"network": "facebook", "seconds": "7200"}),
    ("/admin/cache/purge", {"all": "1"}),
    ("/admin/logout", {}),
]
API = [
    ("GET", "/admin/api/stats"),
    ("GET", "/admin/api/ttl/facebook"),
    ("PUT", "/admin/api/ttl/facebook"),
    ("DELETE", "/admin/api/cache"),
]


@pytest.fixture
def admin(make_app: Callable[..., Flask]) -> Flask:
    return make_app(**ADMIN)


@pytest.fixture
def logged_in(admin: Flask) -> Any:
    client = admin.test_client()
    assert login(client).status_code == 302
    return client


# --- off unless configured


def test_console_explains_how_to_turn_it_on(client: Any) -> None:
    for path in PAGES + ["/admin/login"]:
        resp = client.get(path)
        assert resp.status_code == 404
        assert "SHAREPROXY_ADMIN_PASSWORD_HASH" in resp.get_data(as_text=True)
        assert "hash-password" in resp.get_data(as_text=True)


def test_api_is_off_without_a_token(make_app: Callable[..., Flask]) -> None:
    client = make_app(ADMIN_PASSWORD_HASH=ADMIN["ADMIN_PASSWORD_HASH"]).test_client()
    resp = client.get("/admin/api/stats", headers={"Authorization": "Bearer "})
    assert resp.status_code == 401
    assert "SHAREPROXY_ADMIN_TOKEN" in resp.get_json()["error"]


def test_bad_password_hash_setting_stops_start_up(make_app: Callable[..., Flask]) -> None:
    from shareproxy import ConfigError

    with pytest.raises(ConfigError, match="ADMIN_PASSWORD_HASH"):
        make_app(ADMIN_PASSWORD_HASH="my plain password")


# --- refusing the unauthenticated


def test_every_page_sends_the_unauthenticated_to_the_login(admin: Flask) -> None:
    client = admin.test_client()
    for path in PAGES:
        resp = client.get(path)
        assert resp.status_code == 302, path
        assert resp.headers["Location"].endswith("/admin/login")


def test_every_form_refuses_the_unauthenticated_even_with_a_csrf_token(admin: Flask) -> None:
    client = admin.test_client()
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    before = admin.extensions["shareproxy"].cache.ttl("facebook")
    for path, data in FORMS:
        resp = client.post(path, data={"csrf": token, **data})
        assert resp.status_code == 403, path
    assert admin.extensions["shareproxy"].cache.ttl("facebook") == before


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer wrong",
        "Basic dXNlcjpwdw==",
        "Bearer",
        "bearer  ",
        "Bearer t0ken-for-the-admin-api-0123456789abcdef-x",
        "Bearer \u00e9\u00e9",
    ],
)
def test_every_api_call_refuses_a_missing_or_wrong_token(admin: Flask, header: str | None) -> None:
    client = admin.test_client()
    headers = {} if header is None else {"Authorization": header.encode().decode("latin-1")}
    for method, path in API:
        resp = client.open(path, method=method, headers=headers, json={"seconds": 7200})
        assert resp.status_code == 401, (method, path)
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert admin.extensions["shareproxy"].cache.ttl("facebook") == ttl_floor("facebook")


def test_a_session_cookie_does_not_open_the_api(logged_in: Any) -> None:
    assert logged_in.get("/admin/api/stats").status_code == 401


# --- login, throttling, cookies, CSRF


def test_login_then_every_page_renders(logged_in: Any) -> None:
    for path in PAGES:
        resp = logged_in.get(path)
        assert resp.status_code == 200, path
        assert resp.mimetype == "text/html"
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["Cache-Control"] == "no-store"


def test_admin_pages_load_nothing_from_elsewhere(logged_in: Any) -> None:
    import re

    for path in PAGES:
        html = logged_in.get(path).get_data(as_text=True)
        for ref in re.findall(r'(?:src|action)="([^"]*)"', html):
            assert ref.startswith("/") or ref.startswith("?"), (path, ref)
        for tag in re.findall(r"<(?:link|a)\b[^>]*>", html):
            ref = re.search(r'href="([^"]*)"', tag)
            if ref is None or ref.group(1)[:1] in ("/", "?", "#"):
                continue
            # a link to a counted page (top shared) is followed only when clicked, and
            # then without a Referer
            assert tag.startswith("<a ") and 'rel="noreferrer noopener"' in tag, (path, tag)
    with logged_in.get("/static/admin/admin.css") as css:
        assert css.status_code == 200
        assert b"url(" not in css.data and b"@import" not in css.data


def test_a_wrong_password_is_refused(admin: Flask) -> None:
    client = admin.test_client()
    resp = login(client, "not the password")
    assert resp.status_code == 401
    assert client.get("/admin/").status_code == 302


def test_failed_logins_are_throttled_for_every_worker(make_app: Callable[..., Flask]) -> None:
    first, second = make_app(**ADMIN), make_app(**ADMIN)  # two workers, one store
    client = first.test_client()
    for _ in range(5):
        assert login(client, "guess").status_code == 401
    resp = login(client, PASSWORD)  # even the right password waits now
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) > 0
    other = second.test_client()
    assert login(other, PASSWORD).status_code == 429


def test_a_good_login_clears_the_failures(admin: Flask) -> None:
    client = admin.test_client()
    for _ in range(4):
        login(client, "guess")
    assert login(client, PASSWORD).status_code == 302
    client.post("/admin/logout", data={"csrf": csrf_of(client.get("/admin/").text)})
    for _ in range(4):
        assert login(client, "guess").status_code == 401
    assert login(client, PASSWORD).status_code == 302


def test_session_cookie_flags_over_http(admin: Flask) -> None:
    client = admin.test_client()
    cookie = login(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/admin" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_behind_https(admin: Flask) -> None:
    client = admin.test_client()
    page = client.get("/admin/login", base_url="https://localhost")
    assert "; Secure" in page.headers["Set-Cookie"]
    resp = client.post(
        "/admin/login",
        base_url="https://localhost",
        data={"csrf": csrf_of(page.text), "password": PASSWORD},
    )
    assert resp.status_code == 302
    assert "; Secure" in resp.headers["Set-Cookie"]


def test_visitors_get_no_cookie(admin: Flask) -> None:
    client = admin.test_client()
    for path in ["/api/counts?url=https://example.org/", "/healthz", "/admin/"]:
        assert "Set-Cookie" not in client.get(path).headers, path


def test_login_without_csrf_token_is_refused(admin: Flask) -> None:
    client = admin.test_client()
    client.get("/admin/login")
    resp = client.post("/admin/login", data={"password": PASSWORD})
    assert resp.status_code == 400
    assert "CSRF" in resp.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("path,data", FORMS)
def test_forms_refuse_a_missing_or_foreign_csrf_token(
    admin: Flask, path: str, data: dict[str, str]
) -> None:
    client = admin.test_client()
    login(client)
    other = admin.test_client()  # another session's token is no good here
    foreign = csrf_of(other.get("/admin/login").text)
    for token in (None, "", foreign, "0" * 64):
        form = dict(data) if token is None else {"csrf": token, **data}
        resp = client.post(path, data=form)
        assert resp.status_code == 400, (path, token)
    assert client.get("/admin/").status_code == 200  # still logged in: nothing happened
    assert admin.extensions["shareproxy"].cache.ttl("facebook") == ttl_floor("facebook")


def test_logout_ends_the_session(logged_in: Any) -> None:
    token = csrf_of(logged_in.get("/admin/").text)
    assert logged_in.post("/admin/logout", data={"csrf": token}).status_code == 302
    assert logged_in.get("/admin/").status_code == 302


def test_the_secret_key_is_shared_through_the_store(make_app: Callable[..., Flask]) -> None:
    first, second = make_app(**ADMIN), make_app(**ADMIN)
    assert first.secret_key and first.secret_key == second.secret_key
    client = first.test_client()
    login(client)
    cookie = client.get_cookie("shareproxy_admin", path="/admin")
    assert cookie is not None
    other = second.test_client()
    other.set_cookie("shareproxy_admin", cookie.value, path="/admin")
    assert other.get("/admin/").status_code == 200  # a second worker accepts the session


# --- the TTL page and API


def test_ttl_form_changes_the_ttl(admin: Flask, logged_in: Any) -> None:
    token = csrf_of(logged_in.get("/admin/ttl").text)
    resp = logged_in.post("/admin/ttl", data={"csrf": token, "network": "reddit", "seconds": "900"})
    assert resp.status_code == 302
    assert admin.extensions["shareproxy"].cache.ttl("reddit") == 900
    assert "900 s" in logged_in.get("/admin/ttl").text
    for bad in ("1", str(TTL_CEILING + 1), "ten", ""):
        resp = logged_in.post(
            "/admin/ttl", data={"csrf": token, "network": "reddit", "seconds": bad}
        )
        assert resp.status_code == 400, bad
    resp = logged_in.post("/admin/ttl", data={"csrf": token, "network": "<b>x", "seconds": "900"})
    assert resp.status_code == 400 and "<b>x" not in resp.text
    logged_in.post("/admin/ttl", data={"csrf": token, "network": "reddit", "reset": "1"})
    assert admin.extensions["shareproxy"].cache.ttl("reddit") == 3600


def test_api_ttl_get_and_put(admin: Flask) -> None:
    client = admin.test_client()
    resp = client.get("/admin/api/ttl/facebook", headers=AUTH)
    assert resp.get_json() == {"network": "facebook", "seconds": 3600, "floor": 3600}
    resp = client.put("/admin/api/ttl/facebook", headers=AUTH, json={"seconds": 7200})
    assert resp.status_code == 200
    assert resp.get_json() == {"network": "facebook", "seconds": 7200, "floor": 3600}
    assert client.get("/admin/api/ttl/facebook", headers=AUTH).get_json()["seconds"] == 7200
    resp = client.put("/admin/api/ttl/facebook", headers=AUTH, json={"seconds": None})
    assert resp.get_json()["seconds"] == 3600


@pytest.mark.parametrize(
    "body",
    [
        {"seconds": 3599},
        {"seconds": TTL_CEILING + 1},
        {"seconds": "7200"},
        {"seconds": 7200.5},
        {"seconds": True},
        {"seconds": [1]},
        {"sec": 7200},
        [7200],
        7200,
        "x",
    ],
)
def test_api_ttl_put_refuses_bad_values(admin: Flask, body: Any) -> None:
    client = admin.test_client()
    resp = client.put("/admin/api/ttl/facebook", headers=AUTH, json=body)
    assert resp.status_code == 400
    assert set(resp.get_json()) == {"error"}
    assert admin.extensions["shareproxy"].cache.ttl("facebook") == 3600


def test_api_ttl_put_refuses_malformed_json(admin: Flask) -> None:
    client = admin.test_client()
    for raw in (b"{", b"", b"\xff\xfe", b'{"seconds": 7200', b"null"):
        resp = client.put(
            "/admin/api/ttl/facebook", headers=AUTH, data=raw, content_type="application/json"
        )
        assert resp.status_code == 400, raw


def test_api_ttl_unknown_network(admin: Flask) -> None:
    client = admin.test_client()
    for name in ("nope", "twitter", "<script>"):
        resp = client.get(f"/admin/api/ttl/{name}", headers=AUTH)
        assert resp.status_code == 404
        assert "<script>" not in resp.text


def test_api_never_answers_500(admin: Flask) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    client = admin.test_client()

    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        st.sampled_from(["GET", "PUT", "DELETE", "POST"]),
        st.sampled_from(
            [
                "/admin/api/stats",
                "/admin/api/ttl/",
                "/admin/api/cache",
                "/admin/api/ttl/facebook",
                "/admin/api/ttl/reddit",
            ]
        ),
        st.text(max_size=40),
        st.binary(max_size=60),
    )
    def check(method: str, path: str, arg: str, body: bytes) -> None:
        resp = client.open(
            path,
            method=method,
            query_string={"url": arg},
            data=body,
            headers=AUTH,
            content_type="application/json",
        )
        assert resp.status_code < 500

    check()


# --- TTL changes reach other workers and instances


def wait_for_ttl(client: Any, network: str, seconds: int) -> float:
    """Poll a second instance's API until it reports ``seconds``; return how long it took."""
    start = time.monotonic()
    while time.monotonic() - start < 5.0:
        if client.get(f"/admin/api/ttl/{network}", headers=AUTH).get_json()["seconds"] == seconds:
            return time.monotonic() - start
        time.sleep(0.1)
    raise AssertionError(f"{network} TTL {seconds} not seen within 5 s")


def test_ttl_change_reaches_a_second_instance_on_the_same_sqlite_file(
    make_app: Callable[..., Flask],
) -> None:
    first, second = make_app(**ADMIN), make_app(**ADMIN)
    other = second.test_client()
    other.get("/admin/api/ttl/reddit", headers=AUTH)  # it has synced once already
    first.test_client().put("/admin/api/ttl/reddit", headers=AUTH, json={"seconds": 1800})
    wait_for_ttl(other, "reddit", 1800)
    # and it survives a restart: a third instance started now reads it from the store
    third = make_app(**ADMIN)
    assert third.test_client().get("/admin/api/ttl/reddit", headers=AUTH).get_json() == {
        "network": "reddit",
        "seconds": 1800,
        "floor": 300,
    }


@pytest.mark.redis
def test_ttl_change_reaches_a_second_instance_on_the_same_redis(
    make_app: Callable[..., Flask],
    redis_store: RedisStore,  # noqa: F811
) -> None:
    first = redis_app(make_app, redis_store)
    second = redis_app(make_app, RedisStore(redis_store_url(), prefix=redis_store.prefix))
    other = second.test_client()
    other.get("/admin/api/ttl/pinterest", headers=AUTH)
    first.test_client().put("/admin/api/ttl/pinterest", headers=AUTH, json={"seconds": 4000})
    wait_for_ttl(other, "pinterest", 4000)
    assert redis_store.get_meta()["ttl:pinterest"] == "4000"


def redis_store_url() -> str:
    from admin_support import REDIS_URL

    return REDIS_URL


# --- cache page and API


def put(app: Flask, url: str, network: str, count: int) -> None:
    now = time.time()
    app.extensions["shareproxy"].store.put_entry(
        url, network, Entry(count, now - 30, now - 30), 3600
    )


def test_cache_lookup_shows_counts_age_and_next_refresh(admin: Flask, logged_in: Any) -> None:
    put(admin, "https://example.org/post", "pinterest", 41)
    html = logged_in.get("/admin/cache?url=https://example.org/post?utm_source=x").text
    assert "https://example.org/post" in html and "utm_source" not in html
    row = html[html.index(">Pinterest<") :]
    row = row[: row.index("</tr>")]
    assert ">41<" in row
    # TTL 1 h, fetched 30 s ago (a second may pass while the test runs)
    assert re.search(r"fresh, refreshed in 59 min (29|30) s<", row), row
    assert re.search(r">3[01]\u00a0s ago<", row), row


def test_cache_lookup_refuses_a_bad_url_without_reflecting_it(logged_in: Any) -> None:
    resp = logged_in.get("/admin/cache", query_string={"url": "javascript:<script>x</script>"})
    assert resp.status_code == 200
    assert "<script>x" not in resp.text
    assert "http or https" in resp.text


def test_cache_purge_one_url_and_everything(admin: Flask, logged_in: Any) -> None:
    put(admin, "https://example.org/a", "pinterest", 1)
    put(admin, "https://example.org/b", "pinterest", 2)
    store = admin.extensions["shareproxy"].store
    token = csrf_of(logged_in.get("/admin/cache").text)
    logged_in.post("/admin/cache/purge", data={"csrf": token, "url": "https://example.org/a"})
    assert store.count_entries() == 1
    logged_in.post("/admin/cache/purge", data={"csrf": token, "all": "1"})
    assert store.count_entries() == 0


def test_api_cache_delete(admin: Flask) -> None:
    client = admin.test_client()
    put(admin, "https://example.org/a", "pinterest", 1)
    put(admin, "https://example.org/a", "vk", 1)
    put(admin, "https://example.org/b", "pinterest", 2)
    resp = client.delete("/admin/api/cache?url=https://example.org/a#frag", headers=AUTH)
    assert resp.get_json() == {"purged": 2, "url": "https://example.org/a"}
    assert client.delete("/admin/api/cache?url=ftp://x", headers=AUTH).status_code == 400
    assert client.delete("/admin/api/cache?url=a&url=b", headers=AUTH).status_code == 400
    assert client.delete("/admin/api/cache", headers=AUTH).get_json()["purged"] == 1
    assert admin.extensions["shareproxy"].store.count_entries() == 0


# --- overview and stats


def test_overview_shows_networks_off_and_why(make_app: Callable[..., Flask]) -> None:
    app = make_app(**ADMIN)
    svc = app.extensions["shareproxy"]
    svc.circuit.failed("pinterest", RateLimited(120), svc.cache.clock())
    client = app.test_client()
    login(client)
    html = client.get("/admin/").text
    assert "off: no SHAREPROXY_FACEBOOK_APP_ID" in html
    assert "circuit open for" in html
    states = {
        n["network"]: n for n in client.get("/admin/api/stats", headers=AUTH).get_json()["networks"]
    }
    assert states["facebook"]["on"] is False
    assert states["pinterest"]["circuit_open_until"] is not None
    assert states["vk"]["why"] == ""
