"""SMS: the device's messaging app (mobile)."""

from .base import Network

NETWORK = Network(
    name="sms",
    label="SMS",
    color="#2e7d32",
    share_url="sms:?&body={text}",
    kind="action",
)
