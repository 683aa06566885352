"""WhatsApp: wa.me text link; no count API."""

from .base import Network

NETWORK = Network(
    name="whatsapp",
    label="WhatsApp",
    color="#25d366",
    share_url="https://wa.me/?text={text}",
)
