"""A WSGI app for the click durability test: shareproxy plus a bare share redirect.

The real ``/share/<network>`` view lives with the buttons; this one does what matters
here: count the click, then answer 302.
"""

from flask import redirect, request
from werkzeug.wrappers import Response

from shareproxy import create_app

app = create_app(log_summary=False)


@app.get("/test-share/<network>")
def share(network: str) -> Response:
    url = request.args.get("url", "")
    counter = app.extensions["shareproxy"].clicks
    counter.record_share(url, network, request.remote_addr or "")
    return redirect("https://example.org/shared", 302)
