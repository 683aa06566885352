"""A worker carries only what serves counts and pages: the rarely used heavy modules are
imported by their first use (a PNG badge, an embedded post, /openapi.json), not at start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LATE = ("PIL", "nh3", "shareproxy.openapi", "babel.dates", "requests", "schemathesis")

SCRIPT = """
import json, sys
from shareproxy import create_app
app = create_app({"STORE": sys.argv[1], "LOG_LEVEL": "error"}, log_summary=False)
client = app.test_client()
before = sorted(m for m in sys.modules if m.split(".")[0] in ("PIL", "nh3", "requests",
    "schemathesis") or m in ("shareproxy.openapi", "babel.dates"))
statuses = [client.get(path).status_code for path in sys.argv[2:]]
after = sorted(m for m in sys.modules if m.split(".")[0] == "PIL" or m == "shareproxy.openapi")
print(json.dumps({"before": before, "statuses": statuses, "after": after}))
"""


def run(tmp_path: Path, *paths: str) -> dict:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    env.pop("SHAREPROXY_STORE", None)
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, f"sqlite:///{tmp_path / 's.db'}", *paths],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_built_app_has_not_imported_the_rarely_used_modules(tmp_path: Path) -> None:
    got = run(tmp_path, "/robots.txt", "/healthz")
    assert got["before"] == [], f"imported at start: {got['before']}"
    assert [m for m in got["after"] if m.split(".")[0] in LATE] == []


def test_they_are_imported_when_first_used(tmp_path: Path) -> None:
    got = run(tmp_path, "/favicon.ico", "/openapi.json")
    assert got["before"] == []
    assert got["statuses"] == [200, 200]
    assert "PIL.Image" in got["after"] and "shareproxy.openapi" in got["after"]
