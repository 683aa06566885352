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
from flask import Flask, request
from werkzeug.test import Client, EnvironBuilder

from shareproxy import buttonrow, compress, pageshape
from shareproxy.views import buttons, params


def forget() -> None:
    buttons.ROWS.clear()
    buttons.PAGES.clear()
    buttons.SEEN.clear()
    params.SHAPES.clear()


@pytest.fixture
def app() -> Iterator[Flask]:
    forget()
    with page_cases.served() as served:
        yield served


@pytest.fixture
def client(app: Flask) -> Client:
    """The Flask app alone (the page memo left out)."""
    return Client(app.extensions["shareproxy"].pagememo.app)


def in_full(
    monkeypatch: pytest.MonkeyPatch,
    client: Client,
    cases: list[tuple[str, dict[str, str]]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Every case rendered from the template, every parameter read in full."""
    with monkeypatch.context() as m:
        m.setattr(buttons, "shaped_page", lambda opts: (*buttons.full_page(opts), None))
        m.setattr(params, "options", lambda framed=True: params._read_options(request.args, framed))
        return page_cases.rendered(client, cases)


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
        forget()  # the second time, other pages of each shape come first
    cut = sum(1 for v in expected.values() if v["status"] == "200 OK")
    # options asked once are rendered in full; a shape's page cut is checked against its
    # full rendering (one fill); the others are filled alone: many pages must have been
    # (of the 2 x 821 pages with buttons)
    assert fills[0] > 0.6 * cut, (fills, cut)


def test_pages_answered_without_flask_are_flasks_answers(
    monkeypatch: pytest.MonkeyPatch, app: Flask, client: Client
) -> None:
    """The whole app (the page memo, and its shortcut for other pages of a shape Flask
    rendered) against Flask alone: status, headers and body, for every case and
    encoding, and every case again (sent from the memo)."""
    cases = page_cases.cases()
    # the cases as they are and another page of each one's shape, then all in the
    # encoding most browsers ask (the shortcut answers other pages of a shape in an
    # encoding Flask answered)
    cases += [(page_cases.sibling(p), h) for p, h in cases]
    brotli = [(p, {**h, "Accept-Encoding": "gzip, deflate, br"}) for p, h in cases]
    brotli = random.Random(8).sample(brotli, 800)
    expected = in_full(monkeypatch, client, cases + brotli)
    memo = app.extensions["shareproxy"].pagememo
    whole = Client(app)
    shortcut, answered = memo._shortcut, [0]

    def counted(*args: Any) -> Any:
        found = shortcut(*args)
        answered[0] += found is not None
        return found

    monkeypatch.setattr(memo, "_shortcut", counted)
    for order in (cases, brotli):
        for path, headers in order:
            key = f"{path} {page_cases.json.dumps(headers)}"
            assert page_cases.answer(whole, path, headers) == expected[key], key
        memo.clear()
        forget()
    # the first page of each shape and encoding goes to Flask; many others must not have
    assert answered[0] > 150, answered


def test_the_shortcut_leaves_to_flask_what_it_has_not_seen(app: Flask, client: Client) -> None:
    memo = app.extensions["shareproxy"].pagememo
    whole = Client(app)
    first = page_cases.query(page_cases.FRESH, "one", None, "&theme=dark")
    again = page_cases.query(page_cases.FRESH, "one again", None, "&theme=dark")
    other = page_cases.query(page_cases.ODD, "two", None, "&theme=dark")
    for headers in ({}, {"Accept-Encoding": "gzip"}):
        env = EnvironBuilder(path=other, headers=headers).get_environ()
        assert memo._shortcut(env, env["QUERY_STRING"], "", ()) is None, "shape unknown"
        # options asked once are only rendered; asked again, their page is cut
        for path in (first, again):
            answer = page_cases.answer(whole, path, headers)
            assert answer == page_cases.answer(client, path, headers)
        env = EnvironBuilder(path=other, headers=headers).get_environ()
        encodings = compress.accepted(headers.get("Accept-Encoding", ""))
        found = memo._shortcut(env, env["QUERY_STRING"], "", encodings)
        assert found is not None, "another page of the shape Flask rendered"
        plain = client.get(other, headers=headers)
        assert found == (plain.status, list(plain.headers.items()), plain.get_data())
    # a page refused, or with widgets activated: Flask's alone
    for path in (
        page_cases.query("https://evil.test/x", "two", None, "&theme=dark"),
        page_cases.query(page_cases.PAGE, "t", None, "&mode=twoclick&activate=facebook"),
    ):
        page_cases.answer(whole, path, {})
        page_cases.answer(whole, path.replace("t", "u", 1), {})
        env = EnvironBuilder(path=path.replace("t", "v", 1)).get_environ()
        assert memo._shortcut(env, env["QUERY_STRING"], "", ()) is None


def test_options_asked_once_are_rendered_once(monkeypatch: pytest.MonkeyPatch, app: Flask) -> None:
    renders = []
    real = buttons.render_page
    monkeypatch.setattr(buttons, "render_page", lambda *a: renders.append(1) or real(*a))
    whole = Client(app)
    for i in range(3):
        path = page_cases.query(
            page_cases.FRESH, "t", None, f"&info=https%3A%2F%2Fexample.org%2F{i}"
        )
        assert whole.get(path).status_code == 200
    assert len(renders) == 3, "one rendering each, no cut page"
    assert whole.get(path.replace("title=t", "title=u")).status_code == 200
    assert len(renders) == 5, "asked again: rendered in full, and with marks to be cut"
    assert whole.get(path.replace("title=t", "title=v")).status_code == 200
    assert len(renders) == 5, "the cut page filled"


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
