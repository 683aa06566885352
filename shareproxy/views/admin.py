"""The admin console (/admin) and the JSON admin API (/admin/api/…).

Pages: on when SHAREPROXY_ADMIN_PASSWORD_HASH is set, behind a login with a slow hash,
throttled per anonymised IP in the store, a session cookie (HttpOnly, SameSite=Strict,
Secure behind HTTPS, path /admin) and a CSRF token on every form. The API: on when
SHAREPROXY_ADMIN_TOKEN is set, with ``Authorization: Bearer <token>``; no cookie involved.
Nothing an admin page loads comes from a third party; charts are SVG drawn here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.security import check_password_hash
from werkzeug.wrappers import Response as BaseResponse

from .. import metrics, services
from ..clicks import counter
from ..networks import COUNT_NETWORKS, NETWORKS
from ..privacy import anonymize_ip
from ..settings import TTL_CEILING, ttl_floor
from ..store import StoreError
from ..urls import BadURL, normalise

log = logging.getLogger(__name__)

bp = Blueprint("admin", __name__, url_prefix="/admin")

LOGIN_LIMIT = 5  # failed logins per anonymised IP …
LOGIN_WINDOW = 15 * 60  # … within this many seconds; then 429 until the window ends
SESSION_HOURS = 8
MAX_BODY = 4096  # bytes of an admin form or JSON body
MAX_FORM_PARTS = 16
MAX_JSON_DEPTH = 4
TOP_LIMIT = 20
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


# --- set-up


class AdminSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(request.is_secure)


def init_app(app: Flask) -> None:
    """Session settings and the shared secret key, then the blueprint."""
    svc = app.extensions["shareproxy"]
    app.secret_key = svc.settings.secret_key or shared_secret_key(svc.store, app.instance_path)
    app.session_interface = AdminSessionInterface()
    app.config.update(
        SESSION_COOKIE_NAME="shareproxy_admin",
        SESSION_COOKIE_PATH="/admin",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
    )
    app.register_blueprint(bp)


def shared_secret_key(store: Any, instance_path: str) -> str:
    """A random key made once and kept in the store, so every worker signs alike.

    When the store does not answer, the key is kept in ``instance/secret_key`` instead
    (shared by the workers of one host).
    """
    try:
        return str(store.claim("secret_key", secrets.token_hex(32), None, time.time()))
    except StoreError:
        log.warning("store unavailable: keeping the session key in the instance folder")
    path = os.path.join(instance_path, "secret_key")
    os.makedirs(instance_path, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with open(path, encoding="ascii") as fh:
            return fh.read().strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        key = secrets.token_hex(32)
        fh.write(key)
    return key


# --- guards


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


def session_mark() -> str:
    """Ties a session to the current password hash: a new password logs everyone out."""
    pw = str(services().settings.admin_password_hash)
    return hmac.new(b"shareproxy-admin", pw.encode(), hashlib.sha256).hexdigest()[:32]


def session_key(sid: str) -> str:
    """The store key of a session: a hash of its id, so reading the store (or a backup of
    it) gives nobody a session to put in a cookie."""
    return "session:" + hashlib.sha256(sid.encode("utf-8", "replace")).hexdigest()


def start_session() -> None:
    """A new server-side session: its id in the signed cookie, its record in the store.

    Raises StoreError when the store cannot keep it.
    """
    sid = secrets.token_urlsafe(32)
    services().store.claim(session_key(sid), session_mark(), SESSION_HOURS * 3600, time.time())
    session.clear()
    session.permanent = True
    session["sid"] = sid
    session["csrf"] = secrets.token_hex(32)


def end_session() -> None:
    """Forget this session in the store (every worker and instance refuses its cookie from
    now on) and in the cookie."""
    sid = session.get("sid")
    session.clear()
    if isinstance(sid, str):
        services().store.forget(session_key(sid))


def logged_in() -> bool:
    """The cookie names a session the store still holds, made under the current password."""
    sid = session.get("sid")
    if not isinstance(sid, str) or not 16 <= len(sid) <= 64:
        return False
    try:
        mark = services().store.value(session_key(sid), time.time())
    except StoreError:
        return False  # fail closed: a session cannot be checked without the store
    return mark is not None and hmac.compare_digest(mark, session_mark())


def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) != 64:
        token = secrets.token_hex(32)
        session["csrf"] = token
    return token


def csrf_ok() -> bool:
    sent = request.form.get("csrf", "")
    token = session.get("csrf")
    return (
        isinstance(token, str)
        and bool(sent)
        and hmac.compare_digest(sent.encode("utf-8", "replace"), token.encode())
    )


@bp.app_context_processor
def template_helpers() -> dict[str, Any]:
    return {"csrf_token": csrf_token}


def refuse(message: str, status: int) -> Response:
    return api_error(message, status) if is_api() else page_error(message, status)


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
    store = services().store
    try:
        key = throttle_key("api")
        if not store.reserve(key, LOGIN_LIMIT, LOGIN_WINDOW, time.time()):
            resp = api_error("too many wrong tokens from your network: try again later", 429)
            resp.headers["Retry-After"] = str(LOGIN_WINDOW)
            return resp
    except StoreError:
        return api_error("store unavailable: the admin API refuses requests for now", 503)
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode("utf-8", "replace"), token.encode()
    ):
        return api_error("missing or wrong bearer token", 401)
    try:
        store.unreserve(key, time.time())
    except StoreError:
        pass
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
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Cache-Control"] = "no-store"
    return resp


# --- login


def throttle_key(kind: str = "login") -> str:
    """Attempts are counted per client network (IPv4 /24, IPv6 /48), keyed by an HMAC of
    the anonymised address under the session signing key: the store never holds the
    address, and the count does not start over at midnight."""
    anon = anonymize_ip(request.remote_addr or "")
    key = str(current_app.secret_key).encode()
    return f"{kind}:" + hmac.new(key, anon.encode(), hashlib.sha256).hexdigest()


@bp.route("/login", methods=["GET", "POST"])
def login() -> BaseResponse | str:
    if request.method == "GET":
        return render_template("admin/login.html", error=None)
    store = services().store
    try:
        # The attempt is taken before the password is checked: parallel guesses cannot
        # slip in between a check of the counter and its increment.
        key = throttle_key()
        if not store.reserve(key, LOGIN_LIMIT, LOGIN_WINDOW, time.time()):
            resp = page_error("Too many failed logins: wait 15 minutes and try again.", 429)
            resp.headers["Retry-After"] = str(LOGIN_WINDOW)
            return resp
    except StoreError:
        return page_error("The store does not answer, so logins are refused for now.", 503)
    password = request.form.get("password", "")
    if password and check_password_hash(services().settings.admin_password_hash, password):
        try:
            store.forget(key)
            start_session()
        except StoreError:
            return page_error("The store does not answer, so logins are refused for now.", 503)
        return redirect(url_for("admin.overview"))
    return Response(render_template("admin/login.html", error="Wrong password."), status=401)


@bp.post("/logout")
def logout() -> BaseResponse:
    try:
        end_session()
    except StoreError:
        return page_error("The store does not answer: the session could not be ended.", 503)
    return redirect(url_for("admin.login"))


# --- what the pages and the API show


def network_states() -> list[dict[str, Any]]:
    svc = services()
    now = time.time()
    svc.cache.sync(now)
    rows = []
    for name, net in COUNT_NETWORKS.items():
        missing = svc.fetcher.missing_credentials(net)
        until = svc.cache.circuit_open_until(name)
        if missing:
            why = "off: no SHAREPROXY_" + missing[0]
        elif until > now:
            why = f"circuit open for {int(until - now)} s (rate limited)"
        else:
            why = ""
        rows.append(
            {
                "network": name,
                "label": net.label,
                "on": not missing,
                "circuit_open_until": until if until > now else None,
                "why": why,
                "ttl": svc.cache.ttl(name),
                "floor": ttl_floor(name),
            }
        )
    return rows


def stats_data() -> dict[str, Any]:
    svc = services()
    metrics.flush()  # this worker's latest figures first
    try:
        summary = metrics.summary(svc.store)
        clicks = svc.store.click_networks()
        entries: int | None = svc.store.count_entries()
    except StoreError:
        summary = {"hour": {}, "day": {}, "series": {"hour": {}, "day": {}}}
        clicks, entries = {}, None
    return {
        "networks": network_states(),
        "hour": summary["hour"],
        "day": summary["day"],
        "series": summary["series"],
        "clicks": clicks,
        "cache_entries": entries,
        "click_counts": svc.settings.click_counts,
    }


def sparkline(values: list[float], width: int = 180, height: int = 28) -> Markup:
    """A bar chart as inline SVG (numbers only go into it)."""
    if not values:
        values = [0.0]
    top = max(values) or 1.0
    bar = width / len(values)
    rects = []
    for i, value in enumerate(values):
        h = 0.0 if value <= 0 else max(1.0, value / top * (height - 2))
        rects.append(
            f'<rect x="{i * bar:.2f}" y="{height - h:.2f}" width="{max(bar - 0.6, 0.6):.2f}" '
            f'height="{h:.2f}"/>'
        )
    total = int(sum(values))
    return Markup(
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{total} in all"><title>{total} in all, peak {int(top)}'
        f'</title><line x1="0" y1="{height - 0.5}" x2="{width}" y2="{height - 0.5}"/>'
        + "".join(rects)
        + "</svg>"
    )


def check_ttl(network: str, raw: Any) -> tuple[int | None, str | None]:
    """(seconds, None) for a usable TTL of ``network``, else (None, reason)."""
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        return None, "seconds must be a whole number"
    try:
        seconds = int(str(raw).strip())
    except ValueError:
        return None, "seconds must be a whole number"
    floor = ttl_floor(network)
    if seconds < floor:
        return None, f"seconds must be at least {floor} (the floor of {network})"
    if seconds > TTL_CEILING:
        return None, f"seconds must be at most {TTL_CEILING}"
    return seconds, None


def lookup(url: str) -> list[dict[str, Any]]:
    svc = services()
    now = time.time()
    clicks = counter().counts(url, list(NETWORKS))
    rows = []
    for name in COUNT_NETWORKS:
        entry = svc.cache.peek(url, name)
        row: dict[str, Any] = {
            "network": name,
            "count": None,
            "age": None,
            "next_refresh": None,
            "error": None,
            "clicks": clicks.pop(name, 0),
        }
        if entry is not None:
            row.update(
                count=entry.count,
                age=int(now - entry.fetched_at) if entry.count is not None else None,
                next_refresh=max(0, int(svc.cache.fresh_until(name, entry) - now)),
                error=entry.error,
            )
        rows.append(row)
    for name, n in clicks.items():
        rows.append(
            {
                "network": name,
                "count": None,
                "age": None,
                "next_refresh": None,
                "error": None,
                "clicks": n,
            }
        )
    return rows


# --- pages


@bp.get("/")
def overview() -> str:
    data = stats_data()
    return render_template(
        "admin/overview.html", data=data, sparkline=sparkline, all_key=metrics.ALL
    )


@bp.get("/ttl")
def ttl_page() -> str:
    return render_template("admin/ttl.html", rows=network_states(), ceiling=TTL_CEILING)


@bp.post("/ttl")
def ttl_change() -> BaseResponse:
    network = request.form.get("network", "")
    if network not in COUNT_NETWORKS:
        return page_error("Unknown network, or one without a count API.", 400)
    try:
        if request.form.get("reset"):
            services().cache.set_ttl(network, None)
            flash(f"{network}: back to the configured lifetime.")
        else:
            seconds, reason = check_ttl(network, request.form.get("seconds", ""))
            if seconds is None:
                return page_error(f"Not changed: {reason}.", 400)
            services().cache.set_ttl(network, seconds)
            flash(f"{network}: counts now stay fresh for {seconds} s on every worker.")
    except StoreError:
        return page_error("The store does not answer: nothing changed.", 503)
    return redirect(url_for("admin.ttl_page"))


@bp.get("/cache")
def cache_page() -> Response | str:
    raw = request.args.get("url", "")
    url = None
    rows: list[dict[str, Any]] = []
    error = None
    if raw:
        try:
            url = normalise(raw, services().settings.tracking_params)
            rows = lookup(url)
        except BadURL as exc:
            error = str(exc)
        except StoreError:
            error = "the store does not answer"
    entries = None
    try:
        entries = services().store.count_entries()
    except StoreError:
        pass
    return render_template(
        "admin/cache.html",
        url=url,
        rows=rows,
        error=error,
        entries=entries,
        local=services().cache.local_size(),
    )


@bp.post("/cache/purge")
def cache_purge() -> BaseResponse:
    raw = request.form.get("url", "")
    try:
        if request.form.get("all"):
            removed = services().cache.purge(None)
            flash(f"Purged every cached count ({removed} entries).")
        else:
            try:
                url = normalise(raw, services().settings.tracking_params)
            except BadURL as exc:
                return page_error(f"Nothing purged: {exc}.", 400)
            removed = services().cache.purge(url)
            flash(f"Purged {removed} cached entries of that URL.")
    except StoreError:
        return page_error("The store does not answer: nothing purged.", 503)
    return redirect(url_for("admin.cache_page"))


@bp.get("/top")
def top_page() -> str:
    store = services().store
    tables: list[tuple[str, int, list[tuple[str, int]]]] = []
    error = None
    try:
        for name, total in sorted(store.click_networks().items(), key=lambda kv: -kv[1]):
            tables.append((name, total, store.top_clicks(name, TOP_LIMIT)))
    except StoreError:
        error = "the store does not answer"
    return render_template(
        "admin/top.html", tables=tables, error=error, mode=services().settings.click_counts
    )


# --- JSON API


@bp.get("/api/stats")
def api_stats() -> Response:
    return jsonify(stats_data())


def json_depth_ok(raw: bytes, limit: int) -> bool:
    """Whether brackets outside strings nest at most ``limit`` deep (checked before any
    parser recurses into them)."""
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return False
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return True


def json_body() -> Any:
    """The request body as JSON, or None when it is not JSON (or nests too deep)."""
    raw = request.get_data(cache=True)
    if not json_depth_ok(raw, MAX_JSON_DEPTH):
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def api_network(network: str) -> Response | None:
    if network not in COUNT_NETWORKS:
        return api_error("unknown network, or one without a count API", 404)
    return None


@bp.get("/api/ttl/<network>")
def api_ttl_get(network: str) -> Response:
    refused = api_network(network)
    if refused is not None:
        return refused
    cache = services().cache
    cache.sync()
    return jsonify(network=network, seconds=cache.ttl(network), floor=ttl_floor(network))


@bp.put("/api/ttl/<network>")
def api_ttl_put(network: str) -> Response:
    refused = api_network(network)
    if refused is not None:
        return refused
    body = json_body()
    if not isinstance(body, dict) or "seconds" not in body:
        return api_error('send a JSON object {"seconds": N}', 400)
    try:
        if body["seconds"] is None:
            services().cache.set_ttl(network, None)
        else:
            seconds, reason = check_ttl(network, body["seconds"])
            if seconds is None or isinstance(body["seconds"], str):
                return api_error(reason or "seconds must be a whole number", 400)
            services().cache.set_ttl(network, seconds)
    except StoreError:
        return api_error("store unavailable: nothing changed", 503)
    cache = services().cache
    return jsonify(network=network, seconds=cache.ttl(network), floor=ttl_floor(network))


@bp.delete("/api/cache")
def api_cache_delete() -> Response:
    values = request.args.getlist("url")
    if len(values) > 1:
        return api_error("give 'url' once", 400)
    url = None
    if values:
        try:
            url = normalise(values[0], services().settings.tracking_params)
        except BadURL as exc:
            return api_error(str(exc), 400)
    try:
        removed = services().cache.purge(url)
    except StoreError:
        return api_error("store unavailable: nothing purged", 503)
    return jsonify(purged=removed, url=url)
