"""The serialised-answer memo of /api/counts: the same answers as without it, served until
the first count expires, forgotten on purge and TTL change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fakes import FakeNetworks
from flask import Flask

PAGE = "https://example.org/memo"


def counts(client: Any, networks: str = "buffer,pinterest") -> Any:
    return client.get(f"/api/counts?url={quote(PAGE, safe='')}&networks={networks}")


def memo(app: Flask) -> Any:
    """The memoised answers (shareproxy/counts.py)."""
    return app.extensions["shareproxy"].counts._answers


def make(fake_app: Callable[..., Flask]) -> tuple[Flask, Any, list[float]]:
    app = fake_app(CACHE_TTL=1000)
    clock = [1_800_000_000.0]
    cache = app.extensions["shareproxy"].cache
    cache.clock = lambda: clock[0]
    return app, cache, clock


def test_a_fresh_answer_is_served_from_the_memo_until_it_expires(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    app, cache, clock = make(fake_app)
    client = app.test_client()
    first = counts(client)
    assert first.get_json() == {"buffer": 7, "pinterest": 7}
    assert len(memo(app)) == 1
    fake.set("buffer", value=9)
    fake.set("pinterest", value=9)
    clock[0] += 300
    again = counts(client)
    assert again.get_data() == first.get_data()
    assert again.headers["Cache-Control"] == "public, max-age=700"
    # the other order of networks is another answer, with the same counts
    assert list(counts(client, "pinterest,buffer").get_json()) == ["pinterest", "buffer"]
    assert fake.calls() == 2
    clock[0] += 701  # expired: stale served at once, one refresh each
    assert counts(client).get_json() == {"buffer": 7, "pinterest": 7}
    cache._refreshes.start("settle", "test", lambda: None).result(5)  # let the refreshes run
    for _ in range(50):
        if counts(client).get_json() == {"buffer": 9, "pinterest": 9}:
            break
        __import__("time").sleep(0.05)
    assert counts(client).get_json() == {"buffer": 9, "pinterest": 9}
    assert fake.calls() == 4


def test_purge_and_ttl_changes_forget_answers(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    app, cache, clock = make(fake_app)
    client = app.test_client()
    counts(client)
    fake.set("buffer", value=11)
    fake.set("pinterest", value=11)
    cache.purge(PAGE)
    assert not memo(app)
    assert counts(client).get_json() == {"buffer": 11, "pinterest": 11}
    assert counts(client).headers["Cache-Control"] == "public, max-age=1000"
    cache.set_ttl("buffer", 400)
    assert not memo(app)
    assert counts(client).headers["Cache-Control"] == "public, max-age=400"


def test_incomplete_or_stale_answers_are_not_memorised(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    import threading

    gate = fake.set("buffer", gate=threading.Event()).gate
    assert gate is not None
    app = fake_app(REQUEST_DEADLINE=0.05)
    resp = counts(app.test_client(), "buffer")
    gate.set()
    assert resp.get_json() == {}
    assert not memo(app)


def test_memo_hits_are_counted_in_metrics(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    from shareproxy import metrics

    app, cache, clock = make(fake_app)
    client = app.test_client()
    counts(client)
    metrics.TALLY.report()
    before = metrics.CACHE.labels("pinterest", "hit")._value.get()
    counts(client)
    counts(client)
    metrics.TALLY.report()  # memo hits are reported in bulk (every second, before /metrics)
    assert metrics.CACHE.labels("pinterest", "hit")._value.get() == before + 2


def test_an_answer_with_click_counts_is_rebuilt_after_a_click(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    app, cache, clock = make(fake_app)
    client = app.test_client()
    page = quote(PAGE, safe="")
    first = client.get(f"/api/counts?url={page}")
    assert "twitter" not in first.get_json()
    assert client.get(f"/api/counts?url={page}").get_data() == first.get_data()
    assert len(memo(app)) == 1
    # a share through shareproxy on a network without a count API (SHAREPROXY_CLICK_COUNTS=fill)
    shared = client.get(f"/share/twitter?url={page}", headers={"User-Agent": "memo-test"})
    assert shared.status_code == 302
    after = client.get(f"/api/counts?url={page}").get_json()
    assert after["twitter"] == 1
    assert after["buffer"] == 7
    assert fake.calls() == len(first.get_json())  # the counts themselves were not fetched again


def test_a_first_request_reads_its_click_counts_while_its_counts_are_fetched(
    fake_app: Callable[..., Flask], fake: FakeNetworks
) -> None:
    import time

    app, cache, clock = make(fake_app)
    store = app.extensions["shareproxy"].store
    reads: list[int] = []  # at each click read: buffer's count calls the fake had received
    get_clicks = store.get_clicks

    def counted(*args: Any) -> Any:
        # read after the fetches started: buffer's call arrives meanwhile (a read made
        # before them would wait here in vain, and see none)
        until = time.monotonic() + 5
        while not fake.calls("buffer") and time.monotonic() < until:
            time.sleep(0.01)
        reads.append(fake.calls("buffer"))
        return get_clicks(*args)

    store.get_clicks = counted
    client = app.test_client()
    page = quote(PAGE, safe="")
    first = client.get(f"/api/counts?url={page}")
    assert first.get_json()["buffer"] == 7
    assert reads == [1]
    # the memo built from that read holds: the same answer again, with no store read
    assert client.get(f"/api/counts?url={page}").get_data() == first.get_data()
    assert reads == [1]
