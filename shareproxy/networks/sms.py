"""SMS: the device's messaging app (mobile)."""

from .base import action

ICON = "M4 3H20a2 2 0 0 1 2 2V16a2 2 0 0 1-2 2H9L4 22V18a2 2 0 0 1-2-2V5A2 2 0 0 1 4 3zM7.5 9.1a1.4 1.4 0 1 0 0 2.8 1.4 1.4 0 0 0 0-2.8zm4.5 0a1.4 1.4 0 1 0 0 2.8 1.4 1.4 0 0 0 0-2.8zm4.5 0a1.4 1.4 0 1 0 0 2.8 1.4 1.4 0 0 0 0-2.8z"  # noqa: E501

NETWORK = action("sms", "SMS", ICON, share_url="sms:?&body={text}", color="#2e7d32")
