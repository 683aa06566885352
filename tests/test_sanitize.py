"""Post HTML from other servers keeps its text and links and loses everything that runs."""

from __future__ import annotations

import pytest

from shareproxy import sanitize

REL = 'target="_blank" rel="nofollow noopener noreferrer"'

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><circle/></svg>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<style>@import "https://evil.example/x.css";</style>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<form action="https://evil.example"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<p onmouseover="alert(1)">hover</p>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    '<a href="https://ok.example" onclick="alert(1)" id="x" class="evil">ok</a>',
    "<<script>script>alert(1)<</script>/script>",
]
FORBIDDEN = ("<script", "onerror", "onload", "onclick", "onmouseover", "javascript:",
             "vbscript:", "data:", "<iframe", "<object", "<embed", "<svg", "<style", "<form",
             "<meta", "<base", "<link", "<img", "style=", "<math", "<template", 'id="x"',
             'class="evil"')  # fmt: skip


@pytest.mark.parametrize("markup", HOSTILE)
def test_hostile_markup_is_neutralised(markup: str):
    out = sanitize.post_html(markup).lower()
    for bad in FORBIDDEN:
        assert bad not in out, (bad, out)


def test_text_level_markup_and_links_survive():
    out = sanitize.post_html(
        "<p>Hi <strong>there</strong> <em>friend</em><br>"
        '<a href="https://example.org/a?b=1&amp;c=2" rel="me" target="_self">link</a></p>'
        "<ul><li>one</li></ul><blockquote>q</blockquote><pre><code>x = 1</code></pre>"
    )
    assert "<strong>there</strong>" in out and "<em>friend</em>" in out and "<br>" in out
    assert f'<a href="https://example.org/a?b=1&amp;c=2" {REL}>link</a>' in out
    assert "<ul><li>one</li></ul>" in out and "<blockquote>q</blockquote>" in out
    assert "<pre><code>x = 1</code></pre>" in out


@pytest.mark.parametrize(
    "href", ["/tags/x", "//evil.example/x", "#top", "mailto:a@b.example", "https://u:p@h.example/"]
)
def test_links_must_be_absolute_http(href: str):
    out = sanitize.post_html(f'<a href="{href}">x</a>')
    assert "href" not in out and ">x</a>" in out


def test_only_mastodons_link_shortening_classes_are_kept():
    out = sanitize.post_html('<span class="invisible evil">https://</span><span class="x">y</span>')
    assert out.startswith('<span class="invisible">https://</span>')
    assert "evil" not in out and '"x"' not in out


def test_non_strings_and_huge_input():
    assert sanitize.post_html(None) == ""  # type: ignore[arg-type]
    big = "<p>" + "a" * 300_000 + "</p>"
    assert len(sanitize.post_html(big)) <= sanitize.MAX_INPUT + 10


def test_plain_text_becomes_escaped_html_with_links():
    text = "1 < 2 & <b>not bold</b>\nline two\n\nnew paragraph https://example.org"
    start = text.index("https://")
    out = sanitize.text_html(text, [(start, len(text), "https://example.org")])
    assert out.startswith("<p>1 &lt; 2 &amp; &lt;b&gt;not bold&lt;/b&gt;<br>line two</p>")
    assert (
        f'<p>new paragraph <a href="https://example.org" {REL}>https://example.org</a></p>' in out
    )


def test_overlapping_or_outside_ranges_are_skipped():
    text = "abcdef"
    out = sanitize.text_html(
        text,
        [(0, 3, "https://a.example"), (2, 4, "https://b.example"), (5, 99, "https://c.example")],
    )
    assert out.count("<a ") == 1 and "b.example" not in out and "c.example" not in out


def test_hostile_href_in_plain_text_links_is_dropped():
    out = sanitize.text_html("click", [(0, 5, "javascript:alert(1)")])
    assert "javascript" not in out and "click" in out


def test_plain_text_of_markup():
    assert sanitize.plain_text("<p>a &amp; b</p><p>c<br>d</p>") == "a & b c d"
