"""The console's pages: login, overview, TTLs, a page's cache entries, the rankings."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from werkzeug.security import check_password_hash
from werkzeug.wrappers import Response as BaseResponse

from ... import console, human, metrics
from ...admin_service import TTLRefused, parse_ttl
from ...charts import sparkline
from ...networks import COUNT_NETWORKS, NETWORKS
from ...settings import TTL_CEILING
from ...store import StoreError
from ...urls import BadURL
from ..context import services
from .blueprint import bp, service
from .guards import page_error, take_attempt
from .session import end_session, start_session

# --- login


@bp.route("/login", methods=["GET", "POST"])
def login() -> BaseResponse | str:
    if request.method == "GET":
        return render_template("admin/login.html", error=None)
    store = services().store
    # The attempt is taken before the password is checked: parallel guesses cannot slip
    # in between a check of the counter and its increment.
    key = take_attempt("login")
    if isinstance(key, Response):
        return key
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
    data = service().stats()
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
        rows=service().ttl_rows(),
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
            now = service().set_ttl(network, None)
            flash(
                f"{label}: back to its setting, {human.duration(now)} ({now} s), on every "
                "worker within a few seconds."
            )
        else:
            try:
                seconds = service().set_ttl(network, parse_ttl(network, raw))
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
            url = service().page_url(raw)
            rows = service().lookup(url)
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


def entries(n: int, kind: str = "") -> str:
    """``n`` entries in words: "1 cached entry", "3 cached entries", "no cached entries"."""
    return f"{n or 'no'} {kind}{'entry' if n == 1 else 'entries'}"


@bp.post("/cache/purge")
def cache_purge() -> BaseResponse:
    raw = request.form.get("url", "")
    everything = bool(request.form.get("all"))
    if not everything and not raw:
        return render_cache("", 400, "Nothing purged: give a page URL.")
    try:
        removed, url = service().purge_counts(raw or None, everything)
    except BadURL as exc:
        return render_cache("", 400, f"Nothing purged: {exc}.")
    except StoreError:
        return render_cache(raw, 503, "Nothing purged: the store does not answer.")
    if everything:
        flash(
            f"Purged every cached count ({entries(removed)}). Each network is asked again "
            "on the next request for a page; shares counted here are kept."
        )
    else:
        flash(
            f"Purged {entries(removed, 'cached ')} of this page. Each network is asked "
            "again on the next request for it; shares counted here are kept."
        )
    target = url_for("admin.cache_page", url=url) if url else url_for("admin.cache_page")
    return redirect(target + ("#lookup" if url else ""))


@bp.get("/top")
def top_page() -> str:
    args = request.args
    top = service().rankings(args.get("page"), args.get("network", ""), args.get("npage"))
    state = {"page": top["paging"].page, "network": top["chosen"], "npage": top["npaging"].page}

    def link(**changes: Any) -> str:
        """This page with ``changes`` to its page, network and npage (None: left out)."""
        args = {k: v for k, v in {**state, **changes}.items() if v not in (None, 1)}
        return url_for("admin.top_page", **args)

    labels = {name: net.label for name, net in NETWORKS.items()}
    return render_template("admin/top.html", **top, labels=labels, link=link)
