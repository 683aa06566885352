"""In-process cost of a page of buttons rendered for the first time, against the bare
template: the WSGI apps called directly, no sockets, no gunicorn.

Run by ``bench/run.py pages`` (or alone: ``python bench/first_render.py [--profile]``).
``/buttons`` for the 7 networks of part 5, every count fresh, is asked with another
``title`` on every call (so the page memo never has it, as wrk's first-render line asks),
and with another page URL on every call (its counts unknown: left to the browser); the
bare app renders its template of the same size. Figures: microseconds per request, the
best of 7 runs of 2000 calls (the least disturbed), the median beside it.
"""

from __future__ import annotations

import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests"), HERE]
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="shareproxy-bench-"))

from fakes import CREDENTIALS, FakeNetworks  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402
from workload import PAGE  # noqa: E402

from shareproxy import create_app  # noqa: E402
from shareproxy.networks import COUNT_NETWORKS  # noqa: E402

NETWORKS = ["facebook", "pinterest", "reddit", "bluesky", "vk", "buffer", "tumblr"]
CALLS = 2000
RUNS = 7
WSGI = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    pass


def call(app: WSGI, env: dict[str, Any]) -> bytes:
    body = app(env, start_response)
    try:
        return b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def environs(path: str, queries: Iterable[str]) -> list[dict[str, Any]]:
    headers = {"User-Agent": "Mozilla/5.0 (bench)", "Accept-Language": "en"}
    return [
        EnvironBuilder(path=path, query_string=q, headers=headers).get_environ() for q in queries
    ]


def timed(app: WSGI, envs: list[dict[str, Any]]) -> tuple[float, float]:
    """(best, median) microseconds of this thread's CPU time per request over RUNS runs of
    CALLS calls (CPU time: what other processes on a shared machine take is not counted)."""
    runs = []
    for _ in range(RUNS):
        batch = [dict(e) for e in envs[:CALLS]]
        del envs[:CALLS]
        started = time.thread_time()
        for env in batch:
            call(app, env)
        runs.append((time.thread_time() - started) / CALLS * 1e6)
    return min(runs), statistics.median(runs)


def main() -> None:
    import bare_app

    fake = FakeNetworks()
    store = f"sqlite:///{tempfile.mkdtemp(prefix='shareproxy-bench-')}/r.db"
    config: dict[str, Any] = {f"API_BASE_{n.upper()}": fake.base for n in COUNT_NETWORKS}
    config.update(CREDENTIALS)
    config.update(STORE=store, ALLOWED_DOMAINS="example.org", LOG_LEVEL="warning")
    app = create_app(config, log_summary=False)
    page = quote(PAGE, safe="")
    nets = ",".join(NETWORKS)
    warm = app.test_client().get(f"/api/counts?url={page}&networks={nets}")
    assert warm.status_code == 200
    time.sleep(0.3)
    n = CALLS * (RUNS + 1)
    counter = itertools.count()
    shapes: dict[str, tuple[WSGI, Callable[[], list[dict[str, Any]]]]] = {
        "bare template": (
            bare_app.app,
            lambda: environs("/page", ["size=5600"] * n),
        ),
        "/buttons, another title each time (counts fresh)": (
            app,
            lambda: environs(
                "/buttons", (f"url={page}&networks={nets}&title=t{next(counter)}" for _ in range(n))
            ),
        ),
        "/buttons, another page URL each time (counts left to the browser)": (
            app,
            lambda: environs(
                "/buttons",
                (f"url={page}-{next(counter)}&networks={nets}&title=t" for _ in range(n)),
            ),
        ),
    }
    if "--profile" in sys.argv:
        import cProfile
        import pstats

        envs = shapes["/buttons, another title each time (counts fresh)"][1]()[:3000]
        for env in envs[:200]:
            call(app, env)
        prof = cProfile.Profile()
        prof.enable()
        for env in envs[200:]:
            call(app, env)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
        fake.close()
        return
    bare = 0.0
    for name, (wsgi, make) in shapes.items():
        envs = make()
        for env in envs[:CALLS]:
            call(wsgi, dict(env))
        del envs[:CALLS]
        best, median = timed(wsgi, envs)
        bare = bare or best
        ratio = f"; bare / this = {bare / best:.2f}" if wsgi is not bare_app.app else ""
        print(f"INPROCESS {name} = {best:.1f} us CPU per request (median {median:.1f}){ratio}")
    fake.close()


if __name__ == "__main__":
    main()
