"""The app starts on its embedded defaults and answers the basics."""

from typing import Any


def test_healthz_answers_with_the_store_kind(client: Any) -> None:
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "store": "sqlite"}


def test_counts_refuses_a_missing_url(client: Any) -> None:
    resp = client.get("/api/counts")
    assert resp.status_code == 400
    assert resp.get_json() == {"error": "url is missing"}
