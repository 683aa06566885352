"""Every setting of shareproxy, declared once.

Each declaration gives the name, the type, the default and a help text. The same list
validates the environment and the TOML file, prints the configuration reference for the
README (``python -m shareproxy.settings``) and is checked against the README by a test.

Sources, later ones winning: defaults, the TOML file named by ``SHAREPROXY_CONFIG``,
``SHAREPROXY_<NAME>`` environment variables, and a mapping given to ``create_app`` (tests).
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .embeds import PROVIDERS
from .networks import COUNT_NETWORKS

PREFIX = "SHAREPROXY_"


class ConfigError(ValueError):
    """A setting has a value that cannot be used; the message names the setting."""


# --- parsers: each takes the raw value (a string from the environment, or a TOML value)


def _int(lo: int | None = None, hi: int | None = None) -> Callable[[Any], int]:
    def parse(raw: Any) -> int:
        if isinstance(raw, bool):
            raise ValueError("expected a whole number")
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise ValueError(f"expected a whole number, got {_show(raw)}") from None
        if lo is not None and value < lo:
            raise ValueError(f"must be at least {lo}, got {value}")
        if hi is not None and value > hi:
            raise ValueError(f"must be at most {hi}, got {value}")
        return value

    return parse


def _float(lo: float, hi: float) -> Callable[[Any], float]:
    def parse(raw: Any) -> float:
        try:
            value = float(str(raw).strip())
        except ValueError:
            raise ValueError(f"expected a number of seconds, got {_show(raw)}") from None
        if not lo <= value <= hi:
            raise ValueError(f"must be between {lo:g} and {hi:g}, got {value:g}")
        return value

    return parse


def _text(raw: Any) -> str:
    if not isinstance(raw, str | int | float):
        raise ValueError("expected a text value")
    return str(raw).strip()


def _list(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, list | tuple):
        items: Iterable[Any] = raw
    else:
        items = str(raw).split(",")
    return tuple(s for s in (str(i).strip() for i in items) if s)


def _choice(*choices: str) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        value = str(raw).strip().lower()
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, got {_show(raw)}")
        return value

    return parse


_HOST_PATTERN = re.compile(r"^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_-]{1,63}$")


def _domains(raw: Any) -> tuple[str, ...]:
    hosts = tuple(h.lower().rstrip(".") for h in _list(raw))
    for host in hosts:
        if not _HOST_PATTERN.match(host) and not _is_ip_literal(host):
            raise ValueError(f"{_show(host)} is not a host name or '*.domain' pattern")
    return hosts


def _is_ip_literal(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _url(pattern: str, expected: str) -> Callable[[Any], str]:
    """The parser of an optional URL setting: empty, or a URL matching ``pattern`` once a
    trailing / is dropped."""

    def parse(raw: Any) -> str:
        value = _text(raw).rstrip("/")
        if value and not re.match(pattern, value):
            raise ValueError(f"expected {expected}, got {_show(raw)}")
        return value

    return parse


_base_url = _url(r"^https?://[^/?#\s]+$", "scheme://host[:port]")


def _web_url(raw: Any) -> str:
    value = _text(raw)
    if value and not re.match(r"^https?://[^/?#\s]+(?:[/?#]\S*)?$", value, re.I):
        raise ValueError(f"expected an absolute http:// or https:// URL, got {_show(raw)}")
    if len(value) > 2048:
        raise ValueError("longer than 2048 characters")
    return value


def _resolve_map(raw: Any) -> tuple[str, ...]:
    from .guard import parse_resolve_map

    if isinstance(raw, dict):
        raw = [f"{k}={v}" for k, v in raw.items()]
    pairs = parse_resolve_map(raw if isinstance(raw, list | tuple) else str(raw))
    return tuple(f"{host}={base}" for host, base in pairs.items())


def _store(raw: Any) -> str:
    value = _text(raw)
    if value and not (value.startswith("sqlite:///") or value.startswith("redis://")):
        raise ValueError(
            "expected sqlite:////absolute/path.db or redis://host:port/db, got "
            + _show(value.split("@")[-1])
        )
    if value.startswith("sqlite:///") and not value.startswith("sqlite:////"):
        raise ValueError(
            "the SQLite file needs an absolute path, e.g. sqlite:////var/lib/shareproxy/"
            f"shareproxy.db (four slashes); a relative one would depend on the current "
            f"folder, got {_show(value)}"
        )
    if value.startswith("redis://"):
        from .store import split_redis_url

        split_redis_url(value)  # raises ValueError for a bad prefix
    return value


def _providers(raw: Any) -> tuple[str, ...]:
    names = tuple(n.lower() for n in _list(raw))
    for name in names:
        if name not in PROVIDERS:
            raise ValueError(f"unknown provider {_show(name)} (known: {', '.join(PROVIDERS)})")
    return names


def _password_hash(raw: Any) -> str:
    value = _text(raw)
    if value and not re.match(r"^(scrypt|pbkdf2):[^$\s]+\$[^$\s]+\$[0-9a-f]+$", value):
        raise ValueError("expected the output of `shareproxy hash-password` (scrypt:… or pbkdf2:…)")
    return value


MIN_SECRET = 32  # characters of a bearer token or signing key


def _secret(raw: Any) -> str:
    """A secret (token or key): empty (off) or at least MIN_SECRET characters. The value
    never appears in the error."""
    value = _text(raw)
    if value and len(value) < MIN_SECRET:
        raise ValueError(
            f"must be at least {MIN_SECRET} characters, got {len(value)} (make one with "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return value


def _networks(raw: Any) -> tuple[str, ...]:
    """Comma-separated IP networks (``10.0.0.0/8``, ``::1``), normalised."""
    import ipaddress

    out = []
    for item in _list(raw):
        try:
            out.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ValueError(f"{_show(item)} is not an IP address or network") from None
    return tuple(out)


_public_url = _url(
    r"^https?://[A-Za-z0-9.\-\[\]:]+(/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?$",
    "scheme://host[:port][/path]",
)


def _show(raw: Any) -> str:
    text = str(raw)
    return repr(text if len(text) <= 60 else text[:57] + "...")


# --- declarations


@dataclass(frozen=True)
class Setting:
    name: str  # without the SHAREPROXY_ prefix
    type: str  # shown in the reference
    default: Any
    help: str
    parse: Callable[[Any], Any]
    secret: bool = False

    @property
    def env(self) -> str:
        return PREFIX + self.name


DEFAULT_TRACKING = (
    "utm_*,fbclid,gclid,dclid,gbraid,wbraid,msclkid,mc_cid,mc_eid,igshid,yclid,"
    "_ga,_gl,_hsenc,_hsmi,mkt_tok,oly_anon_id,oly_enc_id,vero_id,ref_src,twclid,ttclid,si"
)

# Per-network floors of the cache lifetime: an admin can cache longer, never shorter.
# Facebook's Graph API allows 10 calls per URL per app per hour.
TTL_FLOOR_DEFAULT = 60
TTL_CEILING = 7 * 24 * 3600


def _base_settings() -> list[Setting]:
    return [
        Setting(
            "CONFIG",
            "path",
            "",
            "TOML file with settings (keys as below, without the "
            "prefix); environment variables win over it.",
            _text,
        ),
        Setting(
            "ALLOWED_DOMAINS",
            "list",
            ("localhost", "127.0.0.1"),
            "Comma-separated hosts whose pages may be counted, rendered and shared; "
            "`*.example.org` matches every subdomain of example.org (not example.org "
            "itself). Also drives CORS and the iframe's `frame-ancestors`.",
            _domains,
        ),
        Setting(
            "STORE",
            "url",
            "",
            "`sqlite:////absolute/path.db` (default: `shareproxy.db` in the "
            'instance folder, see "Where the data is"; shared by the workers of one host) or '
            "`redis://host:port/db` (shared by every instance; add `?prefix=name:` to "
            "give its keys another prefix than `shareproxy:`).",
            _store,
        ),
        Setting(
            "STORE_MAX_PAGES",
            "pages",
            20_000,
            "Most pages the store keeps (a page: a URL with counts or share counters). "
            "Past it, the pages with the fewest counted shares go first (then the least "
            "recently used), with their counts and counters; a page with more shares never "
            "goes before one with fewer. Each worker checks it every few writes, so it may "
            "be passed by about 1 % per worker for a moment.",
            _int(100, 100_000_000),
        ),
        Setting(
            "CACHE_TTL",
            "seconds",
            3600,
            "How long a fetched count is fresh, unless the "
            "network's own setting says otherwise. Never below the network's floor.",
            _int(1, TTL_CEILING),
        ),
        Setting(
            "CACHE_SIZE",
            "entries",
            100_000,
            "Most (URL, network) entries each worker "
            "keeps in memory in front of the store (the least recently used URLs go first, "
            "with all their entries).",
            _int(1, 10_000_000),
        ),
        Setting(
            "CACHE_BYTES",
            "bytes",
            64 * 1_048_576,
            "Most memory each worker's count cache takes in front of the store, the URLs' "
            "text included (least recently used URLs go first); whichever of this and "
            "`SHAREPROXY_CACHE_SIZE` is reached first bounds it. The memos in front of it "
            "(answers of `/api/counts`, the query strings that asked them, the click "
            "counts read) take at most a quarter of it each.",
            _int(65_536, 64 * 1024 * 1_048_576),
        ),
        Setting(
            "CACHE_STALE_MAX",
            "seconds",
            7 * 24 * 3600,
            "How long after it expired a "
            "count may still be served while a refresh runs or the network fails; the "
            "store forgets entries older than this.",
            _int(0, 365 * 24 * 3600),
        ),
        Setting(
            "FAILURE_TTL",
            "seconds",
            60,
            "How long a failed upstream call is remembered "
            "before the network is asked again for that URL.",
            _int(1, 3600),
        ),
        Setting(
            "UPSTREAM_TIMEOUT",
            "seconds",
            5.0,
            "The most one upstream call may take, connecting and reading included.",
            _float(0.1, 60),
        ),
        Setting(
            "REQUEST_DEADLINE",
            "seconds",
            1.5,
            "The most a counts request waits in all, counted from its arrival (time "
            "spent waiting for a free thread included); fetches still running then "
            "finish in the background and fill the cache.",
            _float(0.05, 30),
        ),
        Setting(
            "UPSTREAM_MAX_BYTES",
            "bytes",
            1_048_576,
            "Largest upstream answer read; a larger one counts as a failure.",
            _int(1024, 64 * 1_048_576),
        ),
        Setting(
            "UPSTREAM_WORKERS",
            "threads",
            32,
            "Threads per worker process that fetch counts in parallel (32: every fetch of two "
            "new pages of 12 networks at once); each worker "
            "queues at most 8 fetches per thread (refreshes of counts it has first), and "
            "a page whose fetch finds the queue full gets no count for that network yet.",
            _int(1, 256),
        ),
        Setting(
            "UPSTREAM_BUDGET",
            "calls/minute",
            300,
            "Most calls per minute to each network's count API, shared by every worker "
            "and instance through the store (`SHAREPROXY_UPSTREAM_BUDGET_<NETWORK>` sets "
            "one network's). Counts of pages not cached yet may spend 80 % of it, so "
            "refreshes of cached counts always find some; past it a page gets no count for "
            "that network (never 0) until the next minute. 0: no budget.",
            _int(0, 1_000_000),
        ),
        Setting(
            "TRACKING_PARAMS",
            "list",
            _list(DEFAULT_TRACKING),
            "Query parameters dropped when a URL is normalised (`*` matches any suffix).",
            _list,
        ),
        Setting(
            "CONTACT",
            "url or mail",
            "",
            "Contact shown in the User-Agent of upstream "
            "calls, so a network can reach the operator.",
            _text,
        ),
        Setting(
            "PRIVACY_URL",
            "url",
            "",
            "The privacy policy of the site(s) showing the buttons: the visitors' info "
            "page (`/info`, the default target of the Info button) links to it.",
            _web_url,
        ),
        Setting(
            "LOG_LEVEL",
            "choice",
            "info",
            "debug, info, warning or error.",
            _choice("debug", "info", "warning", "error"),
        ),
        Setting(
            "ADMIN_PASSWORD_HASH",
            "text",
            "",
            "Turns the admin console at `/admin` on: "
            "the hash printed by `shareproxy hash-password` (never the password itself).",
            _password_hash,
            secret=True,
        ),
        Setting(
            "ADMIN_TOKEN",
            "text",
            "",
            "Bearer token of the JSON admin API "
            "(`/admin/api/…`), at least 32 characters; the API answers 401 to everyone "
            "while it is empty.",
            _secret,
            secret=True,
        ),
        Setting(
            "SECRET_KEY",
            "text",
            "",
            "Signs the admin session cookie, at least 32 characters (default: a random "
            "key generated once and kept in the store, so every worker shares it).",
            _secret,
            secret=True,
        ),
        Setting(
            "PUBLIC_URL",
            "url",
            "",
            "Where visitors reach shareproxy, e.g. `https://share.example.org`: the "
            "links of `/snippet` start with it. Without it, `/snippet` builds them from "
            "the request's host only when that host is in `SHAREPROXY_ALLOWED_DOMAINS`, "
            "and refuses otherwise.",
            _public_url,
        ),
        Setting(
            "METRICS_ALLOW",
            "list",
            ("127.0.0.0/8", "::1/128"),
            "Client networks that may read `/metrics` (comma-separated addresses or "
            "CIDR networks); everyone else gets 403 unless they send the metrics token.",
            _networks,
        ),
        Setting(
            "METRICS_TOKEN",
            "text",
            "",
            "Bearer token that opens `/metrics` from any address (at least 32 "
            "characters; empty: only `SHAREPROXY_METRICS_ALLOW`).",
            _secret,
            secret=True,
        ),
        Setting(
            "CLICK_COUNTS",
            "choice",
            "fill",
            "First-party share counts in `/api/counts`: "
            "`off`; `fill` (shares made through shareproxy, for networks without a working "
            "count API); `add` (upstream count plus those shares).",
            _choice("off", "fill", "add"),
        ),
        Setting(
            "CLICKS_PER_HOUR",
            "count",
            30,
            "Most shares counted per hour from one client network (IPv4 /24, IPv6 /48), "
            "over every page and network together; a network also adds at most one share "
            "per page and share target per 24 h. Shares past it still go to the network, "
            "uncounted.",
            _int(1, 1_000_000),
        ),
        Setting(
            "FIRST_SHARES_PER_HOUR",
            "count",
            1000,
            "Most pages per hour, over every client together, whose first share is "
            "counted (a page with shares outranks pages without when the store is full, "
            "see `SHAREPROXY_STORE_MAX_PAGES`): many client networks can push at most this "
            "many stored pages out in an hour. Shares of pages that have shares are not "
            "limited by it; a first share past it still goes to the network, uncounted. "
            "0: no limit.",
            _int(0, 100_000_000),
        ),
        Setting(
            "TRUSTED_PROXIES",
            "count",
            0,
            "How many reverse proxies (nginx, a load "
            "balancer) stand in front and set `X-Forwarded-For`, `-Proto`, `-Host` and "
            "`-Port`; their values are believed that many hops deep. 0: the headers are "
            "ignored and the socket's address is the client.",
            _int(0, 10),
        ),
        Setting(
            "FEDIVERSE_RESOLVE",
            "list",
            (),
            "Fediverse hosts fetched at another address, like curl's `--resolve`: "
            "`social.example=http://127.0.0.1:8081,misskey.example=http://127.0.0.1:8082`. "
            "The operator vouches for these bases, so they skip the address guard (for tests "
            "and private deployments); share links still go to `https://<host>/…`. Every "
            "other host gets the full guard.",
            _resolve_map,
        ),
    ]


def _embed_settings() -> list[Setting]:
    out = [
        Setting(
            "EMBED_PROVIDERS",
            "list",
            tuple(PROVIDERS),
            "Providers whose content `/embed` shows (the others answer 400): "
            f"{', '.join(PROVIDERS)}.",
            _providers,
        ),
        Setting(
            "EMBED_DEADLINE",
            "seconds",
            3.0,
            "The most an embed placeholder waits for a provider it has no preview of; "
            "after it, a link to the content is shown and the preview is fetched on.",
            _float(0.05, 30),
        ),
        Setting(
            "EMBED_CACHE_BYTES",
            "bytes",
            256 * 1_048_576,
            "Most bytes of embed previews and pictures kept in the store (those closest "
            "to expiry go first).",
            _int(1_048_576, 64 * 1024 * 1_048_576),
        ),
        Setting(
            "EMBED_IMAGE_MAX_BYTES",
            "bytes",
            4 * 1_048_576,
            "Largest picture (poster, avatar, thumbnail) downloaded for an embed.",
            _int(64 * 1024, 64 * 1_048_576),
        ),
    ]
    for provider in PROVIDERS.values():
        upper = provider.name.upper()
        out.append(
            Setting(
                f"EMBED_TTL_{upper}",
                "seconds",
                provider.ttl,
                f"How long a {provider.label} preview is fresh (floor {provider.ttl_floor}).",
                _int(provider.ttl_floor, TTL_CEILING),
            )
        )
        if provider.api_base is not None and provider.name not in COUNT_NETWORKS:
            out.append(
                Setting(
                    f"API_BASE_{upper}",
                    "url",
                    "",
                    f"Replaces scheme, host and port of every {provider.label} host "
                    f"embeds use (default {', '.join(provider.hosts)}).",
                    _base_url,
                )
            )
    return out


def _credential_settings() -> list[Setting]:
    """What the networks' count APIs read, as each network module declares it."""
    return [
        Setting(o.name, "text", o.default, o.help, _text, secret=o.secret)
        for net in COUNT_NETWORKS.values()
        if net.count is not None
        for o in net.count.options
    ]


def _network_settings() -> list[Setting]:
    out: list[Setting] = []
    for net in COUNT_NETWORKS.values():
        assert net.count is not None
        upper = net.name.upper()
        shared = PROVIDERS.get(net.name)
        also = (
            f" Also every host {shared.label} embeds use ({', '.join(shared.hosts)})."
            if shared is not None and shared.api_base is not None
            else ""
        )
        out.append(
            Setting(
                f"CACHE_TTL_{upper}",
                "seconds",
                None,
                f"Cache lifetime of {net.label} counts (default: CACHE_TTL; floor "
                f"{net.count.ttl_floor}).",
                _int(1, TTL_CEILING),
            )
        )
        out.append(
            Setting(
                f"UPSTREAM_BUDGET_{upper}",
                "calls/minute",
                None,
                f"Most calls per minute to the {net.label} count API (default: "
                "UPSTREAM_BUDGET; 0: no budget).",
                _int(0, 1_000_000),
            )
        )
        out.append(
            Setting(
                f"API_BASE_{upper}",
                "url",
                "",
                f"Replaces scheme, host and port of the {net.label} API endpoints "
                f"(default {net.count.api_base}).{also}",
                _base_url,
            )
        )
    return out


def _all_settings() -> list[Setting]:
    base = _base_settings()
    at = [s.name for s in base].index("LOG_LEVEL")  # credentials before the log level
    return base[:at] + _credential_settings() + base[at:] + _network_settings() + _embed_settings()


SETTINGS: tuple[Setting, ...] = tuple(_all_settings())
BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


class Settings:
    """Validated values, read as attributes in lower case: ``settings.cache_ttl``."""

    def __init__(self, values: Mapping[str, Any], sources: Mapping[str, str]):
        self._values = dict(values)
        self.sources = dict(sources)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name.upper()]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, name: str) -> Any:
        return self._values[name.upper()]

    def is_set(self, name: str) -> bool:
        return bool(self._values.get(name.upper()))

    def api_base(self, network: str) -> str:
        return str(self._values.get(f"API_BASE_{network.upper()}") or "")

    def ttl_for(self, network: str) -> int:
        """The configured lifetime of a network's counts, never below its floor."""
        own = self._values.get(f"CACHE_TTL_{network.upper()}")
        return clamp_ttl(network, int(own if own is not None else self._values["CACHE_TTL"]))

    def budget_for(self, network: str) -> int:
        """Calls per minute ``network`` may get (0: no budget)."""
        own = self._values.get(f"UPSTREAM_BUDGET_{network.upper()}")
        return int(own if own is not None else self._values["UPSTREAM_BUDGET"])

    def embed_ttl(self, provider: str) -> int:
        """How long a provider's previews are fresh (its setting, never below its floor)."""
        found = PROVIDERS[provider]
        seconds = int(self._values.get(f"EMBED_TTL_{provider.upper()}") or found.ttl)
        return max(seconds, found.ttl_floor)

    def as_dict(self, *, hide_secrets: bool = True) -> dict[str, Any]:
        out = {}
        for s in SETTINGS:
            value = self._values.get(s.name)
            out[s.name] = "********" if (s.secret and value and hide_secrets) else value
        return out


def counts_off(settings: Settings) -> dict[str, str]:
    """Networks whose counts are off for lack of a setting, with the reason:
    ``{"facebook": "no SHAREPROXY_FACEBOOK_APP_ID"}`` (the first setting missing)."""
    out: dict[str, str] = {}
    for name, net in COUNT_NETWORKS.items():
        assert net.count is not None
        missing = net.count.missing({n: str(settings.get(n) or "") for n in net.count.requires})
        if missing:
            out[name] = f"no {PREFIX}{missing[0]}"
    return out


def ttl_floor(network: str) -> int:
    net = COUNT_NETWORKS.get(network)
    if net is None or net.count is None:
        return TTL_FLOOR_DEFAULT
    return net.count.ttl_floor


def clamp_ttl(network: str, seconds: int) -> int:
    """``seconds`` brought between the network's floor and TTL_CEILING: the rule every
    lifetime of a network's counts obeys (an admin's change is refused outside it,
    shareproxy/admin_service.py)."""
    return min(max(seconds, ttl_floor(network)), TTL_CEILING)


def load(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Read and validate every setting; raise ConfigError naming the first bad one."""
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    sources: dict[str, str] = {}
    config_path = (overrides or {}).get("CONFIG") or env.get(PREFIX + "CONFIG", "")
    if config_path:
        for key, value in _read_toml(str(config_path)).items():
            raw[key] = value
            sources[key] = "file"
    for key, value in env.items():
        if key.startswith(PREFIX):
            name = key[len(PREFIX) :]
            # TEST_* belong to the test suite, _* to shareproxy itself (not settings)
            if name not in BY_NAME and not name.startswith(("TEST_", "_")):
                raise ConfigError(f"{key}: unknown setting (see the configuration reference)")
            if name in BY_NAME:
                raw[name] = value
                sources[name] = "environment"
    for key, value in (overrides or {}).items():
        name = key.upper().removeprefix(PREFIX)
        if name not in BY_NAME:
            raise ConfigError(f"{PREFIX}{name}: unknown setting")
        raw[name] = value
        sources[name] = "override"

    values: dict[str, Any] = {}
    for s in SETTINGS:
        if s.name in raw:
            try:
                values[s.name] = s.parse(raw[s.name])
            except ValueError as exc:
                raise ConfigError(f"{s.env}: {exc}") from None
        else:
            values[s.name] = s.default
    return Settings(values, sources)


def _read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{PREFIX}CONFIG: cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{PREFIX}CONFIG: {path} is not valid TOML: {exc}") from None
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = key.upper().removeprefix(PREFIX)
        if name not in BY_NAME:
            raise ConfigError(f"{PREFIX}CONFIG: {path}: unknown setting {key!r}")
        out[name] = value
    return out


def reference_markdown() -> str:
    """The configuration reference as a Markdown table (README section)."""
    lines = [
        "| Environment variable | Type | Default | Meaning |",
        "|---|---|---|---|",
    ]
    for s in SETTINGS:
        default = s.default
        if isinstance(default, tuple):
            default = ",".join(default)
        shown = f"`{default}`" if default not in ("", None) else "(none)"
        lines.append(f"| `{s.env}` | {s.type} | {shown} | {s.help} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - documentation helper
    sys.stdout.write(reference_markdown())
