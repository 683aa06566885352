"""LinkedIn: share dialog (URL only, preview from Open Graph tags); no count API."""

from markupsafe import escape

from .base import Network, Page, Widget


def element(net: Network, page: Page) -> str:
    return f'<script type="IN/Share" data-url="{escape(page.url)}"></script>'


ICON = "M4 9h3.5v11H4zM5.8 3.5a2 2 0 1 1 0 4 2 2 0 0 1 0-4zM9.5 9H13v1.6c.6-1 1.8-1.9 3.6-1.9 3 0 3.9 1.9 3.9 4.8V20H17v-5.8c0-1.4-.3-2.5-1.7-2.5-1.4 0-1.8 1.1-1.8 2.5V20h-4z"  # noqa: E501

NETWORK = Network(
    name="linkedin", label="LinkedIn", color="#0a66c2", icon=ICON,
    share_url="https://www.linkedin.com/sharing/share-offsite/?url={url}",
    widget=Widget(
        name="share plugin", scripts=("https://platform.linkedin.com/in.js",),
        origins=("https://www.linkedin.com",),
        element=element,
    ),
)  # fmt: skip
