"""What the console says: units, network states, TTL refusals inline, cache after a purge,
rankings a page at a time."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from admin_support import ADMIN, csrf_of, login
from flask import Flask

from shareproxy import console, human, metrics
from shareproxy.store import Entry

# --- units


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(None, "–"), (0, "0 s"), (45, "45 s"), (90, "1 min 30 s"), (3600, "1 h"), (3601, "1 h"),
     (5400, "1 h 30 min"), (86400, "1 d"), (604800, "7 d"), (90061, "1 d 1 h")],
)  # fmt: skip
def test_durations_read_as_people_say_them(seconds: int | None, words: str) -> None:
    assert human.duration(seconds) == words


def test_latencies_percentages_and_numbers() -> None:
    assert [human.latency(v) for v in (None, 0.025, 0.1, 1.0, 1.5, 60.0)] == [
        "–", "25 ms", "100 ms", "1 s", "1.5 s", "60 s",
    ]  # fmt: skip
    assert [human.percent(v) for v in (None, 0, 0.834, 1)] == ["–", "0%", "83%", "100%"]
    assert human.number(1234567) == "1\u202f234\u202f567" and human.number(None) == "–"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1800", 1800), (" 30min ", 1800), ("30 min", 1800), ("2h", 7200), ("2 hours", 7200),
     ("1d", 86400), ("90s", 90), ("ten", None), ("-5", None), ("1.5h", None), ("", None),
     ("2 weeks", None), ("9" * 12, None), ("1h30", None)],
)  # fmt: skip
def test_durations_typed_by_people(text: str, seconds: int | None) -> None:
    assert human.parse_duration(text) == seconds


# --- network states


def hour(calls: int, errors: int, **kinds: int) -> dict[str, Any]:
    return {"calls": calls, "errors": errors, "error_kinds": kinds}


@pytest.mark.parametrize(
    ("off", "until", "figures", "level", "words"),
    [
        ("no SHAREPROXY_FACEBOOK_APP_ID", 0, hour(4, 4, timeout=4), "off",
         "off: no SHAREPROXY_FACEBOOK_APP_ID"),
        (None, 1120, hour(1, 1, rate_limited=1), "failing",
         "circuit open for 120 s (rate limited)"),
        (None, 0, hour(4, 4, timeout=4), "failing",
         "failing: timeout, 4 of 4 calls in the last hour"),
        (None, 0, hour(4, 3, timeout=2, http_5xx=1), "failing",
         "failing: timeout ×2, http_5xx ×1, 3 of 4 calls in the last hour"),
        (None, 0, hour(10, 1, connection=1), "degraded",
         "some calls fail: connection, 1 of 10 calls in the last hour"),
        (None, 0, hour(1, 1), "failing", "failing: errors, 1 of 1 call in the last hour"),
        (None, 0, hour(5, 0), "ok", "on"),
        (None, 0, {}, "idle", "on · idle"),
        (None, 900, hour(5, 0), "ok", "on"),  # a circuit that closed already
    ],
)  # fmt: skip
def test_a_network_state_says_what_is_wrong(
    off: str | None, until: float, figures: dict[str, Any], level: str, words: str
) -> None:
    assert console.network_state(off, until, figures, now=1000.0) == (level, words)


def test_a_network_over_its_budget_says_so() -> None:
    figures = {**hour(300, 0), "over_budget": 41}
    assert console.network_state(None, 0, figures, now=1000.0) == (
        "degraded",
        "over its upstream budget: 41 fetches skipped in the last hour",
    )


def test_a_circuit_opened_for_timeouts_says_so() -> None:
    state = console.network_state(None, 1030, hour(3, 3, timeout=3), now=1000.0, hanging=True)
    assert state == ("failing", "circuit open for 30 s (not answering)")


def test_the_headline_names_the_networks_in_trouble() -> None:
    rows = [
        {"label": "A", "level": "ok"}, {"label": "B", "level": "idle"},
        {"label": "C", "level": "failing"}, {"label": "D", "level": "degraded"},
        {"label": "E", "level": "off"}, {"label": "F", "level": "failing"},
    ]  # fmt: skip
    assert console.headline(rows) == (
        "2 on · 2 failing (C, F) · 1 with errors (D) · 1 off (no credentials)"
    )


def test_paging_clamps_to_the_rows_there_are() -> None:
    assert console.paging(None, 0).pages == 1
    p = console.paging("3", 45)
    assert (p.page, p.pages, p.offset, p.first, p.last) == (3, 3, 40, 41, 45)
    for raw in ("99", "0", "-2", "x", "1" * 5000):
        assert 1 <= console.paging(raw, 45).page <= 3


# --- pages


@pytest.fixture
def admin(make_app: Callable[..., Flask]) -> Flask:
    return make_app(**ADMIN)


@pytest.fixture
def client(admin: Flask) -> Any:
    c = admin.test_client()
    assert login(c).status_code == 302
    return c


def test_overview_shows_failing_networks_the_store_and_its_servers(
    admin: Flask, client: Any
) -> None:
    metrics.attach(None)
    metrics.flush()  # drop what earlier tests left unflushed: it is not this server's
    metrics.attach(admin.extensions["shareproxy"].store)
    for seconds, error in ((0.2, "timeout"), (0.2, "timeout"), (0.1, None), (0.3, "http_5xx")):
        metrics.upstream_call("buffer", seconds, error)
    html = client.get("/admin/").text
    row = html[html.index(">Buffer<") :]
    row = row[: row.index("</tr>")]
    assert "failing: timeout ×2, http_5xx ×1, 3 of 4 calls in the last hour" in row
    assert "pill-failing" in row
    assert "1 failing (Buffer)" in html
    svc = admin.extensions["shareproxy"]
    assert f"SQLite {svc.store.path} (SHAREPROXY_STORE)" in html
    stats = client.get(
        "/admin/api/stats", headers={"Authorization": "Bearer " + ADMIN["ADMIN_TOKEN"]}
    )
    data = stats.get_json()
    assert data["day"]["buffer"]["error_kinds"] == {"timeout": 2, "http_5xx": 1}
    assert data["store"].startswith("SQLite ") and "servers" in data
    buffer = next(n for n in data["networks"] if n["network"] == "buffer")
    assert buffer["level"] == "failing" and buffer["why"] == buffer["state"]
    day = client.get("/admin/?span=day").text
    assert 'aria-current="page">Last day' in day


def test_a_refused_ttl_is_explained_on_the_ttl_page(admin: Flask, client: Any) -> None:
    token = csrf_of(client.get("/admin/ttl").text)
    resp = client.post(
        "/admin/ttl", data={"csrf": token, "network": "facebook", "seconds": "10min"}
    )
    assert resp.status_code == 400
    html = resp.text
    assert "<h1>How long counts stay fresh</h1>" in html  # the TTL page, not an error page
    row = html[html.index('id="ttl-facebook"') :]
    row = row[: row.index("</tr>")]
    assert 'aria-invalid="true"' in row and 'value="10min"' in row
    assert "below the floor of Facebook, 1 h (3600 s)" in row
    assert admin.extensions["shareproxy"].cache.ttl("facebook") == 3600
    hostile = client.post(
        "/admin/ttl", data={"csrf": token, "network": "vk", "seconds": '"><script>x</script>'}
    )
    assert hostile.status_code == 400 and "<script>x" not in hostile.text
    assert "give seconds, or a number with a unit" in hostile.text


def test_ttl_save_and_reset_side_by_side(admin: Flask, client: Any) -> None:
    token = csrf_of(client.get("/admin/ttl").text)
    resp = client.post(
        "/admin/ttl", data={"csrf": token, "network": "vk", "seconds": "2h", "action": "save"}
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#ttl-vk")
    assert admin.extensions["shareproxy"].cache.ttl("vk") == 7200
    html = client.get("/admin/ttl").text
    row = html[html.index('id="ttl-vk"') :]
    row = row[: row.index("</tr>")]
    assert "override" in row and "2\u00a0h" in row and "7200 s" in row
    form = row[row.index("<form") : row.index("</form>")]
    assert 'value="save"' in form and 'value="reset"' in form  # one form, side by side
    assert "disabled" not in form[form.index('value="reset"') :]
    other = html[html.index('id="ttl-tumblr"') :]
    assert "disabled" in other[: other.index("</form>")]  # nothing to reset
    client.post("/admin/ttl", data={"csrf": token, "network": "vk", "action": "reset"})
    assert admin.extensions["shareproxy"].cache.ttl("vk") == 3600


def test_the_lookup_stays_visible_after_a_purge(admin: Flask, client: Any) -> None:
    svc = admin.extensions["shareproxy"]
    now = time.time()
    url = "https://example.org/post"
    svc.store.put_entry(url, "pinterest", Entry(41, now - 30, now - 30), 3600)
    token = csrf_of(client.get(f"/admin/cache?url={url}").text)
    resp = client.post("/admin/cache/purge", data={"csrf": token, "url": url})
    assert resp.status_code == 302
    assert "/admin/cache?url=https" in resp.headers["Location"]
    html = client.get(resp.headers["Location"]).text
    assert "Purged 1 cached entry of this page" in html
    assert f'Counts of <span class="url">{url}</span>' in html
    row = html[html.index(">Pinterest<") :]
    assert "not cached: the next request asks the network" in row[: row.index("</tr>")]
    bad = client.post("/admin/cache/purge", data={"csrf": token, "url": "javascript:<b>x"})
    assert bad.status_code == 400 and "<h1>Cache</h1>" in bad.text and "<b>x" not in bad.text


def test_purging_everything_counts_the_entries_in_words(admin: Flask, client: Any) -> None:
    svc = admin.extensions["shareproxy"]
    now = time.time()
    for network in ("pinterest", "facebook"):
        svc.store.put_entry("https://example.org/a", network, Entry(4, now, now), 3600)
    token = csrf_of(client.get("/admin/cache").text)
    resp = client.post("/admin/cache/purge", data={"csrf": token, "all": "1"})
    assert "Purged every cached count (2 entries)" in client.get(resp.headers["Location"]).text
    resp = client.post("/admin/cache/purge", data={"csrf": token, "all": "1"})
    assert "Purged every cached count (no entries)" in client.get(resp.headers["Location"]).text


def test_top_shared_ranks_all_networks_first_then_one_network_a_page_at_a_time(
    admin: Flask, client: Any
) -> None:
    store = admin.extensions["shareproxy"].store
    for i in range(25):
        url = f"https://example.org/p{i:02d}"
        for network, n in (("twitter", 30 - i), ("linkedin", 1 + i % 3)):
            for k in range(n):
                store.record_click(url, network, [f"{url}{network}{k}"], 60, 1000.0)
    html = client.get("/admin/top").text
    assert html.index('id="all-networks"') < html.index('id="by-network"')
    first = html[html.index('id="all-networks"') : html.index('id="by-network"')]
    assert first.count('<tr role="row">') == 1 + console.PAGE_SIZE  # header + one page
    assert re.search(
        r'https://example.org/p00</a></td>\s*<td role="cell" data-label="Shares" '
        r'class="num"><b>31</b>',
        first,
    )
    assert "X <b>30</b>" in first and "LinkedIn <b>1</b>" in first
    assert "1–20 of 25 · page 1 of 2" in first
    page2 = client.get("/admin/top?page=2").text
    assert "21–25 of 25 · page 2 of 2" in page2 and "https://example.org/p24" in page2
    one = client.get("/admin/top?network=linkedin&npage=3").text
    second = one[one.index('id="by-network"') :]
    # the tab of the chosen network: its icon (the one drawing of icons.svg), its name
    assert re.search(
        r'aria-current="page"><svg [^>]*><path fill-rule="evenodd" [^>]*/></svg>LinkedIn', second
    )
    assert "21–25 of 25 · page 3 of 3" in second
    for hostile in ("?page=<x>", "?network=<script>", "?npage=99999999999999999999"):
        resp = client.get("/admin/top" + hostile)
        assert resp.status_code == 200 and "<script>" not in resp.text and "<x>" not in resp.text


def test_top_shared_without_shares(client: Any) -> None:
    assert "No share counted yet." in client.get("/admin/top").text


def test_clicks_fixture_is_the_real_counter(admin: Flask) -> None:
    """The rankings above are filled through the store; the counter writes the same rows."""
    counter = admin.extensions["shareproxy"].clicks
    counter.record_share("https://example.org/x", "twitter", "198.51.100.1")
    assert admin.extensions["shareproxy"].store.top_pages(5) == [
        ("https://example.org/x", 1, {"twitter": 1})
    ]
