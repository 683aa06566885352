"""The registry: every network shareproxy knows, in one explicit list.

Adding a network means one module beside this file, one line below, a fake answer in
``tests/fakes.py`` and its tests (CONTRIBUTING.md).
"""

from __future__ import annotations

from . import (
    bluesky,
    buffer,
    copy,
    diaspora,
    facebook,
    fediverse,
    flipboard,
    hackernews,
    info,
    line,
    linkedin,
    lobsters,
    mail,
    mastodon,
    odnoklassniki,
    pinterest,
    print,
    reddit,
    share,
    sms,
    teams,
    telegram,
    threads,
    threema,
    tumblr,
    twitter,
    vk,
    weibo,
    whatsapp,
    xing,
)
from .base import Network

_MODULES = (
    facebook, twitter, linkedin, xing, reddit, pinterest, whatsapp, telegram, threema,
    mastodon, fediverse, bluesky, threads, tumblr, vk, odnoklassniki, flipboard, buffer, diaspora,
    hackernews, lobsters, weibo, line, teams, sms, mail, print, copy, share, info,
)  # fmt: skip

NETWORKS: dict[str, Network] = {m.NETWORK.name: m.NETWORK for m in _MODULES}
COUNT_NETWORKS: dict[str, Network] = {n: net for n, net in NETWORKS.items() if net.count}

# Networks that closed or stopped offering sharing; not offered, listed in the README.
DEAD = {
    "pocket": "closed by Mozilla in July 2025",
    "googleplus": "Google+ closed in 2019",
    "stumbleupon": "closed in 2018; its successor Mix closed too",
    "flattr": "the micro-donation service closed",
    "addthis": "Oracle shut the AddThis widgets down in 2023",
}

__all__ = ["COUNT_NETWORKS", "DEAD", "NETWORKS", "Network"]
