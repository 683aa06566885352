"""Odnoklassniki (OK.ru): share dialog; counts from the extLike endpoint (best effort)."""

from .base import Network, json_count

ICON = "M12 2a4.5 4.5 0 1 1 0 9 4.5 4.5 0 0 1 0-9zm0 2.6a1.9 1.9 0 1 0 0 3.8 1.9 1.9 0 0 0 0-3.8zM7.4 12.4c.6-.6 1.4-.6 2 0 1.5 1.2 3.7 1.2 5.2 0 .6-.6 1.4-.6 2 0 .6.6.5 1.5-.1 2a8 8 0 0 1-2.7 1.3l2.6 2.6c.6.6.6 1.4 0 2-.6.6-1.4.6-2 0L12 17.9 9.6 20.3c-.6.6-1.4.6-2 0-.6-.6-.6-1.4 0-2l2.6-2.6a8 8 0 0 1-2.7-1.3c-.6-.5-.7-1.4-.1-2z"  # noqa: E501

NETWORK = Network(
    name="odnoklassniki", label="Odnoklassniki", color="#ee8208", icon=ICON,
    share_url="https://connect.ok.ru/offer?url={url}&title={title}",
    count=json_count("https://connect.ok.ru", "/dk", "count", url_param="ref",
                     params={"st.cmd": "extLike", "tp": "json"}, ttl_floor=300),
)  # fmt: skip
