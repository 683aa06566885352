"""Visual references of the buttons: each theme × style × orientation in share mode, the
two-click row before and after the first click (the network's button shown, or its
script refused), right to left and on a 375 px phone.

Each case is rendered by Chromium and compared with its PNG in ``tests/browser/visual/``;
more than a small share of differing pixels fails the run (the failing rendering and a
picture of the difference are written next to the test's temporary files, named in the
message). To accept a change on purpose, regenerate the references and look at them:

    make visual-references      # UPDATE_VISUAL_REFERENCES=1 pytest this file

The renderings are kept deterministic: one font for every text (the DejaVu Sans the
badges already ship, Arabic included), no animation or transition, no caret, a fixed
window, counts seeded in the store, the networks' scripts played by the local fake.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from browser_support import Env

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
REFERENCES = HERE / "visual"
FONT = HERE.parent.parent / "static" / "fonts" / "DejaVuSans.ttf"
FONT_URL = "https://fonts.test/dejavu.ttf"
UPDATE = os.environ.get("UPDATE_VISUAL_REFERENCES", "") not in ("", "0")
PAGE = "https://site.test/articles/visual"
TITLE = "Visual check"
SHARE_ROW = "facebook,twitter,pinterest,mastodon,mail,info"
TWOCLICK_ROW = "facebook,twitter,linkedin,pinterest,mail,info"
# a device pixel differs when one channel differs by more than this; a case fails when
# more than this share of its pixels differ (anti-aliasing of one text across Chromium
# builds stays far below; a changed colour, border or layout far above)
PIXEL_TOLERANCE = 48
SHARE_TOLERANCE = 0.005
STYLE = (
    '@font-face{font-family:"SP Visual";src:url(%s)}'
    '*{font-family:"SP Visual"!important;caret-color:transparent!important}'
    "html{background:%s}"
)

# (name, query, window width, colour scheme, what happens first)
CASES: list[tuple[str, dict[str, str], int, str, str]] = []
for theme in ("color", "grey", "white", "dark"):
    scheme = "dark" if theme == "dark" else "light"
    for style in ("standard", "icon", "icon-count"):
        for orientation in ("horizontal", "vertical"):
            CASES.append((
                f"share-{theme}-{style}-{orientation}",
                {"theme": theme, "style": style, "orientation": orientation},
                640, scheme, "",
            ))  # fmt: skip
    for state in ("before", "ready"):
        CASES.append((
            f"twoclick-{theme}-{state}",
            {"theme": theme, "mode": "twoclick", "networks": TWOCLICK_ROW},
            640, scheme, state,
        ))  # fmt: skip
CASES += [
    ("twoclick-color-failed", {"mode": "twoclick", "networks": TWOCLICK_ROW}, 640, "light",
     "failed"),
    ("twoclick-dark-failed", {"theme": "dark", "mode": "twoclick", "networks": TWOCLICK_ROW},
     640, "dark", "failed"),
    ("twoclick-white-vertical-failed",
     {"theme": "white", "mode": "twoclick", "networks": TWOCLICK_ROW,
      "orientation": "vertical"}, 640, "light", "failed"),
    ("rtl-share-color", {"lang": "ar"}, 640, "light", ""),
    ("rtl-twoclick-before", {"lang": "ar", "mode": "twoclick", "networks": TWOCLICK_ROW},
     640, "light", "before"),
    ("rtl-twoclick-failed", {"lang": "ar", "mode": "twoclick", "networks": TWOCLICK_ROW},
     640, "light", "failed"),
    ("phone-twoclick-failed", {"lang": "de", "mode": "twoclick", "networks": TWOCLICK_ROW},
     375, "light", "failed"),
    ("phone-share-white", {"theme": "white", "networks": SHARE_ROW + ",whatsapp,telegram"},
     375, "light", ""),
]  # fmt: skip


def render(v: Any, env: Env, query: dict[str, str], state: str, dark: bool) -> bytes:
    params = {"url": PAGE, "title": TITLE, "networks": SHARE_ROW, "lang": "en", **query}
    v.context.route(FONT_URL, lambda route: route.fulfill(path=str(FONT)))
    if state == "failed":  # a content blocker refuses X's script
        v.context.route("https://platform.x.com/**", lambda route: route.abort("connectionrefused"))
    page = v.page
    page.goto(f"{env.share_origin}/buttons?{urlencode(params)}")
    page.add_style_tag(content=STYLE % (FONT_URL, "#1e1e1e" if dark else "#ffffff"))
    page.evaluate("document.fonts.ready")
    page.wait_for_function("document.fonts.check('14px \"SP Visual\"')")
    if state in ("ready", "failed"):
        page.locator('button[data-network="twitter"][data-twoclick]').click()
        page.wait_for_selector(f'.sp-widget[data-state="{state}"]', timeout=15_000)
        page.add_style_tag(content=STYLE % (FONT_URL, "#1e1e1e" if dark else "#ffffff"))
        page.wait_for_function("document.fonts.check('14px \"SP Visual\"')")
    page.wait_for_load_state("networkidle")
    page.mouse.move(0, 0)
    return bytes(page.screenshot(full_page=True, animations="disabled", caret="hide"))


def difference(actual: bytes, reference: Path, out: Path) -> str | None:
    """Why ``actual`` is not the reference (None when it is, within the tolerance)."""
    from PIL import Image, ImageChops

    got = Image.open(io.BytesIO(actual)).convert("RGB")
    want = Image.open(reference).convert("RGB")
    if got.size != want.size:
        got.save(out / f"{reference.stem}.actual.png")
        return f"size {got.size} instead of {want.size}"
    r, g, b = ImageChops.difference(got, want).split()
    worst = ImageChops.lighter(ImageChops.lighter(r, g), b)
    mask = worst.point(lambda p: 255 if p > PIXEL_TOLERANCE else 0)
    share = mask.histogram()[255] / (got.width * got.height)
    if share <= SHARE_TOLERANCE:
        return None
    got.save(out / f"{reference.stem}.actual.png")
    mask.save(out / f"{reference.stem}.diff.png")
    return f"{share:.2%} of the pixels differ (at most {SHARE_TOLERANCE:.2%})"


@pytest.mark.parametrize(
    ("name", "query", "width", "scheme", "state"), CASES, ids=[c[0] for c in CASES]
)
def test_the_buttons_look_as_recorded(
    visit: Any, env: Env, tmp_path: Path, name: str, query: dict[str, str], width: int,
    scheme: str, state: str,
) -> None:  # fmt: skip
    env.seed_count(PAGE, "pinterest", 1234)
    v = visit(
        viewport={"width": width, "height": 40}, color_scheme=scheme, bypass_csp=True,
        reduced_motion="reduce", device_scale_factor=1,
    )  # fmt: skip
    png = render(v, env, query, state, dark=query.get("theme") == "dark")
    reference = REFERENCES / f"{name}.png"
    if UPDATE:
        REFERENCES.mkdir(exist_ok=True)
        reference.write_bytes(png)
        return
    assert reference.exists(), f"no reference {reference}: make visual-references"
    why = difference(png, reference, tmp_path)
    assert why is None, f"{name}: {why}; this rendering and the difference are in {tmp_path}"


def test_the_comparison_sees_a_change(visit: Any, env: Env, tmp_path: Path) -> None:
    """The check can fail: a placeholder drawn with a solid border instead of a dashed
    one differs from its reference beyond the tolerance."""
    reference = REFERENCES / "twoclick-color-before.png"
    if UPDATE or not reference.exists():
        pytest.skip("references being written")
    env.seed_count(PAGE, "pinterest", 1234)
    v = visit(
        viewport={"width": 640, "height": 40}, bypass_csp=True, reduced_motion="reduce",
        device_scale_factor=1,
    )  # fmt: skip
    from shareproxy import assets

    css = assets.assets()["twoclick.css"].body.decode()
    css += ".sp-buttons li>.sp-tc{border-style:solid}"
    v.page.route("**/twoclick.css", lambda route: route.fulfill(body=css, content_type="text/css"))
    png = render(v, env, {"mode": "twoclick", "networks": TWOCLICK_ROW}, "before", dark=False)
    assert difference(png, reference, tmp_path) is not None
