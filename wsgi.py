"""Production entry point: ``gunicorn wsgi:app``."""

import sys

from shareproxy import ConfigError, create_app

# gunicorn's "App failed to load": the master stops instead of booting workers forever.
APP_LOAD_ERROR = 4

try:
    app = create_app()
except ConfigError as exc:
    sys.stderr.write(f"shareproxy: configuration error: {exc}\n")
    sys.exit(APP_LOAD_ERROR)
