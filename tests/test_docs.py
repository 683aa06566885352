"""The README's configuration reference matches the settings declarations."""

import re
from pathlib import Path

from shareproxy.settings import SETTINGS, reference_markdown

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_reference_is_generated_from_the_declarations() -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- settings:start -->\n(.*)<!-- settings:end -->", text, re.S)
    assert match, "README lacks the settings markers"
    assert match.group(1) == reference_markdown(), (
        "README configuration reference is out of date: run "
        "`python -m shareproxy.settings` and paste it between the markers"
    )


def test_every_setting_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.env}`" in text


def test_readme_opens_with_the_two_commands() -> None:
    head = README.read_text(encoding="utf-8")[:600]
    assert "make run" in head and "make test" in head
