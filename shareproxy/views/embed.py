"""Two-click embeds: ``GET /embed?url=…`` shows a video or post from shareproxy alone,
and loads the provider's own player only after the visitor's click.

Before the click the page holds nothing from the provider: the preview was fetched by
the server, its pictures re-encoded and served from ``/embed/image/<digest>.<ext>``, and
its Content-Security-Policy allows this server only. The click reloads the frame with
``activate=1``; only that answer's policy adds the provider's origins as frame sources.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

from babel.core import Locale, UnknownLocaleError
from flask import Blueprint, Response, abort, render_template
from markupsafe import Markup, escape

from .. import assets, headers, i18n
from ..embeds import NotEmbeddable, Provider, resolve
from ..embeds.base import Picture, Preview, Ref
from ..embeds.service import Shown
from ..errors import ApiError
from ..images import MIMETYPES
from . import params
from .context import services, settings

bp = Blueprint("embed", __name__)

MAX_RETRY = 3
_DIGEST = re.compile(r"^[0-9a-f]{32}$")
BABEL_LOCALES = {"no": "nb"}


def image_url(picture: Picture, ext: str) -> str:
    return f"/embed/image/{picture.digest}.{ext}"


def duration_text(seconds: int | None) -> str:
    if not seconds:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def published_text(iso: str, lang: str) -> str:
    """A post's date in the page's language (the browser shows it in local time)."""
    if not iso:
        return ""
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
        locale = Locale.parse(BABEL_LOCALES.get(lang, lang))
    except (ValueError, UnknownLocaleError):
        return iso[:10]
    from babel.dates import format_datetime  # for posts only, not in every worker

    return format_datetime(when, "medium", tzinfo=when.tzinfo, locale=locale) + " UTC"


def player_src(provider: Provider, preview: Preview, lang: str) -> str:
    assert preview.player is not None
    src = preview.player.src
    if provider.name == "youtube":  # the player's own language
        src += "&" + urlencode({"hl": lang})
    return src


def secure(resp: Response, frames: tuple[str, ...], cache: str, vary_language: bool) -> Response:
    """An embed frame's headers: loadable by the allowed sites, its policies widened to
    ``frames`` (the provider's origins, after the click only)."""
    headers.embeddable(resp)
    resp.headers["Permissions-Policy"] = headers.player_permissions(frames)
    csp = headers.embed_csp(frames, settings().allowed_domains)
    headers.page(resp, csp, vary_language=vary_language)
    resp.headers["Cache-Control"] = cache
    return resp


def notice_text(
    gettext: Callable[[str], str], provider: Provider, preview: Preview | None, host: str
) -> Markup:
    """What a click loads and who then receives data, in the page's language (host names
    kept whole and left to right inside right-to-left text)."""
    label = provider.label if provider.api_base else host
    values = {
        "provider": Markup('<bdi class="sp-host">%s</bdi>') % label,
        "host": Markup('<bdi class="sp-host">%s</bdi>') % host,
    }
    if preview is not None and preview.kind == "video":
        text = gettext(
            "Playing the video connects your browser to %(host)s: %(provider)s then "
            "receives your IP address and information about your browser."
        )
    elif preview is not None and preview.player is not None:
        text = gettext(
            "Showing the original post connects your browser to %(host)s: %(provider)s "
            "then receives your IP address and information about your browser."
        )
    else:
        text = gettext(
            "Opening the post connects your browser to %(host)s: %(provider)s then "
            "receives your IP address and information about your browser."
        )
    before = gettext("Nothing has been loaded from %(provider)s yet.")
    return Markup(escape(before)) % values + Markup(" ") + Markup(escape(text)) % values


def refused(reason: str, lang: str, status: int = 400, theme: str = "color") -> Response:
    """The one-line reason as a small page (a visitor may see it in a frame): under a line
    in the visitor's language, in the frame's theme (readable on a dark page too)."""
    _ = i18n.translator(lang).gettext
    html = render_template(
        "embed/refused.html", reason=reason, lang=lang, dir=i18n.direction(lang), _=_,
        css=assets.url("embed-page.css"), theme=theme,
    )  # fmt: skip
    resp = Response(html, status=status, mimetype="text/html")
    return secure(resp, (), headers.NO_STORE, vary_language=False)


@bp.get("/embed")
def embed_page() -> Response:
    svc = services()
    try:
        lang = params.lang()
    except ApiError as exc:
        return refused(exc.message, i18n.DEFAULT, exc.status)
    try:
        theme = params.choice("theme", params.CHOICES["theme"])
    except ApiError as exc:
        return refused(exc.message, lang, exc.status)
    try:
        origin = params.origin()
        raw = (params.single("url") or "").strip()
        activate = (params.single("activate") or "") == "1"
        retry_raw = params.single("retry")
    except ApiError as exc:
        return refused(exc.message, lang, exc.status, theme)
    try:
        provider, ref = resolve(raw, svc.settings.embed_providers)
    except NotEmbeddable as exc:
        return refused(str(exc), lang, theme=theme)
    retry = int(retry_raw) if retry_raw and retry_raw.isdigit() else 0
    shown = svc.embeds.show(provider, ref, params.time_left(float(svc.settings.embed_deadline)))
    return page(provider, ref, shown, lang, theme, origin, activate, min(retry, MAX_RETRY))


def page(
    provider: Provider, ref: Ref, shown: Shown, lang: str, theme: str, origin: str,
    activate: bool, retry: int,
) -> Response:  # fmt: skip
    _ = i18n.translator(lang).gettext
    p = shown.preview
    site = p.site if p is not None else (ref.host or provider.label)
    if p is None:
        state = "pending" if shown.pending else "unavailable"
    elif activate and p.player is not None:
        state = "player"
    else:
        state = "placeholder"
    host = (
        p.player.origins[0].removeprefix("https://")
        if p is not None and p.player is not None
        else ref.host or site
    )
    frames = p.player.origins if state == "player" and p is not None and p.player else ()
    html = render_template(
        "embed/page.html",
        p=p,
        provider=provider,
        provider_label=provider.label,
        kind=p.kind if p is not None else provider.kind,
        state=state,
        site=site,
        link=p.link if p is not None else ref.url,
        notice=notice_text(_, provider, p, host) if p is not None else "",
        open_label=Markup(escape(_("Open on %(site)s"))) % {"site": Markup("<bdi>%s</bdi>") % site},
        duration=duration_text(p.duration) if p is not None else "",
        published=published_text(p.published, lang) if p is not None else "",
        player_src=player_src(provider, p, lang) if state == "player" and p is not None else "",
        page_title=(p.title if p is not None and p.title else provider.label),
        retry=retry if state == "pending" else None,
        image_url=image_url,
        origin=origin,
        theme=theme,
        lang=lang,
        dir=i18n.direction(lang),
        _=_,
        css=assets.url("embed-page.css"),
        js=assets.url("embed-page.js"),
    )
    if state in ("pending", "unavailable"):
        cache = headers.NO_STORE
    else:
        cache = headers.public(min(300, shown.max_age)) if shown.max_age else "no-cache"
    resp = Response(html, mimetype="text/html")
    return secure(resp, frames, cache, vary_language=not params.lang_given())


@bp.get("/embed/image/<name>")
def image(name: str) -> Response:
    digest, _, ext = name.partition(".")
    if ext not in MIMETYPES or not _DIGEST.match(digest):
        abort(404)
    data = services().embeds.image(name)
    if data is None:
        abort(404)
    resp = Response(data, mimetype=MIMETYPES[ext])
    resp.headers["Cache-Control"] = headers.IMMUTABLE
    resp.headers["Content-Security-Policy"] = headers.IMAGE_CSP
    resp.headers["Cross-Origin-Resource-Policy"] = "same-origin"  # the embed frames only
    return headers.security(resp)
