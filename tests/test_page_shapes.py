"""Pages of buttons filled into the cut page of their shape (shareproxy/pageshape.py, the
buttons face) are byte-identical to the page rendered in full from the template, in every
shape of tests/page_cases.py, whichever page of a shape was rendered first; and the
parameters read from the memo of their shape (views/params.options) are those read in
full."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_plus, urlencode

import page_cases
import pytest
from flask import request
from werkzeug.test import Client

from shareproxy import buttonrow, pageshape
from shareproxy.views import buttons, params


@pytest.fixture
def client() -> Iterator[Client]:
    buttons.ROWS.clear()
    buttons.PAGES.clear()
    params.SHAPES.clear()
    with page_cases.flask_client() as flask_only:
        yield flask_only


def in_full(monkeypatch: pytest.MonkeyPatch, client: Client) -> dict[str, dict[str, Any]]:
    """Every case rendered from the template, every parameter read in full."""
    with monkeypatch.context() as m:
        m.setattr(buttons, "shaped_page", lambda opts: buttons.full_page(opts))
        m.setattr(params, "options", lambda framed=True: params._read_options(request.args, framed))
        return page_cases.rendered(client)


def test_every_shape_filled_is_the_page_rendered_in_full(
    monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    expected = in_full(monkeypatch, client)
    fills = [0]
    fill = pageshape.Cut.fill

    def counted(self: pageshape.Cut, values: Any) -> str:
        fills[0] += 1
        return fill(self, values)

    monkeypatch.setattr(pageshape.Cut, "fill", counted)
    cases = page_cases.cases()
    for order in (cases, random.Random(7).sample(cases, len(cases))):
        for path, headers in order:
            key = f"{path} {page_cases.json.dumps(headers)}"
            assert page_cases.answer(client, path, headers) == expected[key], key
        buttons.PAGES.clear()  # the second time, other pages of each shape come first
        buttons.ROWS.clear()
        params.SHAPES.clear()
    cut = sum(1 for v in expected.values() if v["status"] == "200 OK")
    # each shape's first page is checked against its full rendering (one fill); the
    # others are filled alone: most pages must have been
    assert fills[0] > 1.3 * cut, (fills, cut)


def test_a_shape_whose_cut_page_differs_is_rendered_in_full(
    monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    path = page_cases.query(page_cases.FRESH, "one", None, "")
    other = page_cases.query(page_cases.ODD, "two", None, "")
    expected = [page_cases.answer(client, p, {}) for p in (path, other)]
    buttons.PAGES.clear()
    real = buttons.page_values

    def wrong(*args: Any) -> list[str]:
        values = real(*args)
        values[buttons.TITLE] = "not the title"
        return values

    monkeypatch.setattr(buttons, "page_values", wrong)
    assert [page_cases.answer(client, p, {}) for p in (path, other)] == expected
    assert False in [buttons.PAGES.get(k) for k in buttons.PAGES._kept.keys()]


def test_a_mark_in_a_value_of_the_page_is_no_slot() -> None:
    text = f"a{pageshape.mark(0)}b{pageshape.mark(1)}c"
    cut = pageshape.cut(text, 2)
    assert cut is not None and cut.fill(["<x>", "&"]) == "a<x>b&c"
    assert pageshape.cut(text, 1) is None  # a slot the page does not have
    assert pageshape.cut(text + "\ue000", 2) is None  # a stray mark character


@pytest.mark.parametrize("seed", range(5))
def test_share_links_are_encoded_as_urlencode_encodes_them(seed: int) -> None:
    rnd = random.Random(seed)
    alphabet = "aZ09 &=?#%+/:;,\"'<>\u00fc\u20ac\U0001f600\u202e\t-_.~"

    def text() -> str:
        return "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 40)))

    for name in ("twitter", "pinterest", "mastodon", "facebook"):
        opts = params.Options(url="https://example.org/" + text(), title=rnd.choice(["", text()]))
        opts.media, opts.via = rnd.choice(["", text()]), rnd.choice(["", text()])
        net = buttonrow.NETWORKS[name]
        query = {"url": opts.url}
        if opts.title:
            query["title"] = opts.title
        for taken in net.takes:
            if getattr(opts, taken):
                query[taken] = getattr(opts, taken)
        if net.kind == "fediverse":
            query["lang"], query["theme"] = opts.lang, opts.theme
        assert buttonrow.share_path(net, opts) == f"/share/{name}?{urlencode(query)}"
        assert quote_plus(opts.url) in buttonrow.share_path(net, opts)
