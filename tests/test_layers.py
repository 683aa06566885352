"""The import direction of CONTRIBUTING.md's "Where things live", read from the source.

Every module of shareproxy/ belongs to one layer; a module imports only from its own layer
and the layers below it. On top of that: a face never imports another face, only
shareproxy/views/context.py reads Flask's ``current_app``, and nothing imports the
package root (``create_app`` is for wsgi.py and the tests). A failure names the file,
the line and the import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "shareproxy"

# Bottom to top. A name stands for the module and, ending in "/", for a whole folder.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "facts and helpers",
        (
            "_version", "arrival", "paths", "failures", "human", "privacy", "urls", "sanitize",
            "i18n", "metrics", "imagework", "images", "guard", "accesslog", "compress", "headers",
            "icons", "wordpress", "refusals", "networks/", "embeds/__init__", "embeds/base",
            "embeds/youtube", "embeds/vimeo", "embeds/peertube", "embeds/fediverse",
            "embeds/bluesky", "lru", "allocator",
            "store/",
        ),
    ),
    ("settings", ("settings", "networks/reference", "networks/__main__")),
    (
        "services",
        (
            "fetch", "circuit", "cache", "clicks", "counts", "fastpath", "badges", "assets",
            "embeds/service", "presence", "startup", "errors", "charts", "admin_access",
            "nodeinfo", "buttonrow", "pagememo", "pageshape",
        ),
    ),
    ("container", ("container",)),
    ("admin operations", ("admin_service", "console")),
    ("faces", ("views/", "openapi", "admin_cli", "cli", "gworker")),
    ("the app", ("__init__",)),
]  # fmt: skip

# Modules of shareproxy/views/ every face may use; the others are faces, one blueprint
# each (a package such as views/admin/ is one face).
FACE_HELPERS = {"views/__init__", "views/params", "views/context"}


def module_name(path: Path) -> str:
    """``views/admin/pages`` for shareproxy/views/admin/pages.py."""
    return path.relative_to(PACKAGE).with_suffix("").as_posix()


def sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "translations" not in p.parts)


def layer_of(name: str) -> int:
    found = [
        i
        for i, (_, members) in enumerate(LAYERS)
        for member in members
        if name == member or (member.endswith("/") and name.startswith(member))
    ]
    assert found, (
        f"shareproxy/{name}.py belongs to no layer: add it to LAYERS in {Path(__file__).name} "
        "and to CONTRIBUTING.md's 'Where things live'"
    )
    return max(found)  # networks/reference stands above networks/


def face_of(name: str) -> str | None:
    """The face a module is part of (``views/admin`` for views/admin/pages), or None."""
    if not name.startswith("views/") or name in FACE_HELPERS:
        return None
    return "/".join(name.split("/")[:2])


def imports(name: str, text: str) -> list[tuple[int, str, str]]:
    """(line, the import as written, the shareproxy module it reaches) of module ``name``."""
    package = name.split("/")[:-1]
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "shareproxy" or alias.name.startswith("shareproxy."):
                    target = "/".join(alias.name.split(".")[1:])
                    found.append((node.lineno, f"import {alias.name}", resolve(target)))
            continue
        if not isinstance(node, ast.ImportFrom):
            continue
        dotted = (node.module or "").split(".") if node.module else []
        if node.level:
            if node.level - 1 > len(package):
                continue
            module = package[: len(package) - (node.level - 1)] + dotted
        elif dotted[:1] == ["shareproxy"]:
            module = dotted[1:]
        else:
            continue
        written = "from " + "." * node.level + (node.module or "") + " import "
        for alias in node.names:
            candidate = "/".join([*module, alias.name])
            is_module = (PACKAGE / f"{candidate}.py").exists() or (PACKAGE / candidate).is_dir()
            target = candidate if is_module else "/".join(module)
            found.append((node.lineno, written + alias.name, resolve(target)))
    return found


def resolve(target: str) -> str:
    """A module name as it is on disk: a folder is its ``__init__``."""
    if not target:
        return "__init__"
    if (PACKAGE / target).is_dir():
        return f"{target}/__init__"
    return target


def problems(name: str, text: str) -> list[str]:
    """What is wrong with the imports of module ``name`` (source ``text``), in words."""
    mine = layer_of(name)
    found = []
    for line, written, target in imports(name, text):
        if target == name:
            continue
        where = f"shareproxy/{name}.py:{line}: {written}"
        if target == "__init__" and name != "__init__":
            found.append(
                f"{where} reaches the package root: import what you need from the module "
                "that defines it (a face: from .context import services)"
            )
            continue
        theirs = layer_of(target)
        if theirs > mine:
            found.append(
                f"{where} reaches up from {LAYERS[mine][0]!r} to {LAYERS[theirs][0]!r} "
                f"(shareproxy/{target}.py): hand it in from above instead (a constructor "
                "argument or a hook)"
            )
        face, other = face_of(name), face_of(target)
        if face and other and face != other:
            found.append(
                f"{where}: the face {face} imports the face {other}; move what both need to "
                "views/params.py, shareproxy/headers.py or a module below the faces"
            )
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if (
            name != "views/context"
            and isinstance(node, ast.ImportFrom)
            and node.module == "flask"
            and any(alias.name == "current_app" for alias in node.names)
        ):
            found.append(
                f"shareproxy/{name}.py:{node.lineno}: from flask import current_app; faces "
                "use views/context.py, and what lies below receives what it needs"
            )
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "extensions"
            and not (isinstance(node.slice, ast.Constant) and node.slice.value == "shareproxy")
        ):
            found.append(
                f"shareproxy/{name}.py:{node.lineno}: app.extensions[{ast.unparse(node.slice)}]"
                ": keep services in the container (shareproxy/container.py), the one extension"
            )
    return found


def test_every_module_has_a_layer() -> None:
    for path in sources():
        layer_of(module_name(path))


@pytest.mark.parametrize("path", sources(), ids=module_name)
def test_imports_point_down(path: Path) -> None:
    found = problems(module_name(path), path.read_text(encoding="utf-8"))
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("name", "source", "words"),
    [
        ("urls", "from .container import Services\n", "shareproxy/urls.py:1: from .container "
         "import Services reaches up from 'facts and helpers' to 'container'"),
        ("cache", "import shareproxy.views.params\n", "reaches up from 'services' to 'faces'"),
        ("views/share", "from . import buttons\n", "the face views/share imports the face "
         "views/buttons"),
        ("views/api", "from .. import services\n", "views/api.py:1: from .. import services "
         "reaches the package root"),
        ("clicks", "from flask import current_app\n", "clicks.py:1: from flask import "
         "current_app"),
        ("views/api", "x = app.extensions['clicks']\n", "app.extensions['clicks']"),
    ],
)  # fmt: skip
def test_a_wrong_import_is_named(name: str, source: str, words: str) -> None:
    found = problems(name, source)
    assert len(found) == 1 and words in found[0], found
