"""Languages: negotiation, and catalogs complete for every language."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from babel.messages import pofile
from buttons_support import PAGE, get

from shareproxy import i18n

POT = os.path.join(i18n.TRANSLATIONS, "messages.pot")


def html_lang(resp: Any) -> str:
    match = re.search(r'<html lang="([a-z]+)"', resp.get_data(as_text=True))
    assert match, resp.get_data(as_text=True)[:200]
    return match.group(1)


@pytest.mark.parametrize(
    "lang, accept, expected",
    [
        ("de", "fr", "de"),  # the parameter wins
        ("pt-BR", None, "pt"),
        ("ZH", None, "zh"),
        (None, "fr-CH, fr;q=0.9, en;q=0.8", "fr"),
        (None, "xx, de-AT;q=0.5", "de"),
        (None, "nb-NO", "no"),
        (None, "da;q=0, sv;q=0.5", "sv"),
        (None, "xx-YY", "en"),
        (None, None, "en"),
        (None, "*", "en"),
    ],
)
def test_language_negotiation(
    client: Any, lang: str | None, accept: str | None, expected: str
) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    params = {"url": PAGE, **({"lang": lang} if lang else {})}
    resp = client.get("/buttons", query_string=params, headers=headers)
    assert resp.status_code == 200
    assert html_lang(resp) == expected
    assert ("Accept-Language" in resp.headers.get("Vary", "")) == (lang is None)


def test_the_page_speaks_the_language(client: Any) -> None:
    html = get(client, "/buttons", url=PAGE, networks="twitter,copy", lang="de").get_data(
        as_text=True
    )
    assert (
        '<span class="sp-vh">Bei </span><span class="sp-label">X</span>'
        '<span class="sp-vh"> teilen</span>'
    ) in html
    assert "Link kopieren" in html


def test_there_are_28_languages_three_of_them_right_to_left() -> None:
    assert len(i18n.LANGUAGES) == len(set(i18n.LANGUAGES)) == 28
    assert i18n.RTL == {"ar", "he", "fa"}


def template_ids() -> list[str]:
    with open(POT, "rb") as fh:
        return [m.id for m in pofile.read_po(fh) if m.id]


def test_the_template_lists_every_string_of_the_code() -> None:
    """The .pot is current: every gettext string in the sources is in it (make messages)."""
    from babel.messages.extract import extract_from_dir

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    # the same places `make messages` extracts from (babel.cfg)
    with open(os.path.join(root, "babel.cfg"), encoding="utf-8") as fh:
        sections = [line.strip()[1:-1] for line in fh if line.strip().startswith("[")]
    method_map = [(pattern.strip(), method.strip()) for method, _, pattern in
                  (section.partition(":") for section in sections)]  # fmt: skip
    assert ("templates/embed/**.html", "jinja2") in method_map
    assert ("templates/pages/**.html", "jinja2") in method_map
    found = {
        msg[2] for msg in extract_from_dir(root, method_map) if isinstance(msg[2], str) and msg[2]
    }
    assert found == set(template_ids())


@pytest.mark.parametrize("lang", [lang for lang in i18n.LANGUAGES if lang != "en"])
def test_every_language_translates_every_string(lang: str) -> None:
    path = os.path.join(i18n.TRANSLATIONS, lang, "LC_MESSAGES", "messages.po")
    with open(path, "rb") as fh:
        catalog = pofile.read_po(fh, locale=lang)
    ids = template_ids()
    for msgid in ids:
        message = catalog.get(msgid)
        assert message is not None and message.string, f"{lang}: {msgid!r} untranslated"
        assert not message.fuzzy, f"{lang}: {msgid!r} is fuzzy"
        placeholders = sorted(re.findall(r"%\(\w+\)s", msgid))
        assert sorted(re.findall(r"%\(\w+\)s", str(message.string))) == placeholders
        assert message.string != msgid or msgid in ("Info", "E-Mail") or len(msgid) < 6
    # and the compiled catalog answers with it
    t = i18n.translator(lang).gettext
    assert t("Share on %(network)s") != "Share on %(network)s"
