"""Microsoft Teams: share dialog; no count API."""

from .base import Network

ICON = "M3 6H14a1 1 0 0 1 1 1V18a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V7A1 1 0 0 1 3 6zM5 8.5h7v1.8H9.4V17H7.6V10.3H5zm14-6a2.3 2.3 0 1 1 0 4.6 2.3 2.3 0 0 1 0-4.6zM16 9h5a1 1 0 0 1 1 1v5a3.5 3.5 0 0 1-6 2.4z"  # noqa: E501

NETWORK = Network(
    name="teams", label="Microsoft Teams", color="#4b53bc", icon=ICON,
    share_url="https://teams.microsoft.com/share?href={url}&msgText={title}",
)  # fmt: skip
