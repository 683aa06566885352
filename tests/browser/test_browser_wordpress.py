"""A WordPress page with the Shariff Wrapper plugin's markup gets its counts from
shareproxy in a real Chromium.

The page carries what the plugin renders with "Request external API directly" on
(``div.shariff`` with ``data-url``, ``data-services``, ``data-timestamp`` and
``data-backendurl``, ``span.shariff-count[data-service]``, the headline's ``.shariff-total``
and the total-only shortcode's ``.shariff-totalnumber``) and a small script of ours that
sends the plugin's request as its script builds it and fills the counts in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from browser_support import SHARE_HOST, Env, foreign, page_html
from markupsafe import escape

pytestmark = pytest.mark.browser

POST = "http://site.test/2026/11/wordpress-post/"
# a page whose theme writes data-url unencoded, with a query of its own
RAW_POST = "http://site.test/?p=7&lang=de"
TIMESTAMP = "1764000000"

# Our script: for each page URL on the page, one request built as the plugin's script
# builds it (containers of one URL merged, their services joined by "|"), then every
# container of that URL filled in.
COUNTS_JS = """
(function () {
  "use strict";
  var asks = {}, order = [];
  Array.prototype.forEach.call(document.getElementsByClassName("shariff"), function (box) {
    var url = box.dataset.url, services = box.dataset.services;
    var api = box.dataset.backendurl;
    if (api === undefined) api = "/wp-json/shariff/v1/share_counts?";
    if (services === undefined) return;
    if (asks[url]) {
      services = asks[url].services + "|" + services;
      services = services.split("|").filter(function (name, at, all) {
        return all.indexOf(name) === at;
      }).join("|");
    } else {
      order.push(url);
    }
    var request = api + "url=" + url + "&services=" + services;
    asks[url] = {services: services, request: request + "&timestamp=" + box.dataset.timestamp};
  });
  order.forEach(function (url) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", asks[url].request, true);
    xhr.onload = function () {
      if (xhr.status < 200 || xhr.status >= 400) return;
      fill(url, JSON.parse(xhr.responseText));
    };
    xhr.send();
  });
  function fill(url, data) {
    Array.prototype.forEach.call(document.getElementsByClassName("shariff"), function (box) {
      if (box.dataset.url !== url || data === null) return;
      var totals = box.querySelectorAll(".shariff-total, .shariff-totalnumber");
      Array.prototype.forEach.call(totals, function (el) {
        if (data.total !== undefined) el.textContent = data.total;
      });
      Array.prototype.forEach.call(box.getElementsByClassName("shariff-count"), function (el) {
        var n = data[el.dataset.service];
        if (n === undefined) return;
        if (box.dataset.hidezero === "1" && !(n > 0)) return;
        el.textContent = n;
        el.style.opacity = 1;
      });
    });
  }
})();
"""

CSS = """
body { font: 16px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
.ShariffHeadline { font-weight: 600; margin: 1rem 0 .5rem; }
.shariff-buttons { display: flex; gap: .5rem; padding: 0; list-style: none; flex-wrap: wrap; }
.shariff-button a { display: inline-flex; gap: .4rem; align-items: center; color: #fff;
  padding: .35rem .8rem; border-radius: 4px; text-decoration: none; }
.shariff-count { opacity: 0; font-weight: 700; background: rgba(255,255,255,.25);
  padding: 0 .4rem; border-radius: 3px; }
.facebook a { background: #3b5998; } .pinterest a { background: #cb2027; }
.vk a { background: #527498; } .buffer a { background: #333; }
.mailto a { background: #999; } .twitter a { background: #000; }
"""

BUTTONS = {
    "facebook": "https://www.facebook.com/sharer/sharer.php?u=",
    "pinterest": "https://www.pinterest.com/pin/create/link/?url=",
    "vk": "https://vk.com/share.php?url=",
    "buffer": "https://buffer.com/add?url=",
    "twitter": "https://x.com/intent/tweet?url=",
    "mailto": "mailto:?body=",
}


def rawurlencode(text: str) -> str:
    """PHP's rawurlencode(), as the plugin writes data-url and data-services."""
    return quote(text, safe="-_.~")


def shariff_div(data_url: str, services: list[str], counted: list[str], api: str) -> str:
    """The markup of one ``[shariff]`` block as the plugin renders it: every button, a
    count span on the buttons with a share count, and the counted ones in data-services
    (percent-encoded, as the plugin writes them)."""
    items = []
    for name in services:
        count = (
            f'<span data-service="{name}" class="shariff-count shariff-hidezero"></span>'
            if name in counted
            else ""
        )
        href = escape(BUTTONS[name] + rawurlencode(POST))
        items.append(
            f'<li class="shariff-button {name}"><a href="{href}" title="Share on {name}" '
            f'rel="noopener nofollow" class="shariff-link" target="_blank">'
            f'<span class="shariff-text">share</span>{count}</a></li>'
        )
    return (
        f'<div class="shariff" data-services="{escape(rawurlencode("|".join(counted)))}" '
        f'data-url="{escape(data_url)}" data-timestamp="{TIMESTAMP}" '
        f'data-backendurl="{escape(api)}">'
        '<div class="ShariffHeadline">Shared <span class="shariff-total">0</span> times</div>'
        '<ul class="shariff-buttons theme-default orientation-horizontal buttonsize-medium">'
        + "".join(items)
        + "</ul></div>"
    )


def wordpress_page(env: Env) -> str:
    api = f"{env.share_origin}/api/counts?"
    total_only = (
        f'<p>This post: <span class="shariff" data-services="totalnumber" '
        f'data-url="{escape(rawurlencode(POST))}" data-backendurl="{escape(api)}">'
        '<span class="shariff-totalnumber">0</span></span> shares</p>'
    )
    # a theme that writes the page URL as it is, not encoded
    raw = shariff_div(RAW_POST, ["pinterest", "vk", "mailto"], ["pinterest", "vk"], api)
    raw = raw.replace(rawurlencode("pinterest|vk"), "pinterest|vk")
    body = (
        shariff_div(
            rawurlencode(POST),
            ["facebook", "twitter", "pinterest", "vk", "buffer", "mailto"],
            ["facebook", "pinterest", "vk", "buffer"],
            api,
        )
        + total_only
        + "<h2>Another post</h2>"
        + raw
        + f"<script>{COUNTS_JS}</script>"
    )
    return env.site.put("/2026/11/wordpress-post/", page_html(body, head=f"<style>{CSS}</style>"))


def test_the_plugins_markup_shows_shareproxys_counts(visit: Any, env: Env, tmp_path: Path) -> None:
    assert env.upstream is not None
    env.upstream.counts[POST] = 12  # pinterest, asked by shareproxy's server
    env.upstream.counts[RAW_POST] = 2
    env.seed_count(POST, "vk", 5)
    env.seed_count(POST, "buffer", 8)
    env.seed_count(RAW_POST, "vk", 1)
    # facebook has no credentials here: first-party shares fill it in
    # (SHAREPROXY_CLICK_COUNTS=fill)
    client = env.app.test_client()
    # three readers on three client networks (shares count once per network and page)
    for reader in ("198.51.100.7", "203.0.113.9", "192.0.2.44"):
        shared = client.get(
            f"/share/facebook?url={rawurlencode(POST)}", environ_base={"REMOTE_ADDR": reader}
        )
        assert shared.status_code == 302

    v = visit()
    v.page.goto(wordpress_page(env))
    first = v.page.locator(".shariff").first
    first.locator('.shariff-count[data-service="buffer"]').filter(has_text="8").wait_for()
    counts = {
        name: first.locator(f'.shariff-count[data-service="{name}"]').inner_text()
        for name in ("facebook", "pinterest", "vk", "buffer")
    }
    assert counts == {"facebook": "3", "pinterest": "12", "vk": "5", "buffer": "8"}
    assert first.locator(".shariff-total").inner_text() == "28"
    assert v.page.locator(".shariff-totalnumber").inner_text() == "28"
    second = v.page.locator(".shariff").nth(2)
    second.locator('.shariff-count[data-service="vk"]').filter(has_text="1").wait_for()
    assert second.locator('.shariff-count[data-service="pinterest"]').inner_text() == "2"
    assert second.locator(".shariff-total").inner_text() == "3"
    v.page.wait_for_load_state("networkidle")
    v.page.screenshot(path=str(tmp_path / "wordpress.png"), full_page=True)

    # The requests are the plugin's, one per page URL: the same page's block and its
    # total-only shortcode merged into one (the shortcode has no timestamp).
    asked = [u for u in v.log.since() if urlsplit(u).hostname == SHARE_HOST]
    api = f"{env.share_origin}/api/counts?"
    assert asked == [
        api
        + f"url={rawurlencode(POST)}&services=facebook%7Cpinterest%7Cvk%7Cbuffer|totalnumber"
        + "&timestamp=undefined",
        api + f"url={RAW_POST}&services=pinterest|vk&timestamp={TIMESTAMP}",
    ]
    # nothing but the site and shareproxy was asked; each network once by the server
    assert foreign(v.log.hosts()) == set(), v.log.since()
    assert env.upstream.asked.count(POST) == 1
    assert env.upstream.asked.count(RAW_POST) == 1
    assert v.errors == []
