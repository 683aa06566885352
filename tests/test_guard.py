"""The address guard: every refusal, the pinned connection, limits and the resolve map.

"No connection reaches a private address" is asserted on a real listener (a Tripwire) that
stands where the connection would go: the guard's port for https (443 in production) is
pointed at it, and a positive control shows the same listener does count connections.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fedi_fakes import Answer, Certs, FakeServer, Tripwire, make_ca, redirect, resolver_from

from shareproxy.guard import (
    FetchFailed,
    Guard,
    GuardError,
    Refused,
    Unresolvable,
    address_problem,
    normal_name,
    parse_resolve_map,
)


@pytest.fixture
def tripwire() -> Iterator[Tripwire]:
    wire = Tripwire()
    yield wire
    wire.close()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer()
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def certs(tmp_path_factory: Any) -> Certs:
    return make_ca(str(tmp_path_factory.mktemp("ca")), ["good.example", "pin.example"])


# --- addresses


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("100.127.255.254", "carrier-grade NAT"),
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "private"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.1", "private"),  # documentation
        ("198.18.0.1", "private"),  # benchmarking
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "unique-local"),
        ("fd12:3456::1", "unique-local"),
        ("fec0::1", "site-local"),
        ("ff02::1", "multicast"),
        ("2001:db8::1", "private"),  # documentation
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("::ffff:100.64.0.1", "carrier-grade NAT"),
        ("::127.0.0.1", "loopback"),  # IPv4-compatible
        ("::10.0.0.1", "private"),
        ("::8.8.8.8", "reserved"),  # IPv4-compatible is never routed, even for public v4
        ("2002:7f00:1::1", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::1", "link-local"),  # 6to4 of 169.254.169.254
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("64:ff9b:1::1", "private"),  # local-use NAT64
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "private"),  # Teredo of 10.0.0.1
    ],
)
def test_addresses_that_are_not_public_unicast_are_named(address: str, problem: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) == problem


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "1.1.1.1", "8.8.8.8", "2606:4700:4700::1111", "2a00:1450::1"]
)
def test_public_unicast_addresses_pass(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


# --- checks before any network


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://social.example.org/", "scheme"),
        ("ftp://social.example.org/", "scheme"),
        ("javascript:alert(1)", "scheme"),
        ("https://social.example.org:8443/", "port"),
        ("https://social.example.org:80/", "port"),
        ("https://social.example.org:99999/", "url"),
        ("https://user:pw@social.example.org/", "url"),
        ("https://127.0.0.1/", "address"),
        ("https://10.0.0.1/", "address"),
        ("https://[::1]/", "address"),
        ("https://[::ffff:127.0.0.1]/", "address"),
        ("https://169.254.169.254/latest/meta-data/", "address"),
        ("https://0.0.0.0/", "address"),
        ("https:///nohost", "url"),
        ("https://bad_host!.org/", "url"),
        ("https://" + "a" * 300 + ".org/", "url"),
        ("https://example.org/" + "x" * 3000, "url"),
    ],
)
def test_urls_refused_without_any_connection(url: str, kind: str, tripwire: Tripwire) -> None:
    guard = Guard(https_port=tripwire.port, resolver=resolver_from({}))
    with pytest.raises(Refused) as caught:
        guard.fetch(url)
    assert caught.value.kind == kind
    assert "\n" not in caught.value.reason and caught.value.reason
    assert tripwire.connections == 0


def test_the_reason_never_repeats_the_host_or_its_address(tripwire: Tripwire) -> None:
    guard = Guard(
        https_port=tripwire.port, resolver=resolver_from({"secret-name.example.org": ["10.9.8.7"]})
    )
    with pytest.raises(Refused) as caught:
        guard.fetch("https://secret-name.example.org/")
    assert "secret-name" not in caught.value.reason and "10.9.8.7" not in caught.value.reason
    assert caught.value.reason == "the name resolves to a private address"


def test_names_are_normalised() -> None:
    assert normal_name("Social.Example.ORG.") == "social.example.org"
    assert normal_name("bücher.example") == "xn--bcher-kva.example"
    assert normal_name("127.0.0.1") is None and normal_name("-bad.example") is None
    assert normal_name("a..b") is None and normal_name("") is None


# --- DNS: the names that lead inside


def test_localhost_through_the_system_resolver_is_refused(tripwire: Tripwire) -> None:
    guard = Guard(https_port=tripwire.port)  # the real resolver: /etc/hosts says 127.0.0.1
    with pytest.raises(Refused) as caught:
        guard.fetch("https://localhost/")
    assert caught.value.kind == "address" and "loopback" in caught.value.reason
    assert tripwire.connections == 0
    # positive control: the same listener counts a connection that is allowed to happen
    vouched = Guard(resolve_map={"localhost": f"http://127.0.0.1:{tripwire.port}"}, timeout=0.5)
    with pytest.raises(FetchFailed):
        vouched.fetch("https://localhost/")
    assert tripwire.wait_for(1)


def test_a_name_that_does_not_resolve_fails_quickly(tripwire: Tripwire) -> None:
    guard = Guard(https_port=tripwire.port)  # the real resolver
    with pytest.raises(Unresolvable) as caught:
        guard.fetch("https://no-such-host.invalid/")
    assert caught.value.kind in ("dns", "dns_timeout")
    assert tripwire.connections == 0


@pytest.mark.parametrize(
    "addresses",
    [["10.0.0.1"], ["127.0.0.1"], ["::1"], ["169.254.169.254"], ["fd00::5"],
     ["100.64.1.1"], ["::ffff:192.168.0.1"],
     ["93.184.215.14", "10.0.0.1"],  # one bad answer among good ones refuses the name
     ["2606:4700:4700::1111", "127.0.0.1"]],
)  # fmt: skip
def test_a_name_resolving_to_a_private_address_is_refused(
    addresses: list[str], tripwire: Tripwire
) -> None:
    guard = Guard(
        https_port=tripwire.port, resolver=resolver_from({"inside.example.org": addresses})
    )
    with pytest.raises(Refused) as caught:
        guard.fetch("https://inside.example.org/.well-known/nodeinfo")
    assert caught.value.kind == "address"
    assert tripwire.connections == 0


def test_a_resolver_that_hangs_is_cut_off(tripwire: Tripwire) -> None:
    def slow(name: str, timeout: float) -> list[str]:
        time.sleep(timeout + 0.05)
        raise Unresolvable("the name did not resolve in time", kind="dns_timeout")

    with pytest.raises(Unresolvable):
        Guard(https_port=tripwire.port, resolver=slow, timeout=0.2).fetch("https://a.example.org/")
    assert tripwire.connections == 0


# --- redirects


def test_a_redirect_to_a_private_address_is_refused(server: FakeServer, tripwire: Tripwire) -> None:
    server.routes["/.well-known/nodeinfo"] = redirect("https://inside.example.org/nodeinfo")
    guard = Guard(
        resolve_map={"social.example": server.base},
        https_port=tripwire.port,
        resolver=resolver_from({"inside.example.org": ["192.168.0.10"]}),
    )
    with pytest.raises(Refused) as caught:
        guard.fetch("https://social.example/.well-known/nodeinfo")
    assert caught.value.kind == "address" or caught.value.kind == "redirect"
    assert caught.value.reason.startswith("a redirect was refused")
    assert tripwire.connections == 0
    assert server.paths() == ["/.well-known/nodeinfo"]


@pytest.mark.parametrize(
    "location",
    ["https://127.0.0.1/x", "https://[::1]/x", "https://169.254.169.254/latest/meta-data/",
     "http://social.example/x", "https://social.example:8443/x", "file:///etc/passwd",
     "gopher://social.example/x"],
)  # fmt: skip
def test_redirects_that_fail_the_checks_are_refused(
    location: str, server: FakeServer, tripwire: Tripwire
) -> None:
    server.routes["/start"] = redirect(location)
    guard = Guard(resolve_map={"social.example": server.base}, https_port=tripwire.port)
    with pytest.raises(Refused) as caught:
        guard.fetch("https://social.example/start")
    assert caught.value.kind == "redirect"
    assert tripwire.connections == 0


def test_allowed_redirects_are_followed_a_few_times_only(server: FakeServer) -> None:
    server.routes["/a"] = redirect("/b", 301)
    server.routes["/b"] = redirect("https://social.example/c", 307)
    server.routes["/c"] = Answer(200, {"ok": True})
    server.routes["/loop"] = redirect("/loop")
    guard = Guard(resolve_map={"social.example": server.base})
    resp = guard.fetch("https://social.example/a")
    assert resp.status == 200 and resp.json() == {"ok": True}
    assert resp.url == "https://social.example/c"
    with pytest.raises(Refused) as caught:
        guard.fetch("https://social.example/loop")
    assert caught.value.kind == "redirects"
    assert server.paths().count("/loop") == 4  # the first try and three redirects


# --- limits


def test_bodies_over_the_limit_are_refused(server: FakeServer) -> None:
    server.routes["/big"] = Answer(200, b"x" * (64 * 1024 + 1))
    server.routes["/big-stream"] = Answer(200, b"x" * (200 * 1024), mode="stream")
    server.routes["/fits"] = Answer(200, b"x" * (64 * 1024))
    guard = Guard(resolve_map={"social.example": server.base})
    for path in ("/big", "/big-stream"):
        with pytest.raises(FetchFailed) as caught:
            guard.fetch(f"https://social.example{path}")
        assert caught.value.kind == "too_large"
    assert len(guard.fetch("https://social.example/fits").body) == 64 * 1024
    with pytest.raises(FetchFailed):
        guard.fetch("https://social.example/fits", max_bytes=1000)


@pytest.mark.parametrize("mode", ["hang", "drip"])
def test_the_whole_fetch_has_one_deadline(mode: str, server: FakeServer) -> None:
    server.routes["/slow"] = Answer(200, b"", mode=mode)
    guard = Guard(resolve_map={"social.example": server.base}, timeout=0.5)
    with pytest.raises(FetchFailed) as caught:
        guard.fetch("https://social.example/slow")
    assert caught.value.kind == "timeout"


def test_a_reset_connection_is_a_typed_failure(server: FakeServer) -> None:
    server.routes["/reset"] = Answer(mode="reset")
    guard = Guard(resolve_map={"social.example": server.base})
    with pytest.raises(FetchFailed) as caught:
        guard.fetch("https://social.example/reset")
    assert caught.value.kind == "protocol"


def test_nothing_listening_is_a_typed_failure(tripwire: Tripwire) -> None:
    port = tripwire.port
    tripwire.close()
    guard = Guard(resolve_map={"social.example": f"http://127.0.0.1:{port}"})
    with pytest.raises(FetchFailed) as caught:
        guard.fetch("https://social.example/")
    assert caught.value.kind == "connect"


def test_statuses_are_returned_for_the_caller_to_judge(server: FakeServer) -> None:
    guard = Guard(resolve_map={"social.example": server.base})
    resp = guard.fetch("https://social.example/missing")
    assert resp.status == 404
    with pytest.raises(FetchFailed) as caught:
        resp.json()
    assert caught.value.kind == "malformed"


def test_fetches_in_flight_are_bounded(server: FakeServer) -> None:
    import threading

    server.routes["/hang"] = Answer(mode="hang")
    guard = Guard(resolve_map={"social.example": server.base}, concurrency=1, timeout=1.0)
    first = threading.Thread(
        target=lambda: pytest.raises(GuardError, guard.fetch, "https://social.example/hang")
    )
    first.start()
    try:
        assert _wait(lambda: server.paths() == ["/hang"])
        with pytest.raises(FetchFailed) as caught:
            guard.fetch("https://social.example/hang", timeout=0.2)
        assert caught.value.kind == "busy"
    finally:
        first.join(5)


def _wait(condition: Any, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.01)
    return False


# --- the resolve map


def test_a_mapped_host_is_fetched_at_its_base_with_its_own_name(server: FakeServer) -> None:
    server.routes["/.well-known/nodeinfo"] = Answer(200, {"links": []})
    guard = Guard(resolve_map={"Social.Example": server.base + "/"}, user_agent="sp-test")
    resp = guard.fetch("https://social.example/.well-known/nodeinfo?x=1")
    assert resp.status == 200 and resp.url == "https://social.example/.well-known/nodeinfo?x=1"
    seen = server.seen[-1]
    assert seen.path == "/.well-known/nodeinfo?x=1"
    assert seen.host == "social.example" and seen.user_agent == "sp-test"


def test_the_resolve_map_setting_is_parsed_strictly() -> None:
    assert parse_resolve_map("a.example=http://127.0.0.1:8081, B.example=https://[::1]:8443/") == {
        "a.example": "http://127.0.0.1:8081",
        "b.example": "https://[::1]:8443",
    }
    assert parse_resolve_map("") == {}
    for bad in ("a.example", "a.example=ftp://x", "=http://127.0.0.1", "1.2.3.4=http://x:1",
                "a.example=http://x/path", "a.example=http://u@x:1"):  # fmt: skip
        with pytest.raises(ValueError):
            parse_resolve_map(bad)


# --- TLS: SNI, Host and the certificate are the name's; the connection is the address's


def test_tls_sends_the_name_and_checks_the_certificate_for_it(certs: Certs) -> None:
    tls = FakeServer({"/x": Answer(200, {"ok": 1})}, tls=certs)
    try:
        guard = Guard(
            resolve_map={"good.example": tls.base, "other.example": tls.base},
            ssl_context=certs.client_context(),
        )
        assert guard.fetch("https://good.example/x").json() == {"ok": 1}
        assert tls.seen[-1].sni == "good.example" and tls.seen[-1].host == "good.example"
        with pytest.raises(FetchFailed) as caught:  # the certificate names good.example
            guard.fetch("https://other.example/x")
        assert caught.value.kind == "tls"
        untrusting = Guard(resolve_map={"good.example": tls.base})  # system CAs only
        with pytest.raises(FetchFailed) as caught:
            untrusting.fetch("https://good.example/x")
        assert caught.value.kind == "tls"
    finally:
        tls.close()


class LoopbackForThisTest(Guard):
    """The guard with 127.0.0.1 counted as public, to watch where the connection goes."""

    def problem(self, ip: Any) -> str | None:
        return None if str(ip) == "127.0.0.1" else super().problem(ip)


def test_the_checked_address_is_connected_and_never_resolved_again(
    certs: Certs, monkeypatch: pytest.MonkeyPatch
) -> None:
    tls = FakeServer({"/x": Answer(200, {"ok": 2})}, tls=certs)
    answers = [["127.0.0.1"], ["10.0.0.1"]]  # a rebinding DNS: public first, then private
    calls: list[str] = []

    def rebinding(name: str, _timeout: float) -> list[str]:
        calls.append(name)
        return answers[min(len(calls) - 1, 1)]

    def no_more_dns(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("something resolved a name after the check")

    try:
        guard = LoopbackForThisTest(
            resolver=rebinding, https_port=tls.port, ssl_context=certs.client_context()
        )
        monkeypatch.setattr(socket, "getaddrinfo", no_more_dns)
        assert guard.fetch("https://pin.example/x").json() == {"ok": 2}
        assert calls == ["pin.example"]  # resolved once for the whole fetch
        assert tls.seen[-1].sni == "pin.example" and tls.seen[-1].host == "pin.example"
        with pytest.raises(Refused):  # the next fetch resolves afresh and meets 10.0.0.1
            guard.fetch("https://pin.example/x")
        assert len(tls.seen) == 1
    finally:
        monkeypatch.undo()
        tls.close()


def test_the_app_guard_comes_from_the_settings(server: FakeServer) -> None:
    from shareproxy.guard import from_settings
    from shareproxy.settings import ConfigError, load

    settings = load(
        environ={"SHAREPROXY_FEDIVERSE_RESOLVE": f"Social.Example={server.base}/"},
        overrides={"CONTACT": "ops@example.org"},
    )
    guard = from_settings(settings, max_bytes=10)
    assert guard.resolve_map == {"social.example": server.base} and guard.max_bytes == 10
    server.routes["/ua"] = Answer(200, b"{}")
    guard.fetch("https://social.example/ua")
    assert server.seen[-1].user_agent.startswith("shareproxy/")
    assert "ops@example.org" in server.seen[-1].user_agent
    with pytest.raises(ConfigError, match="SHAREPROXY_FEDIVERSE_RESOLVE"):
        load(environ={"SHAREPROXY_FEDIVERSE_RESOLVE": "social.example"})
