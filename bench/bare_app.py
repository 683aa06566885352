"""The baseline: a bare Flask app answering a constant JSON, as /api/counts would."""

from flask import Flask, Response

app = Flask(__name__)
BODY = b'{"facebook":7,"pinterest":7,"vk":7,"odnoklassniki":7,"buffer":7,"tumblr":7}'


@app.get("/api/counts")
def counts() -> Response:
    resp = Response(BODY, mimetype="application/json")
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


@app.get("/healthz")
def healthz() -> Response:
    return Response(b'{"status":"ok"}', mimetype="application/json")
