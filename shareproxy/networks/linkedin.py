"""LinkedIn: share dialog (URL only, preview from Open Graph tags); no count API."""

from .base import Network, Widget

NETWORK = Network(
    name="linkedin",
    label="LinkedIn",
    color="#0a66c2",
    share_url="https://www.linkedin.com/sharing/share-offsite/?url={url}",
    widget=Widget(
        scripts=("https://platform.linkedin.com/in.js",),
        origins=("https://platform.linkedin.com", "https://www.linkedin.com"),
    ),
)
