"""Each network's count API against the fake server: typical value, not found, malformed
answer and connection error; plus the pure build/extract functions and the HTTP layer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any

import pytest
from fakes import CREDENTIALS, TOKEN, FakeNetworks

from shareproxy.fetch import Fetcher, parse_retry_after
from shareproxy.networks import COUNT_NETWORKS, NETWORKS
from shareproxy.networks.base import (
    MalformedResponse,
    NotConfigured,
    RateLimited,
    UpstreamFailure,
    UpstreamResponse,
    as_count,
)
from shareproxy.settings import load

PAGE = "https://example.org/article/42"
COUNTED = sorted(COUNT_NETWORKS)
# what each network reports when the fake answers with value=7
EXPECTED_7 = {name: 7 for name in COUNTED}


def fetcher_for(base: str, **overrides: Any) -> Fetcher:
    config: dict[str, Any] = {f"API_BASE_{n.upper()}": base for n in COUNT_NETWORKS}
    config.update(CREDENTIALS)
    config.update(overrides)
    return Fetcher(load(environ={}, overrides=config))


@pytest.fixture
def fetcher(fake: FakeNetworks) -> Iterator[Fetcher]:
    f = fetcher_for(fake.base, UPSTREAM_TIMEOUT=5, UPSTREAM_MAX_BYTES=2048)
    yield f
    f.close()


def test_every_counted_network_has_a_fake() -> None:
    from fakes import PATH_OF

    assert set(PATH_OF) == set(COUNT_NETWORKS)


@pytest.mark.parametrize("network", COUNTED)
def test_typical_value(fake: FakeNetworks, fetcher: Fetcher, network: str) -> None:
    fake.set(network, "typical", value=7)
    assert fetcher.count(NETWORKS[network], PAGE) == EXPECTED_7[network]
    assert fake.calls(network, PAGE) == 1


@pytest.mark.parametrize("network", COUNTED)
def test_not_found_is_zero(fake: FakeNetworks, fetcher: Fetcher, network: str) -> None:
    fake.set(network, "not_found")
    assert fetcher.count(NETWORKS[network], PAGE) == 0


@pytest.mark.parametrize("network", COUNTED)
@pytest.mark.parametrize("mode", ["malformed", "wrong_shape"])
def test_malformed_answer_is_an_error_never_zero(
    fake: FakeNetworks, fetcher: Fetcher, network: str, mode: str
) -> None:
    fake.set(network, mode)
    with pytest.raises(MalformedResponse):
        fetcher.count(NETWORKS[network], PAGE)


@pytest.mark.parametrize("network", COUNTED)
def test_connection_refused(network: str) -> None:
    with closing(fetcher_for("http://127.0.0.1:9")) as f:
        with pytest.raises(UpstreamFailure) as info:
            f.count(NETWORKS[network], PAGE)
        assert info.value.kind == "connection"


@pytest.mark.parametrize("network", ["buffer", "facebook", "reddit"])
def test_connection_reset(fake: FakeNetworks, fetcher: Fetcher, network: str) -> None:
    fake.set(network, "reset")
    with pytest.raises(UpstreamFailure):
        fetcher.count(NETWORKS[network], PAGE)


@pytest.mark.parametrize("network", ["pinterest", "bluesky"])
def test_server_error(fake: FakeNetworks, fetcher: Fetcher, network: str) -> None:
    fake.set(network, "error500")
    with pytest.raises(UpstreamFailure) as info:
        fetcher.count(NETWORKS[network], PAGE)
    assert info.value.kind == "http_5xx"


def test_rate_limited_carries_retry_after(fake: FakeNetworks, fetcher: Fetcher) -> None:
    fake.set("vk", "rate_limited", retry_after="120")
    with pytest.raises(RateLimited) as info:
        fetcher.count(NETWORKS["vk"], PAGE)
    assert info.value.retry_after == 120


def test_hang_times_out(fake: FakeNetworks) -> None:
    fake.set("line", "hang", hang=10)
    with closing(fetcher_for(fake.base, UPSTREAM_TIMEOUT=0.3)) as f:
        with pytest.raises(UpstreamFailure) as info:
            f.count(NETWORKS["line"], PAGE)
        assert info.value.kind == "timeout"


@pytest.mark.parametrize("mode", ["oversized", "oversized_stream"])
def test_oversized_body_is_refused(fake: FakeNetworks, fetcher: Fetcher, mode: str) -> None:
    fake.set("odnoklassniki", mode, size=10_000)
    with pytest.raises(UpstreamFailure) as info:
        fetcher.count(NETWORKS["odnoklassniki"], PAGE)
    assert info.value.kind == "too_large"


def test_other_http_status_is_a_failure(fake: FakeNetworks, fetcher: Fetcher) -> None:
    # the fake answers 404 for a path it does not know: point facebook at another version
    with closing(fetcher_for(fake.base, FACEBOOK_GRAPH_VERSION="v1.0")) as f:
        with pytest.raises(UpstreamFailure) as info:
            f.count(NETWORKS["facebook"], PAGE)
        assert info.value.kind == "http_404"


def test_requests_carry_the_page_url_credentials_and_an_honest_user_agent(
    fake: FakeNetworks, fetcher: Fetcher
) -> None:
    fetcher.count(NETWORKS["facebook"], PAGE)
    fetcher.count(NETWORKS["reddit"], PAGE)
    fetcher.count(NETWORKS["reddit"], PAGE + "?b")
    fetcher.count(NETWORKS["bluesky"], PAGE)
    fetcher.count(NETWORKS["xing"], PAGE)
    by_path = {r["path"]: r for r in fake.requests}
    fb = by_path["/v25.0/"]
    assert fb["query"] == {
        "id": PAGE, "fields": "og_object{engagement}", "access_token": "1234|s3cret",
    }  # fmt: skip
    assert fb["headers"]["User-Agent"].startswith("shareproxy/")
    assert by_path["/api/info"]["headers"]["Authorization"] == f"bearer {TOKEN}"
    assert by_path["/xrpc/app.bsky.feed.searchPosts"]["headers"]["Authorization"] == (
        f"Bearer {TOKEN}"
    )
    assert by_path["/spi/shares/statistics"]["method"] == "POST"
    token = by_path["/api/v1/access_token"]
    assert token["method"] == "POST" and token["body"] == b"grant_type=client_credentials"
    assert token["headers"]["Authorization"].startswith("Basic ")
    # the OAuth token is fetched once and reused
    assert fake.auth_hits["reddit"] == 1


def test_a_network_without_credentials_is_not_configured(fake: FakeNetworks) -> None:
    with closing(fetcher_for(fake.base, FACEBOOK_APP_ID="")) as f:
        assert f.missing_credentials(NETWORKS["facebook"]) == ["FACEBOOK_APP_ID"]
        with pytest.raises(NotConfigured):
            f.count(NETWORKS["facebook"], PAGE)
        assert fake.calls() == 0


def test_api_base_replaces_scheme_host_and_port_only() -> None:
    with closing(fetcher_for("http://127.0.0.1:1234")) as f:
        target = f.target(NETWORKS["reddit"], "https://www.reddit.com/api/v1/access_token?x=1")
        assert target == "http://127.0.0.1:1234/api/v1/access_token?x=1"


# --- pure functions: build and extract, no server


def answer(body: str, status: int = 200) -> UpstreamResponse:
    return UpstreamResponse(status, body.encode(), {})


def test_builds_point_at_the_documented_endpoints() -> None:
    from shareproxy.networks.base import Credentials

    creds = Credentials(dict(CREDENTIALS, FACEBOOK_GRAPH_VERSION="v25.0"))
    urls = {
        name: COUNT_NETWORKS[name].count.build(PAGE, creds, "tok").url  # type: ignore[union-attr]
        for name in COUNTED
    }
    assert urls == {
        "bluesky": "https://api.bsky.app/xrpc/app.bsky.feed.searchPosts",
        "buffer": "https://api.bufferapp.com/1/links/shares.json",
        "facebook": "https://graph.facebook.com/v25.0/",
        "hackernews": "https://hn.algolia.com/api/v1/search",
        "line": "https://api.line.me/social-plugin/metrics",
        "lobsters": "https://lobste.rs/stories/url/all.json",
        "odnoklassniki": "https://connect.ok.ru/dk",
        "pinterest": "https://widgets.pinterest.com/v1/urls/count.json",
        "reddit": "https://oauth.reddit.com/api/info",
        "tumblr": "https://api.tumblr.com/v2/share/stats",
        "vk": "https://vk.com/share.php",
        "xing": "https://www.xing-share.com/spi/shares/statistics",
    }


def extract(network: str, body: str, status: int = 200, url: str = PAGE) -> int:
    api = COUNT_NETWORKS[network].count
    assert api is not None
    return api.extract(answer(body, status), url)


def test_pinterest_jsonp() -> None:
    assert extract("pinterest", 'x({"url":"u","count":12})') == 12
    assert extract("pinterest", ' x({"count":3});\n') == 3
    for bad in ['{"count":3}', 'y({"count":3})', "x({count:3})", 'x({"count":"3a"})']:
        with pytest.raises(MalformedResponse):
            extract("pinterest", bad)


def test_vk_script() -> None:
    assert extract("vk", "VK.Share.count(1, 31);") == 31
    for bad in ["VK.Share.count(1);", "alert(1)", "VK.Share.count(1, -2);", ""]:
        with pytest.raises(MalformedResponse):
            extract("vk", bad)


def test_hackernews_counts_exact_url_matches_only() -> None:
    body = (
        '{"hits": [{"url": "https://example.org/article/42/", "points": 10},'
        ' {"url": "https://EXAMPLE.org/article/42", "points": 5},'
        ' {"url": "https://example.org/article/420", "points": 100},'
        ' {"url": null, "points": 100}, {"url": "https://example.org/article/42", "points": null}]}'
    )
    assert extract("hackernews", body) == 15
    assert extract("hackernews", '{"hits": []}') == 0
    with pytest.raises(MalformedResponse):
        extract("hackernews", '{"hits": {}}')


def test_lobsters_404_means_no_story() -> None:
    assert extract("lobsters", "not found", status=404) == 0
    with pytest.raises(MalformedResponse):
        extract("lobsters", '[{"score": "3"}]')


def test_facebook_without_og_object_is_zero_but_without_id_malformed() -> None:
    assert extract("facebook", '{"id": "https://example.org/"}') == 0
    with pytest.raises(MalformedResponse):
        extract("facebook", '{"error": {"message": "x"}}')
    with pytest.raises(MalformedResponse):
        extract("facebook", '{"id": "u", "og_object": {"id": "1"}}')


def test_reddit_and_bluesky_tokens() -> None:
    from shareproxy.networks import bluesky, reddit

    tok = reddit.extract_auth(answer('{"access_token": "abc", "expires_in": 86400}'))
    assert (tok.value, tok.expires_in) == ("abc", 86400)
    with pytest.raises(MalformedResponse):
        reddit.extract_auth(answer('{"access_token": 5}'))
    assert bluesky.extract_auth(answer('{"accessJwt": "jwt"}')).value == "jwt"
    with pytest.raises(UpstreamFailure):
        bluesky.extract_auth(answer('{"error": "AuthenticationRequired"}', status=401))


def test_as_count_accepts_only_plain_whole_numbers() -> None:
    assert as_count(5) == 5 and as_count(5.0) == 5 and as_count(" 12 ") == 12
    for bad in [True, -1, 1.5, "1e3", "", None, [], "²", "٣"]:
        with pytest.raises(MalformedResponse):
            as_count(bad)


def test_line_share_with_unicode_digits_is_malformed() -> None:
    with pytest.raises(MalformedResponse):
        extract("line", '{"share": "\\u00b2"}')


def test_deeply_nested_json_is_malformed() -> None:
    with pytest.raises(MalformedResponse):
        extract("buffer", "[" * 100_000 + "]" * 100_000)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [(None, 60.0), ("", 60.0), ("120", 120.0), ("junk", 60.0), ("99999999", 86400.0)],
)
def test_parse_retry_after(header: str | None, seconds: float) -> None:
    assert parse_retry_after(header) == seconds


def test_parse_retry_after_http_date() -> None:
    assert parse_retry_after("Sun, 29 Nov 2026 05:00:00 GMT", now=1795928400.0 - 90) == 90.0


@pytest.mark.parametrize("network", ["reddit", "bluesky"])
def test_a_refused_token_is_fetched_again(
    fake: FakeNetworks, fetcher: Fetcher, network: str
) -> None:
    fake.set(network, "unauthorized")
    with pytest.raises(UpstreamFailure) as info:
        fetcher.count(NETWORKS[network], PAGE)
    assert info.value.kind == "http_401"
    fake.set(network, value=3)
    assert fetcher.count(NETWORKS[network], PAGE) == 3
    assert fake.auth_hits[network] == 2


# --- the HTTP layer against a server that answers what each test scripts


class Scripted:
    """A raw HTTP server on 127.0.0.1: each request read gets the next scripted answer
    (bytes sent as they are); after an answer marked ``close`` the connection is closed."""

    def __init__(self, answers: list[tuple[bytes, bool]]) -> None:
        import socket
        import threading

        self.answers = list(answers)
        self.connections = 0
        self.requests: list[bytes] = []
        self.closed = threading.Event()  # a connection was closed by the server
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while self.answers:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                while self.answers:
                    head = b""
                    while b"\r\n\r\n" not in head:
                        got = conn.recv(4096)
                        if not got:
                            break
                        head += got
                    if not head:
                        break
                    self.requests.append(head)
                    reply, close = self.answers.pop(0)
                    conn.sendall(reply)
                    if close:
                        break
            self.closed.set()

    def close(self) -> None:
        self.sock.close()


@contextmanager
def scripted(
    answers: list[tuple[bytes, bool]], **overrides: Any
) -> Iterator[tuple[Scripted, Fetcher]]:
    """A :class:`Scripted` server with these answers and a fetcher pointed at it; both are
    closed afterwards."""
    server = Scripted(answers)
    try:
        f = fetcher_for(server.base, **overrides)
        try:
            yield server, f
        finally:
            f.close()
    finally:
        server.close()


def http_answer(body: bytes, *headers: str) -> bytes:
    lines = ["HTTP/1.1 200 OK", f"Content-Length: {len(body)}", *headers, "", ""]
    return "\r\n".join(lines).encode() + body


def send(fetcher: Fetcher, base: str) -> UpstreamResponse:
    from types import SimpleNamespace

    from shareproxy.networks.base import UpstreamRequest

    return fetcher.send(SimpleNamespace(name="scripted"), UpstreamRequest(f"{base}/count"))


def test_a_kept_alive_connection_serves_the_next_call_and_one_the_server_closed_does_not() -> None:
    with scripted(
        [(http_answer(b"1"), False), (http_answer(b"2"), True), (http_answer(b"3"), False)]
    ) as (server, f):
        assert send(f, server.base).body == b"1"
        assert send(f, server.base).body == b"2"  # the same connection, then closed
        assert server.connections == 1
        assert server.closed.wait(5)
        assert send(f, server.base).body == b"3"  # not the closed one: a new connection
        assert server.connections == 2
        assert b"accept-encoding: gzip, deflate" in server.requests[0].lower()


def test_compressed_answers_are_decoded_within_the_body_cap() -> None:
    import gzip
    import zlib

    bomb = gzip.compress(b"0" * 1_000_000)
    assert len(bomb) < 2048
    with scripted(
        [
            (http_answer(gzip.compress(b'{"n": 1}'), "Content-Encoding: gzip"), False),
            (http_answer(zlib.compress(b'{"n": 2}'), "Content-Encoding: deflate"), False),
            (http_answer(bomb, "Content-Encoding: gzip"), True),
            (http_answer(b"x", "Content-Encoding: zstd"), True),
        ],
        UPSTREAM_MAX_BYTES=2048,
    ) as (server, f):
        assert send(f, server.base).body == b'{"n": 1}'
        assert send(f, server.base).body == b'{"n": 2}'
        with pytest.raises(UpstreamFailure) as info:
            send(f, server.base)
        assert info.value.kind == "too_large"
        with pytest.raises(UpstreamFailure) as info:
            send(f, server.base)
        assert info.value.kind == "transport"


def test_an_answer_shorter_than_its_length_is_a_failure() -> None:
    with scripted([(http_answer(b"12345")[:-3], True)]) as (server, f):
        with pytest.raises(UpstreamFailure) as info:
            send(f, server.base)
        assert info.value.kind == "connection"


def test_answers_in_chunks_after_an_interim_answer_are_read_whole() -> None:
    chunked = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'4;ext=1\r\n{"n"\r\n5\r\n: 42}\r\n0\r\nX-Trailer: t\r\n\r\n'
    )
    big = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"800\r\n" + b"x" * 2048
    with scripted(
        [(chunked, False), (http_answer(b"after"), False), (big, True)], UPSTREAM_MAX_BYTES=1024
    ) as (server, f):
        assert send(f, server.base).body == b'{"n": 42}'
        assert send(f, server.base).body == b"after"  # the connection read to its end
        assert server.connections == 1
        with pytest.raises(UpstreamFailure) as info:
            send(f, server.base)
        assert info.value.kind == "too_large"


@pytest.mark.parametrize(
    "reply",
    [
        b"SSH-2.0-OpenSSH\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\nContent-Length: 1\r\n\r\nx",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n" + b"X-Many: 1\r\n" * 101 + b"\r\n",
    ],
)
def test_an_answer_that_is_not_http_is_a_connection_failure(reply: bytes) -> None:
    with scripted([(reply, True)]) as (server, f):
        with pytest.raises(UpstreamFailure) as info:
            send(f, server.base)
        assert info.value.kind == "connection"


def test_no_header_can_be_smuggled_into_a_request() -> None:
    from types import SimpleNamespace

    from shareproxy.networks.base import UpstreamRequest

    with scripted([(http_answer(b"1"), True)]) as (server, f):
        for req in (
            UpstreamRequest(f"{server.base}/count", headers={"X-A": "1\r\nX-Injected: 1"}),
            UpstreamRequest(f"{server.base}/count", headers={"X-A\r\nX-B": "1"}),
            UpstreamRequest(f"{server.base}/count x HTTP/1.1\r\nX-Injected: 1\r\n\r\n"),
        ):
            with pytest.raises(UpstreamFailure) as info:
                f.send(SimpleNamespace(name="scripted"), req)
            assert info.value.kind == "transport"
        assert server.requests == []


def test_an_http_1_0_answer_closes_its_connection() -> None:
    with scripted(
        [
            (b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\na", False),
            (http_answer(b"b"), False),
        ]
    ) as (server, f):
        assert send(f, server.base).body == b"a"
        assert send(f, server.base).body == b"b"
        assert server.connections == 2  # the first was not used again


@pytest.mark.parametrize("length", [b"1, 2", b"-1"])
def test_an_answer_without_one_valid_length_ends_its_connection(length: bytes) -> None:
    with scripted(
        [
            (b"HTTP/1.1 200 OK\r\nContent-Length: " + length + b"\r\n\r\nxx", True),
            (http_answer(b"b"), False),
        ]
    ) as (server, f):
        assert send(f, server.base).body == b"xx"  # read up to the connection's end
        assert send(f, server.base).body == b"b"
        assert server.connections == 2  # the first was not used again
