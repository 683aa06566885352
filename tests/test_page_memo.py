"""Pages of buttons sent again (shareproxy/pagememo.py): byte-identical to the Flask path
(status, headers, body) in every shape, rendered anew after purges, TTL changes, new
clicks, expiry and failures and for another language, theme or parameter, never kept for
pages without buttons, and bounded in bytes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from buttons_support import tags
from fakes import FakeNetworks, Worker, serve_worker
from flask import Flask

from shareproxy import clicks, metrics

PAGE = "https://example.org/memo-page"
PAGE_Q = quote(PAGE, safe="")
NETWORKS = "buffer,pinterest,xing,twitter,mail,info"
PATH = f"/buttons?url={PAGE_Q}&networks={NETWORKS}"
COUNTS = f"/api/counts?url={PAGE_Q}&networks=buffer,pinterest,xing"


class Server(Worker):
    """An app on the fake networks through its page memo."""

    page = PAGE

    @property
    def renders(self) -> list[int]:
        """How often /buttons was rendered (by Flask, or its shortcut)."""
        return self.flask_calls

    def get(self, path: str = PATH, **headers: str) -> Any:
        return self.client.get(path, headers=headers)

    def plain(self, path: str = PATH, **headers: str) -> Any:
        return self.flask_only.get(path, headers=headers)


def serve(fake_app: Callable[..., Flask], **overrides: Any) -> Server:
    server = serve_worker(
        Server,
        fake_app,
        "pagememo",
        counted=lambda environ: environ.get("PATH_INFO") == "/buttons",
        **overrides,
    )
    memo = server.svc.pagememo
    shortcut = memo._shortcut

    def rendered(*args: Any) -> Any:  # another page of a shape Flask rendered, without Flask
        found = shortcut(*args)
        server.renders[0] += found is not None
        return found

    memo._shortcut = rendered
    assert server.get(COUNTS).status_code == 200  # buffer and pinterest fresh, xing failed
    return server


def shape(resp: Any) -> tuple[str, list[tuple[str, str]], bytes]:
    return resp.status, list(resp.headers.items()), resp.get_data()


def shown(resp: Any) -> tuple[dict[str, str], str]:
    """(network -> the count beside its button, the networks left for the browser)."""
    found, fetch = {}, ""
    html = resp.get_data(as_text=True)
    for tag in tags(html):
        ident = tag.get("id") or ""
        if ident.startswith("spc-"):
            found[ident.removeprefix("spc-")] = "".join(tag.text).strip()
        fetch = tag.get("data-fetch") or fetch
    return found, fetch


@pytest.fixture
def failing(fake: FakeNetworks) -> FakeNetworks:
    fake.set("xing", "error500")
    return fake


SHAPES: dict[str, tuple[str, dict[str, str]]] = {
    "default, Accept-Language": (PATH, {"Accept-Language": "de-DE,de;q=0.9"}),
    "lang given": (PATH + "&lang=fr", {}),
    "lang we lack": (PATH + "&lang=xx", {"Accept-Language": "nl"}),
    "gzip": (PATH, {"Accept-Encoding": "gzip"}),
    "brotli": (PATH, {"Accept-Encoding": "gzip, deflate, br"}),
    "twoclick, activated": (
        f"/buttons?url={PAGE_Q}&networks=pinterest,twitter,buffer&mode=twoclick"
        "&activate=pinterest",
        {},
    ),
    "vertical, dark, icons with counts": (PATH + "&theme=dark&orientation=vertical"
                                          "&style=icon-count", {}),
    "counts off": (PATH + "&counts=off", {}),
    "notices": (PATH + "&networks=pocket&theme=standard", {}),
    "default networks": (f"/buttons?url={PAGE_Q}", {}),
}  # fmt: skip


@pytest.mark.parametrize("name", list(SHAPES))
def test_a_page_is_sent_again_byte_identical_to_flask(
    fake_app: Callable[..., Flask], failing: FakeNetworks, name: str
) -> None:
    path, headers = SHAPES[name]
    server = serve(fake_app)
    server.share("twitter")
    first = server.get(path, **headers)
    assert first.status_code == 200
    assert server.renders == [1]
    metrics.TALLY.report()
    requests = metrics.REQUESTS.labels("buttons.buttons_page", "200")
    before = requests._value.get()
    again = server.get(path, **headers)
    assert server.renders == [1], "sent again without Flask"
    metrics.TALLY.report()
    assert requests._value.get() == before + 1, "counted as a request all the same"
    plain = server.plain(path, **headers)
    assert shape(again) == shape(first) == shape(plain)


def test_what_the_page_shows_is_what_flask_shows(
    fake_app: Callable[..., Flask], failing: FakeNetworks
) -> None:
    server = serve(fake_app)
    server.share("twitter")
    page = server.get()
    assert shown(page) == ({"buffer": "7", "pinterest": "7", "twitter": "1"}, "xing")


def test_a_purge_renders_the_page_anew(
    fake_app: Callable[..., Flask], failing: FakeNetworks
) -> None:
    server = serve(fake_app)
    first = server.get()
    server.svc.cache.purge(PAGE)
    after = server.get()
    assert server.renders == [2]
    assert shown(after) == ({}, "buffer,pinterest,xing")
    assert shape(after) == shape(server.plain())
    assert server.get().get_data() == after.get_data() != first.get_data()
    assert server.renders == [2], "kept again"


def test_a_purge_of_every_page_by_another_worker_renders_anew(
    fake_app: Callable[..., Flask], failing: FakeNetworks
) -> None:
    server = serve(fake_app)
    other = serve(fake_app)  # another worker on the same store
    server.get()
    other.svc.cache.purge(None)
    server.clock[0] += 3  # this worker reads the purge generation (every 2 s)
    after = server.get()
    assert server.renders == [2]
    assert shown(after)[1] == "buffer,pinterest,xing"
    assert shape(after) == shape(server.plain())


def test_a_shorter_ttl_renders_the_page_anew(
    fake_app: Callable[..., Flask], failing: FakeNetworks
) -> None:
    server = serve(fake_app)
    server.clock[0] += 500
    first = server.get()
    assert shown(first)[0]["buffer"] == "7"
    assert server.get().get_data() == first.get_data()
    assert server.renders == [1]
    server.svc.cache.set_ttl("buffer", 400)  # fetched 500 s ago: no longer fresh
    after = server.get()
    assert server.renders == [2]
    assert "buffer" not in shown(after)[0] and "buffer" in shown(after)[1]
    assert shape(after) == shape(server.plain())


def test_a_new_click_renders_the_page_anew(
    fake_app: Callable[..., Flask], failing: FakeNetworks
) -> None:
    server = serve(fake_app)
    first = server.get()
    assert "twitter" not in shown(first)[0]
    server.share("twitter")
    after = server.get()
    assert server.renders == [2]
    assert shown(after)[0]["twitter"] == "1"
    server.share("twitter", "198.51.100.10")
    assert shown(server.get())[0]["twitter"] == "2"
    assert server.renders == [3]
    assert shape(server.get()) == shape(server.plain())
    assert server.renders == [3]


def test_expiry_and_failures_render_the_page_anew(
    fake_app: Callable[..., Flask], failing: FakeNetworks
) -> None:
    server = serve(fake_app)
    first = server.get()
    assert shown(first)[1] == "xing"
    server.clock[0] += 1001  # every count expired: the page leaves them to the browser
    expired = server.get()
    assert server.renders == [2]
    assert shown(expired) == ({}, "buffer,pinterest,xing")
    assert shape(expired) == shape(server.plain())
    failing.set("xing", value=5)  # recovers; the stale ones are refreshed behind
    for _ in range(200):  # until every refresh has landed
        answer = server.get(COUNTS)
        if answer.headers["Cache-Control"] != "public, max-age=0":
            break
        time.sleep(0.05)
    assert answer.get_json() == {"buffer": 7, "pinterest": 7, "xing": 5}
    recovered = server.get()
    assert server.renders == [3]
    assert shown(recovered) == ({"buffer": "7", "pinterest": "7", "xing": "5"}, "")
    assert shape(recovered) == shape(server.plain())


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ((PATH, {"Accept-Language": "de"}), (PATH, {"Accept-Language": "fr"})),
        ((PATH + "&lang=de", {}), (PATH + "&lang=fr", {})),
        ((PATH + "&lang=xx", {"Accept-Language": "de"}),
         (PATH + "&lang=xx", {"Accept-Language": "fr"})),
        ((PATH, {}), (PATH + "&theme=dark", {})),
        ((PATH, {}), (f"/buttons?url={PAGE_Q}&networks=buffer,pinterest", {})),
        ((PATH, {}), (PATH.replace("memo-page", "memo-other"), {})),
        ((PATH, {"Accept-Encoding": "br"}), (PATH, {"Accept-Encoding": "gzip"})),
    ],
    ids=["accept-language", "lang", "lang we lack", "theme", "networks", "url", "encoding"],
)  # fmt: skip
def test_another_language_theme_or_parameter_is_another_page(
    fake_app: Callable[..., Flask],
    failing: FakeNetworks,
    one: tuple[str, dict[str, str]],
    other: tuple[str, dict[str, str]],
) -> None:
    server = serve(fake_app)
    first = server.get(one[0], **one[1])
    second = server.get(other[0], **other[1])
    assert server.renders == [2]
    assert shape(second) == shape(server.plain(other[0], **other[1]))
    assert shape(first) != shape(second)
    assert shape(server.get(one[0], **one[1])) == shape(first)
    assert server.renders == [2]


def test_a_named_language_ignores_accept_language(
    fake_app: Callable[..., Flask], failing: FakeNetworks
) -> None:
    server = serve(fake_app)
    first = server.get(PATH + "&lang=de", **{"Accept-Language": "fr"})
    assert "Accept-Language" not in first.headers.get("Vary", "")
    again = server.get(PATH + "&lang=de", **{"Accept-Language": "it"})
    assert server.renders == [1]
    assert shape(again) == shape(server.plain(PATH + "&lang=de", **{"Accept-Language": "it"}))
    lacking = server.get(PATH + "&lang=xx", **{"Accept-Language": "fr"})
    assert "Accept-Language" in lacking.headers["Vary"], "a lang we lack: the visitor's is used"
    assert '<html lang="fr"' in lacking.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/buttons?url=https%3A%2F%2Fevil.example.net%2F",  # a host not served: 403
        "/buttons?networks=buffer",  # no url: 400
        f"/buttons?url={PAGE_Q}&origin=https%3A%2F%2Fevil.example.net",  # framed elsewhere
    ],
)
def test_pages_without_buttons_are_not_kept(
    fake_app: Callable[..., Flask], failing: FakeNetworks, path: str
) -> None:
    server = serve(fake_app)
    first = server.get(path)
    assert first.status_code in (400, 403)
    assert shape(server.get(path)) == shape(first) == shape(server.plain(path))
    assert server.renders == [2]
    assert len(server.svc.pagememo) == 0


def test_other_methods_and_paths_go_to_flask(
    fake_app: Callable[..., Flask], failing: FakeNetworks
) -> None:
    server = serve(fake_app)
    server.get()
    calls = server.renders[0]
    head = server.client.head(PATH)
    assert server.renders[0] == calls + 1
    assert head.status_code == 200 and head.get_data() == b""
    snippet = f"/snippet?url={PAGE_Q}&networks=buffer"
    assert shape(server.get(snippet)) == shape(server.plain(snippet))


def test_the_pages_kept_are_bounded_in_bytes(
    fake_app: Callable[..., Flask], failing: FakeNetworks
) -> None:
    server = serve(fake_app)
    memo = server.svc.pagememo
    size = len(server.get().get_data())
    memo.clear()
    memo.max_bytes = 8 * (size + 2000)  # room for a few pages (each with its headers)
    for i in range(30):
        server.get(PATH + f"&title=page+{i}")
    assert memo.kept_bytes() <= memo.max_bytes
    assert 3 <= len(memo) <= 8  # of the 30
    calls = server.renders[0]
    server.get(PATH + "&title=page+29")  # among the last ones: sent again
    assert server.renders[0] == calls
    server.get(PATH + "&title=page+0")  # dropped first: Flask again
    assert server.renders[0] == calls + 1
    memo.max_bytes = 100  # a page bigger than an eighth of the room is not kept
    memo.clear()
    server.get(PATH + "&title=big")
    assert len(memo) == 0 and memo.kept_bytes() == 0


def test_a_failing_counts_check_leaves_the_page_to_flask(
    fake_app: Callable[..., Flask], failing: FakeNetworks
) -> None:
    server = serve(fake_app)
    first = server.get()
    memo = server.svc.pagememo

    class Broken:
        def at_once(self, url: str, wanted: list[str]) -> Any:
            raise RuntimeError("the store went away")

    memo.counts = Broken()
    again = server.get()
    assert server.renders == [2], "rendered by Flask, which answers for itself"
    assert shape(again) == shape(first)


def test_an_answer_that_sets_a_cookie_is_not_kept(
    fake_app: Callable[..., Flask], failing: FakeNetworks
) -> None:
    server = serve(fake_app)

    def cookie(resp: Any) -> Any:
        resp.set_cookie("who", "someone")
        return resp

    server.app.after_request_funcs.setdefault(None, []).append(cookie)
    first = server.get()
    assert "who=someone" in first.headers["Set-Cookie"]
    server.get()
    assert server.renders == [2]
    assert len(server.svc.pagememo) == 0


def test_with_redis_another_workers_purge_and_click_render_anew(
    fake_app: Callable[..., Flask], failing: FakeNetworks, redis_url: str
) -> None:
    server = serve(fake_app, STORE=redis_url)
    other = serve(fake_app, STORE=redis_url)  # another worker on the same Redis
    first = server.get()
    assert shown(first)[0]["buffer"] == "7"
    assert shape(server.get()) == shape(first) and server.renders == [1]
    other.svc.cache.purge(None)
    server.clock[0] += 3  # this worker reads the purge generation (every 2 s)
    purged = server.get()
    assert server.renders == [2] and shown(purged)[1] == "buffer,pinterest,xing"
    server.monotonic[0] += clicks.READ_CACHE_SECONDS + 1
    assert shape(server.get()) == shape(purged)  # no click anywhere: the same page
    assert server.renders == [2]
    other.share("twitter")
    server.monotonic[0] += clicks.VERSION_SECONDS  # a click was counted somewhere
    clicked = server.get()
    assert server.renders == [3]
    assert shown(clicked)[0]["twitter"] == "1"
    assert shape(clicked) == shape(server.plain())
