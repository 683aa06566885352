"""WhatsApp: wa.me text link; no count API."""

from .base import Network

ICON = "M12 2A10 10 0 1 1 7 20.7L2 22l1.3-4.8A10 10 0 0 1 12 2zm0 2a8 8 0 1 0 0 16A8 8 0 1 0 12 4zM9 7.5c.4 0 .7.1.9.6l.7 1.6c.1.3 0 .6-.2.8l-.6.7c.8 1.5 2 2.6 3.5 3.4l.7-.7c.2-.2.5-.3.8-.1l1.6.7c.4.2.5.5.5.9 0 1.2-1.1 2.1-2.3 2A8 8 0 0 1 7 9.8c-.1-1.2.8-2.3 2-2.3z"  # noqa: E501

NETWORK = Network(
    name="whatsapp", label="WhatsApp", color="#25d366", icon=ICON,
    share_url="https://wa.me/?text={text}",
)  # fmt: skip
