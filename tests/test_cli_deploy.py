"""`shareproxy check-config` and `shareproxy serve`."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from deploy_support import ROOT, free_port, server_env

from shareproxy.cli import main


def test_check_config_prints_the_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHAREPROXY_ALLOWED_DOMAINS", "example.org")
    monkeypatch.delenv("SHAREPROXY_FACEBOOK_APP_ID", raising=False)
    result = CliRunner().invoke(main, ["check-config"])
    assert result.exit_code == 0, result.output
    assert "allowed domains: example.org" in result.output
    assert "facebook counts off: no SHAREPROXY_FACEBOOK_APP_ID" in result.output


def test_check_config_fails_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHAREPROXY_TRUSTED_PROXIES", "all of them")
    result = CliRunner().invoke(main, ["check-config"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("shareproxy: configuration error: SHAREPROXY_TRUSTED_PROXIES:")


def test_serve_runs_gunicorn_with_the_shipped_config(tmp_path: Path) -> None:
    port = free_port()
    access = tmp_path / "access.log"
    env = server_env(tmp_path, ACCESS_LOG=str(access))
    with (tmp_path / "err.log").open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "shareproxy.cli", "serve", "--bind", f"127.0.0.1:{port}",
             "--workers", "1"],
            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, (tmp_path / "err.log").read_text()
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    errors = (tmp_path / "err.log").read_text()
    assert "Using worker: shareproxy.gworker.Worker" in errors
    assert errors.count("Booting worker") == 1
    assert "GET /healthz HTTP/1.1" in access.read_text()
    assert ROOT.joinpath("gunicorn.conf.py").is_file()
