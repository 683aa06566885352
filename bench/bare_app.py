"""The baselines: a bare Flask app answering what shareproxy's endpoints would, with
nothing else (no validation, cache, headers beyond Cache-Control, metrics or hooks)."""

from functools import lru_cache

from flask import Flask, Response, render_template, request

app = Flask(__name__)
BODY = b'{"facebook":7,"pinterest":7,"vk":7,"odnoklassniki":7,"buffer":7,"tumblr":7}'
NETWORKS = ["facebook", "pinterest", "reddit", "bluesky", "vk", "buffer", "tumblr"]


@app.get("/api/counts")
def counts() -> Response:
    resp = Response(BODY, mimetype="application/json")
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


@lru_cache(maxsize=8)
def filler(size: int) -> str:
    """Text that brings the page to ``size`` bytes (measured once per size)."""
    bare = render_template("bare_page.html", buttons=buttons(), filler="")
    return "x" * max(0, size - len(bare.encode()))


def buttons() -> list[dict[str, str]]:
    return [
        {"name": n, "label": n.title(), "href": f"/share/{n}?url=https%3A%2F%2Fexample.org%2F",
         "count": "7"}
        for n in NETWORKS
    ]  # fmt: skip


@app.get("/page")
def page() -> Response:
    """A template of ``size`` bytes with a loop over seven buttons, as /buttons renders."""
    size = int(request.args.get("size", "8000"))
    html = render_template("bare_page.html", buttons=buttons(), filler=filler(size))
    resp = Response(html, mimetype="text/html")
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


@app.get("/healthz")
def healthz() -> Response:
    return Response(b'{"status":"ok"}', mimetype="application/json")
