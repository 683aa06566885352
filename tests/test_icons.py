"""Every registered network has an icon whose path parses and draws."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from shareproxy import icons
from shareproxy.networks import NETWORKS


def test_every_network_has_an_icon() -> None:
    missing = [name for name, net in NETWORKS.items() if not net.icon]
    assert not missing, f"no ICON in shareproxy/networks/<name>.py for {missing}"


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_path_parses_with_allowed_commands_only(name: str) -> None:
    d = icons.path(name)
    commands = icons.parse(d)
    assert commands[0][0] in "Mm"
    assert {c.upper() for c, _ in commands} <= icons.ALLOWED_COMMANDS
    assert len(d) <= 700, "keep icons small: the buttons iframe has a byte budget"
    polys = icons.polygons(d)
    assert polys
    for poly in polys:
        for x, y in poly:  # drawn inside the 24×24 box (a hair of slack for curves)
            assert -0.5 <= x <= 24.5 and -0.5 <= y <= 24.5, (name, x, y)


@pytest.mark.parametrize("bad", ["M0 0S1 1 2 2", "M0 0L1", "L1 1", "M0 0;", "M0 0 T1 1", "M0 0Z1"])
def test_parser_rejects_what_we_do_not_draw(bad: str) -> None:
    with pytest.raises(icons.PathError):
        icons.parse(bad)


def test_parser_expands_implicit_commands() -> None:
    assert icons.parse("M0 0 1 1 2 2l1-1z") == [
        ("M", [0.0, 0.0]),
        ("L", [1.0, 1.0]),
        ("L", [2.0, 2.0]),
        ("l", [1.0, -1.0]),
        ("z", []),
    ]


def test_arc_flattens_to_a_circle() -> None:
    (poly,) = icons.polygons("M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20z")
    for x, y in poly:
        assert abs(((x - 12) ** 2 + (y - 12) ** 2) ** 0.5 - 10) < 1e-6


def test_svg_element_is_decorative_and_well_formed() -> None:
    el = ET.fromstring(str(icons.svg("facebook", size=20)))
    assert el.get("aria-hidden") == "true" and el.get("focusable") == "false"
    assert el.get("width") == "20" and el.get("viewBox") == icons.VIEWBOX
    (p,) = list(el)
    assert p.get("d") == icons.path("facebook")
    # the even-odd rule on the path itself: holes hold without any stylesheet
    assert p.get("fill-rule") == "evenodd"
    assert el.get("fill") == "currentColor" and el.get("class") == "sp-icon"


def test_svg_placed_inside_another_svg() -> None:
    el = ET.fromstring(str(icons.svg("mail", 14, None, x=7, y=5.5, fill="#fff")))
    assert (el.get("x"), el.get("y"), el.get("width"), el.get("fill")) == ("7", "5.5", "14", "#fff")
    assert el.get("class") is None
    assert list(el)[0].get("fill-rule") == "evenodd"


def test_every_page_draws_icons_through_svg(client: Any) -> None:
    """No template or view writes its own network icon: every network path in a page
    sits in an element made by icons.svg (the even-odd rule on the path)."""
    import re

    query = "url=https://example.org/&networks=" + ",".join(NETWORKS)
    for url in (f"/buttons?{query}", f"/snippet?{query}", "/", "/badge/pinterest.svg"):
        body = client.get(url).text
        paths = re.findall(r"<path[^>]*>", body)
        drawn = [p for p in paths if any(f'd="{n.icon}"' in p for n in NETWORKS.values())]
        assert drawn, url
        assert all('fill-rule="evenodd"' in p for p in drawn), (url, drawn)


def test_unknown_icon_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        icons.path("myspace")
