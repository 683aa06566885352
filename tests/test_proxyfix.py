"""X-Forwarded-* is believed SHAREPROXY_TRUSTED_PROXIES hops deep, not at all by default."""

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, request

from shareproxy import ConfigError


def _with_probe(app: Flask) -> Any:
    def probe() -> dict[str, str]:
        return {"ip": request.remote_addr or "", "scheme": request.scheme, "host": request.host}

    app.add_url_rule("/_probe", "probe", probe)
    return app.test_client()


FORWARDED = {
    "X-Forwarded-For": "198.51.100.1, 203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "share.example.org",
}


def test_forwarded_headers_are_ignored_by_default(make_app: Callable[..., Flask]) -> None:
    client = _with_probe(make_app())
    data = client.get("/_probe", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.5"}).json
    assert data == {"ip": "10.0.0.5", "scheme": "http", "host": "localhost"}


def test_one_trusted_proxy_gives_the_last_hop(make_app: Callable[..., Flask]) -> None:
    client = _with_probe(make_app(TRUSTED_PROXIES=1))
    data = client.get("/_probe", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.5"}).json
    assert data == {"ip": "203.0.113.7", "scheme": "https", "host": "share.example.org"}


def test_two_trusted_proxies_reach_one_hop_further(make_app: Callable[..., Flask]) -> None:
    client = _with_probe(make_app(TRUSTED_PROXIES=2))
    headers = dict(FORWARDED, **{"X-Forwarded-Proto": "https, http"})
    data = client.get("/_probe", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.5"}).json
    assert data["ip"] == "198.51.100.1"
    assert data["scheme"] == "https"


def test_a_proxy_without_headers_leaves_the_socket_address(make_app: Callable[..., Flask]) -> None:
    client = _with_probe(make_app(TRUSTED_PROXIES=1))
    data = client.get("/_probe", environ_base={"REMOTE_ADDR": "10.0.0.5"}).json
    assert data["ip"] == "10.0.0.5"


@pytest.mark.parametrize("bad", ["-1", "many", "11"])
def test_a_bad_count_is_refused_by_name(make_app: Callable[..., Flask], bad: str) -> None:
    with pytest.raises(ConfigError, match="SHAREPROXY_TRUSTED_PROXIES"):
        make_app(TRUSTED_PROXIES=bad)
