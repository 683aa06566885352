"""`pip install .` ships static/ and templates/, gunicorn.conf.py and the console script."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from deploy_support import ROOT

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
