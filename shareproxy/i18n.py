"""Languages of the buttons: negotiation, gettext catalogs and count formatting.

Catalogs are gettext ``.po`` files in ``shareproxy/translations/<lang>/LC_MESSAGES/``
(edit them with any PO editor; ``make messages`` extracts new strings and updates them).
They are compiled in memory with Babel the first time a language is used, so there is no
``.mo`` file that could drift from its ``.po``.
"""

from __future__ import annotations

import gettext
import io
import os
from functools import lru_cache

from werkzeug.datastructures import LanguageAccept

TRANSLATIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "translations")

# Shariff's 25 languages, plus Arabic, Hebrew and Persian (right to left).
LANGUAGES = (
    "bg", "cs", "da", "de", "en", "es", "fi", "fr", "hr", "hu", "it", "ja", "ko", "nl", "no",
    "pl", "pt", "ro", "ru", "sk", "sl", "sr", "sv", "tr", "zh", "ar", "he", "fa",
)  # fmt: skip
RTL = frozenset({"ar", "he", "fa"})
DEFAULT = "en"
# Tags browsers send for languages we know under another code.
ALIASES = {"nb": "no", "nn": "no", "iw": "he", "sh": "sr", "bs": "hr"}


def known(code: str) -> str | None:
    """Our code for a language tag (``de``, ``de-AT``, ``pt_BR``, ``nb``), or None."""
    primary = code.strip().lower().replace("_", "-").split("-")[0]
    primary = ALIASES.get(primary, primary)
    return primary if primary in LANGUAGES else None


def resolve(code: str | None) -> str:
    """Our code for a language tag, English for none or one we lack: ``de-AT`` → ``de``."""
    return (known(code) if code else None) or DEFAULT


def negotiate(accept: LanguageAccept) -> str:
    """The visitor's most preferred language we have, else English."""
    ranked = sorted(accept, key=lambda pair: -pair[1])  # stable: header order breaks ties
    for tag, quality in ranked:
        if quality <= 0:
            continue
        code = known(tag)
        if code:
            return code
    return DEFAULT


def direction(lang: str) -> str:
    return "rtl" if lang in RTL else "ltr"


@lru_cache(maxsize=len(LANGUAGES))
def catalog(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English is the source language: no catalog)."""
    path = os.path.join(TRANSLATIONS, lang, "LC_MESSAGES", "messages.po")
    if lang == DEFAULT or not os.path.exists(path):
        return gettext.NullTranslations()
    from babel.messages import mofile, pofile  # only while a language is first asked

    with open(path, "rb") as fh:
        parsed = pofile.read_po(fh, locale=lang)
    buf = io.BytesIO()
    mofile.write_mo(buf, parsed, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def translator(lang: str) -> gettext.NullTranslations:
    return catalog(lang if lang in LANGUAGES else DEFAULT)


def format_count(count: int) -> str:
    """Shariff's short form: 999, 1k, 1.2k, 1M, 2.5M (one decimal, trailing .0 dropped)."""
    if count < 1000:
        return str(count)
    for size, unit in ((1000, "k"), (1_000_000, "M"), (1_000_000_000, "G")):
        tenths = (count + size // 20) // (size // 10)  # rounded half up, like Math.round
        if tenths < 10_000 or unit == "G":
            whole, frac = divmod(tenths, 10)
            return f"{whole}{unit}" if frac == 0 else f"{whole}.{frac}{unit}"
    raise AssertionError("unreachable")  # pragma: no cover
