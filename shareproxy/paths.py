"""Where shareproxy's files are, in a checkout and when installed with ``pip install .``.

In the repository, ``static/`` and ``templates/`` sit beside the package. ``pip install``
copies them into the package (``shareproxy/static``, ``shareproxy/templates``; see
pyproject.toml), where nothing is beside it. Build paths to them with :func:`data_dir`,
never from the checkout root, so both layouts work. This module imports nothing from the
package, so any module may use it.

The instance folder (the default SQLite store, the fallback session key) follows one rule
that the server and the ``shareproxy`` command share: it depends only on the Python
environment that runs shareproxy (``sys.prefix``), never on the current folder nor on
where the package was imported from (a checkout and an installed copy of it can both be
importable from one environment):

- a virtual environment whose folder sits in a shareproxy checkout (``make run``'s
  ``.venv``): the checkout's ``instance/`` folder;
- any other environment: ``<environment>/var/shareproxy-instance``, as Flask does for
  installed packages.
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


def looks_like_checkout(folder: str) -> bool:
    """True when ``folder`` holds shareproxy's sources (its pyproject.toml and wsgi.py)."""
    try:
        with open(os.path.join(folder, "pyproject.toml"), encoding="utf-8") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return 'name = "shareproxy"' in head and os.path.isfile(os.path.join(folder, "wsgi.py"))


def is_checkout() -> bool:
    """True when this copy of the package was imported from a checkout."""
    return looks_like_checkout(ROOT)


def environment_checkout(prefix: str | None = None, base_prefix: str | None = None) -> str | None:
    """The checkout holding the virtual environment ``prefix`` (default: the running one)."""
    prefix = os.path.abspath(sys.prefix if prefix is None else prefix)
    base = os.path.abspath(sys.base_prefix if base_prefix is None else base_prefix)
    if prefix == base:  # not a virtual environment
        return None
    parent = os.path.dirname(prefix)
    return parent if looks_like_checkout(parent) else None


def instance_dir(prefix: str | None = None, base_prefix: str | None = None) -> str:
    """The instance folder by the rule above."""
    checkout = environment_checkout(prefix, base_prefix)
    if checkout is not None:
        return os.path.join(checkout, "instance")
    prefix = os.path.abspath(sys.prefix if prefix is None else prefix)
    return os.path.join(prefix, "var", "shareproxy-instance")


def instance_rule(prefix: str | None = None, base_prefix: str | None = None) -> str:
    """Why :func:`instance_dir` chose its folder, in a few words."""
    prefix = os.path.abspath(sys.prefix if prefix is None else prefix)
    checkout = environment_checkout(prefix, base_prefix)
    if checkout is not None:
        return f"the instance folder of the checkout holding the environment {prefix}"
    return f"the instance folder of the environment {prefix}"
