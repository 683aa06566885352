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
from markupsafe import Markup, escape
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.security import check_password_hash
from werkzeug.wrappers import Response as BaseResponse

from .. import console, headers, human, metrics
from ..admin_service import AdminService, NotEmbeddable, TTLRefused, parse_ttl
from ..container import Services
from ..networks import COUNT_NETWORKS, NETWORKS
from ..privacy import anonymize_ip
from ..settings import TTL_CEILING
from ..store import StoreError
from ..urls import BadURL
from .context import services

log = logging.getLogger(__name__)

bp = Blueprint("admin", __name__, url_prefix="/admin")

LOGIN_LIMIT = 5  # failed logins per anonymised IP …
LOGIN_WINDOW = 15 * 60  # … within this many seconds; then 429 until the window ends
SESSION_HOURS = 8
MAX_BODY = 4096  # bytes of an admin form or JSON body
MAX_FORM_PARTS = 16
MAX_JSON_DEPTH = 4


# --- set-up


class AdminSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(request.is_secure)


def init_app(app: Flask, svc: Services) -> None:
    """Session settings and the shared secret key (create_app registers the blueprint)."""
    app.secret_key = svc.settings.secret_key or shared_secret_key(svc.store, app.instance_path)
    app.session_interface = AdminSessionInterface()
    app.config.update(
        SESSION_COOKIE_NAME="shareproxy_admin",
        SESSION_COOKIE_PATH="/admin",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
    )


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
    resp.headers["Content-Security-Policy"] = headers.ADMIN_CSP
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Cache-Control"] = headers.NO_STORE
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


def admin() -> AdminService:
    return AdminService(services())


def sparkline(values: list[float], width: int = 180, height: int = 28, label: str = "") -> Markup:
    """A bar chart as inline SVG (numbers only go into it, and an escaped label)."""
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
    words = escape(f"{label}: {total} in all, peak {int(top)}" if label else f"{total} in all")
    return Markup(
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{words}"><title>{words}</title>'
        f'<line x1="0" y1="{height - 0.5}" x2="{width}" y2="{height - 0.5}"/>'
        + "".join(rects)
        + "</svg>"
    )


# --- pages


@bp.app_template_filter("duration")
def duration_filter(seconds: float | None) -> str:
    return human.duration(seconds).replace(" ", "\u00a0")  # "1 h" never breaks in two


@bp.app_template_filter("latency")
def latency_filter(seconds: float | None) -> str:
    return human.latency(seconds).replace(" ", "\u00a0")


@bp.app_template_filter("percent")
def percent_filter(ratio: float | None) -> str:
    return human.percent(ratio)


@bp.app_template_filter("number")
def number_filter(value: float | None) -> str:
    return human.number(value)


@bp.get("/")
def overview() -> str:
    span = "day" if request.args.get("span") == "day" else "hour"
    data = admin().stats()
    return render_template(
        "admin/overview.html",
        data=data,
        span=span,
        headline=console.headline(data["networks"]),
        sparkline=sparkline,
        all_key=metrics.ALL,
        local=services().cache.local_size(),
        labels={name: net.label for name, net in NETWORKS.items()},
    )


def render_ttl(
    status: int = 200,
    error: str | None = None,
    network: str | None = None,
    value: str = "",
    reason: str | None = None,
) -> Response:
    html = render_template(
        "admin/ttl.html",
        rows=admin().ttl_rows(),
        ceiling=TTL_CEILING,
        error=error,
        error_network=network,
        error_value=value,
        reason=reason or error,
    )
    return Response(html, status=status)


@bp.get("/ttl")
def ttl_page() -> Response:
    return render_ttl()


@bp.post("/ttl")
def ttl_change() -> BaseResponse:
    network = request.form.get("network", "")
    if network not in COUNT_NETWORKS:
        return render_ttl(400, "Not changed: unknown network, or one without a count API.")
    label = COUNT_NETWORKS[network].label
    raw = request.form.get("seconds", "")
    reset = request.form.get("action") == "reset" or bool(request.form.get("reset"))
    try:
        if reset:
            now = admin().set_ttl(network, None)
            flash(
                f"{label}: back to its setting, {human.duration(now)} ({now} s), on every "
                "worker within a few seconds."
            )
        else:
            try:
                seconds = admin().set_ttl(network, parse_ttl(network, raw))
            except TTLRefused as exc:
                return render_ttl(
                    400, f"{label}: not changed.", network, raw[:40], f"Not changed: {exc}."
                )
            flash(
                f"{label}: counts now stay fresh for {human.duration(seconds)} ({seconds} s), "
                "on every worker within a few seconds."
            )
    except StoreError:
        return render_ttl(503, "Not changed: the store does not answer.", network, raw[:40])
    return redirect(url_for("admin.ttl_page") + f"#ttl-{network}")


def render_cache(raw: str, status: int = 200, error: str | None = None) -> Response:
    url = None
    rows: list[dict[str, Any]] = []
    if raw and error is None:
        try:
            url = admin().page_url(raw)
            rows = admin().lookup(url)
        except BadURL as exc:
            error = f"Not a page URL shareproxy counts: {exc}."
        except StoreError:
            error = "The store does not answer: nothing to show."
    entries = None
    try:
        entries = services().store.count_entries()
    except StoreError:
        pass
    html = render_template(
        "admin/cache.html",
        url=url,
        rows=rows,
        error=error,
        entries=entries,
        local=services().cache.local_size(),
    )
    return Response(html, status=status)


@bp.get("/cache")
def cache_page() -> Response:
    return render_cache(request.args.get("url", ""))


@bp.post("/cache/purge")
def cache_purge() -> BaseResponse:
    raw = request.form.get("url", "")
    everything = bool(request.form.get("all"))
    if not everything and not raw:
        return render_cache("", 400, "Nothing purged: give a page URL.")
    try:
        removed, url = admin().purge_counts(raw or None, everything)
    except BadURL as exc:
        return render_cache("", 400, f"Nothing purged: {exc}.")
    except StoreError:
        return render_cache(raw, 503, "Nothing purged: the store does not answer.")
    if everything:
        flash(
            f"Purged every cached count ({removed} entries). Each network is asked again "
            "on the next request for a page; shares counted here are kept."
        )
    else:
        flash(
            f"Purged {removed} cached entries of this page. Each network is asked again on "
            "the next request for it; shares counted here are kept."
        )
    target = url_for("admin.cache_page", url=url) if url else url_for("admin.cache_page")
    return redirect(target + ("#lookup" if url else ""))


@bp.get("/top")
def top_page() -> str:
    store = services().store
    error = None
    overall: list[tuple[str, int, dict[str, int]]] = []
    ranked: list[tuple[str, int]] = []
    totals: dict[str, int] = {}
    paging = console.paging(None, 0)
    npaging = console.paging(None, 0)
    chosen = None
    try:
        totals = dict(sorted(store.click_networks().items(), key=lambda kv: (-kv[1], kv[0])))
        paging = console.paging(request.args.get("page"), store.count_clicked())
        overall = store.top_pages(paging.size, paging.offset)
        asked = request.args.get("network", "")
        chosen = asked if asked in totals else next(iter(totals), None)
        if chosen is not None:
            npaging = console.paging(
                request.args.get("npage"), store.count_clicked(chosen), console.PAGE_SIZE // 2
            )
            ranked = store.top_clicks(chosen, npaging.size, npaging.offset)
    except StoreError:
        error = "The store does not answer: no ranking to show."
    labels = {name: net.label for name, net in NETWORKS.items()}
    state = {"page": paging.page, "network": chosen, "npage": npaging.page}

    def link(**changes: Any) -> str:
        """This page with ``changes`` to its page, network and npage (None: left out)."""
        args = {k: v for k, v in {**state, **changes}.items() if v not in (None, 1)}
        return url_for("admin.top_page", **args)

    return render_template(
        "admin/top.html",
        error=error,
        mode=services().settings.click_counts,
        overall=overall,
        paging=paging,
        totals=totals,
        chosen=chosen,
        ranked=ranked,
        npaging=npaging,
        labels=labels,
        link=link,
    )


# --- JSON API


@bp.get("/api/stats")
def api_stats() -> Response:
    return jsonify(admin().stats())


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
    return jsonify(admin().ttl(network))


@bp.put("/api/ttl/<network>")
def api_ttl_put(network: str) -> Response:
    refused = api_network(network)
    if refused is not None:
        return refused
    body = json_body()
    if not isinstance(body, dict) or "seconds" not in body:
        return api_error('send a JSON object {"seconds": N}', 400)
    value = body["seconds"]
    try:
        seconds = None if value is None else parse_ttl(network, value)
    except TTLRefused as exc:
        return api_error(exc.reason, 400)
    if isinstance(value, str):  # units are for people: the API takes a number
        return api_error("seconds must be a whole number", 400)
    try:
        admin().set_ttl(network, seconds)
    except StoreError:
        return api_error("store unavailable: nothing changed", 503)
    return jsonify(admin().ttl(network))


@bp.delete("/api/cache")
def api_cache_delete() -> Response:
    values = request.args.getlist("url")
    if len(values) > 1:
        return api_error("give 'url' once", 400)
    try:
        removed, url = admin().purge_counts(values[0] if values else None)
    except BadURL as exc:
        return api_error(str(exc), 400)
    except StoreError:
        return api_error("store unavailable: nothing purged", 503)
    return jsonify(purged=removed, url=url)


@bp.delete("/api/embeds")
def api_embeds_delete() -> Response:
    """Forget one video's or post's preview (``url``: its content URL), or all of them."""
    values = request.args.getlist("url")
    if len(values) > 1:
        return api_error("give 'url' once", 400)
    try:
        removed, item = admin().purge_embeds(values[0] if values else None)
    except NotEmbeddable as exc:
        return api_error(str(exc), 400)
    except StoreError:
        return api_error("store unavailable: nothing purged", 503)
    return jsonify(purged=removed, url=item[1].url if item else None)
