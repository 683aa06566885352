"""Who may pass: every admin request goes through :func:`guard` first (body limits, then
the bearer token for the API or the session and CSRF token for the pages); every answer
gets the console's headers. Refusals are JSON for the API and a page for the console."""

from __future__ import annotations

import hmac

from flask import Response, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse

from ... import admin_access, headers
from ...admin_access import LOGIN_WINDOW
from ...store import StoreError
from ..context import secret_key, services
from .blueprint import bp
from .session import csrf_ok, logged_in

MAX_BODY = 4096  # bytes of an admin form or JSON body
MAX_FORM_PARTS = 16


def is_api() -> bool:
    return request.path.startswith("/admin/api/") or request.path == "/admin/api"


def api_error(message: str, status: int) -> Response:
    resp = jsonify(error=message)
    resp.status_code = status
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="shareproxy admin"'
    return resp


def page_error(message: str, status: int) -> Response:
    resp = Response(render_template("admin/error.html", message=message), status=status)
    return resp


def refuse(message: str, status: int) -> Response:
    return api_error(message, status) if is_api() else page_error(message, status)


def throttle_key(kind: str = "login") -> str:
    """The throttle's key of this client's network (admin_access.throttle_key)."""
    return admin_access.throttle_key(kind, request.remote_addr or "", secret_key())


# What each throttled door answers: (too many attempts, no store to count them in)
THROTTLED = {
    "api": (
        "too many wrong tokens from your network: try again later",
        "store unavailable: the admin API refuses requests for now",
    ),
    "login": (
        "Too many failed logins: wait 15 minutes and try again.",
        "The store does not answer, so logins are refused for now.",
    ),
}


def take_attempt(kind: str) -> str | Response:
    """Take one attempt of this client's network at ``kind`` (api, login) before anything
    is compared; its throttle key, else the refusal: 429 with Retry-After once LOGIN_LIMIT
    attempts were taken within LOGIN_WINDOW, 503 when the store does not answer."""
    too_many, no_store = THROTTLED[kind]
    try:
        key = throttle_key(kind)
        if admin_access.take_attempt(services().store, key):
            return key
    except StoreError:
        return refuse(no_store, 503)
    resp = refuse(too_many, 429)
    resp.headers["Retry-After"] = str(LOGIN_WINDOW)
    return resp


def body_too_large() -> Response | None:
    """Admin bodies are small forms and JSON objects: anything larger is refused (400)
    before it is read; a body without a length is cut at the same size when read."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return None
    length = request.content_length
    if length is not None and length > MAX_BODY:
        return refuse(f"request body larger than {MAX_BODY} bytes", 400)
    request.max_content_length = MAX_BODY
    request.max_form_parts = MAX_FORM_PARTS
    return None


def check_token(token: str) -> Response | None:
    """The bearer token, throttled per client network like logins: an attempt is taken
    before the token is compared and given back when it matched, so no more than
    LOGIN_LIMIT wrong tokens per network are ever compared within LOGIN_WINDOW."""
    key = take_attempt("api")
    if isinstance(key, Response):
        return key
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode("utf-8", "replace"), token.encode()
    ):
        return api_error("missing or wrong bearer token", 401)
    admin_access.give_back(services().store, key)
    return None


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc: RequestEntityTooLarge) -> Response:
    """A body without a length that grew past MAX_BODY (or a form with too many fields)."""
    return refuse(f"request body larger than {MAX_BODY} bytes or too many fields", 400)


@bp.before_request
def guard() -> BaseResponse | None:
    settings = services().settings
    refused = body_too_large()
    if refused is not None:
        return refused
    if is_api():
        token = str(settings.admin_token or "")
        if not token:
            return api_error("admin API is off: set SHAREPROXY_ADMIN_TOKEN", 401)
        return check_token(token)
    if not settings.admin_password_hash:
        return Response(render_template("admin/disabled.html"), status=404)
    if request.method == "POST" and not csrf_ok():
        return page_error("The form was stale or not sent by this console (CSRF check).", 400)
    if request.endpoint == "admin.login":
        return None
    if not logged_in():
        if request.method == "GET":
            return redirect(url_for("admin.login"))
        return page_error("Log in first.", 403)
    return None


@bp.after_request
def admin_headers(resp: Response) -> Response:
    resp.headers["Content-Security-Policy"] = headers.ADMIN_CSP
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Cache-Control"] = headers.NO_STORE
    return resp
