"""`pip install .` ships static/ and templates/, gunicorn.conf.py and the console script."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from deploy_support import ROOT, free_port, ttl_set_reaches_server, wait_for_ttl

SKIP = shutil.ignore_patterns(
    ".git", ".venv", "venv", "instance", "build", "dist", "*.egg-info", "__pycache__",
    ".pytest_cache", ".mypy_cache", ".ruff_cache", "node_modules", "docs",
)  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A wheel of a copy of this checkout, with nested probe files in static/ and templates/."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=SKIP)
    for probe in ("static/deploy-probe/probe.svg", "templates/deploy-probe/probe.html"):
        (src / probe).parent.mkdir(parents=True, exist_ok=True)
        (src / probe).write_text("probe\n")
    out = tmp / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation",
         "--no-index", "-q", "-w", str(out)],
        cwd=src, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    wheels = list(out.glob("shareproxy-*.whl"))
    assert len(wheels) == 1
    return src, wheels[0]


def test_wheel_carries_static_templates_and_gunicorn_conf(built: tuple[Path, Path]) -> None:
    src, wheel = built
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("static", "templates"):
        files = [p for p in (src / folder).rglob("*") if p.is_file()]
        assert files
        for path in files:
            assert f"shareproxy/{path.relative_to(src).as_posix()}" in names, path
    assert any(n.endswith(".data/data/share/shareproxy/gunicorn.conf.py") for n in names)
    assert "shareproxy/accesslog.py" in names and "shareproxy/networks/facebook.py" in names


def test_wheel_declares_the_console_script(built: tuple[Path, Path]) -> None:
    _, wheel = built
    with zipfile.ZipFile(wheel) as zf:
        entry = next(n for n in zf.namelist() if n.endswith("entry_points.txt"))
        text = zf.read(entry).decode()
    assert re.search(r"^shareproxy = shareproxy\.cli:main$", text, re.M)


def test_installed_app_serves_static_files_and_templates(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    """The wheel alone, without the checkout: Flask finds static/ and templates/ in it."""
    _, wheel = built
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = f"""
import shareproxy, shareproxy.paths as p
app = shareproxy.create_app({{"STORE": "sqlite:///{tmp_path}/t.db"}}, log_summary=False)
print(p.data_dir("static"))
print(p.data_dir("templates"))
print(app.test_client().get("/static/deploy-probe/probe.svg").status_code)
print(app.jinja_env.get_template("deploy-probe/probe.html").render().strip())
print(p.is_checkout())
"""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        str(site / "shareproxy" / "static"), str(site / "shareproxy" / "templates"),
        "200", "probe", "False",
    ]  # fmt: skip


def test_no_module_builds_data_paths_from_the_checkout() -> None:
    """Installed, there is no checkout root: paths to static/ and templates/ must come from
    shareproxy.paths.data_dir (a path joined to ROOT works in the repository only)."""
    pattern = re.compile(r"""join\(\s*ROOT\s*,\s*["'](static|templates)["']""")
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "shareproxy").rglob("*.py")
        if path.name != "paths.py" and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"use shareproxy.paths.data_dir() in {offenders}"


def test_every_subpackage_is_listed_in_pyproject() -> None:
    """setuptools gets an explicit package list: a new subpackage must be added to it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "shareproxy").rglob("__init__.py")
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


@pytest.mark.parametrize("mode", ["wheel", "editable"])
def test_pip_install_leaves_a_shareproxy_command_that_finds_the_servers_store(
    built: tuple[Path, Path], tmp_path: Path, mode: str
) -> None:
    """`pip install .` (or `-e .`) into a virtual environment: `shareproxy serve` in one
    folder and `shareproxy ttl set` in another use the same store, the environment's
    var/shareproxy-instance/shareproxy.db, and the server reports the change."""
    src, wheel = built
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # the dependencies come from the test environment; shareproxy itself is installed
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    import flask

    deps = os.path.dirname(os.path.dirname(flask.__file__))  # where the test's packages are
    Path(site, "test-deps.pth").write_text(deps + "\n")
    target = str(wheel) if mode == "wheel" else "-e" + str(src)
    args = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
            "--no-index", "--no-build-isolation", "-q", target]  # fmt: skip
    result = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    command = venv / "bin" / "shareproxy"
    assert command.is_file()

    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAREPROXY_")}
    for name in ("PROMETHEUS_MULTIPROC_DIR", "BIND", "VIRTUAL_ENV", "PYTHONPATH"):
        env.pop(name, None)
    token = "pip-install-test-token-0123456789abcdef"
    env.update(SHAREPROXY_ADMIN_TOKEN=token, SHAREPROXY_API_BASE_PINTEREST="http://127.0.0.1:9")
    db = venv / "var" / "shareproxy-instance" / "shareproxy.db"
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    check = subprocess.run(
        [str(command), "check-config"], cwd=there, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert f"store: SQLite {db} (default: the instance folder of the environment" in check.stdout
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(command), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=here, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for_ttl(port, token, "pinterest", 3600, within=60)
        assert f"store: SQLite {db} (default:" in log.read_text()
        result = ttl_set_reaches_server(
            [str(command)], there, env, db, port, token, "pinterest", 1900
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "applied by 1 server process" in result.stdout
    finally:
        proc.terminate()
        proc.wait(timeout=30)
