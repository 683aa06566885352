"""SMS: the device's messaging app (mobile)."""

from .base import action

ICON = "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zM7.5 9.1a1.4 1.4 0 1 0 0 2.8 1.4 1.4 0 0 0 0-2.8zM12 9.1a1.4 1.4 0 1 0 0 2.8 1.4 1.4 0 0 0 0-2.8zM16.5 9.1a1.4 1.4 0 1 0 0 2.8 1.4 1.4 0 0 0 0-2.8z"  # noqa: E501

NETWORK = action("sms", "SMS", ICON, share_url="sms:?&body={text}", color="#2e7d32")
