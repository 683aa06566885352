"""Production entry point: ``gunicorn wsgi:app``."""

import sys

from shareproxy import ConfigError, create_app

try:
    app = create_app()
except ConfigError as exc:
    sys.stderr.write(f"shareproxy: configuration error: {exc}\n")
    sys.exit(1)
