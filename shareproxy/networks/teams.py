"""Microsoft Teams: share dialog; no count API."""

from .base import Network

NETWORK = Network(
    name="teams",
    label="Microsoft Teams",
    color="#4b53bc",
    share_url="https://teams.microsoft.com/share?href={url}&msgText={title}",
)
