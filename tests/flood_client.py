"""A flood of ``GET /api/counts`` for unique page URLs, run as its own process so that the
test process (which serves the fake networks) does not share its interpreter lock:

    python tests/flood_client.py PORT FIRST COUNT CONNECTIONS URL_PREFIX NETWORKS

asks for ``URL_PREFIX + str(i)`` for every i in FIRST .. FIRST + COUNT - 1, over
CONNECTIONS kept-alive connections at once, and prints the statuses it got as JSON
(``{"200": COUNT}``).
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
from collections import Counter
from urllib.parse import urlencode


def flood(
    port: int, first: int, count: int, connections: int, prefix: str, networks: str
) -> Counter[int]:
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def run(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: Counter[int] = Counter()
        for i in range(first + k, first + count, connections):
            path = "/api/counts?" + urlencode({"url": f"{prefix}{i}", "networks": networks})
            for _ in range(3):  # a kept-alive connection the server closed: once more
                try:
                    conn.request("GET", path)
                    resp = conn.getresponse()
                    resp.read()
                except (http.client.HTTPException, OSError):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    continue
                mine[resp.status] += 1
                break
            else:
                mine[0] += 1  # no answer at all
        conn.close()
        with lock:
            statuses.update(mine)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


if __name__ == "__main__":
    port, first, count, connections = (int(a) for a in sys.argv[1:5])
    got = flood(port, first, count, connections, sys.argv[5], sys.argv[6])
    print(json.dumps({str(k): v for k, v in got.items()}))
