"""The network modules are the only source of facts about a network, and each network has
every piece it needs: a test below names the piece a new network lacks."""

from __future__ import annotations

import os
import pkgutil
import re
from pathlib import Path

import pytest

import shareproxy.networks as registry
from shareproxy import icons
from shareproxy.fetch import credentials
from shareproxy.networks import COUNT_NETWORKS, NETWORKS
from shareproxy.networks.base import STATUSES, Page
from shareproxy.networks.reference import reference_markdown
from shareproxy.settings import BY_NAME, load

README = Path(__file__).resolve().parent.parent / "README.md"
SOURCE = Path(registry.__file__).resolve().parent
NOT_NETWORKS = {"base", "reference", "__main__"}


def test_every_network_module_is_registered() -> None:
    modules = {m.name for m in pkgutil.iter_modules([str(SOURCE)])} - NOT_NETWORKS
    registered = {m.__name__.rsplit(".", 1)[1] for m in registry._MODULES}
    assert not modules - registered, (
        f"add {sorted(modules - registered)} to _MODULES in shareproxy/networks/__init__.py"
    )
    for module in registry._MODULES:
        name = module.__name__.rsplit(".", 1)[1]
        assert module.NETWORK.name == name, f"networks/{name}.py declares {module.NETWORK.name}"


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_a_network_declares_its_face(name: str) -> None:
    net = NETWORKS[name]
    assert net.label.strip(), f"{name}: no label"
    assert re.fullmatch(r"#[0-9a-f]{6}", net.color), f"{name}: color must be #rrggbb"
    assert net.icon, f"{name}: no ICON in shareproxy/networks/{name}.py"
    assert icons.path(name) == net.icon  # the one drawing function reads the registry
    assert net.share_url is not None or net.kind == "action", f"{name}: no share_url"
    if net.share_url is None:
        assert net.note, f"{name}: an action says what it does in `note` (README table)"
    assert set(net.takes) <= {"media", "via"}, f"{name}: a share takes only media or via"
    assert ("media" in net.takes) == ("{media}" in (net.share_url or "")), (
        f"{name}: `media` in `takes` and {{media}} in share_url go together"
    )


@pytest.mark.parametrize("name", sorted(COUNT_NETWORKS))
def test_a_counted_network_declares_its_api(name: str) -> None:
    from fakes import CREDENTIALS, PATH_OF

    api = COUNT_NETWORKS[name].count
    assert api is not None
    assert api.status in STATUSES, f"{name}: status must be one of {STATUSES}"
    assert api.api_base.startswith("https://"), f"{name}: api_base"
    assert name in PATH_OF, f"{name}: no fake answer in tests/fakes.py (COUNT_PATHS)"
    assert f"API_BASE_{name.upper()}" in BY_NAME and f"CACHE_TTL_{name.upper()}" in BY_NAME
    for option in api.options:
        assert option.name in BY_NAME, f"{name}: {option.name} is not a setting"
        assert option.help, f"{name}: {option.name} has no help text"
        if option.required:
            assert option.name in CREDENTIALS, (
                f"{name}: no test value for {option.name} in tests/fakes.py CREDENTIALS"
            )


def test_settings_and_the_fetcher_read_what_the_networks_declare() -> None:
    declared = {o.name for net in COUNT_NETWORKS.values() if net.count for o in net.count.options}
    assert declared == set(credentials(load(environ={})))
    secrets = {
        o.name
        for net in COUNT_NETWORKS.values()
        if net.count
        for o in net.count.options
        if o.secret
    }
    assert secrets == {n for n in declared if BY_NAME[n].secret}


@pytest.mark.parametrize("name", sorted(n for n, net in NETWORKS.items() if net.widget))
def test_a_widget_network_renders_its_widget(name: str) -> None:
    net = NETWORKS[name]
    assert net.widget is not None
    assert net.widget.name, f"{name}: the widget has no name (README table)"
    html = net.widget_html(Page("https://example.org/a?b=1&c=<2>", 'T "1" <b>', "de"))
    assert "<b>" not in html and '"1"' not in html, f"{name}: the widget escapes nothing"
    for src in re.findall(r'<script src="([^"]+)"', html):
        origin = "/".join(src.split("/")[:3])
        assert origin in net.widget.origins, f"{name}: {origin} is not in the widget's origins"


def test_the_graph_api_version_is_written_once() -> None:
    from shareproxy.networks.facebook import GRAPH_VERSION

    sources = [
        p for p in SOURCE.parent.rglob("*.py") if GRAPH_VERSION in p.read_text(encoding="utf-8")
    ]
    assert [os.path.relpath(p, SOURCE.parent) for p in sources] == ["networks/facebook.py"]


def test_readme_networks_table_is_generated_from_the_registry() -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- networks:start -->\n(.*)<!-- networks:end -->", text, re.S)
    assert match, "README lacks the networks markers"
    assert match.group(1) == reference_markdown(), (
        "README's Networks table is out of date: run `python -m shareproxy.networks` and "
        "paste it between the markers"
    )
