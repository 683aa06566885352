"""Errors as one line a person understands: JSON ``{"error": "..."}``, never a trace."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from . import headers

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A request we refuse, with its status and a one-line reason (no user input in it)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def error_response(message: str, status: int) -> Response:
    resp = jsonify(error=message)
    resp.status_code = status
    resp.headers["Cache-Control"] = headers.NO_STORE
    return resp


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError) -> Response:
        return error_response(exc.message, exc.status)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        message = {
            404: "no such page",
            405: "method not allowed here",
            413: "request too large",
            414: "request URI too long",
            431: "request headers too large",
        }.get(status, (exc.name or "error").lower())
        resp = error_response(message, status)
        if status == 405 and exc.get_response().headers.get("Allow"):
            resp.headers["Allow"] = exc.get_response().headers["Allow"]
        return resp

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unexpected error")
        return error_response("internal error", 500)
