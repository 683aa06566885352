"""In-process cost of one request: the WSGI app called directly, no sockets, no gunicorn.

Run by ``bench/run.py inprocess`` (or alone: ``python bench/inprocess.py``). Each request
shape of part 1 is built once with werkzeug's ``EnvironBuilder`` and handed to the app's
WSGI callable (the fast path first, as under gunicorn) 2000 times a run; the figure is the
best of 7 runs (the least disturbed by the other processes on the machine), with the
median beside it. Prometheus runs in multiprocess mode, as under gunicorn.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests"), HERE]
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="shareproxy-bench-"))

from fakes import CREDENTIALS, FakeNetworks  # noqa: E402
from werkzeug.test import Client, EnvironBuilder  # noqa: E402
from workload import FAILING, ORIGIN, PAGE, SUBSET  # noqa: E402

from shareproxy import create_app  # noqa: E402
from shareproxy.networks import COUNT_NETWORKS  # noqa: E402

CALLS = 2000
RUNS = 7

WSGI = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    pass


def environ(path: str, query: str, origin: str | None = ORIGIN) -> dict[str, Any]:
    headers = {"Origin": origin} if origin else {}
    headers["User-Agent"] = "Mozilla/5.0 (bench)"
    return EnvironBuilder(path=path, query_string=query, headers=headers).get_environ()


def call(app: WSGI, env: dict[str, Any]) -> bytes:
    body = app(dict(env), start_response)
    try:
        return b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def check(name: str, app: Any, env: dict[str, Any]) -> None:
    """The shape is answered before Flask, with the bytes Flask's view sends."""
    fast = app.extensions["shareproxy"].fastpath
    inner, flask_calls = fast.app, [0]

    def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        flask_calls[0] += 1
        return inner(environ, start_response)

    fast.app = counted
    try:
        quick, slow = Client(app).open(dict(env)), Client(inner).open(dict(env))
    finally:
        fast.app = inner
    assert flask_calls == [0], f"{name}: not answered by the fast path"
    assert quick.status_code == 200, f"{name}: {quick.status}"
    same = (quick.status, list(quick.headers.items()), quick.get_data()) == (
        slow.status, list(slow.headers.items()), slow.get_data()
    )  # fmt: skip
    assert same, f"{name}: the fast path's answer differs from Flask's"
    print(f"CHECK {name}: answered before Flask, byte-identical: {quick.get_data().decode()}")


def timed(app: WSGI, env: dict[str, Any]) -> tuple[float, float]:
    """(best, median) microseconds per request over RUNS runs of CALLS calls."""
    runs = []
    for _ in range(RUNS):
        started = time.perf_counter()
        for _ in range(CALLS):
            call(app, env)
        runs.append((time.perf_counter() - started) / CALLS * 1e6)
    return min(runs), statistics.median(runs)


def main() -> None:
    from urllib.parse import quote

    import bare_app

    fake = FakeNetworks()
    for name in FAILING:
        fake.set(name, "error500")
    store = f"sqlite:///{tempfile.mkdtemp(prefix='shareproxy-bench-')}/i.db"
    config: dict[str, Any] = {f"API_BASE_{n.upper()}": fake.base for n in COUNT_NETWORKS}
    config.update(CREDENTIALS)
    config.update(STORE=store, ALLOWED_DOMAINS="example.org", LOG_LEVEL="warning")
    fill = create_app(config, log_summary=False)
    add = create_app({**config, "CLICK_COUNTS": "add"}, log_summary=False)
    page = quote(PAGE, safe="")
    # first-party clicks on networks with and without a count API (two visitors)
    for visitor in ("192.0.2.10", "198.51.100.10"):
        for network in ("twitter", "linkedin", "pinterest"):
            shared = fill.test_client().get(
                f"/share/{network}?url={page}", environ_base={"REMOTE_ADDR": visitor}
            )
            assert shared.status_code == 302, shared.status
    shapes: dict[str, tuple[WSGI, dict[str, Any]]] = {
        "bare Flask, constant JSON": (bare_app.app, environ("/api/counts", "")),
        "(a) Shariff default: Origin, clicks merged (fill), 2 failing": (
            fill,
            environ("/api/counts", f"url={page}"),
        ),
        "(b) networks= subset of 6": (
            fill,
            environ("/api/counts", f"url={page}&networks={','.join(SUBSET)}"),
        ),
        "(c) add mode": (add, environ("/api/counts", f"url={page}")),
    }
    for app, env in shapes.values():
        for _ in range(5):
            call(app, env)
    time.sleep(0.5)  # background fetches of the first request settle
    for name, (app, env) in shapes.items():
        if app is not bare_app.app:
            check(name, app, env)
    bare_best = 0.0
    for name, (app, env) in shapes.items():
        for _ in range(200):
            call(app, env)
        best, median = timed(app, env)
        if name.startswith("bare"):
            bare_best = best
            print(f"INPROCESS {name} = {best:.1f} us per request (median {median:.1f})")
        else:
            print(
                f"INPROCESS {name} = {best:.1f} us per request (median {median:.1f}; "
                f"{bare_best / best:.2f}x the bare app's speed; goal <= 15 us)"
            )
    fake.close()
    for app in (fill, add):
        svc = app.extensions["shareproxy"]
        svc.cache.close()
        svc.store.close()


if __name__ == "__main__":
    main()
