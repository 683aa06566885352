"""The OpenAPI 3 description of the public HTTP API, served at ``/openapi.json``.

Built once per process from the networks the code knows; ``tests/test_openapi.py`` keeps it
true (every public route is described, and nothing else).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ._version import __version__
from .assets import FILES
from .badges import SCALES, THEMES
from .i18n import LANGUAGES
from .networks import COUNT_NETWORKS, NETWORKS
from .networks.fediverse import SOFTWARE
from .urls import MAX_URL_LENGTH
from .views.params import CHOICES, MAX_TITLE

_ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ERROR_REF}},
    }


def _error_or_page(description: str) -> dict[str, Any]:
    """An error answered as JSON, or as a small HTML page on the pages visitors see."""
    out = _error(description)
    out["content"]["text/html"] = {"schema": {"type": "string"}}
    return out


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


# Patterns of the values the code accepts. They are narrower than the code where the code
# accepts more than a pattern can say (any URL it can normalise), never wider: a value that
# matches is accepted (schemathesis checks this against a live server).
_LABEL = r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?"
_PATH = r"(/[A-Za-z0-9._~-]{0,32}){0,8}"
_PORT = r"(:[1-9][0-9]{0,3})?"
ANY_HOST = rf"({_LABEL}\.){{0,3}}[a-z]([a-z0-9-]{{0,20}}[a-z0-9])?"
INSTANCE_PATTERN = rf"^({_LABEL}\.){{1,3}}[a-z][a-z0-9-]{{0,20}}[a-z0-9]$"
FEDI_PAGES = [name for name, software in SOFTWARE.items() if software.endpoint is not None]
WEB_URL_PATTERN = rf"^https?://{ANY_HOST}{_PORT}{_PATH}$"


def hosts_pattern(allowed: tuple[str, ...]) -> str:
    """A regular expression (no anchors) for the hosts SHAREPROXY_ALLOWED_DOMAINS allows."""
    parts = []
    for host in allowed:  # letters, digits, "-", "_", "." (and ":" of an IPv6 literal)
        escaped = host.replace(".", r"\.")
        if host.startswith("*."):
            parts.append(rf"({_LABEL}\.){{1,3}}{escaped[3:]}")
        elif ":" in host:
            parts.append(r"\[" + escaped.strip("[]") + r"\]")
        else:
            parts.append(escaped)
    return "(" + "|".join(parts) + ")" if parts else ANY_HOST


def names_pattern(names: list[str], most: int) -> str:
    one = "(" + "|".join(names) + ")"
    return f"^{one}(,{one}){{0,{most - 1}}}$"


def _param(
    name: str,
    description: str,
    schema: dict[str, Any],
    *,
    required: bool = False,
    where: str = "query",
) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": required,
        "description": description,
        "schema": schema,
    }


def _text(**more: Any) -> dict[str, Any]:
    return {"type": "string", **more}


def url_param(allowed: tuple[str, ...], *, required: bool = True) -> dict[str, Any]:
    return {
        **_param(
            "url",
            "Absolute http(s) URL of the page, on a host the server is allowed to serve.",
            _text(
                maxLength=MAX_URL_LENGTH,
                pattern=rf"^https?://{hosts_pattern(allowed)}{_PORT}{_PATH}$",
            ),
            required=required,
        ),
        "example": f"https://{(allowed or ('example.org',))[0].removeprefix('*.')}/article",
    }


def networks_param(description: str) -> dict[str, Any]:
    return {
        **_param(
            "networks", description, _text(pattern=names_pattern(list(NETWORKS), len(NETWORKS)))
        ),
        "example": "facebook,reddit,pinterest",
    }


def lang_param(description: str) -> dict[str, Any]:
    return _param("lang", description, _text(enum=sorted(LANGUAGES)))


# The Shariff Wrapper plugin's request (shareproxy/wordpress.py). The code ignores names it
# does not know and any timestamp; the patterns say what the plugin sends.
SERVICES_PARAM = {
    **_param(
        "services",
        "The Shariff Wrapper WordPress plugin's request: service names separated by `|` "
        "(or `,`), in the plugin's names (`mailto`, `mailform` and `printer` are `mail` "
        "and `print`). Names without a count are ignored; `totalnumber` alone (or no name) "
        "asks for every network. The answer uses the names as asked and adds `total`, the "
        "sum of the counts in it; `networks` is then ignored. `url` may then also come "
        "unencoded as the first parameter, its own query running to the last `&services=`.",
        _text(pattern=r"^[a-z]{1,20}([|,][a-z]{1,20}){0,29}$"),
    ),
    "example": "facebook|pinterest|reddit",
}
TIMESTAMP_PARAM = {
    **_param(
        "timestamp",
        "The post's modification time, as the Shariff Wrapper plugin sends it; accepted and "
        "ignored (the counts of a page are cached once, whatever its timestamp).",
        _text(pattern=r"^[0-9]{1,12}$"),
    ),
    "example": "1764000000",
}


BAD_INPUT = {
    "400": _error("Bad input (missing, malformed or repeated parameter); one-line reason."),
    "414": _error("Query string too long."),
}


def _counts_paths(allowed: tuple[str, ...]) -> dict[str, Any]:
    counts_schema = {
        "type": "object",
        "description": (
            "Share count per network; a network whose count is unknown is absent. First-party "
            "counts (SHAREPROXY_CLICK_COUNTS) can add networks without a count API; with "
            "`services` the names are those asked, and `total` is their sum."
        ),
        "properties": {
            **{name: {"type": "integer", "minimum": 0} for name in COUNT_NETWORKS},
            "total": {
                "type": "integer",
                "minimum": 0,
                "description": "Only with `services`: the sum of the counts in the answer.",
            },
        },
        "additionalProperties": {"type": "integer", "minimum": 0},
    }
    cors_header = {
        "Access-Control-Allow-Origin": {
            "description": "The request's Origin, when it is an allowed site.",
            "schema": {"type": "string"},
        }
    }
    return {
        "/api/counts": {
            "get": {
                "operationId": "getCounts",
                "summary": (
                    "Cached share counts of one page (Shariff backend format, or as the "
                    "Shariff Wrapper WordPress plugin asks with `services`)."
                ),
                "parameters": [
                    url_param(allowed),
                    networks_param(
                        "Comma-separated network names (default: every network whose counts "
                        "are on). Networks without a count API are accepted and left out of "
                        "the answer."
                    ),
                    SERVICES_PARAM,
                    TIMESTAMP_PARAM,
                ],
                "responses": {
                    "200": {
                        "description": "Counts known within the request deadline.",
                        "headers": {
                            "Cache-Control": {
                                "description": "public, max-age=<seconds the counts stay fresh>",
                                "schema": {"type": "string"},
                            },
                            **cors_header,
                        },
                        "content": {"application/json": {"schema": counts_schema}},
                    },
                    **BAD_INPUT,
                    "403": _error("The page's host is not on the allowlist."),
                },
            },
            "options": {
                "operationId": "preflightCounts",
                "summary": "CORS preflight; allowed origins get the CORS headers.",
                "responses": {"204": {"description": "No content.", "headers": cors_header}},
            },
        }
    }


def _ops_paths() -> dict[str, Any]:
    return {
        "/healthz": {
            "get": {
                "operationId": "health",
                "summary": "Health check: the store answers.",
                "responses": {
                    "200": _json("Healthy.", {"$ref": "#/components/schemas/Health"}),
                    "503": _json(
                        "The store does not answer.", {"$ref": "#/components/schemas/Health"}
                    ),
                },
            }
        },
        "/metrics": {
            "get": {
                "operationId": "metrics",
                "summary": "Prometheus metrics (text exposition format), for the networks in "
                "SHAREPROXY_METRICS_ALLOW (default: loopback) or with SHAREPROXY_METRICS_TOKEN.",
                "responses": {
                    "200": {
                        "description": "Metrics.",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    "403": _error("Not an allowed network, and no right token."),
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This description.",
                "responses": {"200": _json("OpenAPI 3 document.", {"type": "object"})},
            }
        },
        "/robots.txt": {
            "get": {
                "operationId": "robots",
                "summary": "Asks crawlers to index nothing (a followed share link would count).",
                "responses": {"200": _body("robots.txt", "text/plain")},
            }
        },
        "/favicon.ico": {
            "get": {
                "operationId": "favicon",
                "summary": "The site icon.",
                "responses": {"200": _body("ICO image.", "image/vnd.microsoft.icon")},
            }
        },
    }


def _body(description: str, media: str) -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": {"type": "string"}}}}


def _choice(name: str, description: str, choices: tuple[str, ...]) -> dict[str, Any]:
    return _param(name, description, _text(enum=list(choices)))


# Content URLs /embed accepts, in their usual forms (it accepts more: watch URLs with other
# parameters, shorts, channel pages, PeerTube and fediverse hosts, which the server would
# ask for real, so they are described in words only).
EMBED_URL_PATTERN = (
    r"^https://(www\.youtube\.com/watch\?v=[A-Za-z0-9_-]{11}|youtu\.be/[A-Za-z0-9_-]{11}"
    r"|vimeo\.com/[1-9][0-9]{0,11}"
    r"|bsky\.app/profile/[a-z][a-z0-9]{0,15}\.bsky\.social/post/[a-z2-7]{13})$"
)


def embed_params(allowed: tuple[str, ...]) -> list[dict[str, Any]]:
    origin = rf"^https?://{hosts_pattern(allowed)}{_PORT}$"
    return [
        {
            **_param(
                "url",
                "The video or post: YouTube (watch, youtu.be, shorts, live, embed), Vimeo, "
                "PeerTube (https://<instance>/w/<id>), a fediverse post (Mastodon, Pleroma, "
                "Akkoma, GoToSocial, Misskey …) or a Bluesky post.",
                _text(pattern=EMBED_URL_PATTERN),
                required=True,
            ),
            "example": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        },
        lang_param("Interface language (default: from Accept-Language)."),
        _choice("theme", "Colour theme.", CHOICES["theme"]),
        _choice("activate", "1: load the provider's player or post (after a click).", ("1",)),
        _param(
            "origin",
            "scheme://host[:port] of the embedding site (for postMessage); an allowed site.",
            _text(pattern=origin),
        ),
        _param(
            "retry",
            "Set by the frame itself when it asks again for a preview that was not ready "
            "(1-3; anything else counts as 0).",
            _text(pattern="^[0-3]$"),
        ),
    ]


# Headers of every /embed answer: the policy is widened to the provider's origins only in
# the answer that loads its player (activate=1).
EMBED_HEADERS: dict[str, Any] = {
    "Content-Security-Policy": {
        "description": "This server only; after the click, frame-src adds the provider's origins.",
        "required": True,
        "schema": {"type": "string", "pattern": "^default-src 'none'; "},
    },
    "Permissions-Policy": {
        "description": "Every feature denied; after the click autoplay, fullscreen, "
        "encrypted-media and picture-in-picture for the provider's frame.",
        "required": True,
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "public, max-age=<at most 300> for a preview; no-store while it is "
        "not ready or for an error; no-cache once it is past its freshness.",
        "required": True,
        "schema": {"type": "string", "pattern": "^(public, max-age=[0-9]+|no-store|no-cache)$"},
    },
}


def button_params(allowed: tuple[str, ...], *, snippet: bool = False) -> list[dict[str, Any]]:
    widgets = [n for n, net in NETWORKS.items() if net.widget is not None]
    origin = rf"^https?://{hosts_pattern(allowed)}{_PORT}$"
    modes = ("share",) if snippet else CHOICES["mode"]
    params = [
        url_param(allowed),
        networks_param("Comma-separated networks to show, in order."),
        _param(
            "title",
            f"Title shared with the URL (at most {MAX_TITLE} characters).",
            _text(maxLength=MAX_TITLE),
        ),
        lang_param("Interface language (default: from Accept-Language)."),
        _choice("orientation", "Orientation of the row.", CHOICES["orientation"]),
        _choice("style", "Button style.", CHOICES["style"]),
        _choice(
            "theme",
            "Colour theme." if snippet else "Colour theme (Shariff's standard is color).",
            CHOICES["theme"] if snippet else (*CHOICES["theme"], "standard"),
        ),
        _choice("counts", "Show share counts.", CHOICES["counts"]),
        _choice(
            "mode",
            "share (plain links)"
            + ("." if snippet else " or twoclick (official widgets after a first click)."),
            modes,
        ),
        _param(
            "info", "Absolute http(s) URL of an explanation page.", _text(pattern=WEB_URL_PATTERN)
        ),
        _param(
            "media", "Absolute http(s) URL of an image (pinterest).", _text(pattern=WEB_URL_PATTERN)
        ),
        _param(
            "via",
            "X account the post names (Shariff's data-twitter-via), with or without @.",
            _text(pattern=VIA_PATTERN),
        ),
        _param(
            "mail",
            "Where the mail button leads (Shariff's data-mail-url): mailto:, mailto: with "
            "one address, or an http(s) page such as a contact form.",
            _text(pattern=MAIL_PATTERN, maxLength=MAX_URL_LENGTH),
        ),
        _param(
            "origin",
            "scheme://host[:port] of the embedding site (for postMessage); an allowed site.",
            _text(pattern=origin),
        ),
    ]
    if not snippet:
        params.append(
            _param(
                "activate",
                "twoclick: networks whose widget loads at once (others are ignored).",
                _text(pattern=names_pattern(widgets, 10)),
            )
        )
    return params


VIA_PATTERN = "^@?[A-Za-z0-9_]{1,15}$"
MAIL_PATTERN = (
    r"^(mailto:([A-Za-z0-9.!#$%&*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})*"
    r"\.[A-Za-z]{2,63})?|https?://[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})*(/[^\s]*)?)$"
)
# A visitor sees the buttons' page: it never answers JSON. What cannot be read is skipped
# (data-notices on the page says what, for the loader to print in the console); a page
# URL that cannot have buttons gets a quiet line, 400 or 403.
BUTTONS_REFUSED = _body(
    "No buttons: a translated line saying sharing is not available, and the reason in "
    "the data-notices attribute (400: the url is missing or malformed; 403: the page's or "
    "the embedding site's host is not in SHAREPROXY_ALLOWED_DOMAINS). Any page may frame it.",
    "text/html",
)

SNIPPET_REFUSED = _body(
    "Only an HTML comment giving the reason (a site includes what it gets: never JSON); "
    "400: the url is missing or malformed, 403: its host is not in "
    "SHAREPROXY_ALLOWED_DOMAINS.",
    "text/html",
)

PAGE_ERRORS = {
    "400": _error("Bad parameter; one-line reason."),
    "403": _error("The page's host is not on the allowlist."),
    "404": _error("No such network or asset."),
    "414": _error("Query string too long."),
}


def _page_paths(allowed: tuple[str, ...]) -> dict[str, Any]:
    """The buttons (iframe, snippet, script), share links and badges."""
    html = _body("HTML page.", "text/html")
    shareable = [n for n, net in NETWORKS.items() if net.share_url is not None]
    badge = [  # what both badge formats take, before their own
        network_path_param(list(NETWORKS)),
        url_param(allowed, required=False),
        _choice("theme", "Colour theme (auto: color).", (*THEMES, "auto")),
    ]
    badge_lang = _param(
        "lang",
        "Language of the label: a language tag; unknown languages fall back to English.",
        _text(pattern="^[A-Za-z0-9_-]{0,35}$"),
    )
    return {
        "/": {
            "get": {
                "operationId": "landing",
                "summary": "Landing page for site owners: live previews and the snippet builder.",
                "parameters": [
                    _param(
                        "lang",
                        "Language of the previews (unknown: the browser's, else en).",
                        _text(),
                    )
                ],
                "responses": {"200": html, **PAGE_ERRORS},
            }
        },
        "/info": {
            "get": {
                "operationId": "info",
                "summary": "Info page for visitors: what the buttons send to whom, and when.",
                "parameters": [
                    _param(
                        "lang", "Language of the page (unknown: the browser's, else en).", _text()
                    )
                ],
                "responses": {"200": html, **PAGE_ERRORS},
            }
        },
        "/buttons": {
            "get": {
                "operationId": "buttons",
                "summary": "The share buttons of one page, to embed in an iframe. It "
                "degrades instead of refusing: unknown networks and bad values are skipped "
                "(the data-notices attribute lists them; the loader prints them). Shariff's "
                "names are read as ours: services, button-style, info-url, media-url, "
                "mail-url, twitter-via.",
                "parameters": button_params(allowed),
                "responses": {
                    "200": html,
                    "400": BUTTONS_REFUSED,
                    "403": BUTTONS_REFUSED,
                    "414": PAGE_ERRORS["414"],
                },
            }
        },
        "/snippet": {
            "get": {
                "operationId": "snippet",
                "summary": "The buttons as an HTML snippet to paste into a page; its links "
                "start with SHAREPROXY_PUBLIC_URL.",
                "parameters": button_params(allowed, snippet=True),
                "responses": {
                    "200": _body(
                        "The links, after an HTML comment per value skipped or replaced "
                        "(<!-- shareproxy: … -->).",
                        "text/html",
                    ),
                    "400": SNIPPET_REFUSED,
                    "403": SNIPPET_REFUSED,
                    "414": PAGE_ERRORS["414"],
                    "421": _body(
                        "Only a comment: no SHAREPROXY_PUBLIC_URL, and the request's host is "
                        "not an allowed one.",
                        "text/html",
                    ),
                },
            }
        },
        "/embed.js": {
            "get": {
                "operationId": "embedScript",
                "summary": "Script that turns marked elements into iframes: "
                "<div data-shareproxy> into share buttons, <div data-shareproxy-embed> into "
                "two-click embeds (a plain link to the content until the frame has one).",
                "responses": {"200": _body("JavaScript.", "text/javascript"), **PAGE_ERRORS},
            }
        },
        "/assets/{digest}/{name}": {
            "get": {
                "operationId": "asset",
                "summary": "Static asset under a content digest (cached for a year).",
                "parameters": [
                    _param(
                        "digest",
                        "First 16 hex digits of the file's SHA-256.",
                        _text(pattern="^[0-9a-f]{16}$"),
                        required=True,
                        where="path",
                    ),
                    _param(
                        "name",
                        "File name.",
                        _text(enum=sorted(FILES)),
                        required=True,
                        where="path",
                    ),
                ],
                "responses": {"200": _body("The asset.", "*/*"), **PAGE_ERRORS},
            }
        },
        "/share/{network}": {
            "get": {
                "operationId": "share",
                "summary": "Count a click (first-party) and redirect to the network's share page.",
                "parameters": [
                    network_path_param(shareable),
                    url_param(allowed),
                    _param(
                        "title",
                        f"Title shared with the URL (at most {MAX_TITLE} characters).",
                        _text(maxLength=MAX_TITLE),
                    ),
                    _param("media", "Image URL (pinterest).", _text(pattern=WEB_URL_PATTERN)),
                    _param(
                        "via", "X account the post names (twitter).", _text(pattern=VIA_PATTERN)
                    ),
                    _param(
                        "instance",
                        "The visitor's fediverse server (mastodon, fediverse): a host name "
                        "(`mastodon.social`), a handle (`@alice@mastodon.social`) or a "
                        "profile URL (`https://mastodon.social/@alice`). shareproxy reads "
                        "the server's software from its NodeInfo (through the address guard: "
                        "public addresses only, port 443, 2 s) and redirects to that "
                        "software's share page. Without it, a page asks for the server.",
                        _text(pattern=INSTANCE_PATTERN, maxLength=253),
                    ),
                    _param(
                        "software",
                        "Skip the NodeInfo lookup and use this software's share page "
                        "(mastodon, fediverse; the note page's link names `mastodon`).",
                        _text(enum=sorted(FEDI_PAGES)),
                    ),
                    _choice("theme", "Colour theme of the fediverse page.", CHOICES["theme"]),
                    lang_param("Interface language (fediverse page)."),
                ],
                "responses": {
                    "200": _body(
                        "The fediverse page: it asks for the visitor's server; or the "
                        "server's software has no share page (the text to copy and a link to "
                        "the server); or the software could not be found (a note and a link "
                        "to the Mastodon-style share page).",
                        "text/html",
                    ),
                    "302": {
                        "description": "Redirect to the network's share page (for the "
                        "fediverse: the software's page on `https://<instance>/`); the share "
                        "is counted."
                    },
                    **PAGE_ERRORS,
                    "400": _error_or_page(
                        "Bad parameter; one-line reason (the fediverse page: a page with the "
                        "reason, e.g. the server is not a host name, its address is not "
                        "public, or its name does not resolve)."
                    ),
                    "403": _error_or_page("The page's host is not on the allowlist."),
                },
            }
        },
        "/embed": {
            "get": {
                "operationId": "embed",
                "summary": "A two-click video or post: the preview from shareproxy, the "
                "provider's player only after the click (activate=1).",
                "parameters": embed_params(allowed),
                "responses": {
                    "200": {
                        **_body(
                            'The placeholder (data-state="placeholder"), the provider\'s '
                            'player or post ("player", after the click), or a link to the '
                            'content when no preview could be had ("pending": asked again '
                            'a few times; "unavailable").',
                            "text/html",
                        ),
                        "headers": EMBED_HEADERS,
                    },
                    "400": {
                        **_body(
                            "Not a supported address, or a bad parameter: the one-line "
                            "reason as a small page.",
                            "text/html",
                        ),
                        "headers": EMBED_HEADERS,
                    },
                    "414": _error("Query string too long."),
                },
            }
        },
        "/embed/image/{name}": {
            "get": {
                "operationId": "embedImage",
                "summary": "A picture of an embed, re-encoded without metadata, by pixel hash "
                "(cached for a year).",
                "parameters": [
                    {
                        "name": "name",
                        "in": "path",
                        "required": True,
                        "description": "<32 hex digits>.<avif|webp|jpg|png>",
                        "schema": {
                            "type": "string",
                            "pattern": "^[0-9a-f]{32}[.](avif|webp|jpg|png)$",
                        },
                    },
                ],  # fmt: skip
                "responses": {
                    "200": {
                        "description": "The picture.",
                        "content": {
                            m: {"schema": {"type": "string", "format": "binary"}}
                            for m in ("image/avif", "image/webp", "image/jpeg", "image/png")
                        },
                    },
                    "404": _error("No such picture."),
                },
            }
        },
        "/badge/{network}.svg": {
            "get": {
                "operationId": "badgeSvg",
                "summary": "Share-count badge as SVG.",
                "parameters": [*badge, badge_lang],
                "responses": {"200": _body("SVG image.", "image/svg+xml"), **PAGE_ERRORS},
            }
        },
        "/badge/{network}.png": {
            "get": {
                "operationId": "badgePng",
                "summary": "Share-count badge as PNG.",
                "parameters": [
                    *badge,
                    _param(
                        "scale",
                        "Pixel density, 1 to 4.",
                        {"type": "integer", "minimum": SCALES[0], "maximum": SCALES[-1]},
                    ),
                    badge_lang,
                ],
                "responses": {"200": _body("PNG image.", "image/png"), **PAGE_ERRORS},
            }
        },
    }


def network_path_param(names: list[str]) -> dict[str, Any]:
    return {
        **_param("network", "Network name.", _text(enum=names), required=True, where="path"),
        "example": "pinterest",
    }


@lru_cache(maxsize=8)
def spec(allowed: tuple[str, ...] = ()) -> dict[str, Any]:
    """The OpenAPI document for a server that allows the page hosts ``allowed`` (built once
    per list; treat as read-only)."""
    paths: dict[str, Any] = {}
    paths.update(_counts_paths(allowed))
    paths.update(_ops_paths())
    paths.update(_page_paths(allowed))
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "shareproxy",
            "version": __version__,
            "description": (
                "Privacy-friendly share buttons with server-side, cached share counts. "
                "Errors are JSON objects with a one-line `error`."
            ),
            "license": {"name": "MIT"},
        },
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}},
                },
                "Health": {
                    "type": "object",
                    "required": ["status", "store"],
                    "properties": {"status": {"type": "string"}, "store": {"type": "string"}},
                },
            }
        },
    }
