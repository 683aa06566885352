"""Where shareproxy's files are, in a checkout and when installed with ``pip install .``.

In the repository, ``static/`` and ``templates/`` sit beside the package. ``pip install``
copies them into the package (``shareproxy/static``, ``shareproxy/templates``; see
pyproject.toml), where nothing is beside it. Build paths to them with :func:`data_dir`,
never from the checkout root, so both layouts work. This module imports nothing from the
package, so any module may use it.
"""

from __future__ import annotations

import os
import sys

PACKAGE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(PACKAGE)


def data_dir(name: str) -> str:
    """``static`` or ``templates``: inside the package when installed, beside it in a checkout."""
    for base in (PACKAGE, ROOT):
        path = os.path.join(base, name)
        if os.path.isdir(path):
            return path
    return os.path.join(ROOT, name)


def is_checkout() -> bool:
    return os.path.isfile(os.path.join(ROOT, "pyproject.toml"))


def instance_dir() -> str:
    """The instance folder (the default SQLite store): ``instance/`` of a checkout, else
    ``<prefix>/var/shareproxy-instance`` as Flask does for installed packages."""
    if is_checkout():
        return os.path.join(ROOT, "instance")
    return os.path.join(sys.prefix, "var", "shareproxy-instance")
